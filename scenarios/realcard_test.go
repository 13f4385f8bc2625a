package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/transcript"
)

// realLike is the embedded card presented as a card that is not virtual:
// behind the guard, with the PINs the user configured.
type realLike struct {
	sim.Target
	secrets harness.Secrets
	policy  harness.GuardPolicy
	traces  []*transcript.Recorder
}

func (r *realLike) Name() string             { return "pcsc:real-like" }
func (r *realLike) Virtual() bool            { return false }
func (r *realLike) Secrets() harness.Secrets { return r.secrets }

// Capabilities: a card in a reader, not the embedded one it is made of.
func (r *realLike) Capabilities() harness.Capabilities {
	return harness.Capabilities{PowerCycle: true}
}
func (r *realLike) Open() (harness.Card, error) {
	c, err := r.Target.Open()
	if err != nil {
		return nil, err
	}
	tr := transcript.NewRecorder("test", transcript.Complete, nil)
	r.traces = append(r.traces, tr)
	p := r.policy
	p.Secrets = r.secrets
	return harness.NewGuard(harness.NewRecorded(c, tr), p), nil
}

func newRealLike(s harness.Secrets) *realLike {
	return &realLike{Target: sim.Target{Profile: fixtures.MustProfile("default")}, secrets: s,
		policy: harness.GuardPolicy{Memory: &harness.GuardMemory{}}}
}

func TestDestructiveRefusedOnRealCard(t *testing.T) {
	var out bytes.Buffer
	target := newRealLike(harness.Secrets{})
	status, ran := Run(Config{Target: target, Tags: "@RETRY-06,@destructive", Format: "progress", Output: &out})
	if status != 2 || ran != 0 || !strings.Contains(out.String(), ErrDestructiveRefused.Error()) {
		t.Fatalf("status %d, ran %d, output %q", status, ran, out.String())
	}
	if len(target.traces) != 0 {
		t.Fatal("a card session was opened for a refused run")
	}
	// --allow-destructive lets them run; the guard still keeps the last try.
	status, ran = Run(Config{Target: newRealLike(harness.Secrets{}), Tags: "@destructive", Format: "progress", Output: io.Discard, AllowDestructive: true})
	if ran == 0 {
		t.Fatal("no destructive scenario ran with --allow-destructive")
	}
	_ = status // lockout scenarios fail by design: the guard refuses their last try
}

func TestRealCardRunsOnlyWhatIsSafe(t *testing.T) {
	countAll := func(tags string) int {
		_, n := Run(Config{Target: sim.Target{Profile: fixtures.MustProfile("default")}, Tags: tags, Format: "progress", Output: io.Discard})
		return n
	}
	// A card in a reader never runs @profile scenarios either.
	safeNoPIN := countAll("~@destructive && ~@pin && ~@profile && ~@embedded")
	safe := countAll("~@destructive && ~@profile && ~@embedded")

	// Without PINs: neither @destructive nor @pin scenarios; all pass.
	target := newRealLike(harness.Secrets{})
	var out bytes.Buffer
	status, ran := Run(Config{Target: target, Format: "progress", Output: &out})
	if status != 0 || ran != safeNoPIN || ran == 0 {
		t.Fatalf("no PINs: status %d, ran %d, want %d\n%s", status, ran, safeNoPIN, out.String())
	}
	// With the PINs configured: the @pin scenarios too, still all passing.
	p := fixtures.MustProfile("default")
	target = newRealLike(harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN})
	out.Reset()
	status, ran = Run(Config{Target: target, Format: "progress", Output: &out})
	if status != 0 || ran != safe {
		t.Fatalf("with PINs: status %d, ran %d, want %d\n%s", status, ran, safe, out.String())
	}
	// Not one try was spent: no VERIFY of the card answered 63Cx.
	for _, tr := range target.traces {
		for _, e := range tr.Since(0) {
			if strings.HasPrefix(e.Command, "002000") && len(e.Command) > 8 && strings.HasPrefix(e.Response[len(e.Response)-4:], "63C") {
				t.Fatalf("a try was spent: %s", e)
			}
		}
	}
}

func TestRealCardWithWrongPINsSpendsOneTryAtMost(t *testing.T) {
	var out bytes.Buffer
	target := newRealLike(harness.Secrets{AuthPIN: []byte("1235"), SigningPIN: []byte("ABC124")})
	status, _ := Run(Config{Target: target, Format: "progress", Output: &out})
	if status != 1 {
		t.Fatalf("status %d", status)
	}
	if !strings.Contains(out.String(), harness.ErrRefused.Error()) {
		t.Fatal("no step was refused by the guard")
	}
	// In the whole run a mistyped PIN reaches the card once, per PIN.
	spent := 0
	for _, tr := range target.traces {
		for _, e := range tr.Since(0) {
			if strings.HasPrefix(e.Command, "002000") && len(e.Command) > 8 && strings.Contains(e.Response, "63C") {
				spent++
			}
		}
	}
	if spent != 2 {
		t.Fatalf("%d tries spent in the run, want 2 (one per mistyped PIN)", spent)
	}
	if strings.Contains(out.String(), "31323335") || strings.Contains(out.String(), "1235") {
		t.Fatal("a PIN appears in the output")
	}
}

// dying is a card that is pulled out after a number of exchanges.
type dying struct {
	harness.Card
	left *int
}

func (d dying) Transmit(b []byte) ([]byte, error) {
	if *d.left <= 0 {
		return nil, fmt.Errorf("transmit: %w", harness.ErrCardRemoved)
	}
	*d.left--
	return d.Card.Transmit(b)
}

type dyingTarget struct {
	sim.Target
	left  int
	opens int
}

// Capabilities: sessions that die are not the embedded card's, and do not
// pass on a power cycle.
func (d *dyingTarget) Capabilities() harness.Capabilities { return harness.Capabilities{} }

func (d *dyingTarget) Open() (harness.Card, error) {
	d.opens++
	if d.left <= 0 {
		return nil, fmt.Errorf("connect: %w", harness.ErrNoCard)
	}
	c, err := d.Target.Open()
	return dying{Card: c, left: &d.left}, err
}

func TestLostCardStopsTheRun(t *testing.T) {
	target := &dyingTarget{Target: sim.Target{Profile: fixtures.MustProfile("default")}, left: 40}
	res := Execute(Config{Target: target, Format: "progress", Output: io.Discard})
	if res.Status != 1 || !errors.Is(res.Lost, harness.ErrCardRemoved) {
		t.Fatalf("status %d, lost %v", res.Status, res.Lost)
	}
	// After the loss no scenario opens the card again.
	if target.opens > 12 {
		t.Fatalf("%d sessions opened: the run went on after the card was lost", target.opens)
	}
}
