package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// TestServeTranscriptDir: one file per session with exchanges, named to
// sort by time then slot, readable while the session goes on (flushed
// whole), with the HTTP requests answered meanwhile; a session of power
// events only writes nothing; a request with no session open has a file of
// its own.
func TestServeTranscriptDir(t *testing.T) {
	dir := t.TempDir()
	td, err := newTranscriptDir(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	card, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := td.slot(0, card.MatchesPIN), td.slot(1, card.MatchesPIN)
	empty := s0.Begin()
	empty.Event(transcript.PowerOn, card.PowerOn())
	empty.Event(transcript.PowerOff, nil)
	s0.End(empty)

	a := s0.Begin()
	a.Event(transcript.PowerOn, card.PowerOn())
	b := s1.Begin()
	b.Event(transcript.PowerOn, card.PowerOn())
	a.Exchange([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}, []byte{0x90, 0x00}, nil, time.Now(), 0)
	b.Exchange([]byte{0x00, 0x84, 0x00, 0x00, 0x08}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00}, nil, time.Now(), 0)
	h := noted(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) }), td.http)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/crl/auth.crl", nil))

	// The flush writes the sessions still going, whole.
	deadline := time.Now().Add(5 * flushEvery)
	var names []string
	for time.Now().Before(deadline) {
		names, _ = filepath.Glob(filepath.Join(dir, "*.json"))
		if len(names) == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(names) != 2 {
		t.Fatalf("files while the sessions go on: %v", names)
	}
	mid, err := transcript.ReadFile(names[0])
	if err != nil || len(mid.Exchanges()) != 1 {
		t.Fatalf("a session's file while it goes on: %v %+v", err, mid)
	}
	a.Event(transcript.PowerOff, nil)
	s0.End(a)
	b.Event(transcript.PowerOff, nil)
	s1.End(b)
	td.Close()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/ocsp/auth", nil)) // no session open

	ents, _ := os.ReadDir(dir)
	names = nil
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 3 || !slices.IsSorted(names) || !strings.Contains(names[0], "-slot00-") || !strings.Contains(names[1], "-slot01-") || !strings.Contains(names[2], "-pki-") {
		t.Fatalf("files %v, want slot00, slot01, pki in that order, nothing else", names)
	}
	got, err := transcript.ReadFile(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range got.Events {
		kinds = append(kinds, string(e.Kind))
	}
	if strings.Join(kinds, " ") != "power-on exchange http power-off" || got.Events[2].Detail != "CRL GET /crl/auth.crl 404" || got.Reader != "Virtual PCD 00 00" {
		t.Errorf("slot 0's session: %v %+v", kinds, got)
	}
	pk, err := transcript.ReadFile(filepath.Join(dir, names[2]))
	if err != nil || len(pk.Events) != 1 || pk.Events[0].Detail != "OCSP POST /ocsp/auth 404" {
		t.Errorf("the lone request: %v %+v", err, pk)
	}
}

// TestRingKeepsASessionThatOnlyResets: a session in which a program only
// reset the card (scriptor's "reset" after pcscd powered the card off) is
// kept: the reset ends a PIN's verified state, which CLIENT-14 judges. A
// session of power-on and power-off alone (pcscd probing) is not.
func TestRingKeepsASessionThatOnlyResets(t *testing.T) {
	r := &sessionRing{reader: "Virtual PCD 00 00"}
	atr := []byte{0x3B, 0x00}
	rec := r.Begin()
	rec.Event(transcript.PowerOn, atr)
	rec.Event(transcript.PowerOff, nil)
	r.End(rec)
	rec = r.Begin()
	rec.Event(transcript.PowerOn, atr)
	rec.Event(transcript.Reset, atr)
	r.End(rec)
	got := r.last(10)
	if len(got) != 1 || got[0].Events[len(got[0].Events)-1].Kind != transcript.Reset {
		t.Fatalf("kept %d sessions: %+v", len(got), got)
	}
}
