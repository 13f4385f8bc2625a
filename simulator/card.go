package simulator

import (
	"errors"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
)

// ErrNoPower is returned by Transmit when the card is not powered.
var ErrNoPower = errors.New("card is not powered")

// Exchange is one C-APDU and its R-APDU as the card saw them. CAPDU is raw:
// render it only with apdu.MaskedHex, which hides PIN data.
type Exchange struct {
	CAPDU, RAPDU []byte
	Elapsed      time.Duration
}

// Persister makes the persistent state durable. Card calls Commit after every
// change to State and before the answer that depends on it leaves the card
// (a retry counter is committed before the comparison result is returned).
//
// Commit returns nil when the state is durable. An error wrapping
// ErrNotDurable means the state now replaces the old one in the store but
// could not be confirmed durable; any other error means the store still
// holds the state of the last successful Commit. Either way the card
// answers 6581 and lets no answer out that depends on the write, and its
// memory is what the store holds (docs/state-file.md, "Atomicity").
type Persister interface {
	Commit(*State) error
}

// ErrNotDurable is wrapped by a Persister's error when the new state
// replaced the old one but is not known to survive a power loss (for a
// state file: the rename succeeded, the directory's fsync did not).
var ErrNotDurable = errors.New("written but not confirmed durable")

// Card is one virtual card. It is safe for concurrent use; commands are
// processed one at a time, as by a real card.
type Card struct {
	mu       sync.Mutex
	profile  *Profile
	state    *State
	persist  Persister
	observer func(Exchange)

	// what the restore command returns to: the last snapshot, or the card as it came
	snapshot *State
	// the run token the snapshot is held for ("" none; jpki.RestoreINS)
	holder string

	faults  Faults
	torn    bool   // the power was cut after a write (Faults.TearNext)
	pending []byte // T=0 response data waiting for GET RESPONSE

	// volatile
	powered  bool
	df       *Application // the current DF (enter)
	app      jpki.App     // the application whose AID df has
	commands table        // what the OS answers while it is current (dispatch)
	ef       *EF
	verified []*PIN
}

// New makes an unpowered card from a profile, with a fresh persistent state.
// It fails when the profile does not validate.
func New(p *Profile) (*Card, error) {
	st, err := NewState(p)
	if err != nil {
		return nil, err
	}
	return NewWithState(p, st, nil), nil
}

// NewWithState makes an unpowered card over an existing persistent state
// (for example one loaded from disk) and an optional Persister.
func NewWithState(p *Profile, st *State, persist Persister) *Card {
	c := &Card{profile: p, state: st, persist: persist, snapshot: st.Clone()}
	if p.Faults != nil {
		c.SetFaults(p.Faults)
	}
	return c
}

// Profile returns the profile the card was made from.
func (c *Card) Profile() *Profile { return c.profile }

// SetObserver installs a function called after every exchange (nil removes
// it). It runs with the card locked and must not call the card.
func (c *Card) SetObserver(f func(Exchange)) {
	c.mu.Lock()
	c.observer = f
	c.mu.Unlock()
}

// PowerOn powers the card (cold reset) and returns its ATR.
func (c *Card) PowerOn() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = true
	c.clearVolatile()
	return clone(c.profile.atr())
}

// PowerOff removes power: the security status and the current DF and EF are
// lost; the persistent state stays.
func (c *Card) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = false
	c.clearVolatile()
}

// Reset is a warm reset: volatile state cleared, the card stays powered (or
// is powered if it was not), and the ATR is returned.
func (c *Card) Reset() []byte { return c.PowerOn() }

// ATR returns the answer to reset of the card's profile.
func (c *Card) ATR() []byte { return clone(c.profile.atr()) }

// Update takes the card out of the reader for an operation on its
// persistent state (the office's renewal or PIN reset, package office): the
// card is unpowered and f changes a copy of the state. What f makes durable
// with commit (a retry counter spent before a comparison) stays even when f
// then fails; the rest replaces the state and is committed only when f
// succeeds. The card stays unpowered, as one just back from the office. A
// pending tearing fault (Faults.TearNext) is left for the next command.
func (c *Card) Update(f func(st *State, commit func() error) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = false
	defer c.clearVolatile()
	// The office writes the card with its own equipment: a tearing fault
	// waiting for the next command's write stays for that command.
	tear := c.faults.TearNext
	c.faults.TearNext = false
	defer func() { c.faults.TearNext = tear }()
	next := c.state.Clone()
	commit := func() error {
		old := c.state
		c.state = next.Clone()
		if c.commit(func() { c.state = old }) != nil {
			return errors.New("the card's memory could not be written")
		}
		return nil
	}
	if err := f(next, commit); err != nil {
		return err
	}
	return commit()
}

// Powered reports whether the card is powered.
func (c *Card) Powered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.powered
}

// clearVolatile is what power-off and reset do: the ISD, found by its AID,
// is the current DF, with no current EF (card.md §2); no PIN is verified;
// no T=0 response data waits.
func (c *Card) clearVolatile() {
	c.enter(c.state.App(jpki.ISD.AID()))
	c.verified = c.verified[:0]
	c.pending = nil
}

// Transmit processes one C-APDU and returns the R-APDU: response data
// followed by SW1-SW2. Every input, however malformed, gets at least the two
// status bytes; the errors are ErrNoPower, and with faults switched on
// (SetFaults) ErrRemoved and ErrPowerLost.
func (c *Card) Transmit(capdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return nil, ErrNoPower
	}
	var start time.Time
	if c.observer != nil {
		start = time.Now()
	}
	resp, err := c.faulty(capdu)
	if err != nil {
		return nil, err
	}
	if c.observer != nil {
		c.observer(Exchange{CAPDU: clone(capdu), RAPDU: clone(resp), Elapsed: time.Since(start)})
	}
	return resp, nil
}

// commit hands the persistent state to the Persister (write). It returns
// nil when the state is durable, and 6581 (memory failure) when it is not:
// the handler answers it and lets no answer out that depends on the state.
// When the store still holds the previous state, commit calls undo, which
// puts memory back to it: a failed write changes nothing. When the store
// took the new state without confirming it durable (ErrNotDurable), memory
// keeps the new state, as the store does.
func (c *Card) commit(undo func()) error {
	if err := c.write(); err != nil {
		if !errors.Is(err, ErrNotDurable) {
			undo()
		}
		return apdu.SWMemoryFailure
	}
	return nil
}

// errPowerGone is write's error after a tearing fault cut the power.
var errPowerGone = errors.New("the power is gone: nothing more is written")

// write hands the persistent state to the Persister: nil when it is
// durable; an error wrapping ErrNotDurable when the store took it without
// confirming it; any other error when the store still holds the state of
// the last successful write (errPowerGone once a tearing fault cut the
// power: nothing more is written).
func (c *Card) write() error {
	if c.torn {
		return errPowerGone
	}
	if c.persist != nil {
		if err := c.persist.Commit(c.state); err != nil {
			return err
		}
	}
	if c.faults.TearNext {
		c.faults.TearNext, c.torn = false, true
	}
	return nil
}
