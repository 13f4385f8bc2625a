package harness_test

import (
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
)

// The guard stands between the harness and a card that is not the virtual
// one (docs/guard.md): no path leads from a Guard to the card beneath.
// harness.Unwrap stops at it and sim.Of finds no embedded card beneath it,
// even when the card beneath is a virtual card treated as real (the guard's
// own tests, the scenarios' realLike target): a wrong VERIFY sent through
// what they returned once spent a try the guard refuses.
func TestGuardHandsOutNoUnguardedCard(t *testing.T) {
	wrongVerify := apdu.Command{INS: 0x20, P2: 0x80 | byte(jpki.AuthPIN.FID()), Data: []byte("9999")}.MustEncode()
	for _, tc := range []struct {
		name    string
		beneath func(g *harness.Guard) func([]byte) ([]byte, error)
	}{
		{"harness.Unwrap", func(g *harness.Guard) func([]byte) ([]byte, error) {
			if c := harness.Unwrap(g); c != nil {
				return c.Transmit
			}
			return nil
		}},
		{"sim.Of", func(g *harness.Guard) func([]byte) ([]byte, error) {
			if s, ok := sim.Of(g); ok {
				return s.Transmit
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := sim.Target{Profile: fixtures.MustProfile("default")}.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			g := harness.NewGuard(c, harness.GuardPolicy{Secrets: right})
			cl := harness.NewClient(g)
			if err := cl.SelectJPKI(); err != nil {
				t.Fatal(err)
			}
			if send := tc.beneath(g); send != nil {
				if _, err := send(wrongVerify); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := cl.RetriesLeft(jpki.AuthPIN); err != nil || n != jpki.AuthPIN.MaxTries() {
				t.Fatalf("after a wrong VERIFY through %s of the guarded session: %d of %d tries left (%v); the guard would have refused it",
					tc.name, n, jpki.AuthPIN.MaxTries(), err)
			}
		})
	}
}
