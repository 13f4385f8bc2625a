package vpcd_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
)

// fakeVPCD plays the driver's side of the protocol over loopback.
type fakeVPCD struct {
	t    *testing.T
	ln   net.Listener
	conn net.Conn
	fr   *vpcd.FrameReader
}

func listen(t *testing.T, addr string) *fakeVPCD {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeVPCD{t: t, ln: ln}
}

func (f *fakeVPCD) accept() {
	f.t.Helper()
	c, err := f.ln.Accept()
	if err != nil {
		f.t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	f.conn, f.fr = c, vpcd.NewFrameReader(c)
}

// send writes the length and the body in two writes, as Debian's vpcd does.
func (f *fakeVPCD) send(payload ...byte) {
	f.t.Helper()
	var hdr [2]byte
	binary.BigEndian.PutUint16(hdr[:], uint16(len(payload)))
	if _, err := f.conn.Write(hdr[:]); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.conn.Write(payload); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeVPCD) recv() []byte {
	f.t.Helper()
	p, err := f.fr.Next()
	if err != nil {
		f.t.Fatal(err)
	}
	return append([]byte(nil), p...)
}

func startSlot(t *testing.T, addr string) (*simulator.Card, context.CancelFunc, chan error) {
	t.Helper()
	card, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &vpcd.Slot{Addr: addr, Card: card, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(cancel)
	return card, cancel, done
}

func TestSlotProtocol(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	card, cancel, done := startSlot(t, f.ln.Addr().String())
	f.accept()
	f.send(0x04) // presence poll
	if got := f.recv(); !bytes.Equal(got, jpki.DefaultATR()) {
		t.Fatalf("ATR %X", got)
	}
	f.send(0x01) // power on: no answer; vpcd asks for the ATR next
	f.send(0x04)
	if got := f.recv(); !bytes.Equal(got, jpki.DefaultATR()) {
		t.Fatalf("ATR after power-on %X", got)
	}
	f.send(0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01)
	if got := f.recv(); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT %X", got)
	}
	f.send(0x02) // warm reset
	f.send(0x04)
	f.recv()
	f.send(0x00, 0xA4, 0x00, 0x00) // the ISD is current again after the reset
	if got := f.recv(); !bytes.Equal(got, []byte{0x6A, 0x86}) {
		t.Fatalf("after reset %X", got)
	}
	f.send(0x00) // power off: no answer
	f.send(0x07) // unknown control byte: no answer, no harm
	f.send(0x04) // answered only after the two above were handled
	f.recv()
	if card.Powered() {
		t.Fatal("card still powered after 00")
	}
	// An APDU to an unpowered card still gets a status word, never nothing.
	f.send(0x00, 0x84, 0x00, 0x00, 0x08)
	if got := f.recv(); len(got) != 10 {
		t.Fatalf("GET CHALLENGE %X", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

// TestSlotReconnects stops the driver's listener and starts it again on
// the same port: the card comes back by itself, as after a pcscd restart.
func TestSlotReconnects(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	addr := f.ln.Addr().String()
	startSlot(t, addr)
	f.accept()
	f.send(0x04)
	f.recv()
	f.conn.Close()
	f.ln.Close()
	time.Sleep(100 * time.Millisecond) // the card finds nobody listening and backs off
	f2 := listen(t, addr)
	f2.accept()
	f2.send(0x04)
	if got := f2.recv(); !bytes.Equal(got, jpki.DefaultATR()) {
		t.Fatalf("ATR after reconnect %X", got)
	}
}

func TestFrameReader(t *testing.T) {
	stream := append(vpcd.AppendFrame(nil, []byte{1, 2, 3}), vpcd.AppendFrame(nil, nil)...)
	stream = append(stream, vpcd.AppendFrame(nil, make([]byte, 65535))...)
	stream = append(stream, 0x00, 0x05, 0xAA) // cut inside a frame
	fr := vpcd.NewFrameReader(bytes.NewReader(stream))
	for i, want := range []int{3, 0, 65535} {
		p, err := fr.Next()
		if err != nil || len(p) != want {
			t.Fatalf("frame %d: %d bytes, %v", i, len(p), err)
		}
	}
	if _, err := fr.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut frame: %v", err)
	}
	if _, err := vpcd.NewFrameReader(bytes.NewReader(nil)).Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("empty stream: %v", err)
	}
	if got := vpcd.AppendFrame(nil, make([]byte, 70000)); len(got) != 2+65535 {
		t.Fatalf("oversized payload framed as %d bytes", len(got))
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add([]byte{0, 1, 4})
	f.Add([]byte{0, 5, 0, 0xA4, 0, 0})
	f.Add([]byte{0xFF, 0xFF, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := vpcd.NewFrameReader(bytes.NewReader(b))
		total := 0
		for {
			p, err := fr.Next()
			if err != nil {
				break
			}
			total += 2 + len(p)
		}
		if total > len(b) {
			t.Fatalf("read %d bytes of frames from %d", total, len(b))
		}
	})
}

// TestSlotRedialsWhenNeverPowered: the driver keeps polling but never powers
// the card; the slot gives up on the connection and dials again.
func TestSlotRedialsWhenNeverPowered(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	card, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &vpcd.Slot{Addr: f.ln.Addr().String(), Card: card, MinBackoff: 10 * time.Millisecond, UnpoweredTimeout: 100 * time.Millisecond}
	go s.Run(ctx)
	f.accept()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		f.send(0x04)
		if _, err := f.fr.Next(); err != nil {
			break // the slot closed the connection
		}
		time.Sleep(30 * time.Millisecond)
	}
	f.accept() // and came back
	f.send(0x04)
	if got := f.recv(); !bytes.Equal(got, jpki.DefaultATR()) {
		t.Fatalf("ATR after redial %X", got)
	}
}

// TestSlotSurvivesHostileFrames: frames of every awkward length, garbage,
// and a driver that hangs up mid-frame; the card answers what has an answer
// and comes back after the hang-up.
func TestSlotSurvivesHostileFrames(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	startSlot(t, f.ln.Addr().String())
	f.accept()
	f.send() // a zero-length frame: nothing to answer
	f.send(0x04)
	if got := f.recv(); !bytes.Equal(got, jpki.DefaultATR()) {
		t.Fatalf("ATR after an empty frame: %X", got)
	}
	f.send(0x01)
	f.send(0x00, 0xA4) // 2 bytes: a C-APDU too short
	if got := f.recv(); !bytes.Equal(got, []byte{0x67, 0x00}) {
		t.Fatalf("2-byte frame: %X", got)
	}
	big := make([]byte, 65535) // the largest frame: garbage
	for i := range big {
		big[i] = byte(i * 7)
	}
	f.send(big...)
	if got := f.recv(); len(got) < 2 {
		t.Fatalf("65535-byte frame: %d-byte answer", len(got))
	}
	// Hang up inside a frame: the header promises 10 bytes, 3 come.
	f.conn.Write([]byte{0x00, 0x0A, 0x00, 0xA4, 0x04})
	f.conn.Close()
	f.accept()
	f.send(0x04)
	if got := f.recv(); !bytes.Equal(got, jpki.DefaultATR()) {
		t.Fatalf("ATR after the hang-up: %X", got)
	}
}
