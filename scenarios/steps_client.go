package scenarios

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jpkisim/jpkisim/certify"
	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/harness"
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
	ClientPINEnv = certify.PINEnv
	// ClientReaderEnv is the PC/SC reader of the served card.
	ClientReaderEnv = certify.ReaderEnv
	// ClientBinEnv, when set, is the jpkisim binary whose directory goes
	// first on the client's PATH (else the running executable's).
	ClientBinEnv = "JPKISIM_BIN"
)

// whyClient is why a run without a control interface leaves @client out.
const whyClient = "the scenario runs a client under test in front of a served card: it needs JPKISIM_CONTROL (serve --control) and a target that is the served slot's reader"

// clientWorld is the scenario's client under test: the served card's
// control interface and slot, the PIN given, the session it made.
type clientWorld struct {
	served  *certify.Served
	state   string       // the conformance state the card was taken to
	give    certify.Give // the PIN entry given; its value never printed
	given   bool
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
func servedSlot(t harness.Target) (certify.Served, error) {
	addr := os.Getenv(ControlEnv)
	if addr == "" {
		return certify.Served{}, fmt.Errorf("no control interface: %s is not set", ControlEnv)
	}
	reader, ok := readerOf(t)
	if !ok {
		return certify.Served{}, fmt.Errorf("%s is not a card in a reader", t.Name())
	}
	c, err := control.Dial(addr)
	if err != nil {
		return certify.Served{}, err
	}
	return certify.Find(c, reader)
}

// served is the scenario's served card, found once.
func (s clientSteps) served() (certify.Served, error) {
	if s.cl.served != nil {
		return *s.cl.served, nil
	}
	sv, err := servedSlot(s.target)
	if err != nil {
		return certify.Served{}, fmt.Errorf("the client steps need the served card (@client scenarios are left out without it): %w", err)
	}
	s.cl.served = &sv
	return sv, nil
}

func (s clientSteps) servedCardInState(name string) error {
	st, ok := conformance.StateByName(name)
	if !ok {
		return fmt.Errorf("no conformance state %q (docs/conformance.md, \"The card states\")", name)
	}
	sv, err := s.served()
	if err != nil {
		return err
	}
	if err := sv.Prepare(st); err != nil {
		return err
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
	g := certify.Give{PIN: p, Entry: conformance.Configured}
	switch how {
	case "in lower case":
		g.Entry = conformance.ConfiguredLowercase
	case "with a wrong value":
		g.Entry = conformance.Wrong
	case "as an empty entry":
		g.Entry = conformance.Empty
	}
	if s.cl.given {
		return errors.New("the client under test is given one PIN per run (" + ClientPINEnv + ")")
	}
	g.Value = certify.EntryOf(v, p, g.Entry)
	s.cl.give, s.cl.given = g, true
	return nil
}

// clientProgram is the program of a command line: the run's environment
// without the control interface, PATH led by the jpkisim binary's
// directory, and the test PKI's responder of the run's own
// JPKISIM_PKI_URL (certify.OCSPEnv), when set.
func clientProgram(line string) certify.Program {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == ControlEnv || k == "PATH" {
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
	return certify.Program{Line: line, Env: append(env, "PATH="+path), PKIURL: os.Getenv(certify.OCSPEnv)}
}

func (s clientSteps) clientRuns(line string) error {
	sv, err := s.served()
	if err != nil {
		return err
	}
	if s.cl.state == "" {
		return errors.New(`say the card's state first: Given the served card is in the conformance state "NAME"`)
	}
	st, _ := conformance.StateByName(s.cl.state)
	g := s.cl.give
	if s.cl.given {
		g.Certificate = certify.Certificate(st, g.PIN)
	}
	sess, err := sv.Run(context.Background(), s.cl.state, clientProgram(line), g)
	if err != nil {
		return err
	}
	s.cl.session, s.cl.ran = sess, true
	return nil
}

// end clears the faults the scenario's state set on the served card; the
// run's snapshot puts its retry counters back at the next Open.
func (c *clientWorld) end() error {
	if c.served == nil || c.state == "" {
		return nil
	}
	return c.served.End()
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
