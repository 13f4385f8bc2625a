package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jpkisim/jpkisim/control"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
	"github.com/jpkisim/jpkisim/transcript"
)

// The control interface of `jpkisim serve --control ADDR` (docs/control.md):
// JSON over HTTP on a loopback address or a Unix socket, one set of
// endpoints per slot, to take a served card to the state a test needs while
// it runs. No endpoint reads or sets a PIN value.

// controlLimits bound what one client of the control interface can hold,
// as pkiLimits do for the responder: a request is a few hundred bytes
// (maxBody at most), an answer a status or the transcripts kept (at most
// keptSessions sessions per slot), so 5 s for the header, 10 s for the
// request and 30 s for the answer (an operation waits for the command in
// flight, which a latency fault may hold for seconds) only cut off clients
// that trickle; 30 s idle; 16 connections at once.
var controlLimits = struct {
	header, read, write, idle time.Duration
	conns                     int
	maxBody                   int64
}{5 * time.Second, 10 * time.Second, 30 * time.Second, 30 * time.Second, 16, 64 << 10}

// keptSessions is how many ended sessions with exchanges the control
// interface keeps per slot (GET /slots/N/transcripts).
const keptSessions = control.KeptSessions

// maxSnapshots is how many named snapshots a slot keeps at once.
const maxSnapshots = 64

// maxLatency is the longest latency fault the control interface sets.
const maxLatency = control.MaxLatency

// controlAddress is a parsed --control value.
type controlAddress struct {
	network, addr string // "tcp" HOST:PORT, "unix" PATH or "pipe" (in-process)
	// pipe is the listener of an in-process control interface
	// (control.Pipe), for network "pipe": certify's, which no program can
	// reach.
	pipe net.Listener
}

// parseControlAddr parses --control (control.ParseAddr); a bad address is
// a usage error.
func parseControlAddr(s string) (controlAddress, error) {
	a, err := control.ParseAddr(s)
	if err != nil {
		return controlAddress{}, usageError{err}
	}
	return controlAddress{network: a.Network, addr: a.Address}, nil
}

// String is the address as ctl --control takes it.
func (a controlAddress) String() string {
	switch a.network {
	case "unix":
		return "unix:" + a.addr
	case "pipe":
		return "in-process"
	}
	return "http://" + a.addr
}

// listen opens the control interface's listener. A Unix socket is made
// with mode 0600 (the umask is narrowed while it is made, so that no other
// user can connect before the mode is set) and removed when the listener
// closes; a stale socket nobody answers on is replaced, any other file at
// PATH is refused. An in-process interface's listener is already made.
func (a controlAddress) listen() (net.Listener, controlAddress, error) {
	if a.network == "pipe" {
		return a.pipe, a, nil
	}
	if a.network == "tcp" {
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			return nil, a, fmt.Errorf("--control: %w", err)
		}
		return ln, controlAddress{network: "tcp", addr: ln.Addr().String()}, nil
	}
	if fi, err := os.Lstat(a.addr); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, a, usageError{fmt.Errorf("--control unix:%s: a file that is not a socket is there", a.addr)}
		}
		if c, err := net.DialTimeout("unix", a.addr, time.Second); err == nil {
			c.Close()
			return nil, a, fmt.Errorf("--control unix:%s: another server answers on it", a.addr)
		}
		os.Remove(a.addr) // stale: its server is gone
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", a.addr)
	syscall.Umask(old)
	if err != nil {
		return nil, a, fmt.Errorf("--control: %w", err)
	}
	return ln, a, nil
}

// ctlCard is a served card with the control interface's one-shot faults
// (latency and forced status words for the next matching command only),
// which the simulator's lasting Faults do not have.
type ctlCard struct {
	*simulator.Card
	mu   sync.Mutex
	once []onceFault
}

// onceFault is one one-shot fault: a latency for INS ins, or a forced SW
// for the C-APDUs starting with prefix (or exactly prefix).
type onceFault struct {
	latency time.Duration
	ins     byte
	sw      uint16
	prefix  []byte
	exact   bool
}

func (f onceFault) matches(capdu []byte) bool {
	if f.latency > 0 {
		return len(capdu) >= 2 && capdu[1] == f.ins
	}
	if f.exact {
		return bytes.Equal(capdu, f.prefix)
	}
	return bytes.HasPrefix(capdu, f.prefix)
}

// Transmit applies and uses up the first matching one-shot latency and the
// first matching one-shot status word, then hands the C-APDU to the card
// (unless a status word was forced: then the card does not run it).
func (c *ctlCard) Transmit(capdu []byte) ([]byte, error) {
	var delay time.Duration
	var forced *uint16
	c.mu.Lock()
	for _, want := range []bool{true, false} { // latency first, then SW
		for i, f := range c.once {
			if (f.latency > 0) == want && f.matches(capdu) {
				if want {
					delay = f.latency
				} else {
					sw := f.sw
					forced = &sw
				}
				c.once = slices.Delete(c.once, i, i+1)
				break
			}
		}
	}
	c.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if forced != nil && c.Card.Powered() {
		return []byte{byte(*forced >> 8), byte(*forced)}, nil
	}
	return c.Card.Transmit(capdu)
}

// slotCtl is one slot under control.
type slotCtl struct {
	n      int
	reader string
	slot   *vpcd.Slot
	real   bool // serve --as-real-card: a new profile's card poses as real too

	mu        sync.Mutex
	card      *ctlCard
	stateFile string       // the state file the card is kept in, "" none
	store     *store.Store // the state file's store this slot opened, nil none
	snapshots map[string]snapshot
	ring      *sessionRing
}

// snapshot is a named snapshot of one card's persistent state.
type snapshot struct {
	card  *ctlCard
	state *simulator.State
	taken time.Time
}

func (s *slotCtl) current() *ctlCard {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.card
}

// controller is the control interface of one serve.
type controller struct {
	slots []*slotCtl
	log   *slog.Logger
	// open makes a card of a profile (name or file) and of a state file;
	// replaced in tests.
	openProfile func(name string, real bool) (*simulator.Card, error)
	openState   func(path string) (*simulator.Card, *store.Store, error)
	// swapped, when not nil, is told of the card about to go into slot 0:
	// serve --pki publishes its office's record from then on, or says why
	// it cannot, and the card does not go in.
	swapped func(*simulator.Profile) error
}

// newController puts the cards under control: each is wrapped for the
// one-shot faults and its sessions kept in memory (chained to next, the
// sessions of serve --transcript, when not nil). stateFile names the state
// file of a --state card (its store stays serve's own).
func newController(log *slog.Logger, cards []*simulator.Card, stateFile string, real bool, next func(n int, match transcript.Matcher) vpcd.Sessions) *controller {
	c := &controller{log: log, openProfile: profileCard, openState: openState}
	for i, card := range cards {
		s := &slotCtl{n: i, reader: readerName(i), real: real, card: &ctlCard{Card: card}, stateFile: stateFile, snapshots: map[string]snapshot{}}
		match := func(ref jpki.Reference, data []byte, prefix bool) (bool, bool) {
			return s.current().MatchesPIN(ref, data, prefix)
		}
		var chained vpcd.Sessions
		if next != nil {
			chained = next(i, match)
		}
		s.ring = &sessionRing{reader: s.reader, match: match, next: chained}
		c.slots = append(c.slots, s)
	}
	return c
}

// readerName is the PC/SC name of vpcd's reader of slot n.
func readerName(n int) string { return fmt.Sprintf("Virtual PCD 00 %02d", n) }

// profileCard is a fresh card of a profile name or file.
func profileCard(name string, real bool) (*simulator.Card, error) {
	t, err := loadProfile(name)
	if err != nil {
		return nil, err
	}
	p := t.Profile.Clone()
	if real {
		p.Behaviour.PoseAsRealCard = true
	}
	return simulator.New(p)
}

// attach gives slot n its vpcd.Slot, which serves the slot's card.
func (c *controller) attach(n int, slot *vpcd.Slot) {
	s := c.slots[n]
	s.slot = slot
	slot.Card = s.card
	slot.Sessions = s.ring
}

// http notes a request the test PKI's responder answered in every slot's
// sessions (sessionRing.http).
func (c *controller) http(detail string) {
	for _, s := range c.slots {
		s.ring.http(detail)
	}
}

// close closes the stores the control interface opened.
func (c *controller) close() {
	for _, s := range c.slots {
		s.mu.Lock()
		if s.store != nil {
			s.store.Close()
			s.store = nil
		}
		s.mu.Unlock()
	}
}

// sessionRing keeps the open session and the last keptSessions ended
// sessions with exchanges of one slot; it records for serve --transcript
// too (next).
type sessionRing struct {
	reader string
	match  transcript.Matcher
	next   vpcd.Sessions

	mu    sync.Mutex
	open  *transcript.Recorder
	ended []transcript.Transcript
}

func (r *sessionRing) Begin() *transcript.Recorder {
	var rec *transcript.Recorder
	if r.next != nil {
		rec = r.next.Begin()
	} else {
		rec = transcript.NewMatchingRecorder("jpkisim serve", transcript.Raw, r.match)
		rec.SetReader(r.reader, "")
	}
	r.mu.Lock()
	r.open = rec
	r.mu.Unlock()
	return rec
}

// http notes a request the test PKI's responder answered: into the open
// session, or, between sessions, as a session of its own, so that the
// transcripts of the control interface hold what a client asked the
// responder after it let go of the card (an OCSP request after reading
// the certificate). With serve --transcript (next) the open session is
// next's own, which notes it.
func (r *sessionRing) http(detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open != nil {
		if r.next == nil {
			r.open.Note(transcript.HTTP, detail)
		}
		return
	}
	rec := transcript.NewRecorder("jpkisim serve", transcript.Raw, nil)
	rec.SetReader(r.reader, "")
	rec.Note(transcript.HTTP, detail)
	r.ended = append(r.ended, rec.Transcript())
	if len(r.ended) > keptSessions {
		r.ended = slices.Delete(r.ended, 0, len(r.ended)-keptSessions)
	}
}

func (r *sessionRing) End(rec *transcript.Recorder) {
	if r.next != nil {
		r.next.End(rec)
	}
	t := rec.Transcript()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open == rec {
		r.open = nil
	}
	if worth(t) {
		r.ended = append(r.ended, t)
		if len(r.ended) > keptSessions {
			r.ended = slices.Delete(r.ended, 0, len(r.ended)-keptSessions)
		}
	}
}

// last returns the last n sessions with exchanges, oldest first, the open
// one last when it has any.
func (r *sessionRing) last(n int) []transcript.Transcript {
	r.mu.Lock()
	all := slices.Clone(r.ended)
	open := r.open
	r.mu.Unlock()
	if open != nil {
		if t := open.Transcript(); worth(t) {
			all = append(all, t)
		}
	}
	return all[max(0, len(all)-n):]
}

func (r *sessionRing) count() int {
	return len(r.last(keptSessions + 1))
}

// --- views: what the endpoints answer ---

// The views are the control package's: the server writes what its client
// reads.
type (
	slotView     = control.State
	refTries     = control.Tries
	faultsView   = control.Faults
	latencyFault = control.LatencyFault
	swFault      = control.SWFault
	removeFault  = control.RemoveFault
)

func (s *slotCtl) view() slotView {
	s.mu.Lock()
	card, stateFile := s.card, s.stateFile
	names := make([]string, 0, len(s.snapshots))
	for n := range s.snapshots {
		names = append(names, n)
	}
	s.mu.Unlock()
	slices.Sort(names)
	v := slotView{Slot: s.n, Reader: s.reader, Profile: card.Profile().Name, StateFile: stateFile, Snapshots: names, Tries: []refTries{}, Sessions: s.ring.count()}
	if s.slot != nil {
		st := s.slot.State()
		v.Inserted, v.InReader, v.Powered = st.Inserted, st.InReader, st.Powered
	}
	for _, app := range jpki.Apps {
		refs, _ := jpki.References(app)
		for _, ref := range refs {
			left, max, err := card.Tries(ref)
			if err != nil {
				continue
			}
			v.Tries = append(v.Tries, refTries{PIN: ref.PIN.Name(), App: app.String(), FID: fmt.Sprintf("%04X", ref.FID), Left: left, Max: max})
		}
	}
	f := card.Faults()
	v.Faults = faultsView{Latency: []latencyFault{}, SW: []swFault{}, T0: f.T0, Tear: f.TearNext}
	for _, ins := range slices.Sorted(maps.Keys(f.Latency)) {
		v.Faults.Latency = append(v.Faults.Latency, latencyFault{INS: fmt.Sprintf("%02X", ins), MS: f.Latency[ins].Milliseconds()})
	}
	for _, a := range f.Answers {
		v.Faults.SW = append(v.Faults.SW, swFault{Prefix: fmt.Sprintf("%X", a.Prefix), SW: fmt.Sprintf("%04X", a.SW), Exact: a.Exact})
	}
	if f.RemoveNext {
		v.Faults.Remove = &removeFault{}
		if f.RemoveINS != 0 {
			v.Faults.Remove.INS = fmt.Sprintf("%02X", f.RemoveINS)
		}
	}
	card.mu.Lock()
	for _, o := range card.once {
		if o.latency > 0 {
			v.Faults.Latency = append(v.Faults.Latency, latencyFault{INS: fmt.Sprintf("%02X", o.ins), MS: o.latency.Milliseconds(), Once: true})
		} else {
			v.Faults.SW = append(v.Faults.SW, swFault{Prefix: fmt.Sprintf("%X", o.prefix), SW: fmt.Sprintf("%04X", o.sw), Exact: o.exact, Once: true})
		}
	}
	card.mu.Unlock()
	return v
}

// --- the handler ---

// ctlError is an endpoint's refusal: an HTTP status and one line.
type ctlError struct {
	status int
	msg    string
}

func (e *ctlError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &ctlError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func conflict(format string, a ...any) error {
	return &ctlError{http.StatusConflict, fmt.Sprintf(format, a...)}
}

// writeJSON writes v as indented JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// errorBody is every error's answer.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	var ce *ctlError
	if !errors.As(err, &ce) {
		ce = &ctlError{http.StatusInternalServerError, err.Error()}
	}
	writeJSON(w, ce.status, errorBody{oneLine(ce)})
}

// decode reads the request's JSON body into v (an empty body leaves v as
// it is): at most controlLimits.maxBody bytes, no unknown field, one value.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, controlLimits.maxBody)
	b, err := io.ReadAll(body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &ctlError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", controlLimits.maxBody)}
	}
	if err != nil {
		return badRequest("reading the request: %v", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("request body: %v", err)
	}
	if dec.More() {
		return badRequest("request body: more than one JSON value")
	}
	return nil
}

// handler returns the control interface's HTTP handler (docs/control.md).
func (c *controller) handler() http.Handler {
	mux := http.NewServeMux()
	paths := map[string]bool{}
	route := func(method, path string, h func(w http.ResponseWriter, r *http.Request) (any, error)) {
		mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
			v, err := h(w, r)
			if err != nil {
				writeError(w, err)
				return
			}
			writeJSON(w, http.StatusOK, v)
		})
		if !paths[path] {
			paths[path] = true
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				writeError(w, &ctlError{http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed", r.Method, r.URL.Path)})
			})
		}
	}
	slotOp := func(method, path string, op func(s *slotCtl, w http.ResponseWriter, r *http.Request) error) {
		route(method, "/slots/{n}"+path, func(w http.ResponseWriter, r *http.Request) (any, error) {
			s, err := c.slot(r)
			if err != nil {
				return nil, err
			}
			if op != nil {
				if err := op(s, w, r); err != nil {
					return nil, err
				}
			}
			return s.view(), nil
		})
	}
	route("GET", "/slots", func(w http.ResponseWriter, r *http.Request) (any, error) {
		out := struct {
			Slots []slotView `json:"slots"`
		}{}
		for _, s := range c.slots {
			out.Slots = append(out.Slots, s.view())
		}
		return out, nil
	})
	slotOp("GET", "", nil)
	slotOp("POST", "/insert", func(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
		if err := decode(w, r, &struct{}{}); err != nil {
			return err
		}
		s.slot.Insert()
		c.log.Info("card inserted by the control interface", "slot", s.n)
		return nil
	})
	slotOp("POST", "/remove", func(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
		if err := decode(w, r, &struct{}{}); err != nil {
			return err
		}
		s.slot.Remove()
		c.log.Info("card removed by the control interface", "slot", s.n)
		return nil
	})
	slotOp("POST", "/reset", func(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
		if err := decode(w, r, &struct{}{}); err != nil {
			return err
		}
		return outOfReader(s.slot.Reset())
	})
	slotOp("POST", "/power-cycle", func(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
		if err := decode(w, r, &struct{}{}); err != nil {
			return err
		}
		return outOfReader(s.slot.PowerCycle())
	})
	slotOp("POST", "/profile", c.setCard)
	slotOp("POST", "/tries", c.setTries)
	slotOp("POST", "/faults/latency", c.latencyFault)
	slotOp("POST", "/faults/sw", c.swFault)
	slotOp("POST", "/faults/remove", c.removeFault)
	slotOp("POST", "/faults/tear", func(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
		if err := decode(w, r, &struct{}{}); err != nil {
			return err
		}
		card := s.current()
		f := card.Faults()
		f.TearNext = true
		card.SetFaults(&f)
		return nil
	})
	slotOp("DELETE", "/faults", func(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
		card := s.current()
		card.SetFaults(card.Profile().Faults) // the profile's own, or none
		card.mu.Lock()
		card.once = nil
		card.mu.Unlock()
		return nil
	})
	slotOp("POST", "/snapshots", c.takeSnapshot)
	route("GET", "/slots/{n}/snapshots", func(w http.ResponseWriter, r *http.Request) (any, error) {
		s, err := c.slot(r)
		if err != nil {
			return nil, err
		}
		type entry struct {
			Name    string    `json:"name"`
			Profile string    `json:"profile"`
			Taken   time.Time `json:"taken"`
			Current bool      `json:"of_the_card_now"`
		}
		out := struct {
			Snapshots []entry `json:"snapshots"`
		}{Snapshots: []entry{}}
		s.mu.Lock()
		for name, sn := range s.snapshots {
			out.Snapshots = append(out.Snapshots, entry{name, sn.card.Profile().Name, sn.taken.UTC(), sn.card == s.card})
		}
		s.mu.Unlock()
		slices.SortFunc(out.Snapshots, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
		return out, nil
	})
	slotOp("POST", "/snapshots/{name}/restore", c.restoreSnapshot)
	route("GET", "/slots/{n}/transcript", func(w http.ResponseWriter, r *http.Request) (any, error) {
		s, err := c.slot(r)
		if err != nil {
			return nil, err
		}
		ts := s.ring.last(1)
		if len(ts) == 0 {
			return nil, &ctlError{http.StatusNotFound, fmt.Sprintf("slot %d: no session with an exchange yet", s.n)}
		}
		return ts[0], nil
	})
	route("GET", "/slots/{n}/transcripts", func(w http.ResponseWriter, r *http.Request) (any, error) {
		s, err := c.slot(r)
		if err != nil {
			return nil, err
		}
		n := keptSessions
		if q := r.URL.Query().Get("last"); q != "" {
			if n, err = strconv.Atoi(q); err != nil || n < 1 {
				return nil, badRequest("last=%q: want a number of sessions, 1 or more", q)
			}
		}
		return struct {
			Transcripts []transcript.Transcript `json:"transcripts"`
		}{s.ring.last(n)}, nil
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &ctlError{http.StatusNotFound, fmt.Sprintf("%s %s: no such endpoint (docs/control.md)", r.Method, r.URL.Path)})
	})
	return mux
}

func outOfReader(err error) error {
	if errors.Is(err, vpcd.ErrOut) {
		return conflict("the card is not in the reader: insert it first")
	}
	return err
}

// slot is the slot the request's {n} names.
func (c *controller) slot(r *http.Request) (*slotCtl, error) {
	text := r.PathValue("n")
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 || n >= len(c.slots) || strconv.Itoa(n) != text {
		return nil, &ctlError{http.StatusNotFound, fmt.Sprintf("no slot %q: this serve has slots 0 to %d", text, len(c.slots)-1)}
	}
	return c.slots[n], nil
}

// setCard puts a fresh card of a profile, or a state file's card, into the
// slot in place of the one there (POST /slots/N/profile).
func (c *controller) setCard(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Profile string `json:"profile"`
		State   string `json:"state"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if (req.Profile == "") == (req.State == "") {
		return badRequest("give one of profile and state")
	}
	var card *simulator.Card
	var st *store.Store
	var err error
	if req.Profile != "" {
		card, err = c.openProfile(req.Profile, s.real)
	} else {
		card, st, err = c.openState(req.State)
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return badRequest("%v", err)
		}
		return conflict("%v", err)
	}
	// serve --pki publishes slot 0's card's record: a card whose record it
	// cannot publish does not go in, so that the responder never answers
	// for another card than the one in the reader.
	if s.n == 0 && c.swapped != nil {
		q := card.Profile().Clone()
		if req.State != "" {
			state, meta, err := store.Load(req.State)
			if err != nil {
				if st != nil {
					st.Close()
				}
				return conflict("the office's record of %s: %v", req.State, err)
			}
			q.Office = office.RecordOf(state, meta)
		}
		if err := c.swapped(q); err != nil {
			if st != nil {
				st.Close()
			}
			return conflict("the test PKI's responder cannot publish the record of that card (%v): the card in the slot stays", err)
		}
	}
	s.mu.Lock()
	old := s.store
	s.card, s.store, s.stateFile = &ctlCard{Card: card}, st, req.State
	next := s.card
	s.mu.Unlock()
	s.slot.SetCard(next)
	if old != nil {
		old.Close() // the old card is out of the reader: its file is free
	}
	c.log.Info("card replaced by the control interface", "slot", s.n, "profile", card.Profile().Name)
	return nil
}

// pinRefs are the reference data a PIN role names on the card: the Juki
// PIN is EF 001C of the Juki and of the common card application.
func pinRefs(p jpki.PIN) []jpki.Reference {
	var out []jpki.Reference
	for _, app := range jpki.Apps {
		refs, _ := jpki.References(app)
		for _, ref := range refs {
			if ref.PIN == p {
				out = append(out, ref)
			}
		}
	}
	return out
}

// parseApp is an application by its name (jpki.App.String), in any case.
func parseApp(s string) (jpki.App, bool) {
	for _, a := range jpki.Apps {
		if strings.EqualFold(a.String(), s) {
			return a, true
		}
	}
	return 0, false
}

// setTries sets the retry counter of a PIN role, or of one reference data
// object by application and FID (POST /slots/N/tries).
func (c *controller) setTries(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PIN   string `json:"pin"`
		App   string `json:"app"`
		FID   string `json:"fid"`
		Tries *int   `json:"tries"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Tries == nil {
		return badRequest("tries: missing (0 blocks the PIN)")
	}
	var refs []jpki.Reference
	switch {
	case req.PIN != "" && req.App == "" && req.FID == "":
		p, err := jpki.ParsePIN(req.PIN)
		if err != nil {
			return badRequest("%v", err)
		}
		refs = pinRefs(p)
	case req.PIN == "" && req.App != "" && req.FID != "":
		app, ok := parseApp(req.App)
		if !ok {
			return badRequest("unknown application %q; applications: JPKI, Kenhojo, Kenkaku, Common, Juki", req.App)
		}
		fid, err := strconv.ParseUint(req.FID, 16, 16)
		if err != nil || len(req.FID) != 4 {
			return badRequest("fid %q: want 4 hex digits", req.FID)
		}
		all, _ := jpki.References(app)
		for _, ref := range all {
			if ref.FID == uint16(fid) {
				refs = append(refs, ref)
			}
		}
		if len(refs) == 0 {
			return badRequest("%v has no reference data %04X", app, fid)
		}
	default:
		return badRequest("give pin, or app and fid")
	}
	card := s.current()
	// Check every reference first, so that a refusal changes nothing.
	held := refs[:0:0]
	for _, ref := range refs {
		_, max, err := card.Tries(ref)
		if err != nil {
			continue
		}
		if *req.Tries < 0 || *req.Tries > max {
			return badRequest("tries %d for the %v: want 0 to %d", *req.Tries, ref, max)
		}
		held = append(held, ref)
	}
	if len(held) == 0 {
		return badRequest("the card (profile %s) holds no %v", card.Profile().Name, refs[0])
	}
	for _, ref := range held {
		if err := card.SetTries(ref, *req.Tries); err != nil {
			if errors.Is(err, simulator.ErrTriesRange) || errors.Is(err, simulator.ErrNoReference) {
				return badRequest("%v", err)
			}
			return conflict("%v", err)
		}
	}
	c.log.Info("retry counter set by the control interface", "slot", s.n, "reference", held[0].String(), "tries", *req.Tries)
	return nil
}

// parseINS is one byte in two hex digits.
func parseINS(s string) (byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 1 {
		return 0, badRequest("ins %q: want 2 hex digits", s)
	}
	return b[0], nil
}

// latencyFault sets a latency for an INS, lasting or for the next command
// with it only (POST /slots/N/faults/latency).
func (c *controller) latencyFault(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		INS  string `json:"ins"`
		MS   *int64 `json:"ms"`
		Once bool   `json:"once"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ins, err := parseINS(req.INS)
	if err != nil {
		return err
	}
	if req.MS == nil || *req.MS < 0 || time.Duration(*req.MS)*time.Millisecond > maxLatency || (req.Once && *req.MS == 0) {
		return badRequest("ms: want 0 to %d (0 ends a lasting latency; a one-shot one needs 1 or more)", maxLatency.Milliseconds())
	}
	d := time.Duration(*req.MS) * time.Millisecond
	card := s.current()
	if req.Once {
		card.mu.Lock()
		card.once = append(card.once, onceFault{latency: d, ins: ins})
		card.mu.Unlock()
		return nil
	}
	f := card.Faults()
	if d == 0 {
		delete(f.Latency, ins)
	} else {
		f.Latency[ins] = d
	}
	card.SetFaults(&f)
	return nil
}

// swFault forces a status word for the C-APDUs starting with a prefix
// (POST /slots/N/faults/sw).
func (c *controller) swFault(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Prefix string `json:"prefix"`
		SW     string `json:"sw"`
		Exact  bool   `json:"exact"`
		Once   bool   `json:"once"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	prefix, err := apdu.ParseHex(req.Prefix)
	if err != nil || len(prefix) == 0 || len(prefix) > 261 {
		return badRequest("prefix %q: want 1 to 261 bytes in hex", req.Prefix)
	}
	sw, err := hex.DecodeString(req.SW)
	if err != nil || len(sw) != 2 {
		return badRequest("sw %q: want 4 hex digits (SW1-SW2)", req.SW)
	}
	word := uint16(sw[0])<<8 | uint16(sw[1])
	card := s.current()
	if req.Once {
		card.mu.Lock()
		card.once = append(card.once, onceFault{prefix: prefix, sw: word, exact: req.Exact})
		card.mu.Unlock()
		return nil
	}
	f := card.Faults()
	f.Answers = append(f.Answers, simulator.Answer{Prefix: prefix, SW: word, Exact: req.Exact})
	card.SetFaults(&f)
	return nil
}

// removeFault pulls the card out at the next command, or the next with an
// INS (POST /slots/N/faults/remove).
func (c *controller) removeFault(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		INS string `json:"ins"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	var ins byte
	if req.INS != "" {
		var err error
		if ins, err = parseINS(req.INS); err != nil {
			return err
		}
		if ins == 0 {
			return badRequest("ins 00: name the instruction, or leave ins out for the next command")
		}
	}
	card := s.current()
	f := card.Faults()
	f.RemoveNext, f.RemoveINS = true, ins
	card.SetFaults(&f)
	return nil
}

var snapshotName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// takeSnapshot remembers the card's persistent state under a name (POST
// /slots/N/snapshots), in place of one of that name.
func (c *controller) takeSnapshot(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if !snapshotName.MatchString(req.Name) {
		return badRequest("name %q: want 1 to 64 of A-Z a-z 0-9 . _ -", req.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.snapshots[req.Name]; !ok && len(s.snapshots) >= maxSnapshots {
		return conflict("slot %d keeps %d snapshots already", s.n, maxSnapshots)
	}
	s.snapshots[req.Name] = snapshot{card: s.card, state: s.card.CopyState(), taken: time.Now()}
	return nil
}

// restoreSnapshot puts a named snapshot back on the card it was taken of
// (POST /slots/N/snapshots/NAME/restore).
func (c *controller) restoreSnapshot(s *slotCtl, w http.ResponseWriter, r *http.Request) error {
	if err := decode(w, r, &struct{}{}); err != nil {
		return err
	}
	name := r.PathValue("name")
	s.mu.Lock()
	sn, ok := s.snapshots[name]
	card := s.card
	s.mu.Unlock()
	if !ok {
		return &ctlError{http.StatusNotFound, fmt.Sprintf("slot %d has no snapshot %q", s.n, name)}
	}
	if sn.card != card {
		return conflict("snapshot %q is of another card (profile %s) than the one in slot %d now", name, sn.card.Profile().Name, s.n)
	}
	if err := card.PutState(sn.state); err != nil {
		return conflict("%v", err)
	}
	return nil
}

// serveControl starts the control interface on addr; it stops with ctx,
// or when stop is called — which returns once its listener is closed (a
// Unix socket removed), so that a serve about to exit leaves none behind.
func serveControl(ctx context.Context, log *slog.Logger, c *controller, addr controlAddress) (bound controlAddress, stop func(), err error) {
	ln, bound, err := addr.listen()
	if err != nil {
		return addr, nil, err
	}
	srv := &http.Server{Handler: c.handler(), MaxHeaderBytes: 16 << 10,
		ReadHeaderTimeout: controlLimits.header, ReadTimeout: controlLimits.read, WriteTimeout: controlLimits.write, IdleTimeout: controlLimits.idle}
	limited := newLimitListener(ln, controlLimits.conns)
	go srv.Serve(limited)
	context.AfterFunc(ctx, func() { srv.Close() })
	log.Info("control interface", "address", bound.String())
	// The listener is closed here too: srv.Close closes only the listeners
	// Serve has taken up, which its goroutine may not have done yet.
	return bound, func() { srv.Close(); limited.Close() }, nil
}
