// Package harness drives a card through one interface, whatever carries the
// APDUs: the Card interface and its transports (the in-process simulator
// first), a JPKI client on top of it, and a PIN-masked APDU trace.
//
// The harness does not depend on godog: the acceptance steps, the properties
// and the CLI all use it.
package harness

import (
	"errors"
	"fmt"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/simulator"
)

// Card is a connection to one card. Transmit sends the bytes of one C-APDU
// and returns the bytes of the R-APDU (data then SW1-SW2); an error means the
// transport failed, never that the card answered a non-9000 status word.
type Card interface {
	Transmit(capdu []byte) ([]byte, error)
	// ATR is the answer to reset of the current session.
	ATR() []byte
	// Reset is a warm reset: the card's security status and current files
	// are cleared.
	Reset() error
	// Close ends the session; the card is powered off.
	Close() error
}

// Target opens cards of one kind for a run: a fresh virtual card per
// scenario for the simulator, the same physical card for a reader.
type Target interface {
	// Name describes the target in summaries, for example "sim:default".
	Name() string
	// Virtual reports whether the target is a virtual card, on which
	// destructive steps are always allowed.
	Virtual() bool
	// Open starts a session on a card.
	Open() (Card, error)
	// Secrets are the PINs of the card's holder, used by steps that name a
	// PIN by role.
	Secrets() Secrets
}

// Secrets holds the PIN values of a card. Its String method never shows
// them.
type Secrets struct {
	AuthPIN, SigningPIN []byte
}

// String masks both values.
func (Secrets) String() string { return "Secrets{auth: ****, signing: ****}" }

// Of returns the value of the PIN ref (empty when none was given).
func (s Secrets) Of(ref jpki.PIN) []byte {
	if ref == jpki.SigningPIN {
		return s.SigningPIN
	}
	return s.AuthPIN
}

// GoString masks both values under %#v too.
func (s Secrets) GoString() string { return s.String() }

// SimCard is the in-process transport over a simulator.Card.
type SimCard struct {
	card *simulator.Card
	atr  []byte
}

// NewSimCard powers the virtual card on and returns a session on it.
func NewSimCard(c *simulator.Card) *SimCard {
	return &SimCard{card: c, atr: c.PowerOn()}
}

// Transmit implements Card. A card made to speak T=0 (simulator.Faults)
// answers 61xx and 6Cxx; like the PC/SC transport, SimCard completes those
// exchanges (ISOT0), so clients see whole answers.
func (s *SimCard) Transmit(capdu []byte) ([]byte, error) { return ISOT0(s.card.Transmit, capdu) }

// ATR implements Card.
func (s *SimCard) ATR() []byte { return s.atr }

// Reset implements Card: a warm reset of the virtual card.
func (s *SimCard) Reset() error {
	s.atr = s.card.Reset()
	return nil
}

// Close implements Card: the virtual card is powered off.
func (s *SimCard) Close() error {
	s.card.PowerOff()
	return nil
}

// Sim returns the underlying virtual card.
func (s *SimCard) Sim() *simulator.Card { return s.card }

// SimTarget makes a fresh virtual card from a profile for every Open.
type SimTarget struct {
	Profile *simulator.Profile
	// Initial, when set, is the persistent state every Open starts from (a
	// copy: a card loaded from a state file, which the run never writes).
	Initial *simulator.State
	// PINs, when set, are the card's PINs (they may differ from the
	// profile's, for a card made with other PINs).
	PINs *Secrets
}

// Name implements Target.
func (t SimTarget) Name() string { return "sim:" + t.Profile.Name }

// Virtual implements Target.
func (SimTarget) Virtual() bool { return true }

// Open implements Target.
func (t SimTarget) Open() (Card, error) {
	if t.Initial != nil {
		return NewSimCard(simulator.NewWithState(t.Profile, t.Initial.Clone(), nil)), nil
	}
	c, err := simulator.New(t.Profile)
	if err != nil {
		return nil, fmt.Errorf("virtual card: %w", err)
	}
	return NewSimCard(c), nil
}

// Secrets implements Target: PINs if set, else the profile's.
func (t SimTarget) Secrets() Secrets {
	if t.PINs != nil {
		return *t.PINs
	}
	return Secrets{AuthPIN: t.Profile.AuthPIN, SigningPIN: t.Profile.SigningPIN}
}

// Finisher is implemented by sessions that a run can stop (pcsc.Target's):
// Finally runs f with the session still usable after the stop, for what puts
// the card back as the run found it — a PIN a scenario changed on a card
// that is not virtual. Without one, f simply runs.
type Finisher interface {
	Finally(f func() error) error
}

// Finally runs f through c's Finisher, or as it is.
func Finally(c Card, f func() error) error {
	if fin, ok := c.(Finisher); ok {
		return fin.Finally(f)
	}
	return f()
}

// PowerCycler is implemented by transports that can remove and restore the
// card's power (a cold reset); the persistent state survives it.
type PowerCycler interface {
	PowerCycle() error
}

// PowerCycle implements PowerCycler.
func (s *SimCard) PowerCycle() error {
	s.card.PowerOff()
	s.atr = s.card.PowerOn()
	return nil
}

// PowerCycle passes a power cycle through to the traced card.
func (t *TracedCard) PowerCycle() error {
	pc, ok := t.Card.(PowerCycler)
	if !ok {
		return errors.New("this transport cannot power-cycle the card")
	}
	return pc.PowerCycle()
}
