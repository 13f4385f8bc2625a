//go:build cgo

package pcsc

import (
	"errors"
	"os"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
)

// A card that no longer holds the run's snapshot (its hold gone, as when
// serve restarts, and another program's snapshot taken since): the run's
// next Open restores nothing and fails with ErrSnapshotLost, and so do every
// later Open and the final RestoreSnapshot — the other program's state is
// never restored as if it were the run's.
func TestPCSCTargetNoticesALostSnapshot(t *testing.T) {
	r := os.Getenv("JPKISIM_TEST_READER")
	if r == "" {
		t.Skip("JPKISIM_TEST_READER not set: run scripts/pcsc-test.sh (make test) for the PC/SC stack")
	}
	tg, err := NewTarget(r, harness.GuardPolicy{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c, err := Open(r)
	if err != nil {
		t.Fatal(err)
	}
	cl := harness.NewClient(c)
	tries := func() int {
		t.Helper()
		if err := cl.SelectJPKI(); err != nil {
			t.Fatal(err)
		}
		n, err := cl.RetriesLeft(jpki.AuthPIN)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	found := tries()
	t.Cleanup(func() {
		defer c.Close()
		// The correct PIN gives the try back, and a snapshot of the card
		// as the test found it is the card's last one again.
		if err := cl.SelectJPKI(); err != nil {
			t.Fatal(err)
		}
		if err := cl.Verify(jpki.AuthPIN, fixtures.MustProfile("default").AuthPIN); err != nil {
			t.Fatal(err)
		}
		if sw, err := control(c, jpki.SnapshotP1, nil); err != nil || sw != apdu.SWOK {
			t.Fatalf("snapshot at cleanup: %04X %v", uint16(sw), err)
		}
	})
	// The hold goes; another program spends a try and takes its snapshot.
	if sw, err := control(c, jpki.ReleaseP1, tg.token); err != nil || sw != apdu.SWOK {
		t.Fatalf("release: %04X %v", uint16(sw), err)
	}
	_ = cl.Verify(jpki.AuthPIN, []byte("0000"))
	if sw, err := control(c, jpki.SnapshotP1, nil); err != nil || sw != apdu.SWOK {
		t.Fatalf("the other program's snapshot: %04X %v", uint16(sw), err)
	}
	moved := tries()
	if moved != found-1 {
		t.Fatalf("%d tries after a wrong PIN, found %d", moved, found)
	}
	for i := 0; i < 2; i++ {
		if _, err := tg.Open(); !errors.Is(err, ErrSnapshotLost) {
			t.Fatalf("Open %d on a card that lost the run's snapshot: %v", i, err)
		}
	}
	if err := tg.RestoreSnapshot(); !errors.Is(err, ErrSnapshotLost) {
		t.Fatalf("RestoreSnapshot on a card that lost the run's snapshot: %v", err)
	}
	if n := tries(); n != moved {
		t.Fatalf("%d tries after the run, %d before it: something was restored", n, moved)
	}
}
