package certify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/transcript"
)

// TestSameButTries: the locked profiles are the default card with a
// counter at 0, which the control interface's tries make; an expired or
// T=0 card is another card.
func TestSameButTries(t *testing.T) {
	for _, p := range []string{"default", "signing-locked", "auth-locked"} {
		if !sameButTries("default", p) {
			t.Errorf("default and %s differ in more than their counters", p)
		}
	}
	for _, p := range []string{"expired", "t0", "under-15", "counter-query-6a80", "no-such-profile"} {
		if sameButTries("default", p) {
			t.Errorf("default and %s differ only in their counters", p)
		}
	}
}

// TestJoinSince: the sessions that started before the client are left
// out, the others joined on the earliest one's clock in time order — a
// responder's request between two sessions between them — and numbered
// anew.
func TestJoinSince(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	at := func(sec int, cmds ...string) transcript.Transcript {
		tr := transcript.Transcript{Reader: "r", Started: start.Add(time.Duration(sec) * time.Second)}
		for i, c := range cmds {
			tr.Events = append(tr.Events, transcript.Event{Seq: i + 1, At: transcript.Micros(i), Kind: transcript.Exchange, Command: c})
		}
		return tr
	}
	// The ring lists the responder's request (at 1 s) after the session it
	// came after, and that one after the one at 2 s, as a ring may when a
	// session ends late.
	got := JoinSince([]transcript.Transcript{at(-1, "OLD"), at(0, "A", "B"), at(2, "C"), at(1, "HTTP")}, start)
	var cmds []string
	for _, e := range got.Events {
		cmds = append(cmds, e.Command)
	}
	if !slices.Equal(cmds, []string{"A", "B", "HTTP", "C"}) || got.Events[3].Seq != 4 || got.Events[3].At != 2_000_000 || !got.Started.Equal(start) {
		t.Errorf("joined %q %+v", cmds, got)
	}
	if len(JoinSince([]transcript.Transcript{at(-1, "OLD")}, start).Events) != 0 {
		t.Error("a session before the start is kept")
	}
}

// TestSessionsLost: a program that made more sessions than the control
// interface keeps (a try spent in its first, then 32 harmless ones) would
// be judged without its first: the run is the harness's error, not a
// session to judge.
func TestSessionsLost(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	var ts []transcript.Transcript
	for i := range control.KeptSessions + 1 {
		ts = append(ts, transcript.Transcript{Started: start.Add(time.Duration(i) * time.Second),
			Events: []transcript.Event{{Seq: 1, Kind: transcript.Exchange, Command: "00A4040C0AD392F000260100000001", Response: "9000"}}})
	}
	if _, err := joinRun(ts, start); err == nil {
		t.Errorf("%d sessions since the start, and none could have been lost", len(ts))
	}
	if _, err := joinRun(ts[1:], start); err == nil {
		t.Errorf("%d sessions since the start (as many as kept), and none could have been lost", len(ts)-1)
	}
	// One kept from before the start shows nothing since was lost.
	old := transcript.Transcript{Started: start.Add(-time.Second)}
	if got, err := joinRun(append([]transcript.Transcript{old}, ts[2:]...), start); err != nil || len(got.Events) != len(ts)-2 {
		t.Errorf("%d events, %v", len(got.Events), err)
	}
}

func TestEntryOf(t *testing.T) {
	for _, c := range []struct {
		v     string
		pin   jpki.PIN
		entry conformance.Given
		want  string
	}{
		{"ABC123", jpki.SigningPIN, conformance.Configured, "ABC123"},
		{"ABC123", jpki.SigningPIN, conformance.ConfiguredLowercase, "abc123"},
		{"ABC123", jpki.SigningPIN, conformance.Wrong, "BBC123"},
		{"9234", jpki.AuthPIN, conformance.Wrong, "0234"},
		{"ZZZ999", jpki.SigningPIN, conformance.Wrong, "AZZ999"},
		{"1234", jpki.AuthPIN, conformance.Empty, ""},
	} {
		if got := string(EntryOf([]byte(c.v), c.pin, c.entry)); got != c.want {
			t.Errorf("EntryOf(%s, %s) = %q, want %q", c.v, c.entry, got, c.want)
		}
	}
}

// TestMask: the PIN leaves the program's output as given, upper- and
// lower-cased.
func TestMask(t *testing.T) {
	got := Mask("typed abc123, sent ABC123, echoed Abc123", []byte("abc123"))
	if got != "typed ****, sent ****, echoed Abc123" {
		t.Errorf("masked %q", got)
	}
	if Mask("nothing", nil) != "nothing" {
		t.Error("an empty entry masked something")
	}
}

// TestMaskEncodings: a program that logs its APDUs (OpenSC's debug log,
// scriptor, od) puts the PIN in its output as hex, upper or lower case,
// run together or a byte at a time; one that dumps its config, as base64.
func TestMaskEncodings(t *testing.T) {
	for _, out := range []string{
		"APDU 00 20 00 80 06 41 42 43 31 32 33 end",
		"APDU 0020008006414243313233 end",
		"apdu 0020008006414243313233 end",
		"APDU 00:20:00:80:06:41:42:43:31:32:33 end",
		"apdu 00 20 00 80 06 61 62 63 31 32 33 end", // the lower-case entry, as hex
		"config pin=QUJDMTIz end",
		"config pin=YWJjMTIz end",
	} {
		got := Mask(out, []byte("abc123"))
		if strings.Contains(got, "41 42 43 31 32 33") || strings.Contains(strings.ToUpper(got), "414243313233") ||
			strings.Contains(got, "41:42:43:31:32:33") || strings.Contains(got, "61 62 63 31 32 33") ||
			strings.Contains(got, "QUJDMTIz") || strings.Contains(got, "YWJjMTIz") || !strings.HasSuffix(got, " end") {
			t.Errorf("Mask(%q) = %q", out, got)
		}
	}
	if got := Mask("ATR 3B 8F 80 01", []byte("1234")); got != "ATR 3B 8F 80 01" {
		t.Errorf("masked what is not the PIN: %q", got)
	}
}

// TestSecretsOfTheState: the run masks, beside its entry, every PIN of the
// card of its state — a program that kept the configured value from an
// earlier run and prints it in the run given a wrong one leaks nothing.
func TestSecretsOfTheState(t *testing.T) {
	got := Mask("saved PIN 1234, password ABC123, typed BBC123", secrets(conformance.Fresh, Give{PIN: jpki.SigningPIN, Value: []byte("BBC123")})...)
	if got != "saved PIN ****, password ****, typed ****" {
		t.Errorf("masked %q", got)
	}
}

// TestReadSignature: the signature file is read only when the program
// left a regular file of a signature's size there — not a symlink to
// another file of the machine's, not a FIFO certify would wait on forever,
// not a device or a file too big to be a signature.
func TestReadSignature(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(path("ok"), bytes.Repeat([]byte{1}, 256), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := readSignature(path("ok")); err != nil || !ok || len(b) != 256 {
		t.Errorf("a 256-byte signature: %d bytes, %v, %v", len(b), ok, err)
	}
	if _, ok, err := readSignature(path("absent")); ok || err != nil {
		t.Errorf("no signature file: %v, %v", ok, err)
	}
	if err := os.WriteFile(path("secret"), []byte("root:x:0:0"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path("secret"), path("link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", path("zero")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path("fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(path("big"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	big.Close()
	for _, name := range []string{"link", "zero", "fifo", "big"} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if b, _, err := readSignature(path(name)); err == nil || len(b) != 0 {
				t.Errorf("%s: read %d bytes, error %v", name, len(b), err)
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still reading after 5 s", name)
		}
	}
}

// TestOutputBounded: a program that writes without end does not fill
// certify's memory: its output keeps its start and its end, and says how
// much was left out between them.
func TestOutputBounded(t *testing.T) {
	var o output
	o.Write([]byte("first line\n"))
	chunk := bytes.Repeat([]byte("y\n"), 1<<15)
	for range 1 << 10 { // 64 MiB
		if n, err := o.Write(chunk); n != len(chunk) || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	o.Write([]byte("Tries left: 0\n"))
	got := o.String()
	if len(got) > 2*MaxOutput || !strings.HasPrefix(got, "first line\n") || !strings.HasSuffix(got, "Tries left: 0\n") ||
		!strings.Contains(got, "bytes of output left out") {
		t.Errorf("%d bytes kept, start %q, end %q", len(got), got[:min(len(got), 20)], got[max(0, len(got)-20):])
	}
	// What is kept is the stream's first and last MaxOutput/2 bytes, for
	// writes of any size.
	var full []byte
	var o2 output
	for i := 0; len(full) < 3*MaxOutput; i++ {
		p := []byte(strings.Repeat(fmt.Sprintf("%d,", i), i%700))
		full = append(full, p...)
		o2.Write(p)
	}
	want := fmt.Sprintf("%s\n[jpkisim certify: %d bytes of output left out]\n%s", full[:MaxOutput/2], len(full)-MaxOutput, full[len(full)-MaxOutput/2:])
	if o2.String() != want {
		t.Error("the output kept is not the stream's start and end")
	}
	var small output
	small.Write([]byte("short"))
	if small.String() != "short" {
		t.Errorf("a short output became %q", small.String())
	}
}

// TestEnviron: the program gets no PIN of the caller's environment, the
// run's variables once each, and the PIN entry only when the run gives one.
func TestEnviron(t *testing.T) {
	p := Program{Env: []string{"HOME=/h", "JPKISIM_SIGN_PIN=XYZ999", "JPKISIM_AUTH_PIN=9999", ReaderEnv + "=old", "PATH=/bin"}, PKIURL: "http://127.0.0.1:35990"}
	env := environ(p, Give{PIN: jpki.SigningPIN, Value: []byte("ABC123")}, "Virtual PCD 00 00", "/m", "/s")
	want := []string{"HOME=/h", "PATH=/bin", ReaderEnv + "=Virtual PCD 00 00", MessageEnv + "=/m", SignatureEnv + "=/s", OCSPEnv + "=http://127.0.0.1:35990", PINEnv + "=ABC123"}
	if !slices.Equal(env, want) {
		t.Errorf("environ:\n got %q\nwant %q", env, want)
	}
	for _, kv := range environ(p, Give{}, "r", "/m", "/s") {
		if strings.HasPrefix(kv, PINEnv+"=") {
			t.Errorf("a run that gives no PIN sets %s", kv)
		}
	}
}

// TestPlan: the runs of each profile — every state its checks need, the
// other PIN's states left out, and the entries of CLIENT-01/02/03 on a
// fresh card; no entries for a program given no PIN.
func TestPlan(t *testing.T) {
	names := func(cs []Case) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.State.Name+"/"+string(c.Entry))
		}
		return out
	}
	cs, err := Plan(conformance.PKCS11Middleware, jpki.SigningPIN)
	if err != nil {
		t.Fatal(err)
	}
	got := names(cs)
	for _, w := range []string{"fresh/configured", "signing-one-try-left/configured", "signing-locked/configured", "t0/configured",
		"slow-signature/configured", "counter-query-6a80/configured", "under-15/configured", "fresh/empty", "fresh/wrong", "fresh/configured-lowercase"} {
		if !slices.Contains(got, w) {
			t.Errorf("pkcs11-middleware, signing password: no run %s in %q", w, got)
		}
	}
	for _, g := range got {
		if strings.HasPrefix(g, "auth-") {
			t.Errorf("a program given the signing password is run in %s", g)
		}
	}
	cs, _ = Plan(conformance.PKCS11Middleware, jpki.AuthPIN)
	if got := names(cs); slices.Contains(got, "fresh/configured-lowercase") || !slices.Contains(got, "auth-locked/configured") || slices.Contains(got, "signing-locked/configured") {
		t.Errorf("pkcs11-middleware, auth PIN: %q", got)
	}
	cs, _ = Plan(conformance.Kiosk, 0)
	for _, g := range names(cs) {
		if !strings.HasSuffix(g, "/") || strings.Contains(g, "one-try-left") || strings.Contains(g, "locked") {
			t.Errorf("kiosk, no PIN: run %s", g)
		}
	}
	if _, err := Plan("no-such-profile", 0); err == nil {
		t.Error("an unknown profile was planned")
	}
}

// TestJudge: a check failed in one run and passed in another is failed,
// with the failed run's reason and evidence; one passed and otherwise not
// applicable is passed; not applicable everywhere is not applicable; a run
// the harness could not make is judged in none.
func TestJudge(t *testing.T) {
	verdicts := []conformance.Verdict{
		{Outcome: conformance.Passed, Reason: "p"},
		{Outcome: conformance.Failed, Reason: "f", Seqs: []int{7}},
		{Outcome: conformance.NotApplicable, Reason: "n"},
	}
	judge := func(pattern ...int) conformance.Check {
		return conformance.Check{ID: "CLIENT-99", States: []string{"expired"}, Judge: func(s conformance.Session) conformance.Verdict { return verdicts[pattern[s.ExitStatus]] }}
	}
	sessions := []conformance.Session{{ExitStatus: 0}, {ExitStatus: 1}, {ExitStatus: 2}}
	run := func(errs ...string) *report.Certification {
		c := &report.Certification{}
		for i, e := range errs {
			c.Runs = append(c.Runs, report.ClientRun{State: []string{"fresh", "t0", "expired"}[i], Error: e})
		}
		return c
	}
	for _, tc := range []struct {
		pattern []int
		errs    []string
		want    conformance.Outcome
		run     int
		reason  string
	}{
		{[]int{0, 1, 2}, []string{"", "", ""}, conformance.Failed, 1, "f"},
		{[]int{2, 0, 2}, []string{"", "", ""}, conformance.Passed, 1, "p"},
		{[]int{2, 2, 2}, []string{"", "", ""}, conformance.NotApplicable, -1, "not applicable in any run; in state expired: n"},
		{[]int{0, 1, 2}, []string{"", "no card", ""}, conformance.Passed, 0, "p"},
	} {
		c := run(tc.errs...)
		Judge(c, []conformance.Check{judge(tc.pattern...)}, sessions)
		r := c.Checks[0]
		if r.Outcome != tc.want || r.Run != tc.run || r.Reason != tc.reason || len(r.PerRun) != 3 {
			t.Errorf("%v %q: %+v", tc.pattern, tc.errs, r)
		}
	}
	c := run("", "", "")
	Judge(c, []conformance.Check{judge(0, 1, 2)}, sessions)
	if !slices.Equal(c.Checks[0].Seqs, []int{7}) || c.Verdict() != report.NotCertified {
		t.Errorf("evidence %v, verdict %s", c.Checks[0].Seqs, c.Verdict())
	}
}

// TestJudgeNotRunInItsStates: a check whose states were all left out of
// the plan (a program given no PIN) says so.
func TestJudgeNotRunInItsStates(t *testing.T) {
	c := &report.Certification{Runs: []report.ClientRun{{State: "fresh"}}}
	ck := conformance.Check{ID: "CLIENT-99", States: []string{"signing-locked"}, Judge: func(conformance.Session) conformance.Verdict {
		return conformance.Verdict{Outcome: conformance.NotApplicable, Reason: "not judged"}
	}}
	Judge(c, []conformance.Check{ck}, []conformance.Session{{State: "fresh"}})
	if r := c.Checks[0]; r.Outcome != conformance.NotApplicable || !strings.HasPrefix(r.Reason, "not run in the states it needs (signing-locked)") {
		t.Errorf("%+v", r)
	}
}

// TestRunProgram: the exit status and output, and a program that exits
// leaving a process of its own (setsid: outside its process group) with
// its output open — a program that exited, not the harness's error — and
// the process does not outlive the run (killMarked).
func TestRunProgram(t *testing.T) {
	ctx := context.Background()
	if exit, timedOut, out, err := runProgram(ctx, Program{Line: "echo out; echo err >&2; exit 3"}, nil); exit != 3 || timedOut || out != "out\nerr\n" || err != nil {
		t.Errorf("exit %d, timed out %v, output %q, %v", exit, timedOut, out, err)
	}
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	exit, timedOut, out, err := runProgram(ctx, Program{Line: "setsid sh -c 'echo $$ >" + pidFile + "; exec sleep 30' & sleep 0.1; echo started"}, nil)
	if b, rerr := os.ReadFile(pidFile); rerr != nil {
		t.Errorf("the daemon never started: %v", rerr)
	} else if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
		// A zombie (not reaped yet) has no command line.
		if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.HasPrefix(string(cmdline), "sleep") {
			syscall.Kill(pid, syscall.SIGKILL) // the daemon this test started
			t.Errorf("the daemon (pid %d) outlived its run", pid)
		}
	}
	if exit != 0 || timedOut || err != nil || !strings.HasPrefix(out, "started\n") {
		t.Errorf("a program that left a daemon: exit %d, timed out %v, output %q, %v", exit, timedOut, out, err)
	}
}

// TestJudgeNoRuns: a certification interrupted before its first run ended
// says so for every check, not an empty reason.
func TestJudgeNoRuns(t *testing.T) {
	c := &report.Certification{}
	ck := conformance.Check{ID: "CLIENT-99", States: []string{"fresh"}, Judge: func(conformance.Session) conformance.Verdict {
		return conformance.Verdict{Outcome: conformance.Passed, Reason: "judged"}
	}}
	Judge(c, []conformance.Check{ck}, nil)
	if r := c.Checks[0]; r.Outcome != conformance.NotApplicable || r.Reason != "no run took place" {
		t.Errorf("%+v", r)
	}
}

// A program that writes much more than MaxOutput costs no more than that,
// in memory or on disk: its output is read from a pipe as it comes, no
// file is made (found by review: a file grew by 765 MB a second).
func TestRunProgramOutputIsBoundedEverywhere(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	p := Program{Line: `head -c 20000000 /dev/zero | tr '\0' x; echo; echo "files: $(ls -A "$TMPDIR" | wc -l)"`, Timeout: time.Minute}
	exit, timedOut, out, err := runProgram(context.Background(), p, os.Environ())
	if err != nil || exit != 0 || timedOut {
		t.Fatalf("exit %d timed out %v: %v", exit, timedOut, err)
	}
	if len(out) > MaxOutput+200 || !strings.HasSuffix(out, "\nfiles: 0\n") || !strings.Contains(out, "bytes of output left out") {
		t.Fatalf("%d bytes kept, ending %q", len(out), out[max(0, len(out)-80):])
	}
}
