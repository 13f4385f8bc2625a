package harness

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/simulator"
)

// ErrRefused is wrapped by every C-APDU the real-card guard stops.
var ErrRefused = errors.New("refused by the real-card guard")

// GuardPolicy says what may reach a card that is not the virtual one.
type GuardPolicy struct {
	// AllowDestructive lets through what can spend a try or change the card
	// (--allow-destructive): VERIFY values other than the configured PINs,
	// VERIFY on a counter that is not full or cannot be read, PIN changes,
	// and every command outside the read-only list.
	AllowDestructive bool
	// AllowLockout lets a VERIFY spend the last remaining try of a PIN
	// (--allow-lockout).
	AllowLockout bool
	// Secrets are the PINs the user configured for this card; empty values
	// mean none was given.
	Secrets Secrets
	// Memory remembers configured PINs the card refused. Share one between
	// every session on the same card (a Target does), so that a mistyped PIN
	// costs one try in the whole run, not one per scenario. Nil: per Guard.
	Memory *GuardMemory
}

// GuardMemory is the set of configured PIN values a card refused.
type GuardMemory struct {
	mu     sync.Mutex
	failed [][]byte
}

func (m *GuardMemory) has(v []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.failed {
		if bytes.Equal(f, v) {
			return true
		}
	}
	return false
}

func (m *GuardMemory) add(v []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed = append(m.failed, append([]byte(nil), v...))
}

// Guard is the Card wrapper between the harness and a card that is not the
// virtual one. A locked signing password costs its owner a trip to the city
// office, so, unless the policy allows more, only these reach the card:
//
//   - read-only commands: SELECT, READ BINARY, READ RECORD, GET DATA, GET
//     CHALLENGE, GET RESPONSE, COMPUTE DIGITAL SIGNATURE (80 2A), and the
//     empty VERIFY that reads a retry counter;
//   - a VERIFY of the JPKI auth PIN (EF 0018) or signing password (EF 001B),
//     named by SFI or as the current EF the guard saw selected, whose value
//     is the PIN configured for that very reference, whose counter — read
//     first with the empty VERIFY, which spends nothing — is full, and which
//     the card has not refused before (so a mistyped PIN costs one try, once).
//
// With AllowDestructive everything passes, but a VERIFY still never goes
// out with one try left (or an unreadable counter) unless AllowLockout is
// also given. A stopped command returns an error wrapping ErrRefused;
// nothing is sent.
type Guard struct {
	Card
	Policy GuardPolicy

	inJPKI bool   // the JPKI application is selected, as far as the guard saw
	ef     uint16 // the current EF, as far as the guard saw (0: unknown)
}

// NewGuard wraps c.
func NewGuard(c Card, p GuardPolicy) *Guard {
	if p.Memory == nil {
		p.Memory = &GuardMemory{}
	}
	return &Guard{Card: c, Policy: p}
}

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// ReadOnly reports the commands the guard lets reach a card that is not
// virtual without --allow-destructive, by class and instruction: those that
// can neither spend a try nor change the card (VERIFY is judged apart).
func ReadOnly(cla, ins byte) bool {
	switch cla {
	case 0x00:
		switch ins {
		case 0xA4, 0xB0, 0xB2, 0xCA, 0x84, 0xC0:
			return true
		}
	case 0x80:
		return ins == 0x2A
	}
	return false
}

// Transmit implements Card.
func (g *Guard) Transmit(capdu []byte) ([]byte, error) {
	if len(capdu) < 4 {
		return g.Card.Transmit(capdu)
	}
	cla, ins := capdu[0], capdu[1]
	var r []byte
	var err error
	switch {
	case cla == 0x00 && ins == 0x20:
		err = inTransaction(g.Card, func() error {
			r, err = g.verify(capdu)
			return err
		})
	case ReadOnly(cla, ins) || g.Policy.AllowDestructive:
		r, err = g.Card.Transmit(capdu)
	default:
		return nil, refused("%s: CLA %02X INS %02X is not among the read-only commands allowed on a card that is not virtual; pass --allow-destructive to allow it", apdu.MaskedHex(capdu), cla, ins)
	}
	if err == nil {
		g.track(capdu, r)
	}
	return r, err
}

// track follows the current DF and EF from the commands that succeeded.
func (g *Guard) track(capdu, r []byte) {
	if len(r) < 2 || r[len(r)-2] != 0x90 || r[len(r)-1] != 0x00 {
		return
	}
	c, err := apdu.Parse(capdu)
	if err != nil || c.CLA != 0x00 {
		return
	}
	switch {
	case c.INS == 0xA4 && c.P1 == 0x04:
		g.inJPKI, g.ef = bytes.HasPrefix(simulator.AIDJPKI, c.Data), 0
	case c.INS == 0xA4 && c.P1 == 0x02 && len(c.Data) == 2:
		g.ef = uint16(c.Data[0])<<8 | uint16(c.Data[1])
	case c.INS == 0xA4:
		// select MF and other forms: the DF stays, the EF too
	case c.INS == 0xB0 && c.P1&0x80 != 0:
		g.ef = uint16(c.P1 & 0x1F)
	case c.INS == 0xB2 && c.P2>>3 != 0:
		g.ef = uint16(c.P2 >> 3)
	}
}

// reference is the JPKI PIN a VERIFY's P2 names, as far as the guard knows.
func (g *Guard) reference(p2 byte) (PINRef, bool) {
	if !g.inJPKI || p2&0xE0 != 0x80 {
		return 0, false
	}
	fid := g.ef
	if sfi := p2 & 0x1F; sfi != 0 {
		fid = uint16(sfi)
	}
	switch fid {
	case simulator.EFAuthPIN:
		return AuthPIN, true
	case simulator.EFSigningPIN:
		return SigningPIN, true
	}
	return 0, false
}

func (g *Guard) verify(capdu []byte) ([]byte, error) {
	p := g.Policy
	cmd, err := apdu.Parse(capdu)
	if err != nil {
		if !p.AllowDestructive {
			return nil, refused("a malformed VERIFY (%s)", apdu.MaskedHex(capdu))
		}
		return g.Card.Transmit(capdu)
	}
	if len(cmd.Data) == 0 && cmd.Ne == 0 {
		return g.Card.Transmit(capdu) // the counter query spends nothing
	}
	ref, known := g.reference(cmd.P2)
	if !p.AllowDestructive {
		var configured []byte
		if known {
			configured = p.Secrets.AuthPIN
			if ref == SigningPIN {
				configured = p.Secrets.SigningPIN
			}
		}
		switch {
		case !known:
			return nil, refused("a VERIFY whose reference is not the JPKI auth PIN or signing password as far as the guard saw; pass --allow-destructive to allow it")
		case cmd.CLA != 0x00 || cmd.P1 != 0x00 || cmd.Ne != 0:
			return nil, refused("a VERIFY of unusual form (%s)", apdu.MaskedHex(capdu))
		case len(configured) == 0 || !bytes.Equal(cmd.Data, configured):
			return nil, refused("a VERIFY value that is not the configured %v; pass --allow-destructive to allow it", ref)
		case p.Memory.has(cmd.Data):
			return nil, refused("the configured %v was already refused once by this card; check JPKISIM_AUTH_PIN / JPKISIM_SIGN_PIN", ref)
		}
	}
	qr, err := g.Card.Transmit([]byte{cmd.CLA, cmd.INS, cmd.P1, cmd.P2})
	if err != nil {
		return nil, err
	}
	var tries apdu.StatusWord
	var n int
	ok := false
	if len(qr) >= 2 {
		tries = apdu.NewStatusWord(qr[len(qr)-2], qr[len(qr)-1])
		n, ok = tries.Tries()
	}
	switch {
	case !ok && !(p.AllowLockout && p.AllowDestructive):
		return nil, refused("the retry counter query answered %s, so the tries left are unknown", tries.String())
	case ok && n <= 1 && !p.AllowLockout:
		return nil, refused("%d tries left: this VERIFY could lock the PIN; pass --allow-lockout to allow it", n)
	case ok && !p.AllowDestructive && n < ref.MaxTries():
		return nil, refused("%d of %d tries left on the %v: the counter is not full, so a configured PIN that is wrong would push it further; pass --allow-destructive to allow it", n, ref.MaxTries(), ref)
	}
	r, err := g.Card.Transmit(capdu)
	if err == nil && len(r) >= 2 {
		if _, wrong := apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]).Tries(); wrong {
			p.Memory.add(cmd.Data)
		}
	}
	return r, err
}

// Close resets the card before closing the session, so that no PIN this
// session verified stays open for the next program that uses the reader.
func (g *Guard) Close() error {
	rerr := g.Card.Reset()
	if err := g.Card.Close(); err != nil {
		return err
	}
	return rerr
}

// Reset passes a reset through; the card's current DF and EF are gone.
func (g *Guard) Reset() error {
	g.inJPKI, g.ef = false, 0
	return g.Card.Reset()
}

// Transaction passes a transaction through to the guarded card.
func (g *Guard) Transaction(f func() error) error { return inTransaction(g.Card, f) }

// PowerCycle passes a power cycle through to the guarded card.
func (g *Guard) PowerCycle() error {
	pc, ok := g.Card.(PowerCycler)
	if !ok {
		return errors.New("this transport cannot power-cycle the card")
	}
	g.inJPKI, g.ef = false, 0
	return pc.PowerCycle()
}
