package report_test

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/report/reporttest"
	"github.com/jpkisim/jpkisim/transcript"
)

func writeHTML(t testing.TB, r report.Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// element returns the element of doc whose id is id, up to its closing
// tag (the first </tag> after it at the same depth).
func element(t *testing.T, doc, id string) string {
	t.Helper()
	open := regexp.MustCompile(`<([a-z]+)[^>]* id="` + regexp.QuoteMeta(id) + `"`).FindStringSubmatchIndex(doc)
	if open == nil {
		t.Fatalf("no element with id %q", id)
	}
	tag := doc[open[2]:open[3]]
	depth, i := 0, open[0]
	re := regexp.MustCompile(`<(/?)` + tag + `[\s>]`)
	for _, m := range re.FindAllStringSubmatchIndex(doc[i:], -1) {
		if m[3] > m[2] {
			depth--
		} else {
			depth++
		}
		if depth == 0 {
			return doc[i : i+m[1]]
		}
	}
	t.Fatalf("element %q is not closed", id)
	return ""
}

var external = regexp.MustCompile(`(?i)(\b(src|href|action|poster|data)\s*=\s*["']?\s*(https?:|//|file:))|@import|url\(\s*["']?\s*(https?:|//)|<link\b|<iframe\b|<object\b|\bfetch\(|XMLHttpRequest`)

func TestHTMLIsSelfContained(t *testing.T) {
	doc := writeHTML(t, reporttest.Sample())
	if m := external.FindString(doc); m != "" {
		t.Errorf("the report refers outside itself: %q", m)
	}
	// A rule's source that is an address shows as text, not as a link.
	if !strings.Contains(doc, "https://www.example.org/jpki-faq.html") {
		t.Error("the rule's source address is not shown")
	}
	for _, want := range []string{"<style>", "<script>", "<!DOCTYPE html>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %s", want)
		}
	}
	if n := strings.Count(doc, "<script"); n != 1 {
		t.Errorf("%d scripts, want the one inline", n)
	}
}

func TestHTMLShowsTheRunsIdentity(t *testing.T) {
	r := reporttest.Sample()
	doc := writeHTML(t, r)
	id := html.UnescapeString(element(t, doc, "identity"))
	for _, want := range []string{
		"v0.12.0 (commit 0123456789ab)", "go1.26.0", "2026-12-02 09:30:00.000 +0000", "2026-12-02 09:30:06.000 +0000", "6.00 s",
		"run --target sim --target pcsc --tags ~@wip --random 42", ">42<", "embedded",
		"sim:default", "virtual", "Example Reader 00 00", "not virtual", "3B8A800180318065B0850300EF120FFF829000",
		"~@wip && ~@destructive", "@destructive", "2 scenarios: they spend PIN tries",
	} {
		if !strings.Contains(id, want) {
			t.Errorf("identity lacks %q", want)
		}
	}
	if strings.Contains(doc, `id="interrupted"`) {
		t.Error("an interrupted banner on a run that was not interrupted")
	}
	r.Interrupted = "SIGINT"
	r.Targets[1].Lost = "the reader was removed"
	doc = writeHTML(t, r)
	if !strings.Contains(element(t, doc, "interrupted"), "interrupted by SIGINT") {
		t.Error("no banner for an interrupted run")
	}
	if !strings.Contains(element(t, doc, "verdict"), "(interrupted by SIGINT)") {
		t.Error("the verdict does not say the run was interrupted")
	}
	if !strings.Contains(element(t, doc, "targets"), "card lost: the reader was removed") {
		t.Error("the lost card is not shown")
	}
}

func TestHTMLSummaryListsTheFailedFirst(t *testing.T) {
	doc := writeHTML(t, reporttest.Sample())
	sum := element(t, doc, "summary")
	if !strings.Contains(sum, "FAILED: 1 of 4 scenarios failed") {
		t.Errorf("verdict: %s", element(t, doc, "verdict"))
	}
	// sim: 3 scenarios, 1 passed, 1 failed, 1 not run; the reader: 1 passed.
	counts := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(element(t, doc, "counts"), " ")
	for _, want := range []string{"sim:default 3 1 1 0 1 0", "all targets 4 2 1 0 1 0"} {
		if !strings.Contains(strings.Join(strings.Fields(counts), " "), want) {
			t.Errorf("counts lack %q: %s", want, strings.Join(strings.Fields(counts), " "))
		}
	}
	failed := element(t, doc, "failed")
	if !strings.Contains(failed, `href="#t1-s2"`) || !strings.Contains(failed, "after a reset the auth PIN has 3 tries left") {
		t.Errorf("failed list: %s", failed)
	}
	if strings.Contains(failed, reporttest.SamplePassed) {
		t.Error("a passed scenario among the failed")
	}
	if strings.Index(doc, `id="summary"`) > strings.Index(doc, `id="scenarios"`) {
		t.Error("the summary comes after the scenarios")
	}
}

func TestHTMLShowsEveryScenarioAndStep(t *testing.T) {
	r := reporttest.Sample()
	doc := writeHTML(t, r)
	for ti, tg := range r.Targets {
		for si, s := range tg.Scenarios {
			d := element(t, doc, fmt.Sprintf("t%d-s%d", ti+1, si+1))
			name := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s.Name)
			if !strings.Contains(d, name) {
				t.Errorf("%s/%s: no name", tg.Name, s.Name)
			}
			for _, tag := range s.Tags {
				if !strings.Contains(d, tag) {
					t.Errorf("%s/%s: no tag %s", tg.Name, s.Name, tag)
				}
			}
			for _, st := range s.Steps {
				if !strings.Contains(d, st.Text) || !strings.Contains(d, `step `+strings.ReplaceAll(string(st.Status), " ", "")) {
					t.Errorf("%s/%s: step %q or its status %s missing", tg.Name, s.Name, st.Text, st.Status)
				}
			}
			open := strings.Contains(d[:strings.Index(d, ">")], " open")
			if open != (s.Status == report.Failed) {
				t.Errorf("%s/%s (%s): open %v", tg.Name, s.Name, s.Status, open)
			}
		}
	}
	// The failing step's transcript is open, its error shown.
	failed := element(t, doc, "t1-s2")
	if !strings.Contains(failed, "the auth PIN has 2 tries left (SW1-SW2 63C2), want 3") {
		t.Error("no error of the failing step")
	}
	if !regexp.MustCompile(`(?s)<details class="tr" open><summary>transcript: 2 events</summary>.*?reset.*?00200080`).MatchString(failed) {
		t.Error("the failing step's transcript is not open with its reset and counter query")
	}
	if strings.Count(failed, `<details class="tr" open>`) != 1 {
		t.Error("a transcript other than the failing step's is open")
	}
	// Escaped, not markup.
	if strings.Contains(doc, "<and counted>") || !strings.Contains(doc, "&lt;and counted&gt;") {
		t.Error("a scenario's name is not escaped")
	}
}

func TestHTMLTranscripts(t *testing.T) {
	doc := writeHTML(t, reporttest.Sample())
	failed := element(t, doc, "t1-s2")
	// The masked VERIFY: XX for its data, the marker beside it, 63C2 red.
	if !regexp.MustCompile(`0020008004XXXXXXXX<i>` + regexp.QuoteMeta(reporttest.SampleSecret) + `</i></td><td></td><td><b class="sw-err">63C2</b>`).MatchString(failed) {
		t.Error("the masked VERIFY with its marker and its SW1-SW2")
	}
	if !strings.Contains(failed, `<b class="sw-ok">9000</b>`) {
		t.Error("9000 is not shown as success")
	}
	// Power-on before the first step is the first step's; the reader's
	// T=0 pair: 61xx, then GET RESPONSE with the FCI and 9000.
	card := element(t, doc, "t2-s1")
	if !regexp.MustCompile(`(?s)00A404000AD392F000260100000001</td><td></td><td><b class="sw-more">6108</b>.*?00C0000008</td><td>6F06840401020304</td><td><b class="sw-ok">9000</b>`).MatchString(card) {
		t.Error("the T=0 pair is not two exchanges, 6108 then GET RESPONSE's data and 9000")
	}
	// Events no step made: the power-on and the power-off.
	outside := regexp.MustCompile(`(?s)outside the steps: 2 events.*?power-on.*?power-off`)
	if !outside.MatchString(card) {
		t.Error("the events outside the steps are not shown")
	}
	if !strings.Contains(card, "transcript raw, T=0") {
		t.Error("the transcript's layer and protocol")
	}
	// Each event once: the transcript is not repeated.
	if n := strings.Count(doc, "0020008004XXXXXXXX"); n != 1 {
		t.Errorf("the masked VERIFY appears %d times", n)
	}
}

func TestHTMLSWClasses(t *testing.T) {
	for sw, class := range map[string]string{
		"9000": "ok", "6108": "more", "6C10": "more", "6283": "warn", "6300": "warn",
		"63C0": "err", "63C2": "err", "6982": "err", "6983": "err", "6A82": "err", "6D00": "err", "6700": "err",
	} {
		r := report.Run{Targets: []report.TargetRun{{Name: "sim", Scenarios: []report.Scenario{{
			Name: "s", Status: report.Passed,
			Steps:      []report.Step{{Text: "x", Status: report.Passed, First: 0, End: 1}},
			Transcript: transcript.Transcript{Events: []transcript.Event{{Seq: 1, Kind: transcript.Exchange, Command: "00B0000000", Response: "AB" + sw}}},
		}}}}}
		doc := writeHTML(t, r)
		if want := `<td>AB</td><td><b class="sw-` + class + `">` + sw + `</b>`; !strings.Contains(doc, want) {
			t.Errorf("%s: want class %s", sw, class)
		}
	}
}

func TestHTMLCoverageMatrix(t *testing.T) {
	r := reporttest.Sample()
	doc := writeHTML(t, r)
	m := element(t, doc, "matrix")
	row := func(id string) string { return element(t, m, "rule-"+id) }
	cells := regexp.MustCompile(`<td class="cov-([a-z]+)">([a-z ]+)</td>`)
	for id, want := range map[string][]string{
		reporttest.SampleRuleBoth: {"failed", "failed", "passed", "passed"},
		reporttest.SampleRuleOne:  {"failed", "failed", "none", "not covered"},
		reporttest.SampleRuleNone: {"none", "not covered", "none", "not covered"},
	} {
		var got []string
		for _, c := range cells.FindAllStringSubmatch(row(id), -1) {
			got = append(got, c[1], c[2])
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: cells %v, want %v", id, got, want)
		}
	}
	for _, rule := range r.Rules {
		if !strings.Contains(row(rule.ID), rule.Statement) {
			t.Errorf("%s: no statement", rule.ID)
		}
	}
	if !strings.Contains(row(reporttest.SampleRuleNone), `class="nowhere"`) || !strings.Contains(row(reporttest.SampleRuleNone), "covered nowhere") {
		t.Error("the rule covered nowhere does not stand out")
	}
	if strings.Contains(row(reporttest.SampleRuleOne), "nowhere") {
		t.Error("a rule covered on one target is marked as covered nowhere")
	}
	// Totals per target: passed / failed / other / not covered.
	if !strings.Contains(m, "<td>0 / 2 / 0 / 1</td><td>1 / 0 / 0 / 2</td>") {
		t.Errorf("totals: %s", m[strings.Index(m, "<tfoot>"):])
	}
	if !strings.Contains(element(t, doc, "summary"), "1 covered on no target") {
		t.Error("the summary does not count the rule covered nowhere")
	}
	// A rule ID a scenario carries that the catalogue lacks is named.
	r.Targets[0].Scenarios[0].Rules = append(r.Targets[0].Scenarios[0].Rules, "NOPE-01")
	if !strings.Contains(element(t, writeHTML(t, r), "coverage"), `<span class="tag">NOPE-01</span>`) {
		t.Error("an unknown rule ID is not named")
	}
}

func TestHTMLTimingChart(t *testing.T) {
	doc := writeHTML(t, reporttest.Sample())
	failed := element(t, doc, "t1-s2")
	svg := element(t, "<x id=\"c\">"+failed[strings.Index(failed, "<svg"):]+"</x>", "c")
	bars := regexp.MustCompile(`<rect class="([a-z]+)" x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)"`).FindAllStringSubmatch(svg, -1)
	// Steps of 1.2, 2.5, 0.3 and 5 ms on 600 units: each starts where the
	// one before ended; the skipped step that took nothing gets one unit,
	// inside the axis.
	want := [][]string{{"passed", "0", "0", "80"}, {"passed", "80", "10", "166.7"}, {"passed", "246.7", "20", "20"}, {"failed", "266.7", "30", "333.3"}, {"skipped", "599", "40", "1"}}
	if len(bars) != len(want) {
		t.Fatalf("%d bars, want %d", len(bars), len(want))
	}
	for i, b := range bars {
		if strings.Join(b[1:], " ") != strings.Join(want[i], " ") {
			t.Errorf("bar %d: %v, want %v", i+1, b[1:], want[i])
		}
	}
	if !strings.Contains(svg, "9.0 ms") {
		t.Error("the chart does not give the total")
	}
	// A scenario that did not run has no chart.
	if strings.Contains(element(t, doc, "t1-s3"), "<svg") {
		t.Error("a chart for a scenario that did not run")
	}
}

// The report a Chromium reader sees: summary, a transcript and the matrix.
func TestHTMLInChromium(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(writeHTML(t, reporttest.Sample())), 0o600); err != nil {
		t.Fatal(err)
	}
	p := reporttest.CheckInChromium(t, path)
	for name, want := range map[string]string{
		"summary":    "FAILED: 1 of 4 scenarios failed",
		"counts":     "all targets",
		"transcript": "reset",
		"coverage":   "covered nowhere",
	} {
		s, _ := p.Section(name)
		if !strings.Contains(s.Text, want) {
			t.Errorf("%s shows %q, want %q in it", name, s.Text, want)
		}
	}
	if s, _ := p.Section("transcript"); !strings.Contains(s.Text, "63C2") {
		t.Errorf("the visible transcript is not the failing step's: %q", s.Text)
	}
	if s, _ := p.Section("transcript"); len(s.Opened) != 0 {
		t.Errorf("the failing step's transcript was not open: the check opened %v", s.Opened)
	}
	// The report's script ran: the filter shows, with its count.
	if !strings.Contains(p.DOM, `<span id="shown" class="meta">4 of 4 scenarios shown</span>`) {
		t.Error("the report's script did not run")
	}
}

// In a run that passed every transcript is closed: the check opens one as
// a reader would, and finds it visible then.
func TestHTMLInChromiumAllPassed(t *testing.T) {
	r := reporttest.Sample()
	r.Targets = r.Targets[1:]
	path := filepath.Join(t.TempDir(), "report.html")
	doc := writeHTML(t, r)
	if strings.Contains(doc, " open>") {
		t.Fatal("a run that passed has an open scenario")
	}
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p := reporttest.CheckInChromium(t, path)
	s, _ := p.Section("transcript")
	if strings.Join(s.Opened, " ") != "details#t1-s1.scn.passed details.tr" || !strings.Contains(s.Text, "6108") {
		t.Errorf("opened %v to show %q", s.Opened, s.Text)
	}
	if s, _ := p.Section("summary"); !strings.Contains(s.Text, "PASSED: 1 of 1 scenarios passed") {
		t.Errorf("summary %q", s.Text)
	}
}

// The check can fail: the same report with its matrix hidden by a style,
// its summary pushed off the page, or every transcript closed.
func TestChromiumCheckFindsHiddenSections(t *testing.T) {
	doc := writeHTML(t, reporttest.Sample())
	style := func(css string) func(string) string {
		return func(doc string) string { return strings.Replace(doc, "</style>", css+"\n</style>", 1) }
	}
	for _, c := range []struct {
		name         string
		edit         func(string) string
		section, why string
	}{
		{"matrix hidden", style("#coverage{display:none}"), "coverage", "display:none (on section#coverage)"},
		{"matrix invisible", style("#matrix{visibility:hidden}"), "coverage", "visibility:hidden"},
		{"summary off the page", style("#verdict{position:absolute;left:-5000px}"), "summary", "off the page"},
		{"transcripts squashed", style("table.tr{display:block;height:0;overflow:hidden;padding:0;border:0}"), "transcript", "zero size"},
		{"transcripts hidden", style("table.tr{display:none}"), "transcript", "display:none (on table.tr)"},
		{"transcripts that do not open", func(doc string) string {
			doc = strings.ReplaceAll(doc, `<details class="tr" open>`, `<details class="tr">`)
			return strings.Replace(doc, "</body>", `<script>document.querySelectorAll("details summary").forEach(function (s) { s.addEventListener("click", function (e) { e.preventDefault(); }); });</script></body>`, 1)
		}, "transcript", "after opening details#t1-s1.scn.passed, details.tr: checkVisibility"},
		{"counts transparent", style("#counts{opacity:0}"), "counts", "opacity"},
		{"everything covered", func(doc string) string {
			return strings.Replace(doc, "<body>", `<body><div id="cover" style="position:fixed;inset:0;background:#fff;z-index:9"></div>`, 1)
		}, "coverage", "covered by div#cover"},
		{"fetches an image", func(doc string) string {
			return strings.Replace(doc, "<body>", `<body><img id="logo" src="https://www.example.org/logo.png" alt="">`, 1)
		}, "", ""},
		{"matrix removed", func(doc string) string { return strings.Replace(doc, `id="matrix"`, `id="table"`, 1) }, "coverage", "no element matches"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report.html")
			edited := c.edit(doc)
			if edited == doc {
				t.Fatal("the edit changed nothing")
			}
			if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			p := reporttest.RenderInChromium(t, path)
			problems := strings.Join(p.Problems(), "\n")
			if problems == "" {
				t.Fatal("no problem found")
			}
			if c.section == "" {
				if !strings.Contains(problems, "the page fetched https://www.example.org/logo.png") {
					t.Errorf("the fetch is not among the problems")
				}
			} else if s, _ := p.Section(c.section); s.Visible || !strings.Contains(s.Why, c.why) {
				t.Errorf("%s: visible %v, why %q; want not visible: %s", c.section, s.Visible, s.Why, c.why)
			}
			t.Log(problems)
		})
	}
}

// bigRun is a run the size of the whole suite: n scenarios of 4 steps, 20
// exchanges each, on one target, a rule per 4 scenarios.
func bigRun(n int) report.Run {
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	r := report.Run{Identity: report.Identity{Started: start, Finished: start.Add(time.Minute), Features: "embedded"}}
	tg := report.TargetRun{Name: "sim:default", Virtual: true, Profile: "default"}
	for i := range n {
		id := fmt.Sprintf("RULE-%03d", i/4)
		if i%4 == 0 {
			r.Rules = append(r.Rules, report.Rule{ID: id, Statement: "A statement of the rule, as the catalogue gives it, about one line long.", Source: "J-LIS"})
		}
		s := report.Scenario{
			ID: fmt.Sprint(i), Feature: fmt.Sprintf("Feature %d", i/20), URI: fmt.Sprintf("features/f%d.feature", i/20), Line: 10 + i%20,
			Name: fmt.Sprintf("scenario %d checks something of the card", i), Tags: []string{"@" + id, "@pin"}, Rules: []string{id},
			Status: report.Passed, Started: start, Duration: 8 * time.Millisecond,
			Transcript: transcript.Transcript{Format: transcript.FormatName, Version: 1, Layer: transcript.Raw, Protocol: "T=1"},
		}
		if i%50 == 7 {
			s.Status = report.Failed
		}
		ev := &s.Transcript.Events
		*ev = append(*ev, transcript.Event{Kind: transcript.PowerOn, ATR: "3B8A800180318065B0850300EF120FFF829000"})
		for j := range 20 {
			e := transcript.Event{Kind: transcript.Exchange, Command: "00A4020C020018", Response: "9000", Elapsed: 120}
			switch j % 5 {
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
		for j := range 4 {
			st := report.Step{Keyword: "When ", Text: fmt.Sprintf("I do step %d of the scenario", j), Status: report.Passed, Duration: 2 * time.Millisecond, First: 1 + 5*j, End: 6 + 5*j}
			if j == 0 {
				st.First = 0
			}
			if s.Status == report.Failed && j == 3 {
				st.Status, st.Error = report.Failed, "the status word is 63C2, want 9000"
			}
			s.Steps = append(s.Steps, st)
		}
		tg.Scenarios = append(tg.Scenarios, s)
	}
	r.Targets = []report.TargetRun{tg}
	return r
}

func TestHTMLSizeOfASuiteRun(t *testing.T) {
	doc := writeHTML(t, bigRun(388))
	// 388 scenarios, 1,552 steps, 7,760 exchanges: a few MB at most.
	if len(doc) > 4<<20 {
		t.Errorf("%d bytes for a suite run", len(doc))
	}
	t.Logf("%d bytes for 388 scenarios", len(doc))
}

func BenchmarkWriteHTML(b *testing.B) {
	r := bigRun(400)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := report.WriteHTML(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}

// An interrupted run whose started scenarios all passed is not a pass: the
// verdict says it was interrupted and how many did not run, in the red of a
// run that did not pass. A run with scenarios not run for another reason
// (a card lost) is no pass either.
func TestHTMLVerdictOfAnIncompleteRun(t *testing.T) {
	r := reporttest.Sample()
	r.Targets = r.Targets[:1]
	var kept []report.Scenario
	for _, s := range r.Targets[0].Scenarios {
		if s.Status != report.Failed {
			kept = append(kept, s)
		}
	}
	r.Targets[0].Scenarios = kept // one passed, one not run
	r.Interrupted = "SIGINT"
	doc := writeHTML(t, r)
	v := element(t, doc, "verdict")
	if strings.Contains(v, "PASSED") || !strings.Contains(v, "INTERRUPTED by SIGINT: 1 of 2 scenarios passed, 1 not run") {
		t.Errorf("verdict of an interrupted run: %s", v)
	}
	if !strings.Contains(v, `class="verdict bad"`) {
		t.Errorf("an interrupted run's verdict is not marked bad: %s", v)
	}
	r.Interrupted = ""
	v = element(t, writeHTML(t, r), "verdict")
	if strings.Contains(v, "PASSED") || !strings.Contains(v, "INCOMPLETE: 1 of 2 scenarios passed, 1 not run") || !strings.Contains(v, " bad") {
		t.Errorf("verdict of a run with a scenario not run: %s", v)
	}
}

// A binary that carries no commit says so: a certifier must not have to
// guess whether the commit was left out of the report.
func TestHTMLSaysWhenTheCommitIsUnknown(t *testing.T) {
	r := reporttest.Sample()
	id := html.UnescapeString(element(t, writeHTML(t, r), "identity"))
	if !strings.Contains(id, "0123456789abcdef0123456789abcdef01234567") {
		t.Errorf("the full commit is not shown: %s", id)
	}
	r.Identity.Tool.Commit, r.Identity.Tool.Time = "", ""
	id = html.UnescapeString(element(t, writeHTML(t, r), "identity"))
	if !strings.Contains(id, "commit</th><td>none recorded") {
		t.Errorf("a build without a commit does not say so: %s", id)
	}
}
