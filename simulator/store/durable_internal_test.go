package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
)

func openDefault(t *testing.T) (string, *Store, *simulator.Card) {
	t.Helper()
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	path := filepath.Join(t.TempDir(), "card.json")
	if err := Create(path, st, Meta{Profile: p.Name}); err != nil {
		t.Fatal(err)
	}
	s, st, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := simulator.NewWithState(p, st, s)
	c.PowerOn()
	return path, s, c
}

func sw(t *testing.T, c *simulator.Card, capdu ...byte) [2]byte {
	t.Helper()
	r, err := c.Transmit(capdu)
	if err != nil {
		t.Fatal(err)
	}
	return [2]byte{r[len(r)-2], r[len(r)-1]}
}

var (
	selectJPKI = []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
	wrongAuth  = []byte{0x00, 0x20, 0x00, 0x98, 0x04, '9', '9', '9', '9'}
	countAuth  = []byte{0x00, 0x20, 0x00, 0x98}
)

// The rename replaced the file but the directory's fsync failed: what the
// disk has is then the new file (every reader sees it; only a power loss
// could bring the old one back). The write is reported as not durable, so
// the card answers 6581 without comparing, and memory keeps the new state,
// as the file does: a try spent without a comparison, never one regained.
// The next write, with the directory syncing again, goes through.
func TestRenamedButNotSyncedIsWhatTheDiskHas(t *testing.T) {
	path, s, c := openDefault(t)
	sw(t, c, selectJPKI...)
	failing := errors.New("input/output error")
	syncDir = func(string) error { return failing }
	defer func() { syncDir = syncDirectory }()
	if got := sw(t, c, wrongAuth...); got != [2]byte{0x65, 0x81} {
		t.Fatalf("% X with the directory unsynced", got)
	}
	st, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN.Remaining; n != 2 {
		t.Fatalf("the file holds %d tries, want 2", n)
	}
	if got := sw(t, c, countAuth...); got != [2]byte{0x63, 0xC2} {
		t.Fatalf("memory answers % X, the file holds 2", got)
	}
	syncDir = syncDirectory
	if got := sw(t, c, wrongAuth...); got != [2]byte{0x63, 0xC1} {
		t.Fatalf("% X once the directory syncs again", got)
	}
	if s.Err() != nil {
		t.Fatalf("an unsynced directory was taken for a lost lock: %v", s.Err())
	}
}

// A commit that fails leaves the meta of the next commit as the file has
// it: an office operation's SetMeta is undone with its failed write.
func TestFailedCommitUndoesSetMeta(t *testing.T) {
	_, s, _ := openDefault(t)
	m := s.Meta()
	m.Lapsed = "death"
	s.SetMeta(m)
	st, _, _ := Load(s.real)
	st.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN.MaxTries = 100 // refused: nothing written
	if err := s.Commit(st); !errors.Is(err, ErrBadState) {
		t.Fatalf("%v", err)
	}
	if got := s.Meta().Lapsed; got != "" {
		t.Fatalf("the meta of a failed commit stayed: lapsed %q", got)
	}
}
