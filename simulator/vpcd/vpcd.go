// Package vpcd puts a virtual card into pcscd through vsmartcard's vpcd
// reader driver: the card is the TCP client of the driver's slot port
// (35963 for slot 0, 35964 for slot 1, ...), and every PC/SC program then
// sees it in the reader "Virtual PCD 00 0n".
//
// Wire protocol (vsmartcard vpcd.c; docs/vpcd.md §1): every message in both
// directions is a 2-byte big-endian length N and N bytes. From the driver, a
// 1-byte payload is a control byte — 00 power off, 01 power on, 02 warm
// reset (no answer to any of these), 04 "send your ATR" (answered with the
// ATR; also the presence poll, about every 400 ms) — and a payload of 2 or
// more bytes is a C-APDU, answered with the R-APDU. A zero-length answer
// would make the driver drop the card, so none is ever sent.
//
// The package is pure Go. On Linux it sets TCP_QUICKACK before every read:
// Debian's vpcd sends the length and the body in two writes, and without it
// each APDU waits about 44 ms for a delayed ACK (docs/vpcd.md §3).
package vpcd

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// DefaultPort is vpcd's port for slot 0 (CHANNELID 0x8C7B); slot n listens on
// DefaultPort+n.
const DefaultPort = 35963

// Control bytes sent by vpcd.
const (
	ctrlPowerOff = 0x00
	ctrlPowerOn  = 0x01
	ctrlReset    = 0x02
	ctrlATR      = 0x04
)

// Card is what a slot serves; *simulator.Card satisfies it.
type Card interface {
	PowerOn() []byte
	PowerOff()
	Reset() []byte
	ATR() []byte
	Powered() bool
	Transmit(capdu []byte) ([]byte, error)
}

// Slot attaches one card to one vpcd port and keeps it attached.
//
// A controller may take the card out (Remove) and put it back (Insert),
// replace it (SetCard), reset it or cycle its power as the reader does
// (Reset, PowerCycle) while Run serves it (docs/vpcd.md §4). vpcd knows a
// card is gone only by its connection closing, so Remove closes it and
// dials no more until Insert. A C-APDU that the card fails with
// simulator.ErrRemoved or simulator.ErrPowerLost (a fault: removed
// mid-command, torn) is not answered: the slot closes the connection, as a
// card pulled out of the reader, and stays out until Insert.
type Slot struct {
	// Addr is the driver's address, host:port.
	Addr string
	// Card is the card the slot starts with; SetCard replaces it.
	Card Card
	// Log receives attach/detach events at Info and, when set at Debug,
	// every exchange with its C-APDU PIN-masked. Nil discards.
	Log *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between connection attempts
	// (defaults 100 ms and 2 s).
	MinBackoff, MaxBackoff time.Duration
	// OnInserted is called when the driver first asks for the ATR on a new
	// connection: from then on the card is in the reader.
	OnInserted func()
	// OnSeen is called at the first power-on on a new connection: pcscd
	// has seen the card (it powers a card it notices to read its ATR), and
	// a PC/SC client can connect to it from then on.
	OnSeen func()
	// UnpoweredTimeout: pcscd powers a card up right after it appears. When
	// the driver keeps polling a new connection for this long without ever
	// powering the card (seen when the card is restarted while a client is
	// busy), the slot drops the connection and dials again. Default 5 s.
	UnpoweredTimeout time.Duration
	// Sessions, when set, records every session of the card (see
	// Sessions); nil records nothing.
	Sessions Sessions

	// mu guards the fields below; op is held while a frame or a
	// controller's reset or power cycle is handled (op before mu).
	mu       sync.Mutex
	op       sync.Mutex
	started  bool
	card     Card          // the card now (Card until SetCard)
	out      bool          // taken out: no connection until Insert
	wake     chan struct{} // closed and replaced on Insert and SetCard
	conn     net.Conn      // the connection being served, nil: none
	inReader bool          // the driver polled conn: the card is in the reader
	cs       *connState    // the session state of conn, held under op
}

// connState is what one connection's serve keeps; guarded by Slot.op.
type connState struct {
	card    Card
	powered bool
	seen    bool                 // OnSeen was called
	rec     *transcript.Recorder // the session being recorded, nil: none
	s       *Slot
}

// ErrOut is returned by Reset and PowerCycle while the card is not in the
// reader (taken out, or not yet polled by the driver).
var ErrOut = errors.New("the card is not in the reader")

// Sessions records the sessions of one slot's card. A session runs from
// the card's power-on (vpcd's 01, or the first 02 or C-APDU on an unpowered
// card) to its power-off (00) or the end of the vpcd connection; a warm
// reset (02) on a powered card is an event within it. The slot records
// every C-APDU and R-APDU (below nothing: vpcd carries raw exchanges, 61xx
// and GET RESPONSE included), the power-on, reset and power-off events with
// the ATR; the ATR poll (04) is not recorded. docs/reports.md, "Recording".
type Sessions interface {
	// Begin starts the record of a new session: the card is about to be
	// powered. The slot adds the power-on event itself.
	Begin() *transcript.Recorder
	// End ends the session rec: its power-off event is recorded.
	End(rec *transcript.Recorder)
}

// errNeverPowered ends a connection on which pcscd never powered the card.
var errNeverPowered = errors.New("pcscd polled the card but never powered it; reconnecting")

// errTakenOut ends a connection whose card was taken out.
var errTakenOut = errors.New("the card was taken out of the reader")

func (s *Slot) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// init sets the controller's fields up once; called with mu held.
func (s *Slot) init() {
	if s.started {
		return
	}
	s.started = true
	if s.card == nil {
		s.card = s.Card
	}
	s.wake = make(chan struct{})
}

// SlotState is what a slot says of its card (Slot.State).
type SlotState struct {
	// Inserted: not taken out (Remove, a removal fault); the card is in the
	// reader once the driver has polled it too (InReader).
	Inserted bool
	// InReader: the driver asked the connected card for its ATR, so pcscd
	// sees it.
	InReader bool
	// Powered: the card is powered.
	Powered bool
}

// State reports whether the card is inserted, in the reader and powered.
func (s *Slot) State() SlotState {
	s.mu.Lock()
	s.init()
	st := SlotState{Inserted: !s.out, InReader: s.inReader && s.conn != nil && !s.out}
	card := s.card
	s.mu.Unlock()
	st.Powered = card.Powered()
	return st
}

// Current returns the card the slot holds now (Card, or the last SetCard's).
func (s *Slot) Current() Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.card
}

// Remove takes the card out of the reader: the connection to the driver is
// closed at once (a command in flight gets no answer, and pcscd sees the
// reader empty at its next poll) and the slot dials no more until Insert.
// The card loses power. Removing a card already out does nothing.
func (s *Slot) Remove() {
	s.mu.Lock()
	s.init()
	s.out = true
	conn, card := s.conn, s.card
	s.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	card.PowerOff() // after the command in flight, if any
}

// Insert puts the card back: the slot dials the driver at once, and pcscd
// sees the card, unpowered until it powers it, within a poll or two (docs/vpcd.md
// §1, "discovery"). Inserting a card already in does nothing.
func (s *Slot) Insert() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if !s.out {
		return
	}
	s.out = false
	close(s.wake)
	s.wake = make(chan struct{})
}

// SetCard replaces the slot's card by c, as a hand swaps the cards in the
// reader: a card in the reader is taken out (its connection closed) and c
// goes in; while the slot is out, c waits for Insert.
func (s *Slot) SetCard(c Card) {
	s.mu.Lock()
	s.init()
	old := s.card
	s.card = c
	conn := s.conn
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	if old != nil && old != c {
		old.PowerOff() // out of the reader, it has no power: at once, not when the connection's goroutine notices
	}
}

// Reset gives the card a warm reset, as the reader does on a client's
// SCardReconnect with SCARD_RESET_CARD: the security status and the current
// DF and EF are cleared and the session goes on, with a reset event in its
// transcript. An unpowered card stays unpowered (it has nothing to clear).
// ErrOut while the card is not in the reader.
func (s *Slot) Reset() error {
	return s.control(func(cs *connState, log *slog.Logger) {
		if !cs.card.Powered() {
			return
		}
		atr := cs.card.Reset()
		log.Info("warm reset by the controller")
		if cs.rec != nil {
			cs.rec.Event(transcript.Reset, atr)
		}
	})
}

// PowerCycle takes the card's power away and gives it back, as a reader
// that cycles its power: the session ends and a new one starts, powered.
// An unpowered card stays unpowered. ErrOut while the card is not in the
// reader.
func (s *Slot) PowerCycle() error {
	return s.control(func(cs *connState, log *slog.Logger) {
		if !cs.card.Powered() {
			return
		}
		cs.card.PowerOff()
		cs.end("power cycled by the controller")
		atr := cs.card.PowerOn()
		log.Info("power cycled by the controller")
		cs.begin(transcript.PowerOn, atr)
	})
}

// control runs f on the connection's state between two frames.
func (s *Slot) control(f func(cs *connState, log *slog.Logger)) error {
	s.op.Lock()
	defer s.op.Unlock()
	s.mu.Lock()
	s.init()
	cs, ok := s.cs, s.inReader && s.conn != nil && !s.out
	s.mu.Unlock()
	if !ok || cs == nil {
		return ErrOut
	}
	f(cs, s.logger().With("vpcd", s.Addr))
	return nil
}

// Run connects to the driver and serves the card until ctx is done,
// reconnecting with backoff whenever the connection fails or pcscd restarts,
// and at once after SetCard or Insert; while the card is out (Remove) it
// waits. It returns ctx's error.
func (s *Slot) Run(ctx context.Context) error {
	minB, maxB := s.MinBackoff, s.MaxBackoff
	if minB <= 0 {
		minB = 100 * time.Millisecond
	}
	if maxB < minB {
		maxB = 2 * time.Second
	}
	backoff := minB
	log := s.logger().With("vpcd", s.Addr)
	waiting := false
	for {
		s.mu.Lock()
		s.init()
		out, wake := s.out, s.wake
		s.mu.Unlock()
		if out {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wake:
			}
			continue
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", s.Addr)
		if ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			return ctx.Err()
		}
		if err != nil {
			if !waiting {
				log.Info("waiting for pcscd's vpcd driver", "err", err)
				waiting = true
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wake:
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxB)
			continue
		}
		s.mu.Lock()
		if s.out || s.wake != wake { // taken out, or another card, while dialling
			s.mu.Unlock()
			conn.Close()
			continue
		}
		s.conn, s.inReader = conn, false
		card := s.card
		s.mu.Unlock()
		waiting = false
		backoff = minB
		log.Info("connected to vpcd; waiting for the driver to poll")
		err = s.serve(ctx, conn, card)
		card.PowerOff()
		s.mu.Lock()
		s.conn, s.inReader = nil, false
		s.mu.Unlock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Info("vpcd connection ended; card removed from the reader", "err", err)
	}
}

// see calls OnSeen once per connection.
func (cs *connState) see() {
	if !cs.seen {
		cs.seen = true
		if cs.s.OnSeen != nil {
			cs.s.OnSeen()
		}
	}
}

func (cs *connState) begin(kind transcript.Kind, atr []byte) {
	if cs.s.Sessions == nil {
		return
	}
	if cs.rec != nil {
		cs.rec.Event(transcript.PowerOff, nil)
		cs.s.Sessions.End(cs.rec)
	}
	cs.rec = cs.s.Sessions.Begin()
	cs.rec.Event(kind, atr)
}

func (cs *connState) end(detail string) {
	if cs.rec == nil {
		return
	}
	if detail != "" {
		cs.rec.Note(transcript.PowerOff, detail)
	} else {
		cs.rec.Event(transcript.PowerOff, nil)
	}
	cs.s.Sessions.End(cs.rec)
	cs.rec = nil
}

// removal reports whether the card failed a command because it left the
// reader (a fault: removed mid-command, or its power cut by a tear).
func removal(err error) bool {
	return errors.Is(err, simulator.ErrRemoved) || errors.Is(err, simulator.ErrPowerLost)
}

// serve answers frames on one connection until it fails or ctx is done.
func (s *Slot) serve(ctx context.Context, conn net.Conn, card Card) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer func() {
		stop()
		conn.Close()
	}()
	unpowered := s.UnpoweredTimeout
	if unpowered <= 0 {
		unpowered = 5 * time.Second
	}
	fr := NewFrameReader(conn)
	inserted := false
	var firstPoll time.Time
	log := s.logger().With("vpcd", s.Addr)
	out := make([]byte, 0, 2+258)
	cs := &connState{card: card, s: s}
	s.op.Lock()
	s.cs = cs
	s.op.Unlock()
	defer func() {
		s.op.Lock()
		defer s.op.Unlock()
		s.mu.Lock()
		gone := s.out
		s.mu.Unlock()
		if gone {
			cs.end("the card was taken out of the reader")
		} else {
			cs.end("the vpcd connection ended")
		}
		s.cs = nil
	}()
	for {
		quickAck(conn)
		payload, err := fr.Next()
		if err != nil {
			s.mu.Lock()
			gone := s.out
			s.mu.Unlock()
			if gone {
				return errTakenOut
			}
			return err
		}
		s.op.Lock()
		answer, err := s.frame(ctx, cs, payload, &inserted, &firstPoll, unpowered, log)
		s.op.Unlock()
		if err != nil {
			return err
		}
		if answer == nil {
			continue
		}
		out = AppendFrame(out[:0], answer)
		if _, err := conn.Write(out); err != nil {
			return err
		}
	}
}

// frame handles one frame from the driver and returns the answer, nil for
// none; an error ends the connection. Called with op held.
func (s *Slot) frame(ctx context.Context, cs *connState, payload []byte, inserted *bool, firstPoll *time.Time, unpowered time.Duration, log *slog.Logger) ([]byte, error) {
	card := cs.card
	switch {
	case len(payload) == 0:
		return nil, nil // not sent by vpcd; nothing to answer
	case len(payload) == 1:
		switch payload[0] {
		case ctrlPowerOff:
			card.PowerOff()
			log.Debug("power off")
			cs.end("")
		case ctrlPowerOn:
			atr := card.PowerOn()
			cs.powered = true
			cs.see()
			log.Debug("power on", "atr", fmt.Sprintf("%X", atr))
			cs.begin(transcript.PowerOn, atr)
		case ctrlReset:
			was := card.Powered()
			atr := card.Reset()
			cs.powered = true
			cs.see()
			log.Debug("reset", "atr", fmt.Sprintf("%X", atr), "cold", !was)
			switch {
			case cs.rec != nil:
				cs.rec.Event(transcript.Reset, atr)
			default:
				cs.begin(transcript.Reset, atr)
			}
		case ctrlATR:
			if !cs.powered && !firstPoll.IsZero() && time.Since(*firstPoll) > unpowered {
				return nil, errNeverPowered
			}
			if !*inserted {
				*inserted = true
				*firstPoll = time.Now()
				s.mu.Lock()
				s.inReader = true
				s.mu.Unlock()
				log.Info("card inserted in the reader")
				if s.OnInserted != nil {
					s.OnInserted()
				}
			}
			return card.ATR(), nil
		default:
			log.Warn("unknown vpcd control byte", "byte", fmt.Sprintf("%02X", payload[0]))
		}
		return nil, nil
	}
	cs.powered = true
	if !card.Powered() {
		// vpcd powers the card before any APDU; answer anyway.
		atr := card.PowerOn()
		log.Debug("power on", "atr", fmt.Sprintf("%X", atr), "before", "a C-APDU")
		cs.begin(transcript.PowerOn, atr)
	} else if cs.rec == nil && s.Sessions != nil {
		// A card powered before recording began (a session
		// that started on a card already powered).
		cs.begin(transcript.PowerOn, card.ATR())
	}
	debug := log.Enabled(ctx, slog.LevelDebug)
	var start time.Time
	if debug || cs.rec != nil {
		start = time.Now()
	}
	var mark *transcript.Secret
	if cs.rec != nil {
		mark = cs.rec.Mark(payload) // before the command: it may change the PIN
	}
	answer, err := card.Transmit(payload)
	if cs.rec != nil {
		cs.rec.ExchangeMarked(payload, answer, err, start, time.Since(start), mark)
	}
	if removal(err) {
		// The card left the reader during the command: no answer, the
		// connection closes, and the card stays out until Insert.
		log.Info("card removed during a command", "c", apdu.MaskedHex(payload), "err", err)
		s.mu.Lock()
		s.out = true
		s.mu.Unlock()
		return nil, errTakenOut
	}
	if err != nil || len(answer) < 2 {
		answer = []byte{0x6F, 0x00}
	}
	if debug {
		log.Debug("apdu", "c", apdu.MaskedHex(payload), "r", strings.ToUpper(hex.EncodeToString(answer)), "elapsed", time.Since(start))
	}
	return answer, nil
}

// AppendFrame appends the 2-byte big-endian length and the payload to dst,
// so that header and body leave in one write. Payloads over 65535 bytes are
// cut to 65535 (an R-APDU is never that long).
func AppendFrame(dst, payload []byte) []byte {
	if len(payload) > 0xFFFF {
		payload = payload[:0xFFFF]
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(payload)))
	return append(dst, payload...)
}

// FrameReader reads vpcd frames from a stream.
type FrameReader struct {
	r   io.Reader
	hdr [2]byte
	buf []byte
}

// NewFrameReader reads frames from r.
func NewFrameReader(r io.Reader) *FrameReader { return &FrameReader{r: r} }

// Next returns the next frame's payload, valid until the following call. A
// stream that ends inside a frame gives io.ErrUnexpectedEOF; one that ends
// between frames gives io.EOF.
func (f *FrameReader) Next() ([]byte, error) {
	if _, err := io.ReadFull(f.r, f.hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(f.hdr[:]))
	if cap(f.buf) < n {
		f.buf = make([]byte, n)
	}
	f.buf = f.buf[:n]
	if _, err := io.ReadFull(f.r, f.buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return f.buf, nil
}
