package harness_test

import (
	"go/build"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// plainCard is a transport with nothing beyond Card: no power cycle, no
// Capabilities of its own.
type plainCard struct{ harness.Card }

// Each wrapper over a card that cannot power-cycle says so, alone and
// stacked, though it has the PowerCycle method; over one that can, it says
// that, and passes the cycle on.
func TestWrappersReportWhatTheCardBeneathLacks(t *testing.T) {
	vc, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	wrappers := map[string]func(harness.Card) harness.Card{
		"trace": func(c harness.Card) harness.Card {
			return harness.NewRecorded(c, transcript.NewRecorder("test", transcript.Complete, nil))
		},
		"guard": func(c harness.Card) harness.Card { return harness.NewGuard(c, harness.GuardPolicy{}) },
		"guard over trace": func(c harness.Card) harness.Card {
			return harness.NewGuard(harness.NewRecorded(c, transcript.NewRecorder("test", transcript.Complete, nil)), harness.GuardPolicy{})
		},
	}
	for name, wrap := range wrappers {
		t.Run(name, func(t *testing.T) {
			plain := plainCard{sim.NewCard(vc)}
			if caps := harness.CapabilitiesOf(plain); caps != (harness.Capabilities{}) {
				t.Fatalf("the plain card claims %+v", caps)
			}
			w := wrap(plain)
			if _, has := w.(harness.PowerCycler); !has {
				t.Fatal("the wrapper has no PowerCycle method: the test proves nothing")
			}
			if caps := harness.CapabilitiesOf(w); caps != (harness.Capabilities{}) {
				t.Errorf("%s over a card with no capability claims %+v", name, caps)
			}
			if _, ok := harness.PowerCyclerOf(w); ok {
				t.Errorf("%s over a card that cannot power-cycle offers a power cycle", name)
			}

			w = wrap(sim.NewCard(vc))
			pc, ok := harness.PowerCyclerOf(w)
			if !ok || !harness.CapabilitiesOf(w).PowerCycle {
				t.Fatalf("%s over the embedded card: no power cycle (%+v)", name, harness.CapabilitiesOf(w))
			}
			if err := pc.PowerCycle(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// "Is this the embedded card, and of which profile?" is answered through
// two wrappers, and the card found beneath them is the very one; a guard
// answers for itself: a guarded card is treated as a real one, and nothing
// is found beneath it.
func TestEmbeddedCardThroughTwoWrappers(t *testing.T) {
	p := *fixtures.MustProfile("auth-locked")
	vc, err := simulator.New(&p)
	if err != nil {
		t.Fatal(err)
	}
	raw := sim.NewCard(vc)
	traced := harness.NewRecorded(raw, transcript.NewRecorder("test", transcript.Complete, nil))
	twice := harness.NewRecorded(traced, transcript.NewRecorder("test", transcript.Complete, nil))
	caps := harness.CapabilitiesOf(twice)
	if !caps.Embedded || caps.Profile != "auth-locked" || !caps.PowerCycle {
		t.Fatalf("through two traces: %+v", caps)
	}
	if harness.Unwrap(twice) != traced || harness.Unwrap(traced) != raw || harness.Unwrap(raw) != nil {
		t.Fatal("Unwrap does not walk trace, trace, card")
	}
	if got, ok := sim.Of(twice); !ok || got != vc {
		t.Fatalf("sim.Of through two wrappers: %p %v, want %p", got, ok, vc)
	}
	guarded := harness.NewGuard(traced, harness.GuardPolicy{})
	if caps := harness.CapabilitiesOf(guarded); caps.Embedded || caps.Profile != "" || !caps.PowerCycle {
		t.Fatalf("through trace and guard: %+v", caps)
	}
	if harness.Unwrap(guarded) != nil {
		t.Fatal("Unwrap hands out the card beneath a guard")
	}
	if _, ok := sim.Of(harness.NewRecorded(guarded, transcript.NewRecorder("test", transcript.Complete, nil))); ok {
		t.Fatal("sim.Of finds the embedded card beneath a guard")
	}
	// A wrapper that does not pass the card on hides it.
	if _, ok := sim.Of(harness.NewGuard(plainCard{raw}, harness.GuardPolicy{})); ok {
		t.Fatal("the embedded card found beneath a card that does not unwrap")
	}
	if caps := harness.CapabilitiesOf(harness.NewRecorded(plainCard{raw}, transcript.NewRecorder("test", transcript.Complete, nil))); caps.Embedded || caps.Profile != "" {
		t.Fatalf("a trace over a card that does not say claims %+v", caps)
	}
}

// The embedded target says what it is; its sessions say the same.
func TestEmbeddedTargetSaysItIsEmbedded(t *testing.T) {
	tg := sim.Target{Profile: fixtures.MustProfile("under-15")}
	if caps := tg.Capabilities(); !caps.Embedded || caps.Profile != "under-15" || !caps.PowerCycle {
		t.Fatalf("%+v", caps)
	}
	c, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if caps := harness.CapabilitiesOf(c); caps != tg.Capabilities() {
		t.Fatalf("session %+v, target %+v", caps, tg.Capabilities())
	}
}

// The harness speaks the codec, the card's facts and the transcript only;
// the transports (harness/sim, harness/pcsc) sit beside it, not under it.
func TestHarnessDependsOnTheCodecAndTheFactsOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/jpkisim/jpkisim/"
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, module) && imp != module+"apdu" && imp != module+"jpki" && imp != module+"transcript" {
			t.Errorf("package harness imports %s", imp)
		}
	}
}
