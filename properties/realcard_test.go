package properties

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/leanovate/gopter"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/model"
	"github.com/jpkisim/jpkisim/simulator"
)

// inReader is one card in a reader, as a card that is not virtual is
// reached: every session shares the card and what the last one left
// selected (Open neither powers nor resets it), and every session goes
// through the real-card guard. The card poses as a real one, as `jpkisim
// serve --as-real-card` does.
type inReader struct {
	card   *simulator.Card
	state  *simulator.State // the card's persistent state, which it changes in place
	policy harness.GuardPolicy
	// refuse, when set, makes the guard's side refuse matching C-APDUs as a
	// guard would (harness.ErrRefused), nothing sent.
	refuse func([]byte) bool
}

func newInReader(t *testing.T) *inReader {
	t.Helper()
	p := *fixtures.MustProfile("default")
	p.Behaviour.PoseAsRealCard = true
	st, err := simulator.NewState(&p)
	if err != nil {
		t.Fatal(err)
	}
	c := simulator.NewWithState(&p, st, nil)
	c.PowerOn()
	// The probe of pcsc.NewTarget leaves the JPKI application selected.
	if r, err := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}); err != nil || !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT: %X %v", r, err)
	}
	return &inReader{card: c, state: st, policy: harness.GuardPolicy{Secrets: harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN}}}
}

func (r *inReader) Name() string             { return "reader:as-real-card" }
func (r *inReader) Virtual() bool            { return false }
func (r *inReader) Secrets() harness.Secrets { return r.policy.Secrets }

// Capabilities: a card in a reader, which power-cycles.
func (r *inReader) Capabilities() harness.Capabilities {
	return harness.Capabilities{PowerCycle: true}
}
func (r *inReader) Open() (harness.Card, error) {
	return harness.NewGuard(&shared{r}, r.policy), nil
}

// tries is the card's persistent counters: auth PIN, signing password.
func (r *inReader) tries() string {
	japp := r.state.App(jpki.JPKI.AID())
	return fmt.Sprintf("%d %d", japp.EF(jpki.EFAuthPIN).PIN.Remaining, japp.EF(jpki.EFSigningPIN).PIN.Remaining)
}

// shared is one session on the card of an inReader.
type shared struct{ r *inReader }

func (s *shared) Transmit(b []byte) ([]byte, error) {
	if s.r.refuse != nil && s.r.refuse(b) {
		return nil, fmt.Errorf("%w: refused for the test", harness.ErrRefused)
	}
	return s.r.card.Transmit(b)
}
func (s *shared) ATR() []byte  { return s.r.card.ATR() }
func (s *shared) Reset() error { s.r.card.Reset(); return nil }
func (s *shared) Close() error { return nil } // the card stays in the reader, as it is
func (s *shared) PowerCycle() error {
	s.r.card.PowerOff()
	s.r.card.PowerOn()
	return nil
}

// The differential run against a card that is not virtual sends only what
// the guard lets through, from a reset: no difference over 1,000 sequences,
// no refusal, no try spent.
func TestDiffAgainstACardThatIsNotVirtual(t *testing.T) {
	b := newInReader(t)
	before := b.tries()
	var out bytes.Buffer
	res, err := Diff(DiffConfig{A: sim.Target{Profile: fixtures.MustProfile("default")}, B: b, Seed: 1, Count: 1000, Output: &out})
	if err != nil || !res.Same || res.Refused != 0 {
		t.Fatalf("%+v %v\n%s", res, err, tail(out.String()))
	}
	if res.Commands < 10000 {
		t.Fatalf("only %d commands compared", res.Commands)
	}
	if after := b.tries(); after != before {
		t.Fatalf("tries %s before, %s after", before, after)
	}
	t.Logf("%d sequences, %d commands, tries %s before and after", res.Sequences, res.Commands, before)
}

// The property against a card that is not virtual passes without a refusal
// and spends no try.
func TestPropsAgainstACardThatIsNotVirtual(t *testing.T) {
	b := newInReader(t)
	before := b.tries()
	var out bytes.Buffer
	o, err := Run(Config{Target: b, Seed: 3, Sequences: 300, MaxLen: 50, Output: &out})
	if err != nil || !o.Passed || o.Refused != 0 {
		t.Fatalf("%+v %v\n%s", o, err, tail(out.String()))
	}
	if after := b.tries(); after != before {
		t.Fatalf("tries %s before, %s after", before, after)
	}
}

// Every command the generator makes for a card that is not virtual is one
// the guard lets through and that spends nothing.
func TestReadOnlyGeneratorStaysInsideTheGuard(t *testing.T) {
	b := newInReader(t)
	g := generator{readOnly: true, minLen: 2}
	m := runStateFor(t)
	gp := paramsWithSeed(7)
	card, _ := b.Open()
	kinds := map[string]int{}
	for i := 0; i < 20000; i++ {
		o := g.gen(m)(gp).Result.(*op)
		m = o.NextState(m).(*runState)
		if o.capdu == nil {
			card.Reset()
			continue
		}
		kinds[o.name]++
		if !readOnlyCommand(o.capdu) {
			t.Fatalf("%s is not read-only", o)
		}
		if _, err := card.Transmit(o.capdu); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
	}
	if kinds["ODD"] < 100 || kinds["VERIFY"] < 100 || kinds["SIGN"] < 100 {
		t.Fatalf("the mix lost its odd commands, counter queries or signatures: %v", kinds)
	}
	for _, bad := range [][]byte{{0x00, 0xA4, 0x04}, {0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34}, {0x00, 0xB0, 0x00, 0x00, 0x05, 0x01}, {0x0C, 0xB0, 0x00, 0x00, 0x00}, {0x00, 0xCA, 0xDF, 0x6A, 0x00}, {0x80, 0xEE, 0x00, 0x00}} {
		if readOnlyCommand(bad) {
			t.Errorf("%X counted as read-only", bad)
		}
	}
}

// A command a guard refuses ends its sequence, which is neither a pass nor a
// difference, and is counted.
func TestGuardRefusalsAreCountedNotFailed(t *testing.T) {
	b := newInReader(t)
	b.refuse = func(c []byte) bool { return len(c) >= 2 && c[0] == 0x00 && c[1] == 0x84 } // GET CHALLENGE
	var out bytes.Buffer
	res, err := Diff(DiffConfig{A: sim.Target{Profile: fixtures.MustProfile("default")}, B: b, Seed: 1, Count: 300, Output: &out})
	if err != nil || !res.Same || res.Refused == 0 {
		t.Fatalf("diff: %+v %v\n%s", res, err, tail(out.String()))
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d sequences stopped at a command the real-card guard refused", res.Refused)) {
		t.Fatalf("the refusals are not reported:\n%s", tail(out.String()))
	}
	out.Reset()
	o, err := Run(Config{Target: b, Seed: 3, Sequences: 100, MaxLen: 30, Output: &out})
	if err != nil || !o.Passed || o.Refused == 0 {
		t.Fatalf("props: %+v %v\n%s", o, err, tail(out.String()))
	}
	t.Logf("diff: %d of %d sequences refused; props: %d of %d", res.Refused, res.Sequences, o.Refused, o.Sequences)
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

// runStateFor is the model's state of a fresh default card, for driving the
// generator by hand.
func runStateFor(t *testing.T) *runState {
	t.Helper()
	m := model.New(ContentOf(fixtures.MustProfile("default")))
	return &runState{model: m, st: state{s: m.Fresh(), pinOf: -1}}
}

func paramsWithSeed(seed int64) *gopter.GenParameters {
	gp := gopter.DefaultGenParameters()
	gp.Rng = rand.New(rand.NewSource(seed))
	return gp
}

// A session of a card in a reader starts where the last program left it
// (here the probe, which selected the JPKI application): every sequence
// starts from a reset, so that sequence 0 agrees as well as the others.
func TestEverySequenceStartsFromAReset(t *testing.T) {
	embedded := sim.Target{Profile: fixtures.MustProfile("default")}
	for seed := int64(1); seed <= 100; seed++ {
		b := newInReader(t)
		var out bytes.Buffer
		res, err := Diff(DiffConfig{A: embedded, B: b, Seed: seed, Count: 1, Output: &out})
		if err != nil || !res.Same {
			t.Fatalf("seed %d: %+v %v\n%s", seed, res, err, tail(out.String()))
		}
		b = newInReader(t)
		o, err := Run(Config{Target: b, Seed: seed, Sequences: 1, Output: &out})
		if err != nil || !o.Passed {
			t.Fatalf("props, seed %d: %+v %v\n%s", seed, o, err, tail(out.String()))
		}
	}
}

// Destructive sequences change PINs to random values: refused on a card that
// is not virtual, before anything is sent (found by review: props
// --allow-destructive ran them there, with the model's counters off by the
// tries earlier sequences had spent).
func TestDestructiveSequencesAreRefusedOnACardThatIsNotVirtual(t *testing.T) {
	r := newInReader(t)
	opened := false
	r.refuse = func([]byte) bool { opened = true; return false }
	_, err := Run(Config{Target: r, Seed: 3, Sequences: 20, Output: io.Discard, AllowDestructive: true})
	if !errors.Is(err, ErrDestructiveOnRealCard) {
		t.Fatalf("AllowDestructive on a card that is not virtual: %v", err)
	}
	if opened || r.tries() != "3 5" {
		t.Fatalf("something was sent: tries %s", r.tries())
	}
}

// otherPINs is a virtual card in a reader made with Kenhojo and Juki PINs of
// its own (as `card new` makes one from JPKISIM_KENHOJO_PIN and
// JPKISIM_JUKI_PIN): every session a fresh card of the default profile but
// for those two values, which the target's Secrets carry.
type otherPINs struct{ p *simulator.Profile }

func (o otherPINs) Name() string  { return "reader:other-pins" }
func (o otherPINs) Virtual() bool { return true }
func (o otherPINs) Secrets() harness.Secrets {
	s := harness.Secrets{AuthPIN: o.p.AuthPIN, SigningPIN: o.p.SigningPIN}
	s.Set(jpki.KenhojoPIN, o.p.CardFace.KenhojoPIN)
	s.Set(jpki.JukiPIN, o.p.CardFace.JukiPIN)
	return s
}
func (o otherPINs) Capabilities() harness.Capabilities {
	return harness.Capabilities{Profile: o.p.Name, PowerCycle: true}
}
func (o otherPINs) Open() (harness.Card, error) {
	c, err := simulator.New(o.p)
	if err != nil {
		return nil, err
	}
	return sim.NewCard(c), nil
}

// The model compares the Kenhojo and Juki PINs the target says the card
// has, not the profile's test values: destructive sequences on a card made
// with other values agree with the model. (The model once took them from
// the profile alone, and the pcscd run on a card made with other PINs
// failed on "correct Kenhojo PIN".)
func TestCardWithOtherCardFacePINsAgreesWithModel(t *testing.T) {
	p := fixtures.MustProfile("default")
	p.CardFace.KenhojoPIN, p.CardFace.JukiPIN = []byte("7391"), []byte("5024")
	out, err := Run(Config{Target: otherPINs{p}, Seed: 7, Sequences: 300, MaxLen: 30, Shards: 1, Output: io.Discard, AllowDestructive: true})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Passed {
		t.Fatal("the card with other Kenhojo and Juki PINs disagrees with the model")
	}
}
