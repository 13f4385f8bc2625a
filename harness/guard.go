package harness

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/jpkisim/jpkisim/apdu"
)

// ErrRefused is wrapped by every C-APDU the real-card guard stops.
var ErrRefused = errors.New("refused by the real-card guard")

// GuardPolicy says what may reach a card that is not the virtual one.
type GuardPolicy struct {
	// AllowDestructive lets VERIFY values other than the configured PINs,
	// and PIN changes, reach the card (--allow-destructive).
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
// office, so it stops, before they reach the card:
//
//   - every VERIFY with data unless the reference's retry counter, read with
//     the empty VERIFY (which spends nothing), shows more than one try left
//     (AllowLockout lifts this) and, without AllowDestructive, shows every
//     try left;
//   - without AllowDestructive, every VERIFY whose value is not one of the
//     configured PINs, and any VERIFY of a configured value that already
//     failed once in this session (a mistyped PIN costs one try at most);
//   - without AllowDestructive, CHANGE REFERENCE DATA, RESET RETRY COUNTER
//     and CHANGE KEY.
//
// A stopped command returns an error wrapping ErrRefused; nothing is sent.
type Guard struct {
	Card
	Policy GuardPolicy
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

// Transmit implements Card.
func (g *Guard) Transmit(capdu []byte) ([]byte, error) {
	if len(capdu) < 4 || !apdu.CarriesSecret(capdu[0], capdu[1]) {
		return g.Card.Transmit(capdu)
	}
	cmd, err := apdu.Parse(capdu)
	if err != nil {
		return nil, refused("a malformed command that may carry a PIN (%s)", apdu.MaskedHex(capdu))
	}
	switch cmd.INS {
	case 0x20, 0x21:
		if len(cmd.Data) == 0 {
			return g.Card.Transmit(capdu) // the counter query spends nothing
		}
		var r []byte
		err := inTransaction(g.Card, func() error {
			var err error
			r, err = g.verify(cmd, capdu)
			return err
		})
		return r, err
	default:
		if !g.Policy.AllowDestructive {
			return nil, refused("INS %02X changes or resets a PIN on a card that is not virtual; pass --allow-destructive to allow it", cmd.INS)
		}
		return g.Card.Transmit(capdu)
	}
}

func (g *Guard) verify(cmd apdu.Command, capdu []byte) ([]byte, error) {
	p := g.Policy
	max := 0
	switch {
	case len(p.Secrets.AuthPIN) > 0 && bytes.Equal(cmd.Data, p.Secrets.AuthPIN):
		max = AuthPIN.MaxTries()
	case len(p.Secrets.SigningPIN) > 0 && bytes.Equal(cmd.Data, p.Secrets.SigningPIN):
		max = SigningPIN.MaxTries()
	}
	if !p.AllowDestructive {
		if max == 0 {
			return nil, refused("a VERIFY value that is not one of the configured PINs; pass --allow-destructive to allow it")
		}
		if p.Memory.has(cmd.Data) {
			return nil, refused("the configured PIN was already refused once by this card; check JPKISIM_AUTH_PIN / JPKISIM_SIGN_PIN")
		}
	}
	query := []byte{cmd.CLA, cmd.INS, cmd.P1, cmd.P2}
	qr, err := g.Card.Transmit(query)
	if err != nil {
		return nil, err
	}
	tries, ok := apdu.StatusWord(0), false
	var n int
	if len(qr) >= 2 {
		tries = apdu.NewStatusWord(qr[len(qr)-2], qr[len(qr)-1])
		n, ok = tries.Tries()
	}
	switch {
	case !ok && !p.AllowLockout:
		return nil, refused("the retry counter query answered %s, so the tries left are unknown", tries.String())
	case ok && n <= 1 && !p.AllowLockout:
		return nil, refused("%d tries left: this VERIFY could lock the PIN; pass --allow-lockout to allow it", n)
	case ok && !p.AllowDestructive && max > 0 && n < max:
		return nil, refused("%d of %d tries left: the counter is not full, so a configured PIN that is wrong would push it further; pass --allow-destructive to allow it", n, max)
	}
	r, err := g.Card.Transmit(capdu)
	if err == nil && len(r) >= 2 {
		if _, wrong := apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]).Tries(); wrong && max > 0 {
			p.Memory.add(cmd.Data)
		}
	}
	return r, err
}

// Transaction passes a transaction through to the guarded card.
func (g *Guard) Transaction(f func() error) error { return inTransaction(g.Card, f) }

// PowerCycle passes a power cycle through to the guarded card.
func (g *Guard) PowerCycle() error {
	pc, ok := g.Card.(PowerCycler)
	if !ok {
		return errors.New("this transport cannot power-cycle the card")
	}
	return pc.PowerCycle()
}
