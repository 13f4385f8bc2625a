package simulator

import (
	"errors"
	"fmt"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
)

// What a controller of a served card reads and sets beside the C-APDUs
// (jpkisim serve --control, docs/control.md): retry counters, the faults
// switched on, and copies of the persistent state for named snapshots. No
// method here hands out or takes a PIN value.

// ErrNoReference is wrapped by Tries and SetTries for reference data the
// card does not hold (a phone token has no Kenhojo application).
var ErrNoReference = errors.New("the card holds no such reference data")

// ErrTriesRange is wrapped by SetTries for a count below 0 or above the
// reference's retry limit.
var ErrTriesRange = errors.New("tries left out of range")

// pinObject returns the PIN object of ref; called locked.
func (c *Card) pinObject(ref jpki.Reference) (*PIN, error) {
	if a := c.state.App(ref.App.AID()); a != nil {
		if e := a.EF(ref.FID); e != nil && e.Kind == PINObject && e.PIN != nil {
			return e.PIN, nil
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrNoReference, ref)
}

// Tries returns the retry counter of the reference data ref: the tries
// left and the retry limit (docs/card.md §6). The error wraps
// ErrNoReference when the card holds no PIN object for ref.
func (c *Card) Tries(ref jpki.Reference) (left, max int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.pinObject(ref)
	if err != nil {
		return 0, 0, err
	}
	return p.Remaining, p.MaxTries, nil
}

// SetTries sets the retry counter of the reference data ref to left tries
// (0: blocked, answering 6984; at most the retry limit) and commits it, as
// the office's equipment would write it: the value of the reference data
// and the security status stay. The errors wrap ErrNoReference,
// ErrTriesRange, or say the card's memory could not be written (a state
// file that refused the write; the counter is then unchanged).
func (c *Card) SetTries(ref jpki.Reference, left int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.pinObject(ref)
	if err != nil {
		return err
	}
	if left < 0 || left > p.MaxTries {
		return fmt.Errorf("%w: %d for %v, want 0 to %d", ErrTriesRange, left, ref, p.MaxTries)
	}
	defer c.keepTear()()
	old := p.Remaining
	p.Remaining = left
	if c.commit(func() { p.Remaining = old }) != nil {
		return errors.New("the card's memory could not be written")
	}
	return nil
}

// Faults returns a copy of the faults switched on: the profile's, those
// set since (SetFaults), less the one-shot ones a command has used.
func (c *Card) Faults() Faults {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.faults
	f.Latency = map[byte]time.Duration{}
	for k, v := range c.faults.Latency {
		f.Latency[k] = v
	}
	f.Answers = append([]Answer(nil), c.faults.Answers...)
	return f
}

// CopyState returns a deep copy of the persistent state as it is now
// (files, PINs, retry counters; not the security status), for a named
// snapshot of the control interface. It holds the PIN values: keep it in
// memory and hand it only to PutState.
func (c *Card) CopyState() *State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.Clone()
}

// PutState replaces the persistent state with a copy of st (from
// CopyState of this card), commits it and clears the volatile state, as
// the restore command does (docs/card-behaviour.md, "Commands only the
// virtual card has"); the snapshot of the restore command and its hold
// stay. A state that cannot be committed changes nothing and fails.
func (c *Card) PutState(st *State) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.keepTear()()
	old := c.state
	c.state = st.Clone()
	if c.commit(func() { c.state = old }) != nil {
		if c.state != old {
			c.clearVolatile()
		}
		return errors.New("the state could not be committed")
	}
	c.clearVolatile()
	return nil
}

// keepTear sets a pending tearing fault (Faults.TearNext) aside for a
// write of the controller, which is not the card's own; the function it
// returns puts it back for the next command. Called locked.
func (c *Card) keepTear() func() {
	tear := c.faults.TearNext
	c.faults.TearNext = false
	return func() { c.faults.TearNext = tear }
}
