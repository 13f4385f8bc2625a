package pcsc

import (
	"bytes"
	"fmt"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
)

// isVirtual asks the card for the marker.
func isVirtual(c harness.Card) (bool, error) {
	r, err := harness.NewClient(c).Send(apdu.Command{INS: 0xCA, P1: simulator.MarkerTag >> 8, P2: simulator.MarkerTag & 0xFF, Ne: 256})
	if err != nil {
		return false, err
	}
	return r.SW == apdu.SWOK && bytes.HasPrefix(r.Data, []byte(simulator.MarkerPrefix)), nil
}

// Probe tells what answers in reader: whether it is the virtual card (it
// answers the marker GET DATA DF6A, simulator.MarkerTag), the profile the
// virtual card names, and whether the card answers the JPKI SELECT. It sends
// those two read-only commands and nothing else.
func Probe(reader string) (virtual bool, profile string, jpki bool, err error) {
	c, err := Open(reader)
	if err != nil {
		return false, "", false, err
	}
	defer c.Close()
	cl := harness.NewClient(c)
	err = c.Transaction(func() error {
		r, err := cl.Send(apdu.Command{INS: 0xCA, P1: simulator.MarkerTag >> 8, P2: simulator.MarkerTag & 0xFF, Ne: 256})
		if err != nil {
			return err
		}
		if r.SW == apdu.SWOK && bytes.HasPrefix(r.Data, []byte(simulator.MarkerPrefix)) {
			virtual = true
			if i := bytes.Index(r.Data, []byte(" profile=")); i >= 0 {
				profile = string(r.Data[i+len(" profile="):])
			}
		}
		jpki = cl.SelectJPKI() == nil
		return nil
	})
	return virtual, profile, jpki, err
}

// Target runs scenarios on the card in one reader. A card that is not the
// virtual one is always reached through a harness.Guard.
type Target struct {
	Reader string
	// Policy governs what reaches a card that is not virtual; its Secrets
	// are the PINs steps use on any card.
	Policy harness.GuardPolicy
	// Restore sends the virtual card's restore command at every Open, so
	// that each scenario starts from the factory state as on the embedded
	// card. Never sent to a card that is not virtual.
	Restore bool

	virtual bool
	profile string
}

// NewTarget probes reader and returns a target for it; the card must answer
// the JPKI SELECT (harness.ErrNotJPKI otherwise).
func NewTarget(reader string, policy harness.GuardPolicy, restore bool) (*Target, error) {
	virtual, profile, jpki, err := Probe(reader)
	if err != nil {
		return nil, err
	}
	if !jpki {
		return nil, fmt.Errorf("reader %q: %w", reader, harness.ErrNotJPKI)
	}
	if policy.Memory == nil {
		policy.Memory = &harness.GuardMemory{} // one for every session on this card
	}
	return &Target{Reader: reader, Policy: policy, Restore: restore, virtual: virtual, profile: profile}, nil
}

// Name implements harness.Target: pcsc:READER, with "(virtual)" for the
// virtual card.
func (t *Target) Name() string {
	if t.virtual {
		return fmt.Sprintf("pcsc:%s (virtual, profile %s)", t.Reader, t.profile)
	}
	return "pcsc:" + t.Reader
}

// Virtual implements harness.Target: true only for a card that answered
// the marker.
func (t *Target) Virtual() bool { return t.virtual }

// Profile is the profile name the virtual card reported, or "".
func (t *Target) Profile() string { return t.profile }

// Secrets implements harness.Target.
func (t *Target) Secrets() harness.Secrets { return t.Policy.Secrets }

// Open implements harness.Target.
func (t *Target) Open() (harness.Card, error) {
	c, err := Open(t.Reader)
	if err != nil {
		return nil, err
	}
	if !t.virtual {
		return harness.NewGuard(c, t.Policy), nil
	}
	// The card in the reader can change between sessions (vpcd takes any
	// client on its port): ask again before anything only a virtual card may
	// get, and stop rather than treat another card as virtual.
	if v, err := isVirtual(c); err != nil || !v {
		c.Close()
		if err == nil {
			err = fmt.Errorf("the card in %q no longer answers as the virtual card: stopping, as it may be a real one", t.Reader)
		}
		return nil, fmt.Errorf("%w: %v", harness.ErrCardRemoved, err)
	}
	if t.Restore {
		restore := apdu.Command{CLA: 0x80, INS: simulator.RestoreINS, Data: []byte(simulator.RestoreData)}.MustEncode()
		r, err := c.Transmit(restore)
		if err == nil && (len(r) != 2 || r[0] != 0x90 || r[1] != 0x00) {
			err = fmt.Errorf("virtual card in %q refused the restore command: %X", t.Reader, r)
		}
		if err == nil {
			err = c.Reset() // the card starts the scenario as after insertion
		}
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}
