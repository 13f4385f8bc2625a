// Package certify runs a client program under test in front of a card
// served through pcscd and judges it by the conformance catalogue
// (docs/conformance.md): it takes the served card to each card state a
// check needs through the control interface of `jpkisim serve --control`
// (docs/control.md), runs the program with the reader and the PIN it should
// use in its environment, gathers what the card saw, what the program said
// and the files it wrote into a conformance.Session, and turns the judges'
// verdicts over every session into one verdict per check.
//
// The client-under-test steps (@client scenarios) and `jpkisim certify`
// both run programs through it.
package certify

import (
	"fmt"
	"reflect"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

// Served is one slot of a served card under control: the card a client
// under test is put in front of.
type Served struct {
	Ctl    *control.Client
	Slot   int
	Reader string // the slot's PC/SC reader name
	// NewCard makes Prepare put a new card of the state's profile in
	// every time, so that nothing one run of a program did to the card (a
	// PIN it changed) reaches the next; certify sets it. Without it a card
	// already of that profile stays (the @client scenarios, whose run
	// keeps a snapshot of it).
	NewCard bool
}

// Find finds the slot of the control interface c whose reader is reader.
// Errors: the interface does not answer, or serves no such reader.
func Find(c *control.Client, reader string) (Served, error) {
	slots, err := c.Status()
	if err != nil {
		return Served{}, err
	}
	for _, s := range slots {
		if s.Reader == reader {
			return Served{Ctl: c, Slot: s.Slot, Reader: reader}, nil
		}
	}
	return Served{}, fmt.Errorf("the control interface at %s serves no slot of reader %q", c.Addr(), reader)
}

// Prepare takes the served card to state st (docs/conformance.md, "The
// card states"): a card of st's profile with st's retry counters and
// signature latency, every other fault cleared. A card that is already of
// that profile, or of one that differs only in its identity and retry
// counters, stays in the reader and gets its counters set, so that a run's
// snapshot of it stays good; otherwise (and always with NewCard) a new
// card of the profile is put in.
// It returns once pcscd has the card powered (at most 10 s).
func (s Served) Prepare(st conformance.State) error {
	c := s.Ctl
	keep := false // the card in the slot is that card but for its counters
	if !s.NewCard {
		now, err := c.Slot(s.Slot)
		if err != nil {
			return err
		}
		keep = now.Profile == st.Profile || sameButTries(now.Profile, st.Profile)
	}
	tries := map[jpki.PIN]int{}
	if keep {
		full, err := fixtures.Profile(st.Profile)
		if err != nil {
			return err
		}
		for _, p := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
			tries[p] = p.MaxTries()
		}
		if full.AuthTriesLeft != nil {
			tries[jpki.AuthPIN] = *full.AuthTriesLeft
		}
		if full.SigningTriesLeft != nil {
			tries[jpki.SigningPIN] = *full.SigningTriesLeft
		}
	} else if _, err := c.Profile(s.Slot, st.Profile); err != nil {
		return fmt.Errorf("putting a card of profile %q in: %w", st.Profile, err)
	}
	for p, n := range st.TriesLeft {
		tries[p] = n
	}
	for _, p := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		if n, ok := tries[p]; ok {
			if _, err := c.Tries(s.Slot, p, n); err != nil {
				return fmt.Errorf("setting the %v to %d tries: %w", p, n, err)
			}
		}
	}
	if _, err := c.ClearFaults(s.Slot); err != nil {
		return err
	}
	if st.SignatureLatency > 0 {
		if _, err := c.Latency(s.Slot, 0x2A, st.SignatureLatency, false); err != nil {
			return err
		}
	}
	return s.WaitInReader()
}

// WaitInReader waits until pcscd has the slot's card powered (after a new
// card was put in), at most 10 s.
func (s Served) WaitInReader() error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := s.Ctl.Slot(s.Slot)
		if err != nil {
			return err
		}
		if st.Inserted && st.InReader && st.Powered {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the served card of slot %d is not in its reader and powered after 10 s", s.Slot)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// End clears the faults a state set on the served card.
func (s Served) End() error {
	if _, err := s.Ctl.ClearFaults(s.Slot); err != nil {
		return fmt.Errorf("clearing the served card's faults after the client: %w", err)
	}
	return nil
}

// sameButTries reports whether profiles a and b make the same card but for
// its identity (name, description, the token serial of EF 0006) and the
// JPKI retry counters: a card of a that the control interface's tries take
// to b's state keeps its serial, which no check reads.
func sameButTries(a, b string) bool {
	pa, err := fixtures.Profile(a)
	if err != nil {
		return false
	}
	pb, err := fixtures.Profile(b)
	if err != nil {
		return false
	}
	norm := func(p simulator.Profile) simulator.Profile {
		p.Name, p.Description, p.TokenSerial, p.AuthTriesLeft, p.SigningTriesLeft = "", "", "", nil, nil
		if p.Behaviour.BlockedVerifySW == 0 {
			p.Behaviour.BlockedVerifySW = uint16(apdu.SWReferenceDataUnusable) // the default: 6984
		}
		return p
	}
	return reflect.DeepEqual(norm(*pa), norm(*pb))
}
