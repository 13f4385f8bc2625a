package simulator_test

import (
	"fmt"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/simulator"
)

// lastCommit keeps a copy of the last state the card made durable.
type lastCommit struct{ st *simulator.State }

func (l *lastCommit) Commit(s *simulator.State) error {
	l.st = s.Clone()
	return nil
}

func pins(st *simulator.State) string {
	japp := st.App(jpki.JPKI.AID())
	a, s := japp.EF(jpki.EFAuthPIN).PIN, japp.EF(jpki.EFSigningPIN).PIN
	return fmt.Sprintf("auth %d %x, signing %d %x", a.Remaining, a.Value, s.Remaining, s.Value)
}

// The restore returns to the last snapshot, not to the card as it was made:
// a run that found the card with tries spent leaves them spent, and what it
// did itself (tries, a PIN change) is undone, in memory and in what is
// committed (the state file of serve --state).
func TestRestoreReturnsToTheLastSnapshot(t *testing.T) {
	p := profile(t, nil)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	durable := &lastCommit{}
	c := simulator.NewWithState(p, st, durable)
	c.PowerOn()
	snapshot := fmt.Sprintf("80EE01000F%X", jpki.RestoreData)
	restore := fmt.Sprintf("80EE00000F%X", jpki.RestoreData)
	// Another client spent a try of each PIN before the run.
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2", selSignP, "9000", signBad, "63C4")
	// The run takes its snapshot, then its scenarios spend tries and change
	// the signing password.
	expectSWs(t, c, snapshot, "9000")
	found := pins(durable.st)
	expectSWs(t, c, signBad, "63C3", signOK, "9000", "002401800B4E45575041535332303236", "9000",
		selAuthP, "9000", authBad, "63C1")
	if pins(durable.st) == found {
		t.Fatal("the scenarios changed nothing durable: the test proves nothing")
	}
	expectSWs(t, c, restore, "9000")
	if got := pins(durable.st); got != found {
		t.Fatalf("committed after the restore: %s; at the snapshot: %s", got, found)
	}
	// The card as found: the spent tries stay spent, the old password opens.
	expectSWs(t, c, selJPKI, "9000", "00200098", "63C2", "0020009B", "63C4", selSignP, "9000", signOK, "9000")
	// A restore with no new snapshot goes back to the same one again.
	expectSWs(t, c, selAuthP, "9000", authBad, "63C1", restore, "9000", selJPKI, "9000", "00200098", "63C2")
}

// Without a snapshot the restore returns to the card as it was made; the Go
// API and the command agree; a new snapshot replaces the old one.
func TestSnapshotAPIAndForms(t *testing.T) {
	c := newCard(t, nil)
	restore := fmt.Sprintf("80EE00000F%X", jpki.RestoreData)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2", restore, "9000", selJPKI, "9000", "00200098", "63C3")
	expectSWs(t, c, selAuthP, "9000", authBad, "63C2")
	c.Snapshot()
	expectSWs(t, c, authBad, "63C1")
	if err := c.Restore(); err != nil {
		t.Fatal(err)
	}
	expectSWs(t, c, selJPKI, "9000", "00200098", "63C2")
	wrongData := fmt.Sprintf("80EE01000F%X", []byte("JPKISIM-RESTORF"))
	expectSWs(t, c,
		wrongData, "6A80",
		fmt.Sprintf("80EE01000F%X00", jpki.RestoreData), "6A80", // with an Le
		fmt.Sprintf("80EE03000F%X", jpki.RestoreData), "6A86",
		fmt.Sprintf("80EE02000F%X", jpki.RestoreData), "6A80", // a release needs a token
		fmt.Sprintf("80EE010030%X%X", jpki.RestoreData, make([]byte, jpki.MaxRunToken+1)), "6A80", // token too long
		fmt.Sprintf("80EE01010F%X", jpki.RestoreData), "6A86",
		"80EE0100", "6A80")
	// None of the refused forms took a snapshot: the restore still returns to 2.
	expectSWs(t, c, selAuthP, "9000", authBad, "63C1", restore, "9000", selJPKI, "9000", "00200098", "63C2")
	// A card posing as a real one has none of them.
	c2 := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.PoseAsRealCard = true }))
	expectSWs(t, c2, fmt.Sprintf("80EE01000F%X", jpki.RestoreData), "6D00", restore, "6D00", control(jpki.ReleaseP1, "tok"), "6D00", control(jpki.RestoreP1, "tok"), "6D00")
}

// control builds a test-control command: P1, then RestoreData and token.
func control(p1 byte, token string) string {
	data := jpki.RestoreData + token
	return fmt.Sprintf("80EE%02X00%02X%X", p1, len(data), data)
}

// A snapshot taken with a run token is that run's: another program's
// snapshot (with no token or another one) is refused and changes nothing, a
// restore with another token is refused and changes nothing, the run's own
// restore returns to its snapshot, and once released the card takes
// anyone's snapshot again. This is the review's break: a second client's
// token-less snapshot mid-run used to become what the run restored to.
func TestRunTokenHoldsTheSnapshot(t *testing.T) {
	p := profile(t, nil)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	found := pins(st.Clone())
	durable := &lastCommit{}
	c := simulator.NewWithState(p, st, durable)
	c.PowerOn()
	const run, other = "run-A-0123456789", "run-B-9876543210"
	expectSWs(t, c, control(jpki.SnapshotP1, run), "9000")
	// Another client spends a signing try and tries to move the snapshot,
	// with no token and with its own; neither changes what the run restores.
	expectSWs(t, c, selJPKI, "9000", selSignP, "9000", signBad, "63C4",
		control(jpki.SnapshotP1, ""), "6985",
		control(jpki.SnapshotP1, other), "6985",
		control(jpki.RestoreP1, other), "6985",
		control(jpki.ReleaseP1, other), "6985",
		control(jpki.ReleaseP1, ""), "6A80")
	if got := pins(durable.st); got == found {
		t.Fatal("the other client's wrong VERIFY was not committed: the test proves nothing")
	}
	// The refused restore changed nothing: the try is still spent.
	expectSWs(t, c, selJPKI, "9000", "0020009B", "63C4")
	expectSWs(t, c, control(jpki.RestoreP1, run), "9000")
	if got := pins(durable.st); got != found {
		t.Fatalf("after the run's restore: %s; at its snapshot: %s", got, found)
	}
	// The run takes its snapshot again (its own hold): allowed.
	expectSWs(t, c, control(jpki.SnapshotP1, run), "9000")
	// Released: a restore with the token is refused, anyone may snapshot.
	expectSWs(t, c, control(jpki.ReleaseP1, run), "9000",
		control(jpki.RestoreP1, run), "6985",
		control(jpki.SnapshotP1, other), "9000",
		control(jpki.RestoreP1, other), "9000",
		control(jpki.ReleaseP1, other), "9000",
		control(jpki.SnapshotP1, ""), "9000",
		control(jpki.RestoreP1, ""), "9000")
	// A card that never took a snapshot for a token refuses its restore.
	c2 := newCard(t, nil)
	expectSWs(t, c2, selJPKI, "9000", selSignP, "9000", signBad, "63C4",
		control(jpki.RestoreP1, run), "6985",
		selJPKI, "9000", "0020009B", "63C4")
}
