// Package simulator is the virtual My Number card: a card OS with power,
// reset and ATR, a file tree of applications and EFs, security status, PIN
// objects with retry counters, and the JPKI application (公的個人認証AP),
// answering raw C-APDUs as the real card does (card.md).
//
// The package is pure Go with no cgo, and knows nothing of transports: a
// harness, a PC/SC bridge or a Go test calls Transmit with the bytes of a
// C-APDU and gets the bytes of the R-APDU.
//
// State is split as on a real card: State (files, keys, PINs, retry
// counters) is persistent and survives power-off and reset; the current DF
// and EF and which PINs are verified are volatile and cleared by both.
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
	// the run token the snapshot is held for ("" none; RestoreINS)
	holder string

	faults  Faults
	torn    bool   // the power was cut after a write (Faults.TearNext)
	pending []byte // T=0 response data waiting for GET RESPONSE

	// volatile
	powered  bool
	df       *Application
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

// Restore puts the persistent state back to the last snapshot (Snapshot) —
// or, when none was taken, to what it was when this Card was made: the
// profile's factory state, or the state file's content when the card was
// loaded from one (its own PINs) — commits it and clears the volatile state.
// A restore that cannot be committed changes nothing and fails. The harness
// uses it, through the RestoreINS command, to give every scenario the card a
// run found (docs/card-behaviour.md, "Commands only the virtual card has").
func (c *Card) Restore() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.restore()
}

// Snapshot remembers the persistent state as it is now (files, PINs, retry
// counters; not the security status) as what Restore returns to, in place
// of any earlier snapshot, and drops any run's hold on the old one (the
// run token of the RestoreINS commands). Only the card's memory holds it:
// it is not written to a state file, and a new Card starts without one.
func (c *Card) Snapshot() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snapshot = c.state.Clone()
	c.holder = ""
}

func (c *Card) restore() error {
	old := c.state
	c.state = c.snapshot.Clone()
	if c.commit(func() { c.state = old }) != nil {
		if c.state != old {
			c.clearVolatile() // the store took the restored state: its DFs are current
		}
		return errors.New("restored state could not be committed")
	}
	c.clearVolatile()
	return nil
}

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

func (c *Card) clearVolatile() {
	c.df = c.state.Apps[0] // the ISD is current after reset (card.md §2)
	c.ef = nil
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

// process turns any bytes into an R-APDU. A panic in a handler would be a
// bug; it is turned into 6F00 so that a serving card never dies, and the
// fuzz tests fail on any 6F00.
func (c *Card) process(b []byte) (resp []byte) {
	defer func() {
		if r := recover(); r != nil {
			resp = sw(apdu.SWUnknown)
		}
	}()
	if len(b) < 4 {
		return sw(apdu.SWWrongLength)
	}
	h := dispatch(b[0], b[1], c.df, c.profile.Behaviour.PoseAsRealCard, c.profile.LastCommandIndicator)
	if h.sw != 0 {
		return sw(h.sw)
	}
	cmd, err := apdu.Parse(b)
	if err != nil {
		return sw(apdu.SWWrongLength)
	}
	data, err := h.fn(c, cmd)
	return c.respond(data, cmd.Ne, err)
}

// respond is the one place where a handler's result becomes the R-APDU:
// err nil is 9000 after the data, cut to Ne bytes (ISO/IEC 7816-4 §5.1:
// Ne is the most the card may send); an apdu.StatusWord error is that
// status word alone; any other error is a bug and answers 6F00. On a T=0
// card (Faults.T0) data is held for GET RESPONSE and 61xx answered (t0.go).
func (c *Card) respond(data []byte, ne int, err error) []byte {
	if err != nil {
		return sw(statusOf(err))
	}
	if len(data) > ne {
		data = data[:ne]
	}
	if c.faults.T0 && len(data) > 0 {
		return c.hold(data)
	}
	out := make([]byte, len(data)+2)
	copy(out, data)
	out[len(data)], out[len(data)+1] = 0x90, 0x00
	return out
}

// statusOf is the status word a handler's error stands for: the error
// itself when it is one, 6F00 for anything else (a bug).
func statusOf(err error) apdu.StatusWord {
	if s, ok := err.(apdu.StatusWord); ok {
		return s
	}
	var s apdu.StatusWord
	if errors.As(err, &s) {
		return s
	}
	return apdu.SWUnknown
}

// verifyFailed is 63Cx for n tries left (apdu.VerifyFailed) as an error,
// converted once so that answering it allocates nothing.
func verifyFailed(n int) error { return verifyFailedErrs[apdu.VerifyFailed(n)&0x0F] }

var verifyFailedErrs = func() (errs [16]error) {
	for i := range errs {
		errs[i] = apdu.VerifyFailed(i)
	}
	return errs
}()

type handler struct {
	fn func(*Card, apdu.Command) ([]byte, error)
	sw apdu.StatusWord // answered at once when non-zero
}

// dispatch checks CLA and INS (ISO/IEC 7816-4 §5.4.1, §5.4.2): CLA 00 for the
// interindustry commands, CLA 80 for the proprietary ones (card.md §5). A
// class with command chaining (bit 5) answers 6884, one with a logical
// channel other than 0 answers 6881, any other class 6E00.
func dispatch(cla, ins byte, df *Application, posingAsReal, lastCommand bool) handler {
	switch cla {
	case 0x00:
		switch ins {
		case 0xA4:
			return handler{fn: (*Card).selectFile}
		case 0xB0:
			return handler{fn: (*Card).readBinary}
		case 0x20:
			return handler{fn: (*Card).verify}
		case 0x24:
			return handler{fn: (*Card).changeReferenceData}
		case 0x84:
			return handler{fn: (*Card).getChallenge}
		case 0xB2:
			return handler{fn: (*Card).readRecord}
		case 0x88:
			return handler{fn: (*Card).internalAuthenticate}
		case 0xCA:
			return handler{fn: (*Card).getData}
		}
		return handler{sw: apdu.SWINSNotSupported}
	case 0x80:
		switch ins {
		case 0x2A:
			return handler{fn: (*Card).computeSignature}
		case 0xAE: // SET SESSION KEY: no secure messaging in the JPKI AP (card.md §5.10)
			if df.Name == "JPKI" {
				return handler{sw: apdu.SWSecurityNotSatisfied}
			}
		case 0xFC: // the iPhone token's last-command indicator; a physical card answers 6700
			if lastCommand {
				return handler{sw: apdu.SWOK}
			}
			return handler{sw: apdu.SWWrongLength}
		case jpki.RestoreINS:
			if !posingAsReal {
				return handler{fn: (*Card).restoreCommand}
			}
		case 0xA2: // terminal CV certificate; every P1P2 probed answers 6A86 (card.md §5.10)
			if df.Name == "JPKI" {
				return handler{sw: apdu.SWIncorrectP1P2}
			}
		}
		return handler{sw: apdu.SWINSNotSupported}
	case 0x08, 0x0C: // secure messaging (card.md §5.10: CLA 08 READ in JPKI gives 69FC)
		if ins == 0xB0 && df.Name == "JPKI" {
			return handler{sw: apdu.SWSecureMessagingRefused}
		}
		return handler{sw: apdu.SWSecureMessagingUnsupp}
	}
	switch {
	case cla&^0x13 != 0x00: // only the interindustry class gets the finer answers
	case cla&0x10 != 0:
		return handler{sw: apdu.SWChainingUnsupported}
	case cla&0x03 != 0:
		return handler{sw: apdu.SWLogicalChannelUnsupported}
	}
	return handler{sw: apdu.SWCLANotSupported}
}

func sw(s apdu.StatusWord) []byte { return []byte{s.SW1(), s.SW2()} }

func (c *Card) isVerified(p *PIN) bool {
	for _, v := range c.verified {
		if v == p {
			return true
		}
	}
	return false
}

func (c *Card) setVerified(p *PIN, on bool) {
	for i, v := range c.verified {
		if v == p {
			if !on {
				c.verified = append(c.verified[:i], c.verified[i+1:]...)
			}
			return
		}
	}
	if on {
		c.verified = append(c.verified, p)
	}
}

// satisfied reports whether an access condition holds in the current DF.
func (c *Card) satisfied(a Access) bool {
	if a.Never {
		return false
	}
	if a.PIN == 0 {
		return true
	}
	e := c.df.EF(a.PIN)
	return e != nil && e.PIN != nil && c.isVerified(e.PIN)
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
