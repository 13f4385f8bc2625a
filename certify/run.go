package certify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"
)

// The environment a client under test runs in (docs/conformance.md,
// "Running a client under test").
const (
	// ReaderEnv is the PC/SC reader of the served card.
	ReaderEnv = "JPKISIM_READER"
	// PINEnv carries the PIN entry the run gives the program, never its
	// arguments; unset when the run gives none, empty for an empty entry.
	PINEnv = "JPKISIM_CLIENT_PIN"
	// MessageEnv names a file holding the message the program is asked to
	// sign.
	MessageEnv = "JPKISIM_MESSAGE"
	// SignatureEnv names the file the program writes its signature to (a
	// raw PKCS#1 v1.5 signature); a program that signs nothing leaves it
	// absent.
	SignatureEnv = "JPKISIM_SIGNATURE"
	// OCSPEnv is the base URL of the test PKI's responder, when the run has
	// one: OCSP at /ocsp/{sign,auth}, CRLs at /crl/{sign,auth}.crl, as the
	// test certificates name them.
	OCSPEnv = "JPKISIM_PKI_URL"
)

// DefaultTimeout bounds one run of a program under test.
const DefaultTimeout = 60 * time.Second

// Program is a client program under test.
type Program struct {
	// Line is its command line, run by sh -c.
	Line string
	// Env is its environment before Run adds the variables above; Run
	// drops any JPKISIM_*_PIN from it, so that the program gets no PIN but
	// the one the run gives.
	Env []string
	// Dir is its working directory; "" the caller's.
	Dir string
	// Timeout bounds the run (DefaultTimeout when 0): the program's
	// process group is killed when it is reached, and when the program
	// exits. A process that left the group (setsid) is not.
	Timeout time.Duration
	// PKIURL, when not "", is put in OCSPEnv.
	PKIURL string
}

// Give is what a run gives the program.
type Give struct {
	// PIN is the role of the entry; 0 gives none (PINEnv unset).
	PIN jpki.PIN
	// Entry says what the value is relative to the configured one.
	Entry conformance.Given
	// Value is the entry itself, put in PINEnv; Run never prints it and
	// masks it in the program's output.
	Value []byte
	// Certificate is the DER certificate of the key the PIN opens on the
	// card in the run's state (for a signature artefact); nil for none.
	Certificate []byte
}

// Message is what a run asks the program to sign (MessageEnv).
func Message(state string) []byte {
	return []byte("jpkisim certify: a message for the client under test to sign, card state " + state + "\n")
}

// Run puts the program in front of the served card, which Prepare took to
// the state named state, and returns the session it made. The card is
// power-cycled first, so that every session the card records from then on
// is the program's; the transcripts of those sessions, and the requests the
// test PKI's responder answered meanwhile, are joined on one clock. Errors
// are the harness's own (the control interface, a program that cannot
// start); a program that fails or times out is a session like any other.
func (s Served) Run(ctx context.Context, state string, p Program, g Give) (conformance.Session, error) {
	dir, err := os.MkdirTemp("", "jpkisim-client-")
	if err != nil {
		return conformance.Session{}, err
	}
	defer os.RemoveAll(dir)
	msgPath, sigPath := filepath.Join(dir, "message.txt"), filepath.Join(dir, "signature.bin")
	msg := Message(state)
	if err := os.WriteFile(msgPath, msg, 0o600); err != nil {
		return conformance.Session{}, err
	}
	if err := s.WaitInReader(); err != nil {
		return conformance.Session{}, err
	}
	start := time.Now()
	if _, err := s.Ctl.PowerCycle(s.Slot); err != nil {
		return conformance.Session{}, fmt.Errorf("power-cycling the served card before the client: %w", err)
	}
	res, err := execute(ctx, p, environ(p, g, s.Reader, msgPath, sigPath))
	if err != nil {
		return conformance.Session{}, err
	}
	sess := conformance.Session{State: state, ExitStatus: res.status, TimedOut: res.timedOut}
	if g.PIN != 0 {
		sess.Entries = []conformance.Entry{{PIN: g.PIN, Given: g.Entry}} // At 0: given before the program started
	}
	sess.Output = Mask(res.output, g.Value)
	if b, err := os.ReadFile(sigPath); err == nil {
		sess.Artefacts = append(sess.Artefacts, conformance.Artefact{Kind: conformance.SignatureFile, Path: "$" + SignatureEnv,
			Message: msg, Content: b, Certificate: g.Certificate})
	}
	ts, err := s.Ctl.Transcripts(s.Slot, 0)
	if err != nil {
		return conformance.Session{}, fmt.Errorf("reading the transcripts of the served card: %w", err)
	}
	sess.Transcript = JoinSince(ts, start)
	return sess, nil
}

// environ is the program's environment: p.Env without any JPKISIM_*_PIN
// or the variables Run sets, then the reader, the files, the responder and
// the PIN entry.
func environ(p Program, g Give, reader, msgPath, sigPath string) []string {
	ours := []string{ReaderEnv, PINEnv, MessageEnv, SignatureEnv, OCSPEnv}
	var env []string
	for _, kv := range p.Env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "JPKISIM_") && strings.HasSuffix(k, "_PIN") || slices.Contains(ours, k) {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, ReaderEnv+"="+reader, MessageEnv+"="+msgPath, SignatureEnv+"="+sigPath)
	if p.PKIURL != "" {
		env = append(env, OCSPEnv+"="+p.PKIURL)
	}
	if g.PIN != 0 {
		env = append(env, PINEnv+"="+string(g.Value))
	}
	return env
}

// Mask replaces the PIN value in a program's output — as given, in upper
// and in lower case — with ****: a program that echoes its PIN does not put
// it in a report.
func Mask(out string, value []byte) string {
	if len(value) == 0 {
		return out
	}
	v := string(value)
	for _, form := range []string{v, strings.ToUpper(v), strings.ToLower(v)} {
		out = strings.ReplaceAll(out, form, "****")
	}
	return out
}

// JoinSince joins the transcripts that started at or after start into one
// on the earliest one's clock, every event in time order and numbered anew
// from 1: the sessions a program opened one after another, and the
// responder's requests between them.
func JoinSince(ts []transcript.Transcript, start time.Time) transcript.Transcript {
	var keep []transcript.Transcript
	for _, t := range ts {
		if !t.Started.Before(start) {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		return transcript.Transcript{}
	}
	slices.SortStableFunc(keep, func(a, b transcript.Transcript) int { return a.Started.Compare(b.Started) })
	out := keep[0]
	out.Events = nil
	for _, t := range keep {
		shift := transcript.Micros(t.Started.Sub(out.Started).Microseconds())
		for _, e := range t.Events {
			e.At += shift
			out.Events = append(out.Events, e)
		}
	}
	slices.SortStableFunc(out.Events, func(a, b transcript.Event) int { return cmp.Compare(a.At, b.At) })
	for i := range out.Events {
		out.Events[i].Seq = i + 1
	}
	return out
}

// executed is how a program ran: its exit status (-1 when it did not
// exit by itself), whether its timeout stopped it, and its stdout and
// stderr combined.
type executed struct {
	status   int
	timedOut bool
	output   string
}

// execute runs p.Line under sh -c in env, bounded by p.Timeout, and kills
// what it left running in its process group when it ends. Errors are the
// harness's (a program that cannot start) or ctx's.
func execute(ctx context.Context, p Program, env []string) (executed, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, "sh", "-c", p.Line)
	cmd.Dir = p.Dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// The output goes to a file, not a pipe: Wait returns when the shell
	// exits, not when the last process holding its output does (a daemon
	// the program forked), which would hold the run until WaitDelay.
	out, err := os.CreateTemp("", "jpkisim-client-output-")
	if err != nil {
		return executed{}, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	// Whatever the program left running in its group goes with it.
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	var res executed
	var ee *exec.ExitError
	switch {
	case rctx.Err() != nil && ctx.Err() == nil:
		res.status, res.timedOut = -1, true
	case ctx.Err() != nil:
		return executed{}, ctx.Err()
	case errors.As(err, &ee):
		res.status = ee.ExitCode()
	case err != nil:
		return executed{}, fmt.Errorf("starting the client under test: %w", err)
	}
	b, rerr := os.ReadFile(out.Name())
	if rerr != nil {
		return executed{}, rerr
	}
	res.output = string(b)
	return res, nil
}
