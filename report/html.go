package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/transcript"
)

//go:embed html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Parse(htmlTemplate))

// WriteHTML writes r as one self-contained HTML document (UTF-8): the run's
// identity, the pass/fail summary with the failed scenarios listed first,
// the rule coverage matrix (each Rules entry against each target), and every
// scenario grouped by target and feature with its steps, a timing chart of
// its steps' durations (inline SVG) and each step's transcript in an
// expandable block, open for a failed scenario. Its CSS and script are
// inline and it refers to nothing outside itself, so it opens offline from
// a file URL; the script only filters, and without it every section still
// shows. Every value is escaped by html/template. The report shows nothing
// the Run does not hold, and a Run's transcripts are masked when recorded:
// it holds no PIN. docs/reports.md, "The HTML report".
//
// The error is w's, or the template's.
func WriteHTML(w io.Writer, r Run) error {
	return htmlPage.Execute(w, newHTMLView(r))
}

// The view the template draws: everything computed, formatted and grouped
// here, so that the template only places it.
// identityView is what both pages show of who ran what, when and where:
// Identity, in the page's words.
type identityView struct {
	Tool       string
	Module     string
	GoVersion  string
	Commit     string // 40 hex digits, "" when the binary carries none
	Modified   bool
	CommitTime string
	Started    string
	Finished   string
	Took       string
	Command    string
	// Shard and Machine are a shard's (--shard K/N); Shards the shards of
	// a merged report.
	Shard, Machine string
	Shards         []ShardRun
}

func newIdentityView(id Identity, shards []ShardRun) identityView {
	v := identityView{Tool: id.Tool.Short(), Module: id.Tool.Module, GoVersion: id.Tool.GoVersion, Commit: id.Tool.Commit,
		Modified: id.Tool.Modified, CommitTime: id.Tool.Time, Started: clock(id.Started), Finished: clock(id.Finished),
		Command: id.Command, Shard: id.Shard.String(), Machine: id.Machine, Shards: shards}
	if !id.Started.IsZero() && !id.Finished.IsZero() {
		v.Took = span(id.Finished.Sub(id.Started))
	}
	return v
}

type htmlView struct {
	Title string
	identityView
	Seed        int64
	Tags        string
	Features    string
	Interrupted string
	Verdict     string
	Failing     bool
	Count       Counts
	Targets     []targetView
	Failed      []scenarioLink
	Rules       []ruleRow
	RuleTotals  []coverageTotals
	Uncovered   int
	// Unlisted are rule IDs scenarios carry that the catalogue lacks.
	Unlisted []string
}

type targetView struct {
	TargetRun
	Anchor   string
	Count    Counts
	Features []featureView
}

type featureView struct {
	Name      string
	URI       string
	Scenarios []scenarioView
}

type scenarioLink struct {
	Anchor, Target, Feature, Name, Step string
}

type scenarioView struct {
	Anchor   string
	Name     string
	Where    string
	Tags     []string
	Rules    []string
	Status   Status
	Class    string
	Duration string
	Open     bool
	Layer    string
	Protocol string
	Steps    []stepView
	Chart    *chart
	// Outside are the transcript's events no step made: the session's
	// power-on before the first step, its power-off after the last.
	Outside []eventView
}

type stepView struct {
	Keyword  string
	Text     string
	Line     int
	Status   Status
	Class    string
	Error    string
	Duration string
	Events   []eventView
	Open     bool
}

type eventView struct {
	Seq     int
	At      string
	Kind    string
	Command string
	Secret  string
	Data    string
	SW      string
	SWClass string
	Elapsed string
	Error   string
	Note    string
	// Hit marks an event an excerpt quotes as evidence; Gap, in a row of
	// its own, counts the events an excerpt leaves out there.
	Hit bool
	Gap int
}

type ruleRow struct {
	Rule
	Anchor  string
	Cells   []coverageCell
	Nowhere bool
}

type coverageCell struct {
	Text, Class string
}

type coverageTotals struct {
	Passed, Failed, Other, None int
}

// chart is a scenario's steps on a time axis: one bar per step, from the
// end of the one before, as long as the step took.
type chart struct {
	Width, Height int
	Axis          int // the y of the axis line
	Total         string
	Bars          []bar
}

type bar struct {
	X, Y, W float64
	Class   string
	Title   string
}

const (
	chartWidth = 600.0
	barHeight  = 8
	barGap     = 2
)

func newHTMLView(r Run) htmlView {
	id := r.Identity
	v := htmlView{
		identityView: newIdentityView(id, r.Shards),
		Seed:         id.Seed,
		Tags:         id.Tags,
		Features:     id.Features,
		Interrupted:  r.Interrupted,
		Count:        r.Count(),
	}
	names := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		names[i] = t.Name
	}
	v.Title = "jpkisim run"
	if len(names) > 0 {
		v.Title += " on " + strings.Join(names, ", ")
	}
	c := v.Count
	v.Failing = c.Failed > 0 || c.Other > 0 || c.NotRun > 0 || r.Interrupted != ""
	switch {
	case c.Scenarios == 0:
		v.Verdict = "no scenario ran"
	case c.Failed > 0:
		v.Verdict = fmt.Sprintf("FAILED: %d of %d scenarios failed", c.Failed, c.Scenarios)
	case c.Other > 0:
		v.Verdict = fmt.Sprintf("NOT PASSED: %d of %d scenarios undefined, pending or ambiguous", c.Other, c.Scenarios)
	case r.Interrupted != "":
		// Every scenario that ran passed, but not every one ran: no pass.
		v.Verdict = fmt.Sprintf("INTERRUPTED by %s: %d of %d scenarios passed, %d not run", r.Interrupted, c.Passed, c.Scenarios, c.NotRun)
	case c.NotRun > 0:
		v.Verdict = fmt.Sprintf("INCOMPLETE: %d of %d scenarios passed, %d not run", c.Passed, c.Scenarios, c.NotRun)
	default:
		v.Verdict = fmt.Sprintf("PASSED: %d of %d scenarios passed", c.Passed, c.Scenarios)
	}
	if r.Interrupted != "" && (c.Failed > 0 || c.Other > 0) {
		v.Verdict += " (interrupted by " + r.Interrupted + ")"
	}

	for ti, t := range r.Targets {
		tv := targetView{TargetRun: t, Anchor: fmt.Sprintf("t%d", ti+1), Count: t.Count()}
		tv.Scenarios = nil // the view's features hold them
		byFeature := map[string]int{}
		for si, s := range t.Scenarios {
			sv := newScenarioView(s, fmt.Sprintf("t%d-s%d", ti+1, si+1))
			key := s.URI + "\x00" + s.Feature
			fi, ok := byFeature[key]
			if !ok {
				fi = len(tv.Features)
				byFeature[key] = fi
				tv.Features = append(tv.Features, featureView{Name: s.Feature, URI: s.URI})
			}
			tv.Features[fi].Scenarios = append(tv.Features[fi].Scenarios, sv)
			if s.Status != Passed && s.Status != Skipped && s.Status != NotRun {
				l := scenarioLink{Anchor: sv.Anchor, Target: t.Name, Feature: s.Feature, Name: s.Name}
				for _, st := range s.Steps {
					if st.Status == s.Status {
						l.Step = strings.TrimSpace(st.Keyword) + " " + st.Text
						break
					}
				}
				v.Failed = append(v.Failed, l)
			}
		}
		v.Targets = append(v.Targets, tv)
	}

	known := map[string]bool{}
	v.RuleTotals = make([]coverageTotals, len(r.Targets))
	for _, rule := range r.Rules {
		known[rule.ID] = true
		row := ruleRow{Rule: rule, Anchor: "rule-" + rule.ID, Nowhere: true}
		for ti, t := range r.Targets {
			st := t.Coverage(rule.ID)
			cell := coverageCell{Text: string(st), Class: "cov-" + statusClass(st)}
			switch st {
			case "":
				cell = coverageCell{Text: "not covered", Class: "cov-none"}
				v.RuleTotals[ti].None++
			case Passed:
				v.RuleTotals[ti].Passed++
				row.Nowhere = false
			case Failed:
				v.RuleTotals[ti].Failed++
				row.Nowhere = false
			default:
				v.RuleTotals[ti].Other++
				row.Nowhere = false
			}
			row.Cells = append(row.Cells, cell)
		}
		if row.Nowhere {
			v.Uncovered++
		}
		v.Rules = append(v.Rules, row)
	}
	unlisted := map[string]bool{}
	for _, t := range r.Targets {
		for _, s := range t.Scenarios {
			for _, id := range s.Rules {
				if !known[id] && !unlisted[id] {
					unlisted[id] = true
					v.Unlisted = append(v.Unlisted, id)
				}
			}
		}
	}
	sort.Strings(v.Unlisted)
	return v
}

func newScenarioView(s Scenario, anchor string) scenarioView {
	sv := scenarioView{
		Anchor:   anchor,
		Name:     s.Name,
		Where:    where(s),
		Tags:     s.Tags,
		Rules:    s.Rules,
		Status:   s.Status,
		Class:    statusClass(s.Status),
		Duration: span(s.Duration),
		Open:     s.Status == Failed || s.Status == Ambiguous || s.Status == Undefined,
		Layer:    s.Transcript.Layer,
		Protocol: s.Transcript.Protocol,
	}
	events := s.Transcript.Events
	made := make([]bool, len(events))
	for i, st := range s.Steps {
		v := stepView{
			Keyword:  st.Keyword,
			Text:     st.Text,
			Line:     st.Line,
			Status:   st.Status,
			Class:    statusClass(st.Status),
			Error:    st.Error,
			Duration: span(st.Duration),
			Open:     sv.Open && st.Status == s.Status,
		}
		for _, e := range s.Events(i) {
			v.Events = append(v.Events, newEventView(e))
		}
		for j := max(0, st.First); j < min(st.End, len(events)); j++ {
			made[j] = true
		}
		sv.Steps = append(sv.Steps, v)
	}
	for j, e := range events {
		if !made[j] {
			sv.Outside = append(sv.Outside, newEventView(e))
		}
	}
	sv.Chart = newChart(s.Steps)
	return sv
}

func newEventView(e transcript.Event) eventView {
	v := eventView{Seq: e.Seq, At: fmt.Sprintf("+%.3f", float64(e.At)/1000), Kind: string(e.Kind)}
	switch e.Kind {
	case transcript.Exchange:
		v.Command = e.Command
		if e.Secret != nil {
			v.Secret = e.Secret.String()
		}
		if e.Error != "" {
			v.Error = e.Error
		} else if sw := e.SW(); sw != "" {
			v.Data = e.Response[:len(e.Response)-4]
			v.SW = sw
			v.SWClass = swClass(sw)
		} else {
			v.Data = e.Response
		}
		v.Elapsed = fmt.Sprintf("%.3f", float64(e.Elapsed)/1000)
	default:
		var notes []string
		if e.ATR != "" {
			notes = append(notes, "ATR "+e.ATR)
		}
		if e.Detail != "" {
			notes = append(notes, e.Detail)
		}
		v.Note = strings.Join(notes, " · ")
	}
	return v
}

func newChart(steps []Step) *chart {
	var total time.Duration
	for _, st := range steps {
		total += st.Duration
	}
	if len(steps) == 0 || total <= 0 {
		return nil
	}
	c := &chart{Width: int(chartWidth), Total: span(total)}
	var at time.Duration
	for i, st := range steps {
		// A step too short to see still gets one unit, inside the axis.
		w := max(chartWidth*float64(st.Duration)/float64(total), 1)
		c.Bars = append(c.Bars, bar{
			X:     round1(min(chartWidth*float64(at)/float64(total), chartWidth-w)),
			Y:     float64(i * (barHeight + barGap)),
			W:     round1(w),
			Class: statusClass(st.Status),
			Title: fmt.Sprintf("step %d: %s, %s", i+1, span(st.Duration), st.Status),
		})
		at += st.Duration
	}
	c.Axis = len(steps)*(barHeight+barGap) + 1
	c.Height = c.Axis + 14
	return c
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// statusClass is a CSS class name for s.
func statusClass(s Status) string {
	switch s {
	case "":
		return "none"
	case NotRun:
		return "notrun"
	}
	return string(s)
}

// swClass sorts SW1-SW2 (4 hex digits) for colour: "ok" for 9000, "more"
// for the T=0 procedure bytes' answers 61xx and 6Cxx, "warn" for the
// warnings 62xx and 63xx but 63Cx (a failed verification), "err" for the
// rest, as ISO/IEC 7816-4 sorts status bytes (docs/reports.md, "The HTML
// report").
func swClass(sw string) string {
	sw = strings.ToUpper(sw)
	switch {
	case sw == "9000":
		return "ok"
	case strings.HasPrefix(sw, "61"), strings.HasPrefix(sw, "6C"):
		return "more"
	case strings.HasPrefix(sw, "63C"):
		return "err"
	case strings.HasPrefix(sw, "62"), strings.HasPrefix(sw, "63"):
		return "warn"
	}
	return "err"
}

// clock formats a time to the millisecond in its own zone; "" for zero.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05.000 -0700")
}

// span formats a duration to three significant places: "12.3 ms", "1.24 s".
func span(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < time.Millisecond:
		return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// where is a scenario's place: its feature file and line, and in a merged
// run the shard and machine it ran on.
func where(s Scenario) string {
	w := fmt.Sprintf("%s:%d", s.URI, s.Line)
	if s.Shard.Sharded() {
		w += " · shard " + s.Shard.String()
		if s.Machine != "" {
			w += " on " + s.Machine
		}
	}
	return w
}
