package pcsc

import (
	"errors"
	"testing"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
)

// swapping is a reader whose card is replaced while the session waits: a
// reset reconnects to whatever is in the reader now.
type swapping struct {
	now, next *sim.Card
}

func (s *swapping) Transmit(b []byte) ([]byte, error) { return s.now.Transmit(b) }
func (s *swapping) ATR() []byte                       { return s.now.ATR() }
func (s *swapping) Close() error                      { return s.now.Close() }
func (s *swapping) Reset() error {
	s.now = s.next
	return s.now.Reset()
}
func (s *swapping) PowerCycle() error {
	s.now = s.next
	return s.now.PowerCycle()
}

func newSwapping(t *testing.T) *swapping {
	t.Helper()
	virtual, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	p := *fixtures.MustProfile("default")
	p.Behaviour.PoseAsRealCard = true
	real, err := simulator.New(&p)
	if err != nil {
		t.Fatal(err)
	}
	return &swapping{now: sim.NewCard(virtual), next: sim.NewCard(real)}
}

// A session on the virtual card is not guarded; when a reset or a power
// cycle reconnects it to a card that is not virtual, it stops there: the
// reset fails with ErrCardRemoved and nothing more is sent.
func TestVirtualSessionStopsWhenAResetFindsAnotherCard(t *testing.T) {
	for _, how := range []string{"reset", "power cycle"} {
		t.Run(how, func(t *testing.T) {
			sw := newSwapping(t)
			s := &session{Card: sw, t: &Target{Reader: "Virtual PCD 00 00", virtual: true}}
			var err error
			if how == "reset" {
				err = s.Reset()
			} else {
				err = s.PowerCycle()
			}
			if !errors.Is(err, harness.ErrCardRemoved) {
				t.Fatalf("%s onto a card that is not virtual: %v", how, err)
			}
			wrong := []byte{0x00, 0x20, 0x00, 0x80, 0x04, '9', '9', '9', '9'}
			if _, err := s.Transmit(wrong); !errors.Is(err, harness.ErrCardRemoved) {
				t.Fatalf("a command after it: %v", err)
			}
			if err := s.Transaction(func() error { return nil }); !errors.Is(err, harness.ErrCardRemoved) {
				t.Fatalf("a transaction after it: %v", err)
			}
			// The card that is not virtual saw nothing but the marker GET DATA.
			cl := harness.NewClient(sw.now)
			_ = cl.SelectJPKI()
			if n, err := cl.RetriesLeft(jpki.AuthPIN); err != nil || n != 3 {
				t.Fatalf("auth PIN: %d tries (%v)", n, err)
			}
		})
	}
}

// The same virtual card after the reset: the session goes on.
func TestVirtualSessionGoesOnAfterAReset(t *testing.T) {
	sw := newSwapping(t)
	sw.next = sw.now
	s := &session{Card: sw, t: &Target{Reader: "Virtual PCD 00 00", virtual: true}}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}); err != nil || len(r) != 2 || r[0] != 0x90 {
		t.Fatalf("%X %v", r, err)
	}
}

// After Stop a session refuses every command, except inside Finally, where
// a scenario puts back a PIN it changed (found by a new user: Ctrl-C during
// a destructive run left the card with the scenario's PIN).
func TestStoppedSessionWorksOnlyInsideFinally(t *testing.T) {
	sw := newSwapping(t)
	tg := &Target{Reader: "Virtual PCD 00 00"}
	s := &session{Card: sw.now, t: tg}
	tg.Stop()
	sel := []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
	if _, err := s.Transmit(sel); !errors.Is(err, ErrStopped) {
		t.Fatalf("after Stop: %v", err)
	}
	err := harness.Finally(s, func() error {
		r, err := s.Transmit(sel)
		if err == nil && (len(r) != 2 || r[0] != 0x90) {
			t.Errorf("inside Finally: %X", r)
		}
		return err
	})
	if err != nil {
		t.Fatalf("inside Finally: %v", err)
	}
	if _, err := s.Transmit(sel); !errors.Is(err, ErrStopped) {
		t.Fatalf("after Finally: %v", err)
	}
}

// A session is a card in a reader: never the embedded card, even with the
// virtual card beneath it, of the profile the marker named, and it power-
// cycles only when the card beneath can.
func TestSessionSaysWhatItIs(t *testing.T) {
	sw := newSwapping(t)
	tg := &Target{Reader: "Virtual PCD 00 00", virtual: true, profile: "default"}
	s := &session{Card: sw.now, t: tg}
	if caps := harness.CapabilitiesOf(s); caps != (harness.Capabilities{Profile: "default", PowerCycle: true}) {
		t.Fatalf("over the virtual card: %+v", caps)
	}
	if caps := tg.Capabilities(); caps.Embedded || caps.Profile != "default" {
		t.Fatalf("target: %+v", caps)
	}
	if harness.Unwrap(s) != sw.now {
		t.Fatal("Unwrap is not the card beneath")
	}
	s = &session{Card: struct{ harness.Card }{sw.now}, t: &Target{Reader: "Reader 0"}}
	if caps := harness.CapabilitiesOf(s); caps != (harness.Capabilities{}) {
		t.Fatalf("over a card that cannot power-cycle, not virtual: %+v", caps)
	}
	if _, ok := harness.PowerCyclerOf(s); ok {
		t.Fatal("a power cycle offered over a card that cannot")
	}
}
