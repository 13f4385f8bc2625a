//go:build cgo

package pcsc_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/pcsc"
)

// authTries reads the auth PIN's counter in a session of its own, with the
// empty VERIFY (which spends nothing).
func authTries(t *testing.T, c harness.Card) int {
	t.Helper()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	n, err := cl.RetriesLeft(jpki.AuthPIN)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func rawAuthTries(t *testing.T, reader string) int {
	t.Helper()
	c, err := pcsc.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return authTries(t, c)
}

// A target returns the virtual card to what it was when the target's run
// started — not to what it was when serve made it: another client spent a
// try of the auth PIN since, and that try stays spent, while the run's own
// tries are given back before every session and at the end. After Stop
// nothing more is sent, and the final restore still happens.
func TestPCSCTargetLeavesTheCardAsItFoundIt(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	// Another client, before the run: one wrong auth PIN.
	c, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	_ = cl.Verify(jpki.AuthPIN, []byte("0000"))
	found, err := cl.RetriesLeft(jpki.AuthPIN)
	c.Close()
	if err != nil || found != 2 {
		t.Fatalf("%d tries after a wrong PIN on a fresh card (%v)", found, err)
	}
	t.Cleanup(func() {
		// The correct PIN gives the try back: the card as the test found it.
		c, err := pcsc.Open(r)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cl := harness.NewClient(c)
		if err := cl.SelectJPKI(); err != nil {
			t.Fatal(err)
		}
		if err := cl.Verify(jpki.AuthPIN, fixtures.MustProfile("default").AuthPIN); err != nil {
			t.Fatal(err)
		}
	})

	tg, err := pcsc.NewTarget(r, harness.GuardPolicy{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Snapshot(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // two scenarios, each spending a try
		s, err := tg.Open()
		if err != nil {
			t.Fatal(err)
		}
		if n := authTries(t, s); n != found {
			t.Fatalf("session %d starts with %d tries, the run found %d", i, n, found)
		}
		_ = harness.NewClient(s).Verify(jpki.AuthPIN, []byte("0000"))
		s.Close()
	}
	if err := tg.RestoreSnapshot(); err != nil {
		t.Fatal(err)
	}
	if n := rawAuthTries(t, r); n != found {
		t.Fatalf("%d tries after the run's restore, the run found %d", n, found)
	}

	// Interrupted: a session in the middle of a scenario.
	s, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = harness.NewClient(s).Verify(jpki.AuthPIN, []byte("0000"))
	tg.Stop()
	if _, err := s.Transmit([]byte{0x00, 0xA4, 0x00, 0x00}); !errors.Is(err, pcsc.ErrStopped) {
		t.Fatalf("a command after Stop: %v", err)
	}
	if err := s.Reset(); !errors.Is(err, pcsc.ErrStopped) {
		t.Fatalf("a reset after Stop: %v", err)
	}
	if _, err := tg.Open(); !errors.Is(err, pcsc.ErrStopped) {
		t.Fatalf("a session after Stop: %v", err)
	}
	if err := tg.RestoreSnapshot(); err != nil {
		t.Fatal(err)
	}
	if n := rawAuthTries(t, r); n != found {
		t.Fatalf("%d tries after the interrupted run's restore, the run found %d", n, found)
	}
}

// A card that is not virtual gets no test-control command: Snapshot
// and RestoreSnapshot send nothing (the serve log of scripts/pcsc-test.sh
// is searched for 80EE besides).
func TestRealCardTargetNeverSnapshots(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_REAL_READER")
	tg, err := pcsc.NewTarget(r, harness.GuardPolicy{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Virtual() {
		t.Fatal("the card posing as a real one counts as virtual")
	}
	if err := tg.Snapshot(); err != nil {
		t.Fatal(err)
	}
	s, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	if n := authTries(t, s); n != 3 {
		t.Fatalf("%d tries on the card posing as a real one", n)
	}
	s.Close()
	if err := tg.RestoreSnapshot(); err != nil {
		t.Fatal(err)
	}
}

// sendHex sends hex C-APDUs in one session of its own and returns the
// status word of each, as another PC/SC program would.
func sendHex(t *testing.T, reader string, cmds ...string) []string {
	t.Helper()
	c, err := pcsc.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sws []string
	for _, h := range cmds {
		b, err := apdu.ParseHex(h)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Transmit(b)
		if err != nil || len(r) < 2 {
			t.Fatalf("%s: %X %v", h, r, err)
		}
		sws = append(sws, fmt.Sprintf("%X", r[len(r)-2:]))
	}
	return sws
}

// The review's break: while a run holds its snapshot, another PC/SC
// program spends a try and sends the snapshot command, and a second run
// starts on the same card. The card refuses both snapshots (6985, the
// second run fails at once with ErrSnapshotHeld, exit status 3), the run's
// next Open restores its own snapshot (the other program's try given back),
// and once the run released it the second run may take its own.
func TestPCSCTargetKeepsItsOwnSnapshot(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	select_, selAuth := "00A4040C0AD392F000260100000001", "00A4020C020018"
	tg, err := pcsc.NewTarget(r, harness.GuardPolicy{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Snapshot(); err != nil {
		t.Fatal(err)
	}
	defer tg.RestoreSnapshot()
	found := rawAuthTries(t, r)
	snapshot := fmt.Sprintf("80EE01000F%X", jpki.RestoreData)
	got := sendHex(t, r, select_, selAuth, "002000800430303030", snapshot)
	if got[2] != fmt.Sprintf("63C%d", found-1) || got[3] != "6985" {
		t.Fatalf("another program's wrong VERIFY and snapshot answered %s %s, want 63C%d 6985", got[2], got[3], found-1)
	}
	second, err := pcsc.NewTarget(r, harness.GuardPolicy{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Snapshot(); !errors.Is(err, pcsc.ErrSnapshotHeld) || !errors.Is(err, harness.ErrSharingViolation) {
		t.Fatalf("a second run's snapshot while the first holds its own: %v", err)
	}
	if _, err := second.Open(); !errors.Is(err, pcsc.ErrSnapshotHeld) {
		t.Fatalf("a second run's Open while the first holds its snapshot: %v", err)
	}
	s, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	if n := authTries(t, s); n != found {
		t.Fatalf("the run's session starts with %d tries, the run found %d", n, found)
	}
	s.Close()
	if err := tg.RestoreSnapshot(); err != nil {
		t.Fatal(err)
	}
	if n := rawAuthTries(t, r); n != found {
		t.Fatalf("%d tries after the run's restore, the run found %d", n, found)
	}
	// Released: the second run takes its snapshot now, and ends cleanly.
	if err := second.Snapshot(); err != nil {
		t.Fatalf("a run's snapshot after the first released its own: %v", err)
	}
	if err := second.RestoreSnapshot(); err != nil {
		t.Fatal(err)
	}
}
