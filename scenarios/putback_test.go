package scenarios

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
)

// oneCard is one virtual card presented as a card that is not virtual: every
// session is on the same card (its PINs and counters stay), behind the guard
// with --allow-destructive, and the default profile's PINs configured.
type oneCard struct {
	card    *simulator.Card
	profile *simulator.Profile
	policy  harness.GuardPolicy
}

func newOneCard(t *testing.T) *oneCard {
	t.Helper()
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return &oneCard{card: card, profile: p, policy: harness.GuardPolicy{AllowDestructive: true, Memory: &harness.GuardMemory{}}}
}

func (o *oneCard) Name() string  { return "pcsc:one-real-like-card" }
func (o *oneCard) Virtual() bool { return false }
func (o *oneCard) Secrets() harness.Secrets {
	return harness.Secrets{AuthPIN: o.profile.AuthPIN, SigningPIN: o.profile.SigningPIN}
}
func (o *oneCard) Capabilities() harness.Capabilities {
	return harness.Capabilities{PowerCycle: true} // a card in a reader
}
func (o *oneCard) Open() (harness.Card, error) {
	p := o.policy
	p.Secrets = o.Secrets()
	return harness.NewGuard(sim.NewCard(o.card), p), nil
}

// ownersCard checks, behind every guard, that each counter shows at least
// min tries and that the owner's PINs verify.
func (o *oneCard) ownersCard(t *testing.T, min int) {
	t.Helper()
	c := sim.NewCard(o.card)
	defer c.Close()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		if n, err := cl.RetriesLeft(ref); err != nil || n < min {
			t.Errorf("%v after the run: %d tries left (%v), want at least %d", ref, n, err, min)
		}
	}
	s := o.Secrets()
	for _, ref := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		v := s.AuthPIN
		if ref == jpki.SigningPIN {
			v = s.SigningPIN
		}
		if err := cl.Verify(ref, v); err != nil {
			t.Errorf("the owner's %v after the run: %v", ref, err)
		}
	}
}

// A --allow-destructive run of the PIN changes on a card that is not
// virtual leaves the card with its owner's PINs: each scenario that changed
// one puts it back.
func TestPINChangesArePutBackOnACardThatIsNotVirtual(t *testing.T) {
	target := newOneCard(t)
	var out bytes.Buffer
	status, ran := Run(Config{Target: target, Paths: []string{"pin_change.feature"}, Tags: "~@RETRY-05", Format: "progress", Output: &out, AllowDestructive: true})
	if status != 0 || ran < 10 {
		t.Fatalf("status %d, %d scenarios\n%s", status, ran, out.String())
	}
	target.ownersCard(t, 3)
}

// A scenario that changes the signing password and then spends its tries
// cannot leave it with the scenario's value and one try: the guard keeps the
// try the put-back needs (found by review: the card kept a value the run
// never shows, with 1 try left).
func TestAChangedPINKeepsTheTryItsPutBackNeeds(t *testing.T) {
	target := newOneCard(t)
	feature := `Feature: change then spend
  @destructive
  Scenario: change the signing password and spend tries
    Given the JPKI application is selected
    And the signing password has been verified
    When I change the signing password to a new valid value
    And I enter a wrong signing password 4 times
`
	var out bytes.Buffer
	Run(Config{Target: target, FS: fstest.MapFS{"change.feature": {Data: []byte(feature)}}, Format: "progress", Output: &out, AllowDestructive: true})
	if strings.Contains(out.String(), "could not be changed back") {
		t.Fatalf("the PIN was not put back:\n%s", out.String())
	}
	target.ownersCard(t, 2)
}

// The whole suite with --allow-destructive on one card that is not virtual
// leaves it with its owner's PINs and at least two tries on each counter
// (found by a new user: both counters ended at 1, and the owner's next typo
// locks the card).
func TestADestructiveRunKeepsTwoTries(t *testing.T) {
	target := newOneCard(t)
	_, ran := Run(Config{Target: target, Tags: "~@profile && ~@embedded", Format: "progress", Output: io.Discard, AllowDestructive: true})
	if ran < 100 {
		t.Fatalf("%d scenarios ran", ran)
	}
	target.ownersCard(t, 2)
}
