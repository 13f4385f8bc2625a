//go:build unix

package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

const (
	selJPKI  = "00A4040C0AD392F000260100000001"
	wrongPIN = "002000980439393939" // the auth PIN by SFI, 9999
	countPIN = "00200098"
)

// openCard opens a state file and powers the card that drives it.
func openCard(t *testing.T, path string) (*store.Store, *simulator.Card) {
	t.Helper()
	s, st, meta, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := simulator.NewWithState(fixtures.MustProfile(meta.Profile), st, s)
	c.PowerOn()
	send(t, c, selJPKI)
	return s, c
}

// authTries is the auth PIN's counter as the file holds it.
func authTries(t *testing.T, path string) int {
	t.Helper()
	st, _, err := store.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN.Remaining
}

// A symlinked state file is locked and written as the file it points to:
// before, the first write replaced the link with a regular file, and the
// target kept its old counter (a try regained by opening the target), and
// the link and the target were two locks.
func TestSymlinkedFileIsOneCard(t *testing.T) {
	path, _ := newFile(t)
	link := filepath.Join(t.TempDir(), "link.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	_, c := openCard(t, link)
	if got := send(t, c, wrongPIN); got != "63C2" {
		t.Fatal(got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if n := authTries(t, path); n != 2 {
		t.Fatalf("the target holds %d tries, want 2", n)
	}
	if _, _, _, err := store.Open(path); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("the target opened beside its link: %v", err)
	}
}

// A state file with a second name (a hard link) is refused: the two names
// would be two locks on one card.
func TestHardLinkedFileIsRefused(t *testing.T) {
	path, _ := newFile(t)
	other := filepath.Join(filepath.Dir(path), "other.json")
	if err := os.Link(path, other); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	for _, p := range []string{path, other} {
		s, _, _, err := store.Open(p)
		if err == nil {
			s.Close()
			t.Fatalf("%s opened with two names", p)
		}
		if !errors.Is(err, store.ErrBadState) || !bytes.Contains([]byte(err.Error()), []byte("hard link")) {
			t.Fatalf("%v", err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the file changed")
	}
}

// Deleting FILE.lock while a card is served lets a second writer in. The
// first one notices at its next write and answers 6581 instead of writing
// back its older memory: before, its next wrong VERIFY wrote 1 over the 0
// the second writer had left (a try regained).
func TestRemovedLockStopsTheOldWriter(t *testing.T) {
	path, _ := newFile(t)
	_, a := openCard(t, path)
	if got := send(t, a, wrongPIN); got != "63C2" {
		t.Fatal(got)
	}
	if err := os.Remove(path + ".lock"); err != nil {
		t.Fatal(err)
	}
	_, b := openCard(t, path)
	for _, want := range []string{"63C1", "63C0"} {
		if got := send(t, b, wrongPIN); got != want {
			t.Fatalf("second writer: %s, want %s", got, want)
		}
	}
	if got := send(t, a, wrongPIN); got != "6581" {
		t.Fatalf("the first writer, its lock gone, answered %s", got)
	}
	if n := authTries(t, path); n != 0 {
		t.Fatalf("the file holds %d tries after the second writer blocked the PIN", n)
	}
}

// A lock file replaced by another (removed and created again) is a lost
// lock too, even with no second writer yet.
func TestReplacedLockStopsTheWriter(t *testing.T) {
	path, _ := newFile(t)
	_, a := openCard(t, path)
	os.Remove(path + ".lock")
	if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := send(t, a, wrongPIN); got != "6581" {
		t.Fatalf("answered %s with its lock replaced", got)
	}
	if n := authTries(t, path); n != 3 {
		t.Fatalf("%d tries", n)
	}
}

// A file changed under the writer (an older copy put back, an edit) is
// never overwritten with memory older than it: the write is refused (6581)
// and every later one too.
func TestFileChangedUnderTheWriterIsNotOverwritten(t *testing.T) {
	path, _ := newFile(t)
	older, _ := os.ReadFile(path)
	_, a := openCard(t, path)
	if got := send(t, a, wrongPIN); got != "63C2" {
		t.Fatal(got)
	}
	// Someone puts the older copy back, the way every writer writes: a
	// temporary file renamed over the state file.
	tmp := path + ".restored"
	if err := os.WriteFile(tmp, older, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if got := send(t, a, wrongPIN); got != "6581" {
			t.Fatalf("wrote over a file that changed under it: %s", got)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, older) {
		t.Fatal("the changed file was overwritten")
	}
	// The same with an edit in place (same inode).
	path2, _ := newFile(t)
	_, c := openCard(t, path2)
	send(t, c, wrongPIN)
	data, _ := os.ReadFile(path2)
	if err := os.WriteFile(path2, append(data, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := send(t, c, wrongPIN); got != "6581" {
		t.Fatalf("wrote over a file edited in place: %s", got)
	}
}

// Create is exclusive: of goroutines racing to create one path, exactly
// one succeeds and the file is that one's. Before, the check and the
// rename were apart, and two concurrent `card new` both said "created" in
// 32 of 40 races.
func TestCreateIsExclusive(t *testing.T) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	const races, racers = 40, 4
	twice := 0
	for r := 0; r < races; r++ {
		path := filepath.Join(t.TempDir(), "card.json")
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		start := make(chan struct{})
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if store.Create(path, st, store.Meta{Profile: "default"}) == nil {
					mu.Lock()
					won++
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if won != 1 {
			twice++
		}
		if _, _, err := store.Load(path); err != nil {
			t.Fatal(err)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".card.json.tmp-*")); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	}
	if twice != 0 {
		t.Fatalf("in %d of %d races, not exactly one Create succeeded", twice, races)
	}
}

// Temporary files a killed writer left (.NAME.tmp-*) are removed at the
// next open; other files are not touched.
func TestKilledWritersTemporaryFilesAreRemoved(t *testing.T) {
	path, _ := newFile(t)
	dir := filepath.Dir(path)
	left := []string{".card.json.tmp-123", ".card.json.tmp-4567"}
	kept := []string{".other.json.tmp-1", "card.json.bak", ".card.json.tmp"}
	for _, n := range append(append([]string(nil), left...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, _, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range left {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s was left", n)
		}
	}
	for _, n := range kept {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
}

// A path that is a FIFO is refused at once; before, opening it waited for
// a writer forever.
func TestFIFOIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { _, _, _, err := store.Open(path); done <- err }()
	go func() { _, _, err := store.Load(path); done <- err }()
	for i := 0; i < 2; i++ {
		select {
		case err := <-done:
			if !errors.Is(err, store.ErrBadState) {
				t.Fatalf("a FIFO: %v", err)
			}
		case <-time.After(10 * time.Second): // a hang, not a speed: the refusal takes microseconds
			t.Fatal("opening a FIFO hangs")
		}
	}
}
