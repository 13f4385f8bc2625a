// Package harness drives a card through one interface, whatever carries the
// APDUs: the Card and Target interfaces, a JPKI client on top of them, a
// recording of sessions (package transcript) and the real-card guard. The transports live beside
// it — the in-process virtual card in harness/sim, PC/SC in harness/pcsc —
// so that the harness itself depends on the codec (apdu) and the card's
// facts (jpki) only.
//
// The harness does not depend on godog: the acceptance steps, the properties
// and the CLI all use it.
package harness

import (
	"github.com/jpkisim/jpkisim/jpki"
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
	// Capabilities says what the cards Open returns are and can do: the
	// embedded card or not, its profile, power cycling. Callers ask this,
	// never the target's concrete type, so that a target that wraps another
	// says what it keeps of it.
	Capabilities() Capabilities
}

// Secrets holds the PIN values of a card, one field per PIN role
// (jpki.PINs, docs/card.md §6): the two JPKI PINs and the 4-digit PINs of
// the Kenhojo application (EF 0011) and of the Juki and common card
// applications (EF 001C). Empty is not given. Its String and GoString
// never show them.
type Secrets struct {
	AuthPIN, SigningPIN []byte
	KenhojoPIN, JukiPIN []byte
}

// String masks every value.
func (Secrets) String() string {
	return "Secrets{auth: ****, signing: ****, kenhojo: ****, juki: ****}"
}

// Of returns the value of PIN p: empty when none was given or for no PIN
// role.
func (s Secrets) Of(p jpki.PIN) []byte {
	if f := s.field(p); f != nil {
		return *f
	}
	return nil
}

// Set sets the value of PIN p; it does nothing for a p that names no PIN
// role.
func (s *Secrets) Set(p jpki.PIN, v []byte) {
	if f := s.field(p); f != nil {
		*f = v
	}
}

// field is the field that holds p; nil for none.
func (s *Secrets) field(p jpki.PIN) *[]byte {
	switch p {
	case jpki.AuthPIN:
		return &s.AuthPIN
	case jpki.SigningPIN:
		return &s.SigningPIN
	case jpki.KenhojoPIN:
		return &s.KenhojoPIN
	case jpki.JukiPIN:
		return &s.JukiPIN
	}
	return nil
}

// GoString masks every value under %#v too.
func (s Secrets) GoString() string { return s.String() }

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
