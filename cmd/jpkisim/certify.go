package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/certify"
	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/scenarios"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
)

// readyWithin bounds the wait for pcscd to take the served card.
var readyWithin = 15 * time.Second

// certifyOptions are certify's flags.
type certifyOptions struct {
	client, profile, pin string
	shard                string
	shardSet             bool // --shard given, also empty
	reportPath, jsonPath string
	vpcdAddr, pkiAddr    string
	reader               string
	timeout              time.Duration
	verbose              bool
}

func newCertifyCmd(stdout, stderr io.Writer) *cobra.Command {
	var o certifyOptions
	cmd := &cobra.Command{
		Use:   "certify --client COMMAND --profile PROFILE",
		Short: "Run your program against the served card in every state a conformance profile needs, and judge it",
		Long: `Certify a client program: put it in front of a virtual card served through
pcscd (as serve does, in vpcd's reader), once per card state the checks of the
conformance profile need — fresh, one try left, locked, expired, revoked, on
hold, a 2-second signature, the 6A80 counter query, a T=0 card, a child's card —
and judge each run by what the card saw (docs/conformance.md, "Certifying a
program"). The profiles: pkcs11-middleware, relying-party, kiosk.

COMMAND runs under sh -c with, in its environment:
  JPKISIM_READER      the PC/SC reader of the card
  JPKISIM_CLIENT_PIN  the PIN entry of this run (--pin; never an argument):
                      the configured value, a wrong one, the signing password
                      in lower case, or empty (the user pressed Enter)
  JPKISIM_MESSAGE     a file holding a message to sign
  JPKISIM_SIGNATURE   where to write the signature, if the program signs
  JPKISIM_PKI_URL     the test PKI's OCSP responder and CRLs (--pki)
Every run is bounded by --timeout; the program's process group is killed at
it, and when the program exits, with every process that carries the run's
JPKISIM_CERTIFY_RUN (one that called setsid).

The verdicts go to stdout as a table, with --report FILE.html as one
self-contained HTML file (each check with the transcript excerpt that shows
why), with --json FILE as data. Exit status: 0 when every applicable check
passed, 1 when one failed, none could be judged or a run could not be made,
2 for a bad argument (a PIN of the card written in COMMAND among them), 3 when
pcscd with vpcd does not take the card, 130/143 when interrupted (the reports
are written, marked interrupted).

It needs pcscd running with vsmartcard's vpcd driver (Debian: pcscd,
vsmartcard-vpcd), as serve does; the card goes into the slot at --vpcd.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.shardSet = cmd.Flags().Changed("shard")
			return runCertify(cmd.Context(), o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.client, "client", "", "the command line of the program under test (run by sh -c)")
	f.StringVar(&o.profile, "profile", "", "the conformance profile: "+strings.Join(conformance.Profiles, ", "))
	f.StringVar(&o.pin, "pin", "signing", "the PIN the program is given in JPKISIM_CLIENT_PIN: signing, auth or none")
	f.StringVar(&o.reportPath, "report", "", "write the verdicts as one self-contained HTML file")
	f.StringVar(&o.jsonPath, "json", "", "write the certification (verdicts, runs, transcripts) as JSON")
	f.StringVar(&o.vpcdAddr, "vpcd", net.JoinHostPort("127.0.0.1", strconv.Itoa(vpcd.DefaultPort)), "vpcd driver address of the slot the card goes into, HOST:PORT")
	f.StringVar(&o.reader, "reader", "", "the PC/SC name of that slot's reader (default: Virtual PCD 00 NN, NN the port's offset from vpcd's first)")
	f.StringVar(&o.pkiAddr, "pki", pki.DefaultResponderAddr, `serve OCSP and CRLs of the card at HOST:PORT (the certificates point at `+pki.DefaultResponderAddr+`; "" for none)`)
	f.DurationVar(&o.timeout, "timeout", certify.DefaultTimeout, "bound on one run of the program")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log the served card's events on stderr")
	f.StringVar(&o.shard, "shard", "", "make part K of N of the runs (K/N, by card state and PIN entry); jpkisim report merge puts the parts' --json files together (docs/sharding.md)")
	return cmd
}

// pinOf is the PIN role of --pin; 0 for none.
func pinOf(s string) (jpki.PIN, error) {
	switch s {
	case "signing":
		return jpki.SigningPIN, nil
	case "auth":
		return jpki.AuthPIN, nil
	case "none":
		return 0, nil
	}
	return 0, usageError{fmt.Errorf("--pin %q: want signing, auth or none", s)}
}

// check validates the flags before anything starts.
func (o certifyOptions) check() (pin jpki.PIN, host string, port int, reader string, err error) {
	if strings.TrimSpace(o.client) == "" {
		return 0, "", 0, "", usageError{errors.New("--client: give the command line of the program under test")}
	}
	if pinInLine(o.client) {
		return 0, "", 0, "", usageError{fmt.Errorf("--client: the command line holds a PIN of the card, which would be an argument of the program and in the reports: let the program read $%s (OpenSC: --pin env:%s)", certify.PINEnv, certify.PINEnv)}
	}
	if len(conformance.InProfile(o.profile)) == 0 {
		return 0, "", 0, "", usageError{fmt.Errorf("--profile %q: want one of %s", o.profile, strings.Join(conformance.Profiles, ", "))}
	}
	if pin, err = pinOf(o.pin); err != nil {
		return 0, "", 0, "", err
	}
	if o.timeout <= 0 {
		return 0, "", 0, "", usageError{fmt.Errorf("--timeout %v: want a positive duration", o.timeout)}
	}
	host, portText, err := net.SplitHostPort(o.vpcdAddr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 1 || port > 65535 {
		return 0, "", 0, "", usageError{fmt.Errorf("--vpcd %q: want HOST:PORT", o.vpcdAddr)}
	}
	for _, p := range []string{o.reportPath, o.jsonPath} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(filepath.Dir(p)); err != nil || !st.IsDir() {
			return 0, "", 0, "", usageError{fmt.Errorf("%s: its directory does not exist", p)}
		}
	}
	reader = o.reader
	if reader == "" {
		n := port - vpcd.DefaultPort
		if n < 0 || n > 99 {
			return 0, "", 0, "", usageError{fmt.Errorf("--vpcd %q: give the slot's reader name with --reader", o.vpcdAddr)}
		}
		reader = readerName(n)
	}
	return pin, host, port, reader, nil
}

// pinInLine reports whether a word of line (letters, digits and dots: a
// number such as 29.1234 is no PIN) is a PIN of the card of some
// conformance state, in any case.
func pinInLine(line string) bool {
	words := strings.FieldsFunc(strings.ToUpper(line), func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '.') })
	for _, st := range conformance.States() {
		p, err := fixtures.Profile(st.Profile)
		if err != nil {
			continue
		}
		for _, v := range [][]byte{p.AuthPIN, p.SigningPIN} {
			if len(v) > 0 && slices.Contains(words, strings.ToUpper(string(v))) {
				return true
			}
		}
	}
	return false
}

func runCertify(ctx context.Context, o certifyOptions, stdout, stderr io.Writer) error {
	var shard report.Shard
	if o.shard != "" || o.shardSet { // checked before the card is set up
		var err error
		if shard, err = report.ParseShard(o.shard); err != nil {
			return usageError{err}
		}
	}
	pin, host, port, reader, err := o.check()
	if err != nil {
		return err
	}
	cases, err := certify.Plan(o.profile, pin)
	if err != nil {
		return usageError{err}
	}
	if shard.Sharded() {
		cases = slices.DeleteFunc(cases, func(cs certify.Case) bool { return !shard.Holds(cs.ID()) })
	}
	c := report.Certification{
		Identity: report.Identity{Tool: buildinfo.Get(), Started: time.Now(), Command: commandLine(), Shard: shard, Machine: machine()},
		Client:   o.client, Profile: o.profile, Reader: reader, PIN: pinName(pin),
	}
	if len(cases) == 0 { // a shard no run falls to
		c.Identity.Finished = time.Now()
		certify.Judge(&c, conformance.InProfile(o.profile), nil)
		if err := writeCertification(c, o); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "shard %s: no run of profile %s falls to it\n", shard, o.profile)
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	// A signal stops the run in flight (its program is killed) and ends the
	// certification with what it has.
	var stop interruption
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			stop.set(s)
			cancel()
		case <-ctx.Done():
		}
	}()

	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sv, done, err := serveForCertify(ctx, log, o, cases[0].State.Profile, host, port, reader)
	if err != nil && !stop.caught() {
		return err
	}
	if err == nil {
		defer done()
	}
	prog := certify.Program{Line: o.client, Env: os.Environ(), Timeout: o.timeout}
	if o.pkiAddr != "" {
		prog.PKIURL = "http://" + o.pkiAddr
	}
	var sessions []conformance.Session
	for i, cs := range cases {
		if ctx.Err() != nil || stop.caught() {
			break
		}
		fmt.Fprintf(stderr, "run %d of %d: card state %s%s\n", i+1, len(cases), cs.State.Name, entryNote(cs.Entry))
		run, sess := certifyRun(ctx, sv, prog, pin, cs)
		if ctx.Err() != nil && stop.caught() {
			break // the run in flight was cut short: it says nothing
		}
		c.Runs = append(c.Runs, run)
		sessions = append(sessions, sess)
	}
	c.Interrupted = stop.name()
	c.Identity.Finished = time.Now()
	certify.Judge(&c, conformance.InProfile(o.profile), sessions)
	if err := writeCertification(c, o); err != nil {
		return err
	}
	printVerdicts(stdout, c)
	switch {
	case c.Interrupted == "SIGTERM":
		return exitError{143}
	case c.Interrupted != "":
		return exitError{130}
	case c.Verdict() != report.Certified:
		return exitError{exitFailed}
	}
	return nil
}

// certifyRun makes one run: the card to the case's state, the program in
// front of it. A harness failure is the run's Error, not the command's.
func certifyRun(ctx context.Context, sv certify.Served, prog certify.Program, pin jpki.PIN, cs certify.Case) (report.ClientRun, conformance.Session) {
	run := report.ClientRun{State: cs.State.Name, Summary: cs.State.Summary, CardProfile: cs.State.Profile, Entry: cs.Entry, Started: time.Now()}
	sess := conformance.Session{State: cs.State.Name}
	fail := func(err error) (report.ClientRun, conformance.Session) {
		run.Error, run.ExitStatus = oneLine(err), -1
		return run, sess
	}
	if err := sv.Prepare(cs.State); err != nil {
		return fail(err)
	}
	g := certify.Give{PIN: pin, Entry: cs.Entry}
	if pin != 0 {
		v, err := certify.Value(cs.State, pin, cs.Entry)
		if err != nil {
			return fail(err)
		}
		g.Value, g.Certificate = v, certify.Certificate(cs.State, pin)
	}
	started := time.Now() // the card is in its state: the program's time starts
	s, err := sv.Run(ctx, cs.State.Name, prog, g)
	if err != nil {
		return fail(err)
	}
	sess = s
	run.Started = started
	run.Elapsed = time.Since(started)
	run.ExitStatus, run.TimedOut, run.Output, run.Transcript = s.ExitStatus, s.TimedOut, s.Output, s.Transcript
	run.Signature = len(s.Artefacts) > 0
	return run, sess
}

// serveForCertify serves one card of profile into the vpcd slot at
// host:port with the control interface inside this process (control.Pipe:
// no socket the program under test could reach) and, with
// --pki, the test PKI's responder; it returns once pcscd has the card in
// its reader. done stops it all. Errors: the responder's address taken
// (exit 3), pcscd not taking the card within readyWithin (exit 3).
func serveForCertify(ctx context.Context, log *slog.Logger, o certifyOptions, profile, host string, port int, reader string) (certify.Served, func(), error) {
	target, err := loadProfile(profile)
	if err != nil {
		return certify.Served{}, nil, err
	}
	card, err := simulator.New(target.Profile.Clone())
	if err != nil {
		return certify.Served{}, nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	var stopped chan error // nil until serveCards runs
	done := func() {
		stop()
		if stopped != nil {
			<-stopped
		}
	}
	fail := func(err error) (certify.Served, func(), error) {
		done()
		return certify.Served{}, nil, err
	}
	ready := make(chan struct{})
	ln, c := control.Pipe()
	opts := serveOptions{stdout: io.Discard, notes: &noteFan{}, onReady: func() { close(ready) },
		control: &controlAddress{network: "pipe", pipe: ln}}
	if o.pkiAddr != "" {
		srv, err := servePKI(sctx, log, card.Profile(), o.pkiAddr, opts.notes.note)
		var ue usageError
		switch {
		case errors.As(err, &ue):
			return fail(err)
		case err != nil:
			return fail(fmt.Errorf("%w: the test PKI's responder at %s: %v (--pki \"\" certifies without it)", harness.ErrNoService, o.pkiAddr, err))
		}
		opts.pki = srv
	}
	stopped = make(chan error, 1)
	go func() { stopped <- serveCards(sctx, log, []*simulator.Card{card}, host, port, nil, opts) }()
	select {
	case <-ready:
	case err := <-stopped:
		stopped <- err
		return fail(fmt.Errorf("serving the card: %w", err))
	case <-time.After(readyWithin):
		return fail(fmt.Errorf("%w: pcscd did not take the card at vpcd %s within %v: is pcscd running with vsmartcard's vpcd driver?", harness.ErrNoService, net.JoinHostPort(host, strconv.Itoa(port)), readyWithin))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	sv, err := certify.Find(c, reader)
	if err != nil {
		return fail(err)
	}
	sv.NewCard = true // nothing a run did to the card reaches the next

	return sv, done, nil
}

func pinName(p jpki.PIN) string {
	if p == 0 {
		return ""
	}
	return p.String()
}

func entryNote(e conformance.Given) string {
	if e == "" {
		return ""
	}
	return ", PIN entry " + string(e)
}

// writeCertification writes the --report and --json files, each whole or
// not at all (a temporary file renamed).
func writeCertification(c report.Certification, o certifyOptions) error {
	if o.reportPath != "" {
		if err := scenarios.WriteFile(o.reportPath, func(w io.Writer) error { return report.WriteCertificationHTML(w, c) }); err != nil {
			return err
		}
	}
	if o.jsonPath != "" {
		if err := scenarios.WriteFile(o.jsonPath, func(w io.Writer) error { return report.WriteCertificationJSON(w, c) }); err != nil {
			return err
		}
	}
	return nil
}

// printVerdicts prints one line per check and the verdict.
func printVerdicts(w io.Writer, c report.Certification) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, ck := range c.Checks {
		state := "-"
		if ck.Run >= 0 {
			state = c.Runs[ck.Run].State
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s: %s\n", ck.ID, ck.Outcome, state, ck.Title, ck.Reason)
	}
	tw.Flush()
	passed, failed := 0, 0
	for _, ck := range c.Checks {
		switch ck.Outcome {
		case conformance.Passed:
			passed++
		case conformance.Failed:
			failed++
		}
	}
	line := fmt.Sprintf("%s: %d passed, %d failed, %d not applicable, in %d runs (profile %s)", c.Verdict(), passed, failed, len(c.Checks)-passed-failed, len(c.Runs), c.Profile)
	if t := c.TimedOutRuns(); t > 0 {
		line += fmt.Sprintf("; timed out: %d of %d runs", t, len(c.Runs))
	}
	if c.Interrupted != "" {
		line += "; interrupted by " + c.Interrupted
	}
	fmt.Fprintln(w, line)
}
