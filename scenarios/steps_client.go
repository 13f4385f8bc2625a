package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// The environment of a client under test (docs/conformance.md, "Running a
// client under test").
const (
	// ControlEnv names the control interface of the serve whose slot the
	// target's reader is (docs/control.md): without it, @client scenarios
	// are left out.
	ControlEnv = "JPKISIM_CONTROL"
	// ClientPINEnv carries the PIN the scenario gave the client, never its
	// arguments.
	ClientPINEnv = "JPKISIM_CLIENT_PIN"
	// ClientReaderEnv is the PC/SC reader of the served card.
	ClientReaderEnv = "JPKISIM_READER"
	// ClientBinEnv, when set, is the jpkisim binary whose directory goes
	// first on the client's PATH (else the running executable's).
	ClientBinEnv = "JPKISIM_BIN"
)

// clientTimeout bounds one run of the client under test.
const clientTimeout = 60 * time.Second

// whyClient is why a run without a control interface leaves @client out.
const whyClient = "the scenario runs a client under test in front of a served card: it needs JPKISIM_CONTROL (serve --control) and a target that is the served slot's reader"

// clientWorld is the scenario's client under test: the served card's
// control interface and slot, the PIN given, the session it made.
type clientWorld struct {
	ctl     *control.Client
	slot    int
	reader  string
	state   string // the conformance state the card was taken to
	pin     []byte // the value given in ClientPINEnv; never printed
	entries []conformance.Entry
	ran     bool
	session conformance.Session
}

// clientSteps run a program under test against the served card and judge
// it by the conformance catalogue (@client).
type clientSteps struct{ *world }

func (s clientSteps) register(sc stepper) {
	sc.Step(`^the served card is in the conformance state "([a-z0-9-]+)"$`, s.servedCardInState)
	sc.Step(`^the client under test is given the `+pinRole+`(?: (in lower case|with a wrong value|as an empty entry))?$`, s.clientGivenPIN)
	sc.Step(`^the client under test runs "([^"]+)"$`, s.clientRuns)
	sc.Step(`^the client exits with status (\d+)$`, s.clientExits)
	sc.Step(`^the client's output contains "([^"]*)"$`, s.clientOutputContains)
	sc.Step(`^the client (passes|fails) conformance check (CLIENT-\d{2})$`, s.clientJudged)
}

// readerOf is the PC/SC reader of a target in a reader: its Name,
// "pcsc:READER" with " (virtual, profile P)" for the virtual card.
func readerOf(t harness.Target) (string, bool) {
	if t.Capabilities().Embedded {
		return "", false
	}
	r, ok := strings.CutPrefix(t.Name(), "pcsc:")
	if !ok {
		return "", false
	}
	if i := strings.LastIndex(r, " (virtual"); i >= 0 && strings.HasSuffix(r, ")") {
		r = r[:i]
	}
	return r, true
}

// servedSlot finds the control interface of ControlEnv and the slot whose
// reader is t's. Errors: no ControlEnv, a target not in a reader, an
// interface that does not answer, no slot of that reader.
func servedSlot(t harness.Target) (*control.Client, int, string, error) {
	addr := os.Getenv(ControlEnv)
	if addr == "" {
		return nil, 0, "", fmt.Errorf("no control interface: %s is not set", ControlEnv)
	}
	reader, ok := readerOf(t)
	if !ok {
		return nil, 0, "", fmt.Errorf("%s is not a card in a reader", t.Name())
	}
	c, err := control.Dial(addr)
	if err != nil {
		return nil, 0, "", err
	}
	slots, err := c.Status()
	if err != nil {
		return nil, 0, "", err
	}
	for _, s := range slots {
		if s.Reader == reader {
			return c, s.Slot, reader, nil
		}
	}
	return nil, 0, "", fmt.Errorf("the control interface at %s serves no slot of reader %q", c.Addr(), reader)
}

// control is the scenario's control interface, found once.
func (s clientSteps) control() (*control.Client, error) {
	if s.cl.ctl != nil {
		return s.cl.ctl, nil
	}
	c, slot, reader, err := servedSlot(s.target)
	if err != nil {
		return nil, fmt.Errorf("the client steps need the served card (@client scenarios are left out without it): %w", err)
	}
	s.cl.ctl, s.cl.slot, s.cl.reader = c, slot, reader
	return c, nil
}

// sameButTries reports whether profiles a and b make the same card but for
// its identity (name, description, the token serial of EF 0006) and the
// JPKI retry counters: a card of a that the control interface's tries take
// to b's state keeps its serial, which no check reads.
func sameButTries(a, b string) bool {
	pa, err := fixtures.Profile(a)
	if err != nil {
		return false
	}
	pb, err := fixtures.Profile(b)
	if err != nil {
		return false
	}
	norm := func(p simulator.Profile) simulator.Profile {
		p.Name, p.Description, p.TokenSerial, p.AuthTriesLeft, p.SigningTriesLeft = "", "", "", nil, nil
		if p.Behaviour.BlockedVerifySW == 0 {
			p.Behaviour.BlockedVerifySW = uint16(apdu.SWReferenceDataUnusable) // the default: 6984
		}
		return p
	}
	return reflect.DeepEqual(norm(*pa), norm(*pb))
}

func (s clientSteps) servedCardInState(name string) error {
	st, ok := conformance.StateByName(name)
	if !ok {
		return fmt.Errorf("no conformance state %q (docs/conformance.md, \"The card states\")", name)
	}
	c, err := s.control()
	if err != nil {
		return err
	}
	now, err := c.Slot(s.cl.slot)
	if err != nil {
		return err
	}
	tries := map[jpki.PIN]int{}
	if now.Profile == st.Profile || sameButTries(now.Profile, st.Profile) {
		// The served card is that card but for its counters: the counters
		// take it there, and the run's snapshot of it stays.
		full, err := fixtures.Profile(st.Profile)
		if err != nil {
			return err
		}
		for _, p := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
			tries[p] = p.MaxTries()
		}
		if full.AuthTriesLeft != nil {
			tries[jpki.AuthPIN] = *full.AuthTriesLeft
		}
		if full.SigningTriesLeft != nil {
			tries[jpki.SigningPIN] = *full.SigningTriesLeft
		}
	} else {
		if _, err := c.Profile(s.cl.slot, st.Profile); err != nil {
			return fmt.Errorf("putting a card of profile %q in: %w", st.Profile, err)
		}
	}
	for p, n := range st.TriesLeft {
		tries[p] = n
	}
	for _, p := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		if n, ok := tries[p]; ok {
			if _, err := c.Tries(s.cl.slot, p, n); err != nil {
				return fmt.Errorf("setting the %v to %d tries: %w", p, n, err)
			}
		}
	}
	if _, err := c.ClearFaults(s.cl.slot); err != nil {
		return err
	}
	if st.SignatureLatency > 0 {
		if _, err := c.Latency(s.cl.slot, 0x2A, st.SignatureLatency, false); err != nil {
			return err
		}
	}
	s.cl.state = name
	return nil
}

func (s clientSteps) clientGivenPIN(role, how string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	v := s.secrets.Of(p)
	if len(v) == 0 {
		return fmt.Errorf("the %v is not configured for this target", p)
	}
	e := conformance.Entry{PIN: p, Given: conformance.Configured}
	switch how {
	case "in lower case":
		v, e.Given = []byte(strings.ToLower(string(v))), conformance.ConfiguredLowercase
	case "with a wrong value":
		v, e.Given = wrongValue(v, p), conformance.Wrong
	case "as an empty entry":
		v, e.Given = nil, conformance.Empty
	}
	if s.cl.pin != nil || len(s.cl.entries) > 0 {
		return errors.New("the client under test is given one PIN per run (" + ClientPINEnv + ")")
	}
	s.cl.pin = append([]byte{}, v...)
	s.cl.entries = append(s.cl.entries, e) // At 0: given before the program starts
	return nil
}

// clientEnv is the client's environment: the run's, without any PIN or
// the control interface, with the reader, the PIN given and PATH led by
// the jpkisim binary's directory.
func (s clientSteps) clientEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(k, "_PIN") && strings.HasPrefix(k, "JPKISIM_") || k == ControlEnv || k == ClientReaderEnv || k == "PATH" {
			continue
		}
		env = append(env, kv)
	}
	bin := os.Getenv(ClientBinEnv)
	if bin == "" {
		bin, _ = os.Executable()
	}
	path := os.Getenv("PATH")
	if bin != "" {
		if abs, err := filepath.Abs(bin); err == nil {
			path = filepath.Dir(abs) + string(os.PathListSeparator) + path
		}
	}
	env = append(env, "PATH="+path, ClientReaderEnv+"="+s.cl.reader)
	if len(s.cl.entries) > 0 {
		env = append(env, ClientPINEnv+"="+string(s.cl.pin))
	}
	return env
}

func (s clientSteps) clientRuns(line string) error {
	c, err := s.control()
	if err != nil {
		return err
	}
	if s.cl.state == "" {
		return errors.New(`say the card's state first: Given the served card is in the conformance state "NAME"`)
	}
	if err := waitInReader(c, s.cl.slot); err != nil {
		return err
	}
	// The client's session starts with a power-cycle, after start: every
	// session recorded after start is the client's.
	start := time.Now()
	if _, err := c.PowerCycle(s.cl.slot); err != nil {
		return fmt.Errorf("power-cycling the served card before the client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env = s.clientEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	sess := conformance.Session{State: s.cl.state, Entries: s.cl.entries, ExitStatus: 0}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		sess.ExitStatus, sess.TimedOut = -1, true
	case errors.As(err, &ee):
		sess.ExitStatus = ee.ExitCode()
	case err != nil:
		return fmt.Errorf("starting the client under test: %w", err)
	}
	sess.Output = out.String()
	if len(s.cl.pin) > 0 { // a client that prints its PIN does not put it in a report
		sess.Output = strings.ReplaceAll(sess.Output, string(s.cl.pin), "****")
	}
	ts, err := c.Transcripts(s.cl.slot, 0)
	if err != nil {
		return fmt.Errorf("reading the transcripts of the served card: %w", err)
	}
	sess.Transcript = joinSince(ts, start)
	s.cl.session, s.cl.ran = sess, true
	return nil
}

// waitInReader waits until pcscd has powered the slot's card (after a new
// card was put in), at most 10 s.
func waitInReader(c *control.Client, slot int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.Slot(slot)
		if err != nil {
			return err
		}
		if st.Inserted && st.InReader && st.Powered {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the served card of slot %d is not in its reader and powered after 10 s", slot)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// joinSince joins the transcripts that started at or after start into one,
// on the first one's clock, its events numbered anew from 1.
func joinSince(ts []transcript.Transcript, start time.Time) transcript.Transcript {
	var out transcript.Transcript
	for _, t := range ts {
		if t.Started.Before(start) {
			continue
		}
		if out.Started.IsZero() {
			out = t
			out.Events = nil
		}
		shift := transcript.Micros(t.Started.Sub(out.Started).Microseconds())
		for _, e := range t.Events {
			e.At += shift
			e.Seq = len(out.Events) + 1
			out.Events = append(out.Events, e)
		}
	}
	return out
}

// end clears the faults the scenario's state set on the served card; the
// run's snapshot puts its retry counters back at the next Open.
func (c *clientWorld) end() error {
	if c.ctl == nil || c.state == "" {
		return nil
	}
	if _, err := c.ctl.ClearFaults(c.slot); err != nil {
		return fmt.Errorf("clearing the served card's faults after the client: %w", err)
	}
	return nil
}

// ranSession is the client's session; an error when no client ran.
func (s clientSteps) ranSession() (conformance.Session, error) {
	if !s.cl.ran {
		return conformance.Session{}, errors.New(`no client ran: When the client under test runs "..." first`)
	}
	return s.cl.session, nil
}

// clientFail is an assertion error with the client's exit status, its
// output and the events of its transcript at seqs (all of them when none
// is named; at most the last 12).
func (s clientSteps) clientFail(sess conformance.Session, seqs []int, format string, args ...any) error {
	var evs []transcript.Event
	for _, e := range sess.Transcript.Events {
		if len(seqs) == 0 || slices.Contains(seqs, e.Seq) {
			evs = append(evs, e)
		}
	}
	if len(evs) > 12 {
		evs = evs[len(evs)-12:]
	}
	status := strconv.Itoa(sess.ExitStatus)
	if sess.TimedOut {
		status = "killed at the timeout"
	}
	return fmt.Errorf("%s\n    the client (state %q) exited %s; its output:\n%s\n    what the card saw (PIN data masked):\n%s",
		fmt.Sprintf(format, args...), sess.State, status, indent(sess.Output, "      "), strings.TrimRight(transcript.Text(evs, "      "), "\n"))
}

func indent(s, by string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return by + "(nothing)"
	}
	return by + strings.ReplaceAll(s, "\n", "\n"+by)
}

func (s clientSteps) clientExits(n int) error {
	sess, err := s.ranSession()
	if err != nil {
		return err
	}
	if sess.TimedOut || sess.ExitStatus != n {
		return s.clientFail(sess, nil, "the client's exit status is not %d", n)
	}
	return nil
}

func (s clientSteps) clientOutputContains(text string) error {
	sess, err := s.ranSession()
	if err != nil {
		return err
	}
	if !strings.Contains(sess.Output, text) {
		return s.clientFail(sess, nil, "the client's output does not contain %q", text)
	}
	return nil
}

func (s clientSteps) clientJudged(want, id string) error {
	sess, err := s.ranSession()
	if err != nil {
		return err
	}
	ck, ok := conformance.Lookup(id)
	if !ok {
		return fmt.Errorf("no conformance check %s (docs/conformance.md)", id)
	}
	v := ck.Judge(sess)
	wanted := conformance.Passed
	if want == "fails" {
		wanted = conformance.Failed
	}
	if v.Outcome != wanted {
		return s.clientFail(sess, v.Seqs, "%s (%s): %s, want %s: %s", id, ck.Title, v.Outcome, wanted, v.Reason)
	}
	return nil
}
