package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/transcript"
)

//go:embed certification.tmpl
var certificationTemplate string

// The certification page shares the run report's style and its "events"
// template (a transcript table with SW1-SW2 classes).
var certificationPage = template.Must(template.Must(htmlPage.Clone()).New("certification").Parse(certificationTemplate))

// ExcerptContext is how many events a transcript excerpt shows on each side
// of an event a verdict names.
const ExcerptContext = 3

// WriteCertificationHTML writes c as one self-contained HTML document
// (UTF-8): the verdict banner (Certification.Verdict with the counts of
// checks passed, failed and not applicable), the identity of the tool and
// of the certification (client command line, conformance profile, reader,
// PIN role), the verdict table (one row per check, the failed first: ID,
// title, outcome, reason, the deciding run's card state, a mark on the
// checks that rest on the program's words), each check's detail (statement,
// why and its sources, what is judged, the deciding run's transcript
// excerpt — the events its Seqs name, highlighted, with ExcerptContext
// events either side — and the verdict of every run), the card states used,
// and every run (state, card profile, PIN entry, exit status, time taken,
// the program's output, the harness's error, the whole transcript,
// collapsed). Like WriteHTML's report it is inline CSS and one inline
// script that only opens the check a link names, it refers to nothing
// outside itself, and html/template escapes every value; it holds no PIN,
// as c holds none. docs/reports.md, "The certification report".
//
// The error is w's, or the template's.
func WriteCertificationHTML(w io.Writer, c Certification) error {
	return certificationPage.Execute(w, newCertificationView(c))
}

type certificationView struct {
	Title string
	identityView
	Client      string
	Profile     string
	Reader      string
	PIN         string
	Interrupted string
	// Verdict is Certification.Verdict; Banner says it with the counts.
	Verdict string
	Banner  string
	Context int // ExcerptContext
	Good    bool
	Count   checkCounts
	// Failed are the failed checks, for the banner's links.
	Failed []checkRow
	// Rows are the verdict table, the failed first, then the passed, then
	// the not applicable, each in ID order; Details are in ID order.
	Rows    []checkRow
	Details []checkDetail
	States  []stateRow
	Runs    []runView
}

type checkCounts struct {
	Checks, Passed, Failed, NotApplicable int
}

type checkRow struct {
	ID, Title, Anchor string
	Outcome           conformance.Outcome
	Class             string
	Reason            string
	Words             bool
	// State and RunAnchor are the deciding run's; "" when none.
	State, RunAnchor string
	Run              int // 1-based, 0 for none
}

type checkDetail struct {
	checkRow
	Statement, Why, Judged string
	Sources                []string
	// Excerpt is the deciding run's events around the ones named; NoExcerpt
	// says why there is none.
	Excerpt   []eventView
	NoExcerpt string
	// Missing are the named events the transcript lacks ("12 and 14").
	Missing string
	PerRun  []perRunView
}

type perRunView struct {
	Run            int
	Anchor, State  string
	Outcome        conformance.Outcome
	Class, Reason  string
	Deciding       bool
	EvidenceEvents string // the events the run's verdict names, "events 3, 4 and 7"
}

type stateRow struct {
	Name, Summary, CardProfile string
	Runs                       []runLink
}

type runLink struct {
	Run    int
	Anchor string
}

type runView struct {
	// Where is the shard and machine of a merged certification's run.
	Where       string
	Run         int
	Anchor      string
	State       string
	Summary     string
	CardProfile string
	Entry       string
	Started     string
	Elapsed     string
	ExitStatus  int
	TimedOut    bool
	Signature   bool
	Output      string
	Error       string
	Failed      []string // the IDs of the checks this run failed
	Layer       string
	Protocol    string
	Events      []eventView
}

func outcomeClass(o conformance.Outcome) string {
	switch o {
	case conformance.Passed:
		return "passed"
	case conformance.Failed:
		return "failed"
	}
	return "none"
}

func runAnchor(i int) string { return fmt.Sprintf("run-%d", i+1) }

func newCertificationView(c Certification) certificationView {
	id := c.Identity
	v := certificationView{
		identityView: newIdentityView(id, c.Shards),
		Client:       c.Client,
		Profile:      c.Profile,
		Reader:       c.Reader,
		PIN:          c.PIN,
		Interrupted:  c.Interrupted,
		Verdict:      c.Verdict(),
		Context:      ExcerptContext,
	}
	v.Title = "jpkisim certification"
	if c.Profile != "" {
		v.Title += " (" + c.Profile + ")"
	}

	failedIn := make([][]string, len(c.Runs))
	var passed, na []checkRow
	for _, ck := range c.Checks {
		row := checkRow{
			ID: ck.ID, Title: ck.Title, Anchor: "check-" + ck.ID,
			Outcome: ck.Outcome, Class: outcomeClass(ck.Outcome), Reason: ck.Reason, Words: ck.Words,
		}
		if ck.Run >= 0 && ck.Run < len(c.Runs) {
			row.Run, row.RunAnchor, row.State = ck.Run+1, runAnchor(ck.Run), runLabel(c.Runs[ck.Run])
		}
		v.Count.Checks++
		switch ck.Outcome {
		case conformance.Failed:
			v.Count.Failed++
			v.Failed = append(v.Failed, row)
		case conformance.Passed:
			v.Count.Passed++
			passed = append(passed, row)
		default:
			v.Count.NotApplicable++
			na = append(na, row)
		}
		d := checkDetail{checkRow: row, Statement: ck.Statement, Why: ck.Why, Judged: ck.Judged, Sources: ck.Sources}
		var missing []int
		d.Excerpt, missing, d.NoExcerpt = excerpt(c, ck)
		d.Missing = joinInts(missing)
		for ri, pv := range ck.PerRun {
			p := perRunView{Run: ri + 1, Anchor: runAnchor(ri), Outcome: pv.Outcome, Class: outcomeClass(pv.Outcome),
				Reason: pv.Reason, Deciding: ri == ck.Run, EvidenceEvents: eventsLabel(pv.Seqs)}
			if ri < len(c.Runs) {
				p.State = runLabel(c.Runs[ri])
				if pv.Outcome == conformance.Failed {
					failedIn[ri] = append(failedIn[ri], ck.ID)
				}
			}
			d.PerRun = append(d.PerRun, p)
		}
		v.Details = append(v.Details, d)
	}
	v.Rows = append(append(append(v.Rows, v.Failed...), passed...), na...)
	v.Good = v.Verdict == Certified
	n := v.Count
	switch v.Verdict {
	case Certified:
		v.Banner = fmt.Sprintf("PASSED: %d of %d checks passed, %d not applicable", n.Passed, n.Checks, n.NotApplicable)
	case NotCertified:
		v.Banner = fmt.Sprintf("FAILED: %d of %d checks failed (%d passed, %d not applicable)", n.Failed, n.Checks, n.Passed, n.NotApplicable)
		if c.Interrupted != "" {
			v.Banner += " (interrupted by " + c.Interrupted + ")"
		}
	case CertInterrupted:
		v.Banner = fmt.Sprintf("INTERRUPTED by %s: %d of %d checks passed, %d not applicable, in the %d runs made", c.Interrupted, n.Passed, n.Checks, n.NotApplicable, len(c.Runs))
	case CertIncomplete:
		bad := c.HarnessErrors()
		first := c.Runs[bad[0]]
		v.Banner = fmt.Sprintf("INCOMPLETE: %d of %d runs could not be made (run %d, state %s: %s); %d of %d checks passed, %d not applicable in the runs made",
			len(bad), len(c.Runs), bad[0]+1, first.State, first.Error, n.Passed, n.Checks, n.NotApplicable)
	default:
		v.Banner = fmt.Sprintf("NOTHING JUDGED: none of the %d checks was applicable in any of the %d runs", n.Checks, len(c.Runs))
	}
	if t := c.TimedOutRuns(); t > 0 {
		v.Banner += fmt.Sprintf("; %d of %d runs timed out (killed at --timeout)", t, len(c.Runs))
	}

	byState := map[string]int{}
	for ri, r := range c.Runs {
		rv := runView{
			Run: ri + 1, Anchor: runAnchor(ri), State: r.State, Summary: r.Summary, CardProfile: r.CardProfile, Where: runWhere(r),
			Entry: string(r.Entry), Started: clock(r.Started), Elapsed: span(r.Elapsed),
			ExitStatus: r.ExitStatus, TimedOut: r.TimedOut, Signature: r.Signature,
			Output: r.Output, Error: r.Error, Failed: failedIn[ri],
			Layer: r.Transcript.Layer, Protocol: r.Transcript.Protocol,
		}
		for _, e := range r.Transcript.Events {
			rv.Events = append(rv.Events, newEventView(e))
		}
		v.Runs = append(v.Runs, rv)
		si, ok := byState[r.State]
		if !ok {
			si = len(v.States)
			byState[r.State] = si
			v.States = append(v.States, stateRow{Name: r.State, Summary: r.Summary, CardProfile: r.CardProfile})
		}
		v.States[si].Runs = append(v.States[si].Runs, runLink{Run: ri + 1, Anchor: rv.Anchor})
	}
	return v
}

// excerpt returns the events of ck's deciding run around those its Seqs
// name (ExcerptContext either side, a gap row where events are left out),
// the named ones marked; the named seqs the transcript lacks; and, when
// there is no excerpt, why.
func excerpt(c Certification, ck CheckResult) ([]eventView, []int, string) {
	switch {
	case ck.Run < 0:
		return nil, nil, "No run was judged."
	case ck.Run >= len(c.Runs):
		return nil, nil, fmt.Sprintf("The deciding run %d is not in this certification.", ck.Run+1)
	case len(ck.Seqs) == 0:
		if ck.Outcome == conformance.NotApplicable {
			return nil, nil, "Not applicable: no event of the transcript is evidence."
		}
		return nil, nil, "The verdict names no event of the transcript: it rests on the exit status, the output or an artefact."
	}
	events := c.Runs[ck.Run].Transcript.Events
	hit := make([]bool, len(events))
	show := make([]bool, len(events))
	var missing []int
	for _, seq := range ck.Seqs {
		i := slices.IndexFunc(events, func(e transcript.Event) bool { return e.Seq == seq })
		if i < 0 {
			if !slices.Contains(missing, seq) {
				missing = append(missing, seq)
			}
			continue
		}
		hit[i] = true
		for j := max(0, i-ExcerptContext); j <= min(len(events)-1, i+ExcerptContext); j++ {
			show[j] = true
		}
	}
	var out []eventView
	gap := 0
	for i, e := range events {
		if !show[i] {
			gap++
			continue
		}
		if gap > 0 {
			out = append(out, eventView{Gap: gap})
			gap = 0
		}
		ev := newEventView(e)
		ev.Hit = hit[i]
		out = append(out, ev)
	}
	if gap > 0 && len(out) > 0 {
		out = append(out, eventView{Gap: gap})
	}
	why := ""
	if len(out) == 0 {
		why = "None of the events the verdict names is in the run's transcript."
	}
	return out, missing, why
}

// eventsLabel is "event 4", "events 8 and 9"; "" for none.
func eventsLabel(seqs []int) string {
	switch len(seqs) {
	case 0:
		return ""
	case 1:
		return "event " + joinInts(seqs)
	}
	return "events " + joinInts(seqs)
}

// joinInts is "3, 4 and 7".
func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// runLabel names a run's card state and, when it was not the configured
// value, the PIN entry it gave: "fresh", "fresh, an empty entry".
func runLabel(r ClientRun) string {
	switch r.Entry {
	case conformance.Empty:
		return r.State + ", an empty entry"
	case conformance.Wrong:
		return r.State + ", a wrong entry"
	case conformance.ConfiguredLowercase:
		return r.State + ", the entry in lower case"
	}
	return r.State
}

// runWhere is "shard K/N on HOST" for a run of a merged certification, ""
// otherwise.
func runWhere(r ClientRun) string {
	if !r.Shard.Sharded() {
		return ""
	}
	w := "shard " + r.Shard.String()
	if r.Machine != "" {
		w += " on " + r.Machine
	}
	return w
}
