//go:build cgo

package pcsc_test

import (
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
)

// TestPCSCClientSequences runs every client sequence through pcscd against
// `jpkisim serve` (the default profile, scripts/pcsc-test.sh), each on the
// card as the test found it (the target's snapshot, restored at every Open).
func TestPCSCClientSequences(t *testing.T) {
	tg := fresh(t)
	face := fixtures.MustProfile(tg.Profile()).CardFace
	if face == nil {
		t.Fatalf("the card of profile %q in the reader has no card face", tg.Profile())
	}
	for _, seq := range clientSequences {
		c, err := tg.Open()
		if err != nil {
			t.Fatal(err)
		}
		if err := runSequence(c, face, seq); err != nil {
			t.Errorf("%s (%s): %v", seq.client, seq.cites, err)
		}
		c.Close()
	}
}

// TestPCSCRelyingParty: through pcscd, the integrity record and the
// card-face signature verify with the keys of the card's CV certificates,
// which verify with the TEST-ONLY issuer keys of fixtures.
func TestPCSCRelyingParty(t *testing.T) {
	tg := fresh(t)
	p := fixtures.MustProfile(tg.Profile())
	if p.CardFace == nil {
		t.Fatalf("the card of profile %q in the reader has no card face", tg.Profile())
	}
	c, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := relyingParty(c, p.CardFace.KenhojoPIN); err != nil {
		t.Fatal(err)
	}
}
