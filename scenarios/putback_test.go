package scenarios

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
)

// oneCard is one virtual card presented as a card that is not virtual: every
// session is on the same card (its PINs and counters stay), behind the guard.
type oneCard struct {
	card    *simulator.Card
	secrets harness.Secrets
	policy  harness.GuardPolicy
}

func (o *oneCard) Name() string             { return "pcsc:one-real-like-card" }
func (o *oneCard) Virtual() bool            { return false }
func (o *oneCard) Secrets() harness.Secrets { return o.secrets }
func (o *oneCard) Open() (harness.Card, error) {
	p := o.policy
	p.Secrets = o.secrets
	return harness.NewGuard(harness.NewSimCard(o.card), p), nil
}

// A --allow-destructive run of the PIN changes on a card that is not
// virtual leaves the card with its owner's PINs: each scenario that changed
// one puts it back.
func TestPINChangesArePutBackOnACardThatIsNotVirtual(t *testing.T) {
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	target := &oneCard{card: card, secrets: harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN},
		policy: harness.GuardPolicy{AllowDestructive: true, Memory: &harness.GuardMemory{}}}
	var out bytes.Buffer
	status, ran := Run(Config{Target: target, Paths: []string{"pin_change.feature"}, Tags: "~@RETRY-05", Format: "progress", Output: &out, AllowDestructive: true})
	if status != 0 || ran < 10 {
		t.Fatalf("status %d, %d scenarios\n%s", status, ran, out.String())
	}
	// The owner's PINs verify, and the counters are full.
	c := harness.NewSimCard(card)
	defer c.Close()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []harness.PINRef{harness.AuthPIN, harness.SigningPIN} {
		v := p.AuthPIN
		if ref == harness.SigningPIN {
			v = p.SigningPIN
		}
		if err := cl.Verify(ref, v); err != nil {
			t.Errorf("the owner's %v after the run: %v", ref, err)
		}
	}
}

// A scenario that changes the signing password and then spends its tries
// cannot leave it with the scenario's value and one try: the guard keeps the
// try the put-back needs (found by review: the card kept a value the run
// never shows, with 1 try left).
func TestAChangedPINKeepsTheTryItsPutBackNeeds(t *testing.T) {
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	target := &oneCard{card: card, secrets: harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN},
		policy: harness.GuardPolicy{AllowDestructive: true, Memory: &harness.GuardMemory{}}}
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
	c := harness.NewSimCard(card)
	defer c.Close()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	if n, err := cl.RetriesLeft(harness.SigningPIN); err != nil || n < 2 {
		t.Fatalf("signing password: %d tries left (%v)", n, err)
	}
	if err := cl.Verify(harness.SigningPIN, p.SigningPIN); err != nil {
		t.Fatalf("the owner's signing password after the run: %v", err)
	}
}

// The whole suite with --allow-destructive on one card that is not virtual
// leaves it with its owner's PINs and full counters: every session fills
// the counters with the configured PIN once the card accepted it (found by
// a new user: both counters ended at 1, and the owner's next typo locks the
// card).
func TestADestructiveRunLeavesTheCountersFull(t *testing.T) {
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	target := &oneCard{card: card, secrets: harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN},
		policy: harness.GuardPolicy{AllowDestructive: true, Memory: &harness.GuardMemory{}}}
	_, ran := Run(Config{Target: target, Tags: "~@profile && ~@embedded", Format: "progress", Output: io.Discard, AllowDestructive: true})
	if ran < 100 {
		t.Fatalf("%d scenarios ran", ran)
	}
	c := harness.NewSimCard(card)
	defer c.Close()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []harness.PINRef{harness.AuthPIN, harness.SigningPIN} {
		if n, err := cl.RetriesLeft(ref); err != nil || n != ref.MaxTries() {
			t.Errorf("%v after the run: %d tries left (%v), want %d", ref, n, err, ref.MaxTries())
		}
	}
	for _, ref := range []harness.PINRef{harness.AuthPIN, harness.SigningPIN} {
		v := p.AuthPIN
		if ref == harness.SigningPIN {
			v = p.SigningPIN
		}
		if err := cl.Verify(ref, v); err != nil {
			t.Errorf("the owner's %v after the run: %v", ref, err)
		}
	}
}
