package main

import (
	"encoding/asn1"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/simulator/vpcd"
	"github.com/jpkisim/jpkisim/transcript"
)

// flushEvery is how often serve --transcript rewrites the file of a
// session still going: a crash loses at most this much of it.
const flushEvery = time.Second

// transcriptDir writes serve's session transcripts (serve --transcript
// DIR; docs/reports.md, "Recording"): one file per session per slot,
// named TIME-slotNN-SEQ.json (UTC, microseconds) so that the names sort by
// when the session began, then by slot; written whole (transcript.WriteFile)
// at the session's end and, while it goes on, at most once every
// flushEvery. A session with neither an exchange nor an HTTP request (pcscd
// powers every new card up and down to read its ATR) writes no file.
type transcriptDir struct {
	dir string
	log *slog.Logger

	mu   sync.Mutex
	seq  int
	open map[*transcript.Recorder]*session
	stop chan struct{}
	done chan struct{}
}

type session struct {
	path    string
	written int // events in the file
	failed  bool
}

func newTranscriptDir(dir string, log *slog.Logger) (*transcriptDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--transcript: %w", err)
	}
	d := &transcriptDir{dir: dir, log: log, open: map[*transcript.Recorder]*session{}, stop: make(chan struct{}), done: make(chan struct{})}
	go d.flushLoop()
	return d, nil
}

// slot returns the vpcd.Sessions of slot n, whose markers of PIN data
// compare with match: the card's current values
// (simulator.Card.MatchesPIN, of the card in the slot now), which never
// leave the card.
func (d *transcriptDir) slot(n int, match transcript.Matcher) vpcd.Sessions {
	return slotSessions{d: d, n: n, match: match}
}

type slotSessions struct {
	d     *transcriptDir
	n     int
	match transcript.Matcher
}

func (s slotSessions) Begin() *transcript.Recorder {
	rec := transcript.NewMatchingRecorder("jpkisim serve", transcript.Raw, s.match)
	rec.SetReader(readerName(s.n), "")
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	s.d.open[rec] = &session{path: s.d.name(rec.Transcript().Started, fmt.Sprintf("slot%02d", s.n))}
	return rec
}

func (s slotSessions) End(rec *transcript.Recorder) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if ss, ok := s.d.open[rec]; ok {
		s.d.write(rec, ss)
		delete(s.d.open, rec)
	}
}

// name returns the file name of a session begun at t; called locked.
func (d *transcriptDir) name(t time.Time, what string) string {
	d.seq++
	return filepath.Join(d.dir, fmt.Sprintf("%s-%s-%04d.json", t.UTC().Format("20060102T150405.000000Z"), what, d.seq))
}

// worth reports whether a session has anything to show: an exchange, a
// request the responder answered, or a reset a program asked for (which
// ends a PIN's verified state: CLIENT-14); not power-on and power-off
// alone, which pcscd makes by itself.
func worth(t transcript.Transcript) bool {
	for _, e := range t.Events {
		if e.Kind == transcript.Exchange || e.Kind == transcript.HTTP || e.Kind == transcript.Reset {
			return true
		}
	}
	return false
}

// write writes rec's transcript to its file; called locked.
func (d *transcriptDir) write(rec *transcript.Recorder, s *session) {
	t := rec.Transcript()
	if len(t.Events) == s.written || !worth(t) {
		return
	}
	if err := transcript.WriteFile(s.path, t); err != nil {
		if !s.failed {
			d.log.Warn("transcript not written", "err", err)
			s.failed = true
		}
		return
	}
	s.written = len(t.Events)
}

func (d *transcriptDir) flushLoop() {
	defer close(d.done)
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-tick.C:
			d.mu.Lock()
			for rec, s := range d.open {
				d.write(rec, s)
			}
			d.mu.Unlock()
		}
	}
}

// http records a request the --pki responder answered in every session
// open at the time; a request while no session is open gets a transcript
// of its own (TIME-pki-SEQ.json), since a relying party may check a
// certificate after the card's session ended.
func (d *transcriptDir) http(detail string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.open) > 0 {
		for rec := range d.open {
			rec.Note(transcript.HTTP, detail)
		}
		return
	}
	rec := transcript.NewRecorder("jpkisim serve", transcript.Raw, nil)
	rec.Note(transcript.HTTP, detail)
	d.write(rec, &session{path: d.name(rec.Transcript().Started, "pki")})
}

// Close writes the sessions still open and stops the flushing.
func (d *transcriptDir) Close() {
	close(d.stop)
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	for rec, s := range d.open {
		d.write(rec, s)
	}
}

// noted wraps the PKI responder's handler: every answered request is
// passed to note as "METHOD PATH STATUS" (an OCSP request or a CRL; the
// path of a GET OCSP request holds the request, never a secret).
func noted(h http.Handler, note func(string)) http.Handler {
	if note == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		what := "OCSP"
		if filepath.Ext(r.URL.Path) == ".crl" {
			what = "CRL"
		}
		detail := fmt.Sprintf("%s %s %s %d", what, r.Method, r.URL.Path, sw.status)
		if what == "OCSP" && sw.status == http.StatusOK {
			detail += " " + ocspStatus(sw.head)
		}
		note(detail)
	})
}

// ocspStatus names the responseStatus of an OCSP response (RFC 6960
// §4.2.1): "successful", "malformedRequest", …; "unparsable" for bytes
// that are not one. An HTTP 200 can carry an OCSP error, which is no
// answer about a certificate (docs/conformance.md, CLIENT-10).
func ocspStatus(b []byte) string {
	var resp struct {
		Status asn1.Enumerated
		Bytes  asn1.RawValue `asn1:"optional,explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(b, &resp); err != nil {
		return "unparsable"
	}
	names := map[asn1.Enumerated]string{0: "successful", 1: "malformedRequest", 2: "internalError", 3: "tryLater", 5: "sigRequired", 6: "unauthorized"}
	if n, ok := names[resp.Status]; ok {
		return n
	}
	return fmt.Sprintf("status-%d", resp.Status)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	head   []byte // the first maxNotedBody bytes of the body
}

// maxNotedBody bounds what statusWriter keeps of a body: an OCSP response
// of the test PKI is about 2 KB.
const maxNotedBody = 64 << 10

func (s *statusWriter) Write(b []byte) (int, error) {
	if room := maxNotedBody - len(s.head); room > 0 {
		s.head = append(s.head, b[:min(len(b), room)]...)
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
