package report_test

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/report/reporttest"
	"github.com/jpkisim/jpkisim/transcript"
)

func writeCert(t testing.TB, c report.Certification) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteCertificationHTML(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// text is an element's text, tags dropped, entities decoded, spaces joined.
func text(s string) string {
	s = strings.Join(strings.Fields(html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(s, " "))), " ")
	return strings.ReplaceAll(s, " ,", ",")
}

func TestCertificationHTMLIsSelfContained(t *testing.T) {
	doc := writeCert(t, reporttest.SampleCertification())
	if m := external.FindString(doc); m != "" {
		t.Errorf("the report refers outside itself: %q", m)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<style>", "table.tr{", ".sw-err{", "<script>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %s", want)
		}
	}
	if n := strings.Count(doc, "<script"); n != 1 {
		t.Errorf("%d scripts, want the one inline", n)
	}
}

func TestCertificationHTMLBanner(t *testing.T) {
	failed := reporttest.SampleCertification()
	passed := reporttest.SampleCertification()
	passed.Checks = append(passed.Checks[:1:1], passed.Checks[2:]...) // without CLIENT-05
	incomplete := passed                                              // with the sample's run the harness could not make
	passed.Runs = slices.Clone(passed.Runs)
	for i := range passed.Runs {
		passed.Runs[i].Error = ""
	}
	interrupted := passed
	interrupted.Interrupted = "SIGINT"
	failedInterrupted := failed
	failedInterrupted.Interrupted = "SIGTERM"
	nothing := reporttest.SampleCertification()
	for i := range nothing.Checks {
		nothing.Checks[i].Outcome = conformance.NotApplicable
	}
	for _, c := range []struct {
		name    string
		c       report.Certification
		verdict string
		banner  string
		good    bool
	}{
		{"failed", failed, report.NotCertified, "FAILED: 1 of 4 checks failed (2 passed, 1 not applicable)", false},
		{"passed", passed, report.Certified, "PASSED: 2 of 3 checks passed, 1 not applicable", true},
		{"interrupted", interrupted, report.CertInterrupted, "INTERRUPTED by SIGINT: 2 of 3 checks passed, 1 not applicable, in the 3 runs made", false},
		{"failed and interrupted", failedInterrupted, report.NotCertified, "FAILED: 1 of 4 checks failed (2 passed, 1 not applicable) (interrupted by SIGTERM)", false},
		{"a run the harness could not make", incomplete, report.CertIncomplete, "INCOMPLETE: 1 of 3 runs could not be made (run 3, state slow-signature: " + reporttest.SampleCertHarnessError + "); 2 of 3 checks passed, 1 not applicable in the runs made", false},
		{"nothing judged", nothing, report.NothingJudged, "NOTHING JUDGED: none of the 4 checks was applicable in any of the 3 runs", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.c.Verdict(); got != c.verdict {
				t.Fatalf("Verdict() = %q, want %q", got, c.verdict)
			}
			doc := writeCert(t, c.c)
			v := element(t, doc, "verdict")
			if !strings.HasPrefix(text(v), c.banner) {
				t.Errorf("banner %q, want %q", text(v), c.banner)
			}
			if bad := strings.Contains(v, `class="verdict bad"`); bad == c.good {
				t.Errorf("banner marked bad: %v", bad)
			}
			if got := strings.Contains(doc, `id="interrupted"`); got != (c.c.Interrupted != "") {
				t.Errorf("interrupted banner shown: %v", got)
			}
			if got := strings.Contains(v, `href="#check-`+reporttest.SampleCertFailed+`"`); got != (c.verdict == report.NotCertified) {
				t.Errorf("the banner links the failed check: %v", got)
			}
		})
	}
}

func TestCertificationHTMLIdentity(t *testing.T) {
	c := reporttest.SampleCertification()
	id := text(element(t, writeCert(t, c), "identity"))
	for _, want := range []string{
		"client under test " + reporttest.SampleCertClient, "conformance profile pkcs11-middleware", "reader Virtual PCD 00 00",
		"PIN given the signing password", "v0.13.0 (commit 0123456789ab)", "0123456789abcdef0123456789abcdef01234567", "go1.26.0",
		"2026-12-02 09:30:00.000 +0000", "2026-12-02 09:30:06.000 +0000 (6.00 s)", "--profile pkcs11-middleware --report cert.html",
	} {
		if !strings.Contains(id, want) {
			t.Errorf("identity lacks %q: %s", want, id)
		}
	}
	c.PIN, c.Identity.Tool.Commit = "", ""
	id = text(element(t, writeCert(t, c), "identity"))
	if !strings.Contains(id, "PIN given none") || !strings.Contains(id, "commit none recorded") {
		t.Errorf("no PIN given, no commit: %s", id)
	}
}

func TestCertificationHTMLVerdictTable(t *testing.T) {
	c := reporttest.SampleCertification()
	doc := writeCert(t, c)
	table := element(t, doc, "checks")
	rows := regexp.MustCompile(`<tr class="check o-([a-z]+)" id="row-(CLIENT-\d\d)">`).FindAllStringSubmatch(table, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[2]+" "+r[1])
	}
	// The failed first, then the passed, then the not applicable.
	want := []string{reporttest.SampleCertFailed + " failed", reporttest.SampleCertPassed + " passed", reporttest.SampleCertPassed2 + " passed", reporttest.SampleCertNA + " none"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("rows %v, want %v", got, want)
	}
	failed := text(element(t, table, "row-"+reporttest.SampleCertFailed))
	for _, s := range []string{"stops on 6984 and says locked", "failed", reporttest.SampleCertFailedReason, "run 2, signing-locked", "words"} {
		if !strings.Contains(failed, s) {
			t.Errorf("the failed row lacks %q: %s", s, failed)
		}
	}
	if strings.Contains(text(element(t, table, "row-"+reporttest.SampleCertPassed)), "words") {
		t.Error("a check that does not rest on the program's words is marked words")
	}
	// A not applicable check shows its reason.
	if na := text(element(t, table, "row-"+reporttest.SampleCertNA)); !strings.Contains(na, `not applicable not judged in state "fresh"`) {
		t.Errorf("the not applicable row: %s", na)
	}
}

func TestCertificationHTMLFailedCheckExcerpt(t *testing.T) {
	c := reporttest.SampleCertification()
	d := element(t, writeCert(t, c), "check-"+reporttest.SampleCertFailed)
	for _, s := range []string{
		"After a VERIFY answered 6984 the client presents that PIN no more",                // statement
		"OpenSC&#39;s JPKI driver derives tries left", `<span class="tag">RETRY-05</span>`, // why, sources
		"after the first 6984", // judged
		`card state <b class="state">signing-locked</b>`, "What the card saw in run 2 (signing-locked)",
	} {
		if !strings.Contains(d, s) {
			t.Errorf("the failed check's detail lacks %q", s)
		}
	}
	ex := element(t, "<x id=\"ex\">"+d[strings.Index(d, `<div class="excerpt">`):]+"</x>", "ex")
	hits := regexp.MustCompile(`<tr class="hit"><td>(\d+)</td>`).FindAllStringSubmatch(ex, -1)
	var seqs []string
	for _, h := range hits {
		seqs = append(seqs, h[1])
	}
	if strings.Join(seqs, " ") != "8 9" {
		t.Errorf("highlighted events %v, want 8 9", seqs)
	}
	// Three events of context either side, the rest left out and counted.
	shown := regexp.MustCompile(`<tr(?: class="(?:hit|ev[^"]*)")?><td>(\d+)</td>`).FindAllStringSubmatch(ex, -1)
	var all []string
	for _, s := range shown {
		all = append(all, s[1])
	}
	if strings.Join(all, " ") != "5 6 7 8 9 10 11 12" {
		t.Errorf("the excerpt shows events %v", all)
	}
	if !strings.Contains(ex, "… 4 events not shown") || !strings.Contains(ex, "… 3 events not shown") {
		t.Error("the gaps before and after are not counted")
	}
	if !strings.Contains(ex, `<b class="sw-err">6984</b>`) {
		t.Error("the 6984 is not shown as an error")
	}
	// Every run's verdict, the deciding one marked.
	if !regexp.MustCompile(`<li class="deciding"><a href="#run-2">run 2</a> signing-locked: <span class="failed">failed</span>`).MatchString(d) {
		t.Error("the per-run verdicts do not mark the deciding run")
	}
	if !strings.Contains(d, "(events 8 and 9)") {
		t.Error("the run's evidence events are not named")
	}
	// A failed check's detail is open as the page loads, as a failed
	// scenario's is in the run report; a passed one's is closed.
	if !strings.Contains(d[:strings.Index(d, ">")], " open") {
		t.Error("the failed check's detail is closed")
	}
	if p := element(t, writeCert(t, c), "check-CLIENT-01"); strings.Contains(p[:strings.Index(p, ">")], " open") {
		t.Error("a passed check's detail is open")
	}
	// Events a verdict names that the transcript lacks are said to be missing.
	c.Checks[1].Seqs = []int{8, 99}
	d = element(t, writeCert(t, c), "check-"+reporttest.SampleCertFailed)
	if !strings.Contains(d, "Events 99 named by the verdict are not in the run") || strings.Count(d, `<tr class="hit">`) != 1 {
		t.Error("a named event missing from the transcript")
	}
}

func TestCertificationHTMLNoExcerpt(t *testing.T) {
	c := reporttest.SampleCertification()
	doc := writeCert(t, c)
	na := element(t, doc, "check-"+reporttest.SampleCertNA)
	if strings.Contains(na, `class="excerpt"`) || !strings.Contains(na, "Not applicable: no event of the transcript is evidence.") {
		t.Error("a not applicable check")
	}
	c.Checks[0].Seqs = nil
	c.Checks[1].Run = -1
	doc = writeCert(t, c)
	if !strings.Contains(element(t, doc, "check-"+reporttest.SampleCertPassed), "it rests on the exit status, the output or an artefact") {
		t.Error("a verdict naming no event")
	}
	if d := element(t, doc, "check-"+reporttest.SampleCertFailed); !strings.Contains(d, "No run was judged.") || strings.Contains(d, `class="excerpt"`) {
		t.Error("a check no run judged")
	}
}

func TestCertificationHTMLRunsAndStates(t *testing.T) {
	c := reporttest.SampleCertification()
	doc := writeCert(t, c)
	states := text(element(t, doc, "statelist"))
	for _, r := range c.Runs {
		if !strings.Contains(states, r.State+" "+r.Summary+" "+r.CardProfile) {
			t.Errorf("state %s not listed: %s", r.State, states)
		}
	}
	for i, r := range c.Runs {
		run := element(t, doc, fmt.Sprintf("run-%d", i+1))
		txt := text(run)
		for _, s := range []string{fmt.Sprintf("Run %d: %s", i+1, r.State), r.Summary, "card profile " + r.CardProfile, "PIN entry configured"} {
			if !strings.Contains(txt, s) {
				t.Errorf("run %d lacks %q", i+1, s)
			}
		}
		if !strings.Contains(html.UnescapeString(run), `<pre class="out">`+r.Output+"</pre>") {
			t.Errorf("run %d: the output in a pre", i+1)
		}
		if n := len(r.Transcript.Events); n > 0 && !strings.Contains(run, fmt.Sprintf(`<details class="tr"><summary>transcript: %d events, raw, T=1</summary>`, n)) {
			t.Errorf("run %d: the whole transcript, closed", i+1)
		}
	}
	r1, r2, r3 := text(element(t, doc, "run-1")), text(element(t, doc, "run-2")), text(element(t, doc, "run-3"))
	if !strings.Contains(r1, "exit status 0") || !strings.Contains(r1, "signature file written") || !strings.Contains(r1, "checks failed none") {
		t.Errorf("run 1: %s", r1)
	}
	if !strings.Contains(r2, "exit status 1") || !strings.Contains(r2, "checks failed "+reporttest.SampleCertFailed) || !strings.Contains(r2, "took 800.0 ms") {
		t.Errorf("run 2: %s", r2)
	}
	if !strings.Contains(r3, "harness error: "+reporttest.SampleCertHarnessError) || !strings.Contains(r3, "did not exit by itself") || !strings.Contains(r3, "The card saw nothing.") {
		t.Errorf("run 3: %s", r3)
	}
	c.Runs[2].TimedOut = true
	if r3 := text(element(t, writeCert(t, c), "run-3")); !strings.Contains(r3, "exit status timed out, killed") {
		t.Errorf("a run that timed out: %s", r3)
	}
	// Each event of a run's transcript once in its run; the masked VERIFY
	// with its marker.
	if !strings.Contains(element(t, doc, "run-1"), "0020008006XXXXXXXXXXXX<i>JPKI EF 001B (the signing password): the configured value (6 bytes)</i>") {
		t.Error("the masked VERIFY")
	}
}

func TestCertificationHTMLEscapes(t *testing.T) {
	c := reporttest.SampleCertification()
	hostile := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	c.Client = "./client " + hostile
	c.Identity.Command = "certify --client '" + hostile + "'"
	c.Runs[1].Output = "</pre>" + hostile
	c.Runs[1].State = hostile
	c.Checks[1].Reason = hostile
	doc := writeCert(t, c)
	if strings.Contains(doc, "<script>alert") || strings.Contains(doc, "<img") || strings.Contains(doc, "</pre><") {
		t.Fatal("a hostile value is markup")
	}
	if n := strings.Count(doc, "<script"); n != 1 {
		t.Errorf("%d scripts", n)
	}
	if !strings.Contains(text(element(t, doc, "client")), "./client "+hostile) {
		t.Error("the client's command line is not shown as text")
	}
	if out := element(t, doc, "run-2"); !strings.Contains(html.UnescapeString(out), "</pre>"+hostile) {
		t.Error("the output is not shown as text")
	}
}

// The certification a Chromium reader sees: the banner, the verdict table
// and the failed check's excerpt, open as the page loads.
func TestCertificationHTMLInChromium(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cert.html")
	if err := os.WriteFile(path, []byte(writeCert(t, reporttest.SampleCertification())), 0o600); err != nil {
		t.Fatal(err)
	}
	p := reporttest.CheckCertificationInChromium(t, path)
	for name, want := range map[string]string{
		"verdict": "FAILED: 1 of 4 checks failed",
		"checks":  reporttest.SampleCertFailedReason,
		"excerpt": "6984",
	} {
		if s, _ := p.Section(name); !strings.Contains(s.Text, want) {
			t.Errorf("%s shows %q, want %q in it", name, s.Text, want)
		}
	}
	s, _ := p.Section("excerpt")
	if len(s.Opened) != 0 {
		t.Errorf("the check opened %v to show the excerpt: it is closed as the page loads", s.Opened)
	}
	if !strings.HasPrefix(s.Text, "8") {
		t.Errorf("the first highlighted event shown is not event 8: %q", s.Text)
	}
}

// The Chromium check can fail on a certification: the excerpt hidden.
func TestCertificationChromiumCheckFindsAHiddenExcerpt(t *testing.T) {
	doc := strings.Replace(writeCert(t, reporttest.SampleCertification()), "</style>", ".excerpt{display:none}\n</style>", 1)
	path := filepath.Join(t.TempDir(), "cert.html")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p := reporttest.RenderCertificationInChromium(t, path)
	if s, _ := p.Section("excerpt"); s.Visible || !strings.Contains(s.Why, "display:none (on div.excerpt)") {
		t.Errorf("excerpt visible %v, why %q", s.Visible, s.Why)
	}
	if !strings.Contains(strings.Join(p.Problems(), "\n"), "excerpt") {
		t.Errorf("problems %v do not name the excerpt", p.Problems())
	}
}

// bigCertification is checks × runs: each run 40 events, each check
// failed in one run with two events named, passed in the rest.
func bigCertification(checks, runs int) report.Certification {
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	c := reporttest.SampleCertification()
	c.Checks, c.Runs = nil, nil
	for r := range runs {
		run := report.ClientRun{State: fmt.Sprintf("state-%02d", r), Summary: "a state of the card, as the catalogue says it, about one line long", CardProfile: "default",
			Entry: conformance.Configured, Started: start.Add(time.Duration(r) * time.Second), Elapsed: 700 * time.Millisecond,
			Output:     strings.Repeat("a line the program wrote to its output\n", 20),
			Transcript: transcript.Transcript{Format: transcript.FormatName, Version: transcript.Version, Layer: transcript.Raw, Protocol: "T=1"}}
		ev := &run.Transcript.Events
		*ev = append(*ev, transcript.Event{Kind: transcript.PowerOn, ATR: "3B8A800180318065B0850300EF120FFF829000"})
		for j := range 39 {
			e := transcript.Event{Kind: transcript.Exchange, Command: "00A4020C020018", Response: "9000", Elapsed: 120}
			switch j % 4 {
			case 1:
				e.Command, e.Response = "00B0000000", strings.Repeat("3082", 30)+"9000"
			case 3:
				e.Command, e.Response = "0020008004XXXXXXXX", "63C2"
				e.Secret = &transcript.Secret{Reference: "JPKI EF 0018 (the auth PIN)", PIN: "auth", Value: transcript.Other, Length: 4}
			}
			*ev = append(*ev, e)
		}
		for k := range *ev {
			(*ev)[k].Seq, (*ev)[k].At = k+1, transcript.Micros(400*k)
		}
		c.Runs = append(c.Runs, run)
	}
	for i := range checks {
		ck, _ := conformance.Lookup(fmt.Sprintf("CLIENT-%02d", i%16+1))
		res := report.CheckResult{ID: ck.ID, Title: ck.Title, Statement: ck.Statement, Why: ck.Why, Sources: ck.Sources, Judged: ck.Judged,
			Outcome: conformance.Passed, Reason: "a reason of about one line", Run: 0, Seqs: []int{10, 11}}
		if i%4 == 0 {
			res.Outcome, res.Run, res.Seqs = conformance.Failed, i%runs, []int{20, 30}
		}
		for r := range runs {
			v := conformance.Verdict{Outcome: conformance.Passed, Reason: "a reason of about one line", Seqs: []int{10, 11}}
			if res.Outcome == conformance.Failed && r == res.Run {
				v = conformance.Verdict{Outcome: conformance.Failed, Reason: res.Reason, Seqs: res.Seqs}
			}
			res.PerRun = append(res.PerRun, v)
		}
		c.Checks = append(c.Checks, res)
	}
	return c
}

func TestCertificationHTMLSize(t *testing.T) {
	doc := writeCert(t, bigCertification(16, 15))
	// 16 checks × 15 runs of 40 events: well under a megabyte.
	if len(doc) > 1<<20 {
		t.Errorf("%d bytes for 16 checks × 15 runs", len(doc))
	}
	t.Logf("%d bytes for 16 checks × 15 runs", len(doc))
}

func BenchmarkWriteCertificationHTML(b *testing.B) {
	c := bigCertification(16, 15)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := report.WriteCertificationHTML(&buf, c); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}

// The deciding run names the PIN entry when it was not the configured
// value: the run of an empty entry is not mistaken for a fresh login.
func TestCertificationHTMLNamesTheEntry(t *testing.T) {
	c := reporttest.SampleCertification()
	for i := range c.Checks {
		if c.Checks[i].Run == 0 {
			c.Runs[0].Entry = conformance.Empty
			doc := writeCert(t, c)
			if !strings.Contains(element(t, doc, "check-"+c.Checks[i].ID), c.Runs[0].State+", an empty entry") {
				t.Errorf("%s: the deciding run does not name its empty entry", c.Checks[i].ID)
			}
			return
		}
	}
	t.Fatal("no check decided by run 1 in the sample")
}

// TestCertificationTimedOutRuns: runs killed at the timeout are named in
// the banner, so that a hung program does not read as one failed check.
func TestCertificationTimedOutRuns(t *testing.T) {
	c := reporttest.SampleCertification()
	c.Runs[0].TimedOut, c.Runs[0].ExitStatus = true, -1
	if got := c.TimedOutRuns(); got != 1 {
		t.Fatalf("TimedOutRuns() = %d, want 1", got)
	}
	want := fmt.Sprintf("1 of %d runs timed out", len(c.Runs))
	if v := text(element(t, writeCert(t, c), "verdict")); !strings.Contains(v, want) {
		t.Errorf("banner %q lacks %q", v, want)
	}
	c.Runs[0].TimedOut = false
	if v := text(element(t, writeCert(t, c), "verdict")); strings.Contains(v, "timed out") {
		t.Errorf("banner %q speaks of a timeout none had", v)
	}
}
