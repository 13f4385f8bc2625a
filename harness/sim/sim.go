// Package sim is the in-process transport of the harness, beside the PC/SC
// one (harness/pcsc): a harness.Card over a simulator.Card, and the target
// that makes a fresh virtual card from a profile for every session
// (docs/design.md, "The harness and the suite").
package sim

import (
	"fmt"

	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// Card is a session on a virtual card in this process.
type Card struct {
	card *simulator.Card
	atr  []byte
	rec  *transcript.Recorder // nil: nothing recorded
}

// NewCard powers the virtual card on and returns a session on it.
func NewCard(c *simulator.Card) *Card {
	return &Card{card: c, atr: c.PowerOn()}
}

// Transmit implements harness.Card. A card made to speak T=0
// (simulator.Faults) answers 61xx and 6Cxx; like the PC/SC transport, Card
// completes those exchanges (harness.ISOT0), so clients see whole answers.
// Every exchange beneath the completion is recorded when the session is
// (Record).
func (s *Card) Transmit(capdu []byte) ([]byte, error) {
	return harness.ISOT0(s.raw, capdu)
}

func (s *Card) raw(capdu []byte) ([]byte, error) {
	return harness.Record(s.rec, s.card.Transmit, capdu)
}

func (s *Card) event(k transcript.Kind, atr []byte) {
	if s.rec != nil {
		s.rec.Event(k, atr)
	}
}

// Record implements harness.Recordable: from now on every exchange beneath
// T=0 completion, every reset and power cycle and the session's end are
// recorded in rec, after a power-on event with the current ATR.
func (s *Card) Record(rec *transcript.Recorder) {
	s.rec = rec
	s.event(transcript.PowerOn, s.atr)
}

// ATR implements harness.Card.
func (s *Card) ATR() []byte { return s.atr }

// Reset implements harness.Card: a warm reset of the virtual card.
func (s *Card) Reset() error {
	s.atr = s.card.Reset()
	s.event(transcript.Reset, s.atr)
	return nil
}

// Close implements harness.Card: the virtual card is powered off.
func (s *Card) Close() error {
	s.card.PowerOff()
	s.event(transcript.PowerOff, nil)
	return nil
}

// PowerCycle implements harness.PowerCycler: the card's power is removed
// and restored; its persistent state survives.
func (s *Card) PowerCycle() error {
	s.card.PowerOff()
	s.event(transcript.PowerOff, nil)
	s.atr = s.card.PowerOn()
	s.event(transcript.PowerOn, s.atr)
	return nil
}

// Simulator returns the virtual card of the session.
func (s *Card) Simulator() *simulator.Card { return s.card }

// Capabilities implements harness.Capable: the embedded card, of its
// profile, which can power-cycle.
func (s *Card) Capabilities() harness.Capabilities {
	return harness.Capabilities{Embedded: true, Profile: s.card.Profile().Name, PowerCycle: true}
}

// Of returns the virtual card of a session on the embedded card: c itself a
// Card of this package, or wrappers (harness.Wrapper) over one that say the
// card is the embedded one (harness.CapabilitiesOf). false for any other
// card.
func Of(c harness.Card) (*simulator.Card, bool) {
	if !harness.CapabilitiesOf(c).Embedded {
		return nil, false
	}
	for c != nil {
		if s, ok := c.(*Card); ok {
			return s.card, true
		}
		c = harness.Unwrap(c)
	}
	return nil, false
}

// Target makes a fresh virtual card from a profile for every Open.
type Target struct {
	Profile *simulator.Profile
	// Initial, when set, is the persistent state every Open starts from (a
	// copy: a card loaded from a state file, which the run never writes).
	Initial *simulator.State
	// PINs, when set, are the card's PINs (they may differ from the
	// profile's, for a card made with other PINs).
	PINs *harness.Secrets
}

// Name implements harness.Target: "sim:" and the profile's name.
func (t Target) Name() string { return "sim:" + t.Profile.Name }

// Virtual implements harness.Target.
func (Target) Virtual() bool { return true }

// Open implements harness.Target: a fresh virtual card, powered on.
func (t Target) Open() (harness.Card, error) {
	if t.Initial != nil {
		return NewCard(simulator.NewWithState(t.Profile, t.Initial.Clone(), nil)), nil
	}
	c, err := simulator.New(t.Profile)
	if err != nil {
		return nil, fmt.Errorf("virtual card: %w", err)
	}
	return NewCard(c), nil
}

// Capabilities implements harness.Target: every Open makes a fresh
// embedded card of the profile, which can power-cycle.
func (t Target) Capabilities() harness.Capabilities {
	return harness.Capabilities{Embedded: true, Profile: t.Profile.Name, PowerCycle: true}
}

// Profiled is implemented by targets whose cards are made in this process
// from a simulator profile (Target): SimProfile returns that profile, the
// whole of it — one loaded from a file, or a changed copy, which no profile
// name finds.
type Profiled interface {
	harness.Target
	SimProfile() *simulator.Profile
}

// SimProfile implements Profiled.
func (t Target) SimProfile() *simulator.Profile { return t.Profile }

// Secrets implements harness.Target: PINs if set, else the profile's.
func (t Target) Secrets() harness.Secrets {
	if t.PINs != nil {
		return *t.PINs
	}
	return ProfileSecrets(t.Profile)
}

// ProfileSecrets are the test PINs of the profile p: its two JPKI PINs
// and, for a card with the card-face applications, the initial Kenhojo
// and Juki PINs of its CardFace (empty for a phone token, which has none).
func ProfileSecrets(p *simulator.Profile) harness.Secrets {
	s := harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN}
	if f := p.CardFace; f != nil {
		s.KenhojoPIN, s.JukiPIN = f.KenhojoPIN, f.JukiPIN
	}
	return s
}
