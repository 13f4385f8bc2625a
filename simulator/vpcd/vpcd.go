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
	"time"

	"github.com/jpkisim/jpkisim/apdu"
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
type Slot struct {
	// Addr is the driver's address, host:port.
	Addr string
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
	// UnpoweredTimeout: pcscd powers a card up right after it appears. When
	// the driver keeps polling a new connection for this long without ever
	// powering the card (seen when the card is restarted while a client is
	// busy), the slot drops the connection and dials again. Default 5 s.
	UnpoweredTimeout time.Duration
	// Sessions, when set, records every session of the card (see
	// Sessions); nil records nothing.
	Sessions Sessions
}

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

func (s *Slot) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Run connects to the driver and serves the card until ctx is done,
// reconnecting with backoff whenever the connection fails or pcscd restarts.
// It returns ctx's error.
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
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", s.Addr)
		if ctx.Err() != nil {
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
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxB)
			continue
		}
		waiting = false
		backoff = minB
		log.Info("connected to vpcd; waiting for the driver to poll")
		err = s.serve(ctx, conn)
		s.Card.PowerOff()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Info("vpcd connection ended; card removed from the reader", "err", err)
	}
}

// serve answers frames on one connection until it fails or ctx is done.
func (s *Slot) serve(ctx context.Context, conn net.Conn) error {
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
	inserted, powered := false, false
	var firstPoll time.Time
	log := s.logger().With("vpcd", s.Addr)
	out := make([]byte, 0, 2+258)
	var rec *transcript.Recorder // the session being recorded, nil: none
	begin := func(kind transcript.Kind, atr []byte) {
		if s.Sessions == nil {
			return
		}
		if rec != nil {
			rec.Event(transcript.PowerOff, nil)
			s.Sessions.End(rec)
		}
		rec = s.Sessions.Begin()
		rec.Event(kind, atr)
	}
	end := func(detail string) {
		if rec == nil {
			return
		}
		if detail != "" {
			rec.Note(transcript.PowerOff, detail)
		} else {
			rec.Event(transcript.PowerOff, nil)
		}
		s.Sessions.End(rec)
		rec = nil
	}
	defer end("the vpcd connection ended")
	for {
		quickAck(conn)
		payload, err := fr.Next()
		if err != nil {
			return err
		}
		var answer []byte
		switch {
		case len(payload) == 0:
			continue // not sent by vpcd; nothing to answer
		case len(payload) == 1:
			switch payload[0] {
			case ctrlPowerOff:
				s.Card.PowerOff()
				log.Debug("power off")
				end("")
			case ctrlPowerOn:
				atr := s.Card.PowerOn()
				powered = true
				log.Debug("power on", "atr", fmt.Sprintf("%X", atr))
				begin(transcript.PowerOn, atr)
			case ctrlReset:
				was := s.Card.Powered()
				atr := s.Card.Reset()
				powered = true
				log.Debug("reset", "atr", fmt.Sprintf("%X", atr), "cold", !was)
				switch {
				case rec != nil:
					rec.Event(transcript.Reset, atr)
				default:
					begin(transcript.Reset, atr)
				}
			case ctrlATR:
				if !powered && !firstPoll.IsZero() && time.Since(firstPoll) > unpowered {
					return errNeverPowered
				}
				if !inserted {
					inserted = true
					firstPoll = time.Now()
					log.Info("card inserted in the reader")
					if s.OnInserted != nil {
						s.OnInserted()
					}
				}
				answer = s.Card.ATR()
			default:
				log.Warn("unknown vpcd control byte", "byte", fmt.Sprintf("%02X", payload[0]))
			}
			if answer == nil {
				continue
			}
		default:
			powered = true
			if !s.Card.Powered() {
				// vpcd powers the card before any APDU; answer anyway.
				atr := s.Card.PowerOn()
				log.Debug("power on", "atr", fmt.Sprintf("%X", atr), "before", "a C-APDU")
				begin(transcript.PowerOn, atr)
			} else if rec == nil && s.Sessions != nil {
				// A card powered before recording began (a session
				// that started on a card already powered).
				begin(transcript.PowerOn, s.Card.ATR())
			}
			debug := log.Enabled(ctx, slog.LevelDebug)
			var start time.Time
			if debug || rec != nil {
				start = time.Now()
			}
			var mark *transcript.Secret
			if rec != nil {
				mark = rec.Mark(payload) // before the command: it may change the PIN
			}
			answer, err = s.Card.Transmit(payload)
			if rec != nil {
				rec.ExchangeMarked(payload, answer, err, start, time.Since(start), mark)
			}
			if err != nil || len(answer) < 2 {
				answer = []byte{0x6F, 0x00}
			}
			if debug {
				log.Debug("apdu", "c", apdu.MaskedHex(payload), "r", strings.ToUpper(hex.EncodeToString(answer)), "elapsed", time.Since(start))
			}
		}
		out = AppendFrame(out[:0], answer)
		if _, err := conn.Write(out); err != nil {
			return err
		}
	}
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
