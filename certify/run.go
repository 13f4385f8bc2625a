package certify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/fixtures"
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
	// RunEnv marks the processes of one run with a random value: when the
	// run ends, every process whose environment holds it is killed, also
	// one that left the program's process group (setsid).
	RunEnv = "JPKISIM_CERTIFY_RUN"
)

// outputGrace is how long a run's end waits for the last of the program's
// output once the program and what it left running were killed: a writer
// that escaped them holds the pipe no longer than that.
const outputGrace = 500 * time.Millisecond

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
	// exits, with every process that carries the run's RunEnv (one that
	// left the group with setsid; not one that also dropped RunEnv from
	// its environment).
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
	sess := conformance.Session{State: state}
	if g.PIN != 0 {
		sess.Entries = []conformance.Entry{{PIN: g.PIN, Given: g.Entry}} // At 0: given before the program started
	}
	var out string
	if sess.ExitStatus, sess.TimedOut, out, err = runProgram(ctx, p, environ(p, g, s.Reader, msgPath, sigPath)); err != nil {
		return conformance.Session{}, err
	}
	sess.Output = Mask(out, secrets(state, g)...)
	// A file that is not a signature is judged as none written, the
	// reason noted in the output.
	b, ok, err := readSignature(sigPath)
	if err != nil {
		sess.Output += "\n[jpkisim certify: " + err.Error() + "]\n"
	}
	if ok || err != nil {
		sess.Artefacts = append(sess.Artefacts, conformance.Artefact{Kind: conformance.SignatureFile, Path: "$" + SignatureEnv,
			Message: msg, Content: b, Certificate: g.Certificate})
	}
	ts, err := s.Ctl.Transcripts(s.Slot, 0)
	if err != nil {
		return conformance.Session{}, fmt.Errorf("reading the transcripts of the served card: %w", err)
	}
	if sess.Transcript, err = joinRun(ts, start); err != nil {
		return conformance.Session{}, err
	}
	return sess, nil
}

// MaxSignature bounds the signature file a program may write: far more
// than any RSA signature of the card (256 bytes).
const MaxSignature = 64 << 10

// readSignature reads the signature file a program left at path: ok false
// and no error when there is none. Errors: something there that is not a
// regular file (a symlink, a FIFO, a device), or one over MaxSignature.
func readSignature(path string) (b []byte, ok bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case !fi.Mode().IsRegular():
		return nil, false, fmt.Errorf("$%s is not a regular file (%v): not read", SignatureEnv, fi.Mode().Type())
	case fi.Size() > MaxSignature:
		return nil, false, fmt.Errorf("$%s holds %d bytes, more than a signature (%d at most): not read", SignatureEnv, fi.Size(), MaxSignature)
	}
	// O_NOFOLLOW and O_NONBLOCK: what the program swapped in since the
	// Lstat is neither followed nor waited on.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, fmt.Errorf("$%s: not read: %w", SignatureEnv, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, false, fmt.Errorf("$%s is not a regular file: not read", SignatureEnv)
	}
	b, err = io.ReadAll(io.LimitReader(f, MaxSignature+1))
	switch {
	case err != nil:
		return nil, false, err
	case len(b) > MaxSignature:
		return nil, false, fmt.Errorf("$%s holds more than a signature (%d bytes at most): not read", SignatureEnv, MaxSignature)
	}
	return b, true, nil
}

// MaxOutput bounds what Run keeps of a program's output.
const MaxOutput = 1 << 20

// output is a program's stdout and stderr as Run keeps them: the first
// MaxOutput/2 bytes and the last MaxOutput/2, the count of those between
// left out.
type output struct {
	head, tail []byte // tail is a ring of MaxOutput/2 bytes once full
	end        int    // where the ring's next byte goes
	dropped    int64
}

func (o *output) Write(p []byte) (int, error) {
	n := len(p)
	const half = MaxOutput / 2
	if k := min(len(p), half-len(o.head)); k > 0 {
		o.head = append(o.head, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		if len(o.tail) < half {
			k := min(len(p), half-len(o.tail))
			o.tail = append(o.tail, p[:k]...)
			p = p[k:]
			continue
		}
		if len(p) >= half { // the ring is overwritten whole
			o.dropped += int64(len(p) - half)
			p = p[len(p)-half:]
		}
		k := min(len(p), half-o.end)
		o.dropped += int64(k)
		copy(o.tail[o.end:], p[:k])
		o.end = (o.end + k) % half
		p = p[k:]
	}
	return n, nil
}

// String is the output kept, with a line where bytes were left out.
func (o *output) String() string {
	tail := append(slices.Clone(o.tail[o.end:]), o.tail[:o.end]...)
	if o.dropped == 0 {
		return string(o.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[jpkisim certify: %d bytes of output left out]\n%s", o.head, o.dropped, tail)
}

// runProgram runs p's command line under sh -c with env and a RunEnv
// mark, in a process group of its own that is killed (with every process
// carrying the mark: killMarked) when it exits, at p's timeout or when
// ctx ends, and returns its exit status (-1 and timedOut when killed at the
// timeout) and output (output: its head and tail). The output is read
// from a pipe as it comes, so that neither memory nor disk holds more than
// MaxOutput of it however much the program writes; the run ends when the
// shell exits and what it left running is killed, not when the last
// process holding the pipe lets go (outputGrace). Errors: ctx ended, sh
// could not start, the pipe could not be made.
func runProgram(ctx context.Context, p Program, env []string) (exit int, timedOut bool, out string, err error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mark [16]byte
	if _, err := rand.Read(mark[:]); err != nil {
		return 0, false, "", err
	}
	marker := RunEnv + "=" + hex.EncodeToString(mark[:])
	r, w, err := os.Pipe()
	if err != nil {
		return 0, false, "", err
	}
	var o output
	copied := make(chan struct{})
	go func() { io.Copy(&o, r); close(copied) }()
	var once sync.Once
	endCopy := func() { // before o is read
		once.Do(func() {
			select {
			case <-copied:
			case <-time.After(outputGrace): // a writer out of reach holds the pipe
			}
			r.Close()
			<-copied
		})
	}
	defer endCopy()
	cmd := exec.CommandContext(rctx, "sh", "-c", p.Line)
	cmd.Dir = p.Dir
	cmd.Env = append(slices.Clip(env), marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close() // the program's copies are its own
	if err == nil {
		err = cmd.Wait()
	}
	// Whatever the program left running in its group goes with it, and
	// whatever left the group but carries the run's mark.
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	killMarked(marker)
	var ee *exec.ExitError
	switch {
	case rctx.Err() != nil && ctx.Err() == nil:
		exit, timedOut = -1, true
	case ctx.Err() != nil:
		return 0, false, "", ctx.Err()
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	case err != nil:
		return 0, false, "", fmt.Errorf("starting the client under test: %w", err)
	}
	endCopy()
	return exit, timedOut, o.String(), nil
}

// environ is the program's environment: p.Env without any JPKISIM_*_PIN
// or the variables Run sets, then the reader, the files, the responder and
// the PIN entry.
func environ(p Program, g Give, reader, msgPath, sigPath string) []string {
	ours := []string{ReaderEnv, PINEnv, MessageEnv, SignatureEnv, OCSPEnv, RunEnv}
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

// Mask replaces each of values in a program's output — as given, in upper
// and in lower case, and each of those as hex (upper or lower case, run
// together or its bytes apart by a space or a colon, as an APDU log shows
// it) and as base64 — with ****: a program that echoes or logs its PIN
// does not put it in a report.
func Mask(out string, values ...[]byte) string {
	for _, value := range values {
		if len(value) == 0 {
			continue
		}
		v := string(value)
		for _, c := range []string{v, strings.ToUpper(v), strings.ToLower(v)} {
			b := []byte(c)
			forms := []string{c, base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
				base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
			for _, sep := range []string{"", " ", ":"} {
				for _, f := range []string{"%02X", "%02x"} {
					parts := make([]string, len(b))
					for i, x := range b {
						parts[i] = fmt.Sprintf(f, x)
					}
					forms = append(forms, strings.Join(parts, sep))
				}
			}
			for _, form := range forms {
				out = strings.ReplaceAll(out, form, "****")
			}
		}
	}
	return out
}

// secrets is what Run masks in the program's output: the run's entry and
// every PIN of the card of state — the configured values a program may
// have kept from an earlier run.
func secrets(state string, g Give) [][]byte {
	out := [][]byte{g.Value}
	if st, ok := conformance.StateByName(state); ok {
		if p, err := fixtures.Profile(st.Profile); err == nil {
			out = append(out, p.AuthPIN, p.SigningPIN)
		}
	}
	return out
}

// joinRun is JoinSince for a run's transcripts, ts all the control
// interface kept. Errors: as many sessions since start as it keeps, so
// that the program's first ones may be lost.
func joinRun(ts []transcript.Transcript, start time.Time) (transcript.Transcript, error) {
	n := 0
	for _, t := range ts {
		if !t.Started.Before(start) {
			n++
		}
	}
	if n >= control.KeptSessions {
		return transcript.Transcript{}, fmt.Errorf("the program made %d sessions with the card or the responder, and the control interface keeps the last %d: its first may be lost, so the run cannot be judged", n, control.KeptSessions)
	}
	return JoinSince(ts, start), nil
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

// killMarked kills every process whose environment, as /proc/PID/environ
// shows it, holds mark (NAME=VALUE): what a program under test left running
// out of its process group. Each pass stops (SIGSTOP) the marked processes
// it finds, so that none forks again, and kills them; passes go on until
// five in a row find none, or 2 s have passed. A process that drops the
// mark, or of another user, is out of its reach; where there is no /proc
// nothing is done.
func killMarked(mark string) {
	want := []byte(mark)
	self := strconv.Itoa(os.Getpid())
	deadline := time.Now().Add(2 * time.Second)
	for empty := 0; empty < 5 && time.Now().Before(deadline); {
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		var found []int
		for _, e := range slices.Backward(ents) { // the newest first
			pid, err := strconv.Atoi(e.Name())
			if err != nil || e.Name() == self {
				continue
			}
			b, err := os.ReadFile("/proc/" + e.Name() + "/environ") // empty for a zombie
			if err != nil {
				continue
			}
			if slices.ContainsFunc(bytes.Split(b, []byte{0}), func(kv []byte) bool { return bytes.Equal(kv, want) }) {
				syscall.Kill(pid, syscall.SIGSTOP)
				found = append(found, pid)
			}
		}
		for _, pid := range found {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if len(found) > 0 {
			empty = 0
		} else {
			empty++
		}
		time.Sleep(2 * time.Millisecond)
	}
}
