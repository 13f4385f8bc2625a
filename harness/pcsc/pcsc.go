//go:build cgo

// Package pcsc is the PC/SC transport of the harness, over
// github.com/ebfe/scard (libpcsclite, cgo): any reader pcscd knows, with a
// real card or with the virtual card that `jpkisim serve` puts into vpcd.
//
// A Card connects in shared mode and holds a PC/SC transaction for each
// operation — one Transmit, with its T=0 GET RESPONSE or re-send, or a
// harness.Transactor block — never for the whole process. Errors wrap the
// transport-neutral sentinels of package harness.
package pcsc

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/transcript"
)

// mapErr wraps a PC/SC error in the harness sentinel it stands for.
func mapErr(op, reader string, err error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	switch err {
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrCommError, scard.ErrSecurityViolation:
		// A call that pcscd stops under (mid-command) answers
		// SCARD_F_COMM_ERROR (its socket closed) or, as pcscd shuts down,
		// SCARD_W_SECURITY_VIOLATION ("Access denied", which is also how
		// pcscd refuses a client its polkit rules reject): either way the
		// service is not there for us.
		sentinel = harness.ErrNoService
	case scard.ErrNoReadersAvailable:
		sentinel = harness.ErrNoReader
	case scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		sentinel = harness.ErrUnknownReader
	case scard.ErrNoSmartcard:
		sentinel = harness.ErrNoCard
	case scard.ErrRemovedCard, scard.ErrNotTransacted:
		sentinel = harness.ErrCardRemoved
	case scard.ErrSharingViolation:
		sentinel = harness.ErrSharingViolation
	case scard.ErrResetCard, scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard:
		sentinel = harness.ErrCardReset
	}
	where := op
	if reader != "" {
		where = fmt.Sprintf("%s %q", op, reader)
	}
	if sentinel == nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return fmt.Errorf("%s: %w (%v)", where, sentinel, err)
}

// Readers lists the readers pcscd knows, sorted by name so that the order
// is stable from run to run. No reader is an empty list, not an error.
func Readers() ([]string, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, mapErr("PC/SC", "", err)
	}
	defer ctx.Release()
	names, err := ctx.ListReaders()
	if err == scard.ErrNoReadersAvailable {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr("list readers", "", err)
	}
	sort.Strings(names)
	return names, nil
}

// Card is a shared-mode connection to the card in one reader. It implements
// harness.Card, harness.Transactor and harness.PowerCycler.
type Card struct {
	mu     sync.Mutex
	ctx    *scard.Context
	card   *scard.Card
	reader string
	atr    []byte
	depth  int // transaction nesting
	// calls counts the goroutines inside a bounded PC/SC call (Transmit,
	// BeginTransaction). wedged is the timeout after which one of them
	// was given up on while still blocked in libpcsclite, holding the
	// context's lock: every later call on this connection would block
	// behind it, so the connection refuses further use and Close lets
	// the blocked call finish in the background.
	calls  sync.WaitGroup
	wedged error
	rec    *transcript.Recorder // nil: nothing recorded
}

// Record records the session in rec from now on: a connect event with the
// ATR, every exchange beneath T=0 completion, every reset and power cycle.
func (c *Card) Record(rec *transcript.Recorder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rec = rec
	proto := "T=1"
	if c.card != nil && c.card.ActiveProtocol() == scard.ProtocolT0 {
		proto = "T=0"
	}
	rec.SetReader(c.reader, proto)
	rec.Event(transcript.Connect, c.atr)
}

// event records k when the session is recorded; c.mu held.
func (c *Card) event(k transcript.Kind, atr []byte) {
	if c.rec != nil {
		c.rec.Event(k, atr)
	}
}

// Open connects to the card in reader, shared, T=0 or T=1. pcscd makes a
// connect wait while another program holds a transaction on the card; Open
// gives up after TransactionTimeout with an error wrapping harness.ErrTimeout.
func Open(reader string) (*Card, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, mapErr("PC/SC", "", err)
	}
	type connection struct {
		card *scard.Card
		err  error
	}
	done := make(chan connection, 1)
	go func() {
		card, err := ctx.Connect(reader, scard.ShareShared, scard.ProtocolAny)
		done <- connection{card, err}
	}()
	var card *scard.Card
	select {
	case r := <-done:
		if r.err != nil {
			ctx.Release()
			return nil, mapErr("connect to", reader, r.err)
		}
		card = r.card
	case <-time.After(TransactionTimeout):
		go func() { // the context is busy until the connect returns
			if r := <-done; r.err == nil {
				r.card.Disconnect(scard.LeaveCard)
			}
			ctx.Release()
		}()
		return nil, heldError{"connect to", reader, TransactionTimeout}
	}
	c := &Card{ctx: ctx, card: card, reader: reader}
	if err := c.refresh(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// heldError is a wait for a card that another program holds, given up after
// limit; it is harness.ErrTimeout.
type heldError struct {
	op, reader string
	limit      time.Duration
}

func (e heldError) Error() string {
	return fmt.Sprintf("%s %q: another program held the card for %v: gave up waiting", e.op, e.reader, e.limit)
}

func (e heldError) Is(target error) bool { return target == harness.ErrTimeout }

// refresh reads the ATR and checks the protocol: ebfe/scard's Transmit
// panics on a protocol other than T=0 and T=1.
func (c *Card) refresh() error {
	p := c.card.ActiveProtocol()
	if p != scard.ProtocolT0 && p != scard.ProtocolT1 {
		return fmt.Errorf("reader %q: card runs protocol %d, neither T=0 nor T=1", c.reader, p)
	}
	st, err := c.card.Status()
	if err == scard.ErrResetCard {
		// Another program reset the card since we connected: nothing of
		// ours was lost yet, so take the new session.
		card := c.card
		if err := c.wait("reconnect to", func() error { return card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard) }); err != nil {
			return err
		}
		st, err = c.card.Status()
	}
	if err != nil {
		return mapErr("status of", c.reader, err)
	}
	c.atr = append([]byte(nil), st.Atr...)
	return nil
}

// Reader returns the reader's name.
func (c *Card) Reader() string { return c.reader }

// ATR implements harness.Card.
func (c *Card) ATR() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.atr...)
}

// Transaction implements harness.Transactor: f runs while this connection
// holds the card. Transactions nest; only the outermost talks to pcscd. A
// Card is one session: use it from one goroutine at a time.
func (c *Card) Transaction(f func() error) error {
	c.mu.Lock()
	if err := c.usable(); err != nil {
		c.mu.Unlock()
		return err
	}
	if c.depth == 0 {
		if err := c.begin(); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	c.depth++
	c.mu.Unlock()
	var ferr error
	defer func() { // also when f panics: the transaction never stays open
		c.mu.Lock()
		defer c.mu.Unlock()
		c.depth--
		// A wedged connection is not ended here (the call would block
		// behind the stuck one): Close's disconnect releases it.
		if c.depth == 0 && c.card != nil && c.wedged == nil {
			if err := c.card.EndTransaction(scard.LeaveCard); err != nil && ferr == nil {
				ferr = mapErr("end transaction on", c.reader, err)
			}
		}
	}()
	ferr = f()
	return ferr
}

// usable reports why the connection cannot take a call: closed, or wedged
// by a call given up on. c.mu is held.
func (c *Card) usable() error {
	switch {
	case c.card == nil:
		return fmt.Errorf("reader %q: connection closed", c.reader)
	case c.wedged != nil:
		return fmt.Errorf("reader %q: an earlier call is still blocked: %w", c.reader, c.wedged)
	}
	return nil
}

// TransactionTimeout bounds the wait for the card when another program holds
// a PC/SC transaction on it: pcscd keeps SCardConnect, SCardBeginTransaction
// and SCardReconnect waiting for as long as the other program keeps it,
// without a timeout of its own. A transaction of an
// ordinary program lasts well under a second (a SELECT and a few READ
// BINARY) and a signature over NFC a few seconds, so 10 s leaves the slowest
// of them three times their length; a program holding the card for longer
// (a login session kept in one transaction) is not about to let go
// (docs/design.md "PC/SC, targets and real cards").
var TransactionTimeout = 10 * time.Second

// begin starts the outermost transaction (c.wait). c.mu is held.
func (c *Card) begin() error {
	card := c.card
	return c.wait("begin transaction on", card.BeginTransaction)
}

// wait runs f, a libpcsclite call that pcscd keeps waiting while another
// program holds a transaction on the card (SCardBeginTransaction,
// SCardReconnect), for at most TransactionTimeout; after it the connection
// is wedged (see Card) and the error is a heldError, harness.ErrTimeout.
// c.mu is held, or c is not yet shared.
func (c *Card) wait(op string, f func() error) error {
	done := make(chan error, 1)
	c.calls.Add(1)
	go func() {
		defer c.calls.Done()
		done <- f()
	}()
	select {
	case err := <-done:
		return mapErr(op, c.reader, err)
	case <-time.After(TransactionTimeout):
		c.wedged = heldError{op, c.reader, TransactionTimeout}
		return c.wedged
	}
}

// ErrOneByte is returned for a C-APDU of 0 or 1 byte, which is never sent:
// ebfe/scard panics on an empty one, and vsmartcard's vpcd frames a 1-byte
// command exactly like its control bytes (00 power off, 04 ATR ...), so the
// card would take it for one and the reader could wait for an answer
// forever.
var ErrOneByte = errors.New("a C-APDU of fewer than 2 bytes is not sent through PC/SC")

// Transmit implements harness.Card: one C-APDU in its own transaction (or in
// the caller's), with 61xx and 6Cxx completed inside it. A C-APDU under 2
// bytes is refused with ErrOneByte.
func (c *Card) Transmit(capdu []byte) ([]byte, error) {
	if len(capdu) < 2 {
		return nil, ErrOneByte
	}
	var r []byte
	err := c.Transaction(func() error {
		var err error
		r, err = harness.ISOT0(func(b []byte) ([]byte, error) { return harness.Record(c.rec, c.raw, b) }, capdu)
		return err
	})
	return r, err
}

// Timeout bounds one exchange. vpcd has no timeout, so a stalled card would
// hold SCardTransmit, and the run, forever; after Timeout the exchange is
// given up with harness.ErrTimeout (the call itself may stay blocked in
// pcscd until the card moves). Real RSA signatures over NFC take seconds,
// not tens of them.
var Timeout = 30 * time.Second

func (c *Card) raw(capdu []byte) ([]byte, error) {
	if len(capdu) < 2 {
		return nil, ErrOneByte
	}
	c.mu.Lock()
	if err := c.usable(); err != nil {
		c.mu.Unlock()
		return nil, err
	}
	card := c.card
	c.calls.Add(1)
	c.mu.Unlock()
	type answer struct {
		r   []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer c.calls.Done()
		r, err := card.Transmit(capdu)
		done <- answer{r, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return nil, mapErr("transmit to", c.reader, a.err)
		}
		if len(a.r) < 2 {
			// vpcd answers a command whose card left mid-way with no
			// bytes and success; any R-APDU has at least SW1-SW2.
			return nil, fmt.Errorf("transmit to %q: %w (an answer of %d bytes, no status word)", c.reader, harness.ErrCardRemoved, len(a.r))
		}
		return a.r, nil
	case <-time.After(Timeout):
		err := fmt.Errorf("transmit to %q: %w (no answer in %v)", c.reader, harness.ErrTimeout, Timeout)
		c.mu.Lock()
		c.wedged = err
		c.mu.Unlock()
		return nil, err
	}
}

func (c *Card) reconnect(d scard.Disposition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil {
		return err
	}
	card := c.card
	if err := c.wait("reconnect to", func() error { return card.Reconnect(scard.ShareShared, scard.ProtocolAny, d) }); err != nil {
		return err
	}
	err := c.refresh()
	if d == scard.UnpowerCard {
		c.event(transcript.PowerOff, nil)
		c.event(transcript.PowerOn, c.atr)
	} else {
		c.event(transcript.Reset, c.atr)
	}
	return err
}

// Reset implements harness.Card: a warm reset through SCardReconnect.
func (c *Card) Reset() error { return c.reconnect(scard.ResetCard) }

// PowerCycle implements harness.PowerCycler: power off and on through
// SCardReconnect.
func (c *Card) PowerCycle() error { return c.reconnect(scard.UnpowerCard) }

// Close implements harness.Card. The card is left as it is, so that other
// programs sharing the reader keep their sessions; a guarded session (a card
// that is not virtual) resets it first, so that no PIN it verified stays
// open (harness.Guard.Close). On a wedged connection (a call given up on
// after a timeout) Close returns at once and disconnects in the background
// once the blocked call is over; the disconnect also ends a transaction left
// open, and a process that exits before then has pcscd clean up after it.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	card, ctx := c.card, c.ctx
	c.card, c.ctx = nil, nil
	c.event(transcript.Disconnect, nil)
	if c.wedged != nil {
		go func() {
			c.calls.Wait()
			if card != nil {
				card.Disconnect(scard.LeaveCard)
			}
			if ctx != nil {
				ctx.Release()
			}
		}()
		return nil
	}
	var err error
	if card != nil {
		err = card.Disconnect(scard.LeaveCard)
	}
	if ctx != nil {
		ctx.Release()
	}
	return mapErr("disconnect from", c.reader, err)
}

// String names the connection.
func (c *Card) String() string { return "pcsc:" + c.reader }

// FindJPKI returns the first reader, in sorted order, whose card answers the
// JPKI SELECT with 9000, or an error wrapping harness.ErrNoReader or
// harness.ErrNotJPKI that names the readers tried, each held in exclusive
// mode by another program marked so. skip, when not nil, leaves out readers
// it accepts.
func FindJPKI(skip func(reader string) bool) (string, error) {
	names, err := Readers()
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", harness.ErrNoReader
	}
	var tried []string
	for _, n := range names {
		if skip != nil && skip(n) {
			continue
		}
		ok, err := AnswersJPKI(n)
		if ok {
			return n, nil
		}
		if errors.Is(err, harness.ErrSharingViolation) {
			n += " (in exclusive use by another program)"
		}
		tried = append(tried, n)
	}
	return "", fmt.Errorf("%w in %s", harness.ErrNotJPKI, strings.Join(tried, ", "))
}

// AnswersJPKI connects to reader and sends the JPKI SELECT; nothing else.
func AnswersJPKI(reader string) (bool, error) {
	c, err := Open(reader)
	if err != nil {
		return false, err
	}
	defer c.Close()
	return harness.NewClient(c).SelectJPKI() == nil, nil
}
