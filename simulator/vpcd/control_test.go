package vpcd_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
	"github.com/jpkisim/jpkisim/transcript"
)

var selJPKI = []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}

func controlledSlot(t *testing.T, addr string, rec vpcd.Sessions) (*vpcd.Slot, *simulator.Card) {
	t.Helper()
	card, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &vpcd.Slot{Addr: addr, Card: card, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Sessions: rec}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, card
}

// closed reports whether the slot closed the driver's connection.
func (f *fakeVPCD) closed() bool {
	f.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := f.fr.Next()
	return err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// TestSlotRemoveAndInsert: Remove closes the connection (vpcd's card
// removed) and the slot stays away — no new connection — until Insert;
// then it dials at once and the card, unpowered, answers the poll.
func TestSlotRemoveAndInsert(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	s, card := controlledSlot(t, f.ln.Addr().String(), nil)
	f.accept()
	f.send(0x04)
	f.recv()
	f.send(0x01)
	f.send(selJPKI...)
	f.recv()
	if st := s.State(); !st.Inserted || !st.InReader || !st.Powered {
		t.Fatalf("state in the reader: %+v", st)
	}
	s.Remove()
	if !f.closed() {
		t.Fatal("Remove left the connection open")
	}
	if st := s.State(); st.Inserted || st.InReader || card.Powered() {
		t.Fatalf("state once removed: %+v, powered %v", st, card.Powered())
	}
	if err := s.Reset(); !errors.Is(err, vpcd.ErrOut) {
		t.Fatalf("Reset of a card out of the reader: %v", err)
	}
	accepted := make(chan struct{})
	go func() {
		f.accept()
		close(accepted)
	}()
	select {
	case <-accepted:
		t.Fatal("the slot dialled again while the card was out")
	case <-time.After(300 * time.Millisecond):
	}
	s.Insert()
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Fatal("no connection after Insert")
	}
	f.send(0x04)
	if got := f.recv(); len(got) == 0 {
		t.Fatal("no ATR after Insert")
	}
	if st := s.State(); !st.Inserted || !st.InReader || st.Powered {
		t.Fatalf("state after Insert: %+v (want in the reader, unpowered)", st)
	}
}

// TestSlotRemovalFault: a card pulled out mid-command (Faults.RemoveNext)
// gets no answer to it: the connection closes and stays closed until
// Insert; the session's transcript ends with the failed exchange.
func TestSlotRemovalFault(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	rec := &sessions{done: make(chan struct{}, 4)}
	s, card := controlledSlot(t, f.ln.Addr().String(), rec)
	rec.card = card
	f.accept()
	f.send(0x04)
	f.recv()
	f.send(0x01)
	card.SetFaults(&simulator.Faults{RemoveNext: true, RemoveINS: 0x2A})
	f.send(selJPKI...)
	if got := f.recv(); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT %X", got)
	}
	f.send(0x80, 0x2A, 0x00, 0x80, 0x02, 0x30, 0x00, 0x00)
	if !f.closed() {
		t.Fatal("the command the card was pulled out in was answered")
	}
	<-rec.done
	if st := s.State(); st.Inserted {
		t.Fatalf("state after the removal: %+v", st)
	}
	tr := rec.ended[0]
	ex := tr.Exchanges()
	last := tr.Events[len(tr.Events)-1]
	if len(ex) != 2 || ex[1].Error == "" || last.Kind != transcript.PowerOff || last.Detail != "the card was taken out of the reader" {
		t.Fatalf("transcript of the session: %+v", tr.Events)
	}
	s.Insert()
	f.accept()
	f.send(0x04)
	f.recv()
	f.send(0x01)
	f.send(selJPKI...)
	if got := f.recv(); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT after Insert %X", got)
	}
}

// TestSlotSetCard: another card goes in at once, the old one out; Reset
// and PowerCycle act on the card in the reader and show in its session.
func TestSlotSetCard(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	rec := &sessions{done: make(chan struct{}, 8)}
	s, card := controlledSlot(t, f.ln.Addr().String(), rec)
	rec.card = card
	f.accept()
	f.send(0x04)
	f.recv()
	f.send(0x01)
	f.send(selJPKI...)
	f.recv()
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	// The reset cleared the current DF: the ISD answers as after power-on.
	f.send(0x00, 0xA4, 0x00, 0x00)
	if got := f.recv(); !bytes.Equal(got, []byte{0x6A, 0x86}) {
		t.Fatalf("after Reset %X", got)
	}
	if err := s.PowerCycle(); err != nil {
		t.Fatal(err)
	}
	<-rec.done // the power cycle ended the first session
	if evs := rec.ended[0].Events; evs[len(evs)-1].Detail != "power cycled by the controller" || evs[len(evs)-3].Kind != transcript.Reset {
		t.Fatalf("first session: %+v", evs)
	}
	t0, err := simulator.New(fixtures.MustProfile("t0"))
	if err != nil {
		t.Fatal(err)
	}
	s.SetCard(t0)
	if !f.closed() {
		t.Fatal("SetCard left the old card in the reader")
	}
	if card.Powered() {
		t.Fatal("the old card is still powered")
	}
	f.accept()
	f.send(0x04)
	f.recv()
	f.send(0x01)
	f.send(selJPKI...)
	f.recv()
	if !t0.Powered() || s.Current() != vpcd.Card(t0) {
		t.Fatal("the new card is not the one served")
	}
}
