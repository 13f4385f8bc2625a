package vpcd_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
	"github.com/jpkisim/jpkisim/transcript"
)

// sessions keeps the ended sessions' transcripts.
type sessions struct {
	card  *simulator.Card
	mu    sync.Mutex
	ended []transcript.Transcript
	done  chan struct{}
}

func (s *sessions) Begin() *transcript.Recorder {
	return transcript.NewMatchingRecorder("test", transcript.Raw, s.card.MatchesPIN)
}

func (s *sessions) End(r *transcript.Recorder) {
	s.mu.Lock()
	s.ended = append(s.ended, r.Transcript())
	s.mu.Unlock()
	s.done <- struct{}{}
}

// TestSlotRecordsSessions: a session runs from power-on to power-off, with
// every exchange, the reset within it, and the PIN markers compared with
// the card's own current values — the old value of a CHANGE REFERENCE DATA
// compared before the change; the connection's end closes a session too.
func TestSlotRecordsSessions(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sessions{card: card, done: make(chan struct{}, 4)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &vpcd.Slot{Addr: f.ln.Addr().String(), Card: card, MinBackoff: 10 * time.Millisecond, Sessions: rec}
	go s.Run(ctx)
	f.accept()
	f.send(0x04)
	f.recv()
	f.send(0x01)
	apdu := func(b ...byte) []byte { f.send(b...); return f.recv() }
	apdu(0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01)
	apdu(0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18)
	pin := p.AuthPIN
	apdu(append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(pin))}, pin...)...)
	apdu(0x00, 0x20, 0x00, 0x80, 0x04, '9', '9', '9', '8')
	f.send(0x02) // warm reset, within the session
	f.send(0x00) // power off: the session ends
	<-rec.done
	f.send(0x01)
	apdu(0x00, 0x84, 0x00, 0x00, 0x08)
	f.conn.Close() // the connection ends: so does the second session
	<-rec.done

	if len(rec.ended) != 2 {
		t.Fatalf("%d sessions, want 2", len(rec.ended))
	}
	first := rec.ended[0]
	var kinds []string
	for _, e := range first.Events {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, " "); got != "power-on exchange exchange exchange exchange reset power-off" {
		t.Fatalf("first session's events: %s", got)
	}
	ex := first.Exchanges()
	if s := ex[2].Secret; s == nil || s.PIN != "auth" || s.Value != transcript.Configured {
		t.Errorf("the configured auth PIN marked %+v", s)
	}
	if s := ex[3].Secret; s == nil || s.Value != transcript.Other || ex[3].Response != "63C2" {
		t.Errorf("a wrong auth PIN marked %+v, answered %s", s, ex[3].Response)
	}
	if strings.Contains(strings.ToUpper(first.Events[3].Command), strings.ToUpper(string(pin))) || first.Events[3].Command != "0020008004XXXXXXXX" {
		t.Errorf("VERIFY recorded as %s", first.Events[3].Command)
	}
	second := rec.ended[1]
	last := second.Events[len(second.Events)-1]
	if second.Events[0].Kind != transcript.PowerOn || len(second.Exchanges()) != 1 || last.Kind != transcript.PowerOff || last.Detail == "" {
		t.Errorf("second session: %+v", second.Events)
	}
}

// TestSlotMarksTheOldPINOfAChange: CHANGE REFERENCE DATA's marker is taken
// before the card changes the PIN, against the value it changes.
func TestSlotMarksTheOldPINOfAChange(t *testing.T) {
	f := listen(t, "127.0.0.1:0")
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sessions{card: card, done: make(chan struct{}, 4)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&vpcd.Slot{Addr: f.ln.Addr().String(), Card: card, MinBackoff: 10 * time.Millisecond, Sessions: rec}).Run(ctx)
	f.accept()
	f.send(0x01)
	apdu := func(b ...byte) []byte { f.send(b...); return f.recv() }
	apdu(0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01)
	apdu(0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18)
	pin := p.AuthPIN
	apdu(append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(pin))}, pin...)...)
	// P1=01: the data is the new value alone; it starts with the old one
	// only if it is the old one, so a change to 5678 marks "other" — but
	// a change to the configured value itself marks "configured", compared
	// before the change.
	if r := apdu(append([]byte{0x00, 0x24, 0x01, 0x80, byte(len(pin))}, pin...)...); string(r) != "\x90\x00" {
		t.Fatalf("CHANGE REFERENCE DATA to the same value: %X", r)
	}
	if r := apdu(0x00, 0x24, 0x01, 0x80, 0x04, '5', '6', '7', '8'); string(r) != "\x90\x00" {
		t.Fatalf("CHANGE REFERENCE DATA: %X", r)
	}
	apdu(0x00, 0x20, 0x00, 0x80, 0x04, '5', '6', '7', '8')
	f.send(0x00)
	<-rec.done
	ex := rec.ended[0].Exchanges()
	want := []string{"", "", transcript.Configured, transcript.Configured, transcript.Other, transcript.Configured}
	for i, w := range want {
		got := ""
		if ex[i].Secret != nil {
			got = ex[i].Secret.Value
		}
		if got != w {
			t.Errorf("exchange %d (%s): marker %q, want %q", i+1, ex[i].Command, got, w)
		}
	}
}
