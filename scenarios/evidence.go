package scenarios

import (
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/transcript"
)

// evidenceFormat is the godog formatter every run adds to its format list:
// it writes nothing and hands the feature documents to the run's
// collector, for the keywords and lines of the steps (the hooks, which do
// the rest, see pickles only).
const evidenceFormat = "jpkisim-evidence"

func init() {
	godog.Format(evidenceFormat, "the evidence of the run, for jpkisim's own reports (writes nothing)", newEvidenceFormatter)
}

// collectors are the collectors of the runs going on, by suite name: a
// godog formatter learns only the suite's name.
var (
	collectors sync.Map // suite name -> *collector
	suiteSeq   atomic.Int64
)

type evidenceFormatter struct {
	*godog.BaseFmt
	c *collector
}

func newEvidenceFormatter(suite string, out io.Writer) formatters.Formatter {
	f := &evidenceFormatter{BaseFmt: godog.NewBaseFmt(suite, out)}
	if c, ok := collectors.Load(suite); ok {
		f.c = c.(*collector)
	}
	return f
}

func (f *evidenceFormatter) TestRunStarted() {}

func (f *evidenceFormatter) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	if f.c != nil {
		f.c.feature(doc, uri)
	}
}

func (f *evidenceFormatter) Summary() {}

// Defined records the step definition a step matched.
func (f *evidenceFormatter) Defined(p *messages.Pickle, st *messages.PickleStep, def *formatters.StepDefinition) {
	if f.c == nil || def == nil || def.Handler == nil {
		return
	}
	fn := runtime.FuncForPC(reflect.ValueOf(def.Handler).Pointer())
	if fn == nil {
		return
	}
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	if s, ok := f.c.scen[p.Id]; ok {
		if i, ok := s.steps[st.Id]; ok {
			s.s.Steps[i].Match = fn.Name()
		}
	}
}

// collector gathers the evidence of one target's run (report.TargetRun):
// every scenario that started, its steps' outcomes, errors and times, and
// the transcript of its session with the part each step made.
type collector struct {
	mu      sync.Mutex
	docs    map[string]*messages.GherkinDocument
	order   []string
	scen    map[string]*collected
	pickles map[string]*godog.Scenario
}

type collected struct {
	s      report.Scenario
	steps  map[string]int // pickle step ID -> index in s.Steps
	start  map[string]time.Time
	notRun bool
}

func newCollector() *collector {
	return &collector{docs: map[string]*messages.GherkinDocument{}, scen: map[string]*collected{}, pickles: map[string]*godog.Scenario{}}
}

func (c *collector) feature(doc *messages.GherkinDocument, uri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.docs[uri] = doc
}

// begin records a scenario that godog starts.
func (c *collector) begin(p *godog.Scenario) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &collected{s: report.Scenario{ID: p.Id, URI: pathLine.ReplaceAllString(p.Uri, ""), Name: maskText(p.Name), Status: report.Passed, Started: time.Now()},
		steps: map[string]int{}, start: map[string]time.Time{}}
	for _, t := range p.Tags {
		s.s.Tags = append(s.s.Tags, t.Name)
	}
	s.s.Rules = RuleIDs(s.s.Tags)
	for i, st := range p.Steps {
		s.s.Steps = append(s.s.Steps, report.Step{Text: maskText(st.Text), Status: report.Skipped})
		s.steps[st.Id] = i
	}
	c.scen[p.Id] = s
	c.pickles[p.Id] = p
	c.order = append(c.order, p.Id)
}

// quotedHex is a step's quoted hex argument, as `I send "…"` takes it.
var quotedHex = regexp.MustCompile(`"([0-9A-Fa-f :]*)"`)

// maskText masks, in a step's text or a scenario's name, every quoted
// C-APDU that can carry a PIN or a session key, as its transcript does
// (apdu.MaskedHex): a user's feature may send a raw VERIFY with a PIN in
// its text, and a report holds none. A malformed one (odd hex) is shown
// with everything after its header as XX.
func maskText(text string) string {
	return quotedHex.ReplaceAllStringFunc(text, func(q string) string {
		clean := strings.NewReplacer(" ", "", ":", "").Replace(q[1 : len(q)-1])
		head, err := hex.DecodeString(clean[:min(4, len(clean)/2*2)])
		if err != nil || len(head) < 2 || apdu.MaskedHex([]byte{head[0], head[1], 0, 0, 1, 0}) == fmt.Sprintf("%02X%02X00000100", head[0], head[1]) {
			return q // not a command that carries a secret
		}
		if b, err := apdu.ParseHex(clean); err == nil {
			return `"` + apdu.MaskedHex(b) + `"`
		}
		n := min(8, len(clean))
		return `"` + strings.ToUpper(clean[:n]) + strings.Repeat("X", len(clean)-n) + `"`
	})
}

// notRun marks a scenario the run left out after it began (interrupted, or
// the card lost earlier).
func (c *collector) notRun(p *godog.Scenario) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.scen[p.Id]; ok {
		s.notRun = true
	}
}

func (c *collector) stepStart(p, step string, event int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.scen[p]
	if !ok {
		return
	}
	if i, ok := s.steps[step]; ok {
		s.start[step] = time.Now()
		s.s.Steps[i].First, s.s.Steps[i].End = event, event
	}
}

func (c *collector) stepEnd(p, step string, status godog.StepResultStatus, err error, event int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.scen[p]
	if !ok {
		return
	}
	i, ok := s.steps[step]
	if !ok {
		return
	}
	st := &s.s.Steps[i]
	st.Status = report.Status(status.String())
	if err != nil && status != godog.StepSkipped {
		st.Error = err.Error()
	}
	if t, ok := s.start[step]; ok {
		st.Duration = time.Since(t)
	}
	st.End = event
}

// end records the scenario's transcript when its session closed.
func (c *collector) end(p string, t transcript.Transcript) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.scen[p]; ok {
		s.s.Transcript = t
		s.s.Duration = time.Since(s.s.Started)
	}
}

// scenarios returns the evidence in the order the scenarios started, each
// with its feature's name, its line and its steps' keywords and lines.
func (c *collector) scenarios() []report.Scenario {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]report.Scenario, 0, len(c.order))
	for _, id := range c.order {
		s := c.scen[id].s
		s.Steps = append([]report.Step(nil), s.Steps...)
		if c.scen[id].notRun {
			s.Status = report.NotRun
			for i := range s.Steps {
				s.Steps[i].Status = report.NotRun
			}
		} else {
			s.Status = report.Passed
			for _, st := range s.Steps {
				if st.Status.Worse(s.Status) {
					s.Status = st.Status
				}
			}
		}
		if s.Transcript.Format == "" {
			s.Transcript = transcript.Transcript{Format: transcript.FormatName, Version: transcript.Version, Started: s.Started, Events: []transcript.Event{}}
		}
		c.locate(&s)
		out = append(out, s)
	}
	return out
}

// locate fills in what only the feature document knows; c.mu held.
func (c *collector) locate(s *report.Scenario) {
	uri := s.URI // a file selected by line is a document of its own: godog's URI "FILE:LINE"
	if p := c.pickles[s.ID]; p != nil {
		uri = p.Uri
	}
	doc := c.docs[uri]
	if doc == nil || doc.Feature == nil {
		return
	}
	s.Feature = doc.Feature.Name
	nodes := map[string]*messages.Step{}
	lines := map[string]int{}
	walk := func(sc *messages.Scenario) {
		lines[sc.Id] = int(sc.Location.Line)
		for _, st := range sc.Steps {
			nodes[st.Id] = st
		}
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				lines[row.Id] = int(row.Location.Line)
			}
		}
	}
	var background []*messages.Step
	for _, ch := range doc.Feature.Children {
		switch {
		case ch.Scenario != nil:
			walk(ch.Scenario)
		case ch.Background != nil:
			background = append(background, ch.Background.Steps...)
		case ch.Rule != nil:
			for _, rc := range ch.Rule.Children {
				if rc.Scenario != nil {
					walk(rc.Scenario)
				}
				if rc.Background != nil {
					background = append(background, rc.Background.Steps...)
				}
			}
		}
	}
	for _, st := range background {
		nodes[st.Id] = st
	}
	p := c.pickles[s.ID]
	if p == nil {
		return
	}
	for _, id := range p.AstNodeIds {
		if l, ok := lines[id]; ok {
			s.Line = l // the scenario's line, then an example row's
		}
	}
	for i, st := range p.Steps {
		if i >= len(s.Steps) || len(st.AstNodeIds) == 0 {
			continue
		}
		if n := nodes[st.AstNodeIds[0]]; n != nil {
			s.Steps[i].Keyword = n.Keyword
			s.Steps[i].Line = int(n.Location.Line)
		}
	}
}

// evidenceOf is the target's evidence: what the run was, on which card, and
// its scenarios.
func evidenceOf(cfg Config, scen []report.Scenario, lost error) report.TargetRun {
	caps := cfg.Target.Capabilities()
	t := report.TargetRun{Name: cfg.Target.Name(), Profile: caps.Profile, Virtual: cfg.Target.Virtual(), Tags: cfg.Tags,
		LeftOut: cfg.leftOut, Scenarios: scen}
	if lost != nil {
		t.Lost = lost.Error()
	}
	for _, s := range scen {
		if t.ATR == "" {
			t.ATR = s.Transcript.ATR
		}
		if t.Reader == "" {
			t.Reader = s.Transcript.Reader
		}
	}
	return t
}
