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
			case ctrlPowerOn:
				s.Card.PowerOn()
				powered = true
			case ctrlReset:
				s.Card.Reset()
				powered = true
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
				s.Card.PowerOn()
			}
			debug := log.Enabled(ctx, slog.LevelDebug)
			var start time.Time
			if debug {
				start = time.Now()
			}
			answer, err = s.Card.Transmit(payload)
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
