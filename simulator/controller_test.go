package simulator_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

func refOf(t *testing.T, app jpki.App, fid uint16) jpki.Reference {
	t.Helper()
	refs, _ := jpki.References(app)
	for _, r := range refs {
		if r.FID == fid {
			return r
		}
	}
	t.Fatalf("no reference %v %04X", app, fid)
	return jpki.Reference{}
}

// TestSetTries: the counter set answers the empty VERIFY (63C1, 6984 at
// 0), is refused out of range or for a reference the card lacks, and a
// pending tear waits for the card's own next write.
func TestSetTries(t *testing.T) {
	c, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	sign := refOf(t, jpki.JPKI, jpki.EFSigningPIN)
	c.SetFaults(&simulator.Faults{TearNext: true})
	if err := c.SetTries(sign, 1); err != nil {
		t.Fatal(err)
	}
	if left, max, err := c.Tries(sign); left != 1 || max != 5 || err != nil {
		t.Fatalf("Tries = %d, %d, %v", left, max, err)
	}
	if !c.Faults().TearNext {
		t.Fatal("SetTries used up the tearing fault")
	}
	c.SetFaults(nil)
	c.PowerOn()
	query := func() string {
		t.Helper()
		for _, h := range []string{selJPKI, "00A4020C02001B"} {
			if r, err := c.Transmit(mustHex(h)); err != nil || len(r) != 2 || r[0] != 0x90 {
				t.Fatalf("%s: %X %v", h, r, err)
			}
		}
		r, _ := c.Transmit(mustHex("00200080"))
		return fmt.Sprintf("%X", r)
	}
	if got := query(); got != "63C1" {
		t.Fatalf("the empty VERIFY after SetTries(1): %s", got)
	}
	if err := c.SetTries(sign, 0); err != nil {
		t.Fatal(err)
	}
	if got := query(); got != "63C0" {
		t.Fatalf("the empty VERIFY of a blocked PIN: %s", got)
	}
	if r, _ := c.Transmit(mustHex("0020008006414243313233")); fmt.Sprintf("%X", r) != "6984" {
		t.Fatalf("VERIFY of a blocked PIN: %X", r)
	}
	if err := c.SetTries(sign, 6); !errors.Is(err, simulator.ErrTriesRange) {
		t.Fatalf("6 tries of 5: %v", err)
	}
	if err := c.SetTries(sign, -1); !errors.Is(err, simulator.ErrTriesRange) {
		t.Fatalf("-1 tries: %v", err)
	}
	phone, err := simulator.New(fixtures.MustProfile("android"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := phone.Tries(refOf(t, jpki.Kenhojo, 0x0011)); !errors.Is(err, simulator.ErrNoReference) {
		t.Fatalf("the Kenhojo PIN of a phone token: %v", err)
	}
}

// TestCopyAndPutState: a copy taken, then changed, then put back: the
// counters are the copy's, the security status is gone.
func TestCopyAndPutState(t *testing.T) {
	c, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	auth := refOf(t, jpki.JPKI, jpki.EFAuthPIN)
	st := c.CopyState()
	if err := c.SetTries(auth, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.PutState(st); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := c.Tries(auth); left != 3 {
		t.Fatalf("after PutState: %d tries", left)
	}
	// The copy is the caller's: changing the card does not change it.
	if err := c.SetTries(auth, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.PutState(st); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := c.Tries(auth); left != 3 {
		t.Fatalf("after the second PutState: %d tries", left)
	}
}
