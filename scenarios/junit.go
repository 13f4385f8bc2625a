package scenarios

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v34"
)

// junitFormat is the name under which the JUnit formatter below is
// registered; Suite maps the user's "junit" to it.
const junitFormat = "jpkisim-junit"

func init() {
	godog.Format(junitFormat, "JUnit XML with a failed scenario always marked failed and the APDU trace in the failure body", newJUnit)
}

// junitFormatter writes JUnit XML. godog v0.16.0's own formatter walks step
// results in storage order and lets the last one decide, so a failed
// scenario can come out as passed with failures="0"; it also puts no body
// in <failure>. This one takes the worst step result of each scenario and
// writes the whole step error (with its PIN-masked APDU trace) as the body.
type junitFormatter struct {
	*godog.BaseFmt
	out io.Writer

	mu       sync.Mutex
	start    time.Time
	features map[string]string // URI -> feature name
	order    []string          // pickle IDs in the order they started
	cases    map[string]*junitCase
}

type junitCase struct {
	uri, name string
	tags      []string
	start     time.Time
	end       time.Time
	status    string // passed, failed, skipped, undefined, pending, ambiguous
	rank      int
	failure   string // step text and error of the first failure
}

// Worse results replace better ones; the first of equal rank is kept.
var junitRank = map[string]int{"passed": 0, "skipped": 1, "pending": 2, "undefined": 3, "ambiguous": 4, "failed": 5}

func newJUnit(suite string, out io.Writer) formatters.Formatter {
	return &junitFormatter{
		BaseFmt:  godog.NewBaseFmt(suite, out),
		out:      out,
		features: map[string]string{},
		cases:    map[string]*junitCase{},
	}
}

func (f *junitFormatter) TestRunStarted() {
	f.mu.Lock()
	f.start = time.Now()
	f.mu.Unlock()
}

func (f *junitFormatter) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if doc != nil && doc.Feature != nil {
		f.features[uri] = doc.Feature.Name
	}
}

func (f *junitFormatter) Pickle(p *messages.Pickle) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &junitCase{uri: p.Uri, name: p.Name, start: time.Now(), status: "skipped", rank: -1}
	for _, t := range p.Tags {
		c.tags = append(c.tags, t.Name)
	}
	f.cases[p.Id] = c
	f.order = append(f.order, p.Id)
}

func (f *junitFormatter) result(p *messages.Pickle, st *messages.PickleStep, status string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cases[p.Id]
	if !ok {
		return
	}
	c.end = time.Now()
	if r := junitRank[status]; r > c.rank {
		c.rank, c.status = r, status
		if status != "passed" && status != "skipped" {
			c.failure = "Step " + st.Text
			if err != nil {
				c.failure += ": " + err.Error()
			}
		}
	}
}

func (f *junitFormatter) Passed(p *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	f.result(p, st, "passed", nil)
}

func (f *junitFormatter) Skipped(p *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	f.result(p, st, "skipped", nil)
}

func (f *junitFormatter) Undefined(p *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	f.result(p, st, "undefined", nil)
}

func (f *junitFormatter) Pending(p *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	f.result(p, st, "pending", nil)
}

func (f *junitFormatter) Failed(p *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition, err error) {
	f.result(p, st, "failed", err)
}

func (f *junitFormatter) Ambiguous(p *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition, err error) {
	f.result(p, st, "ambiguous", err)
}

type xmlSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Errors   int        `xml:"errors,attr"`
	Skipped  int        `xml:"skipped,attr"`
	Time     string     `xml:"time,attr"`
	Suites   []xmlSuite `xml:"testsuite"`
}

type xmlSuite struct {
	Name     string    `xml:"name,attr"`
	Tests    int       `xml:"tests,attr"`
	Failures int       `xml:"failures,attr"`
	Errors   int       `xml:"errors,attr"`
	Skipped  int       `xml:"skipped,attr"`
	Time     string    `xml:"time,attr"`
	Cases    []xmlCase `xml:"testcase"`
}

type xmlCase struct {
	Name       string      `xml:"name,attr"`
	Classname  string      `xml:"classname,attr"`
	Status     string      `xml:"status,attr"`
	Time       string      `xml:"time,attr"`
	Properties *xmlProps   `xml:"properties,omitempty"`
	Failure    *xmlProblem `xml:"failure,omitempty"`
	Error      *xmlProblem `xml:"error,omitempty"`
	Skipped    *struct{}   `xml:"skipped,omitempty"`
}

type xmlProps struct {
	Props []xmlProp `xml:"property"`
}

type xmlProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xmlProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.6f", d.Seconds()) }

func (f *junitFormatter) Summary() {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := xmlSuites{Name: "jpkisim", Time: seconds(time.Since(f.start))}
	index := map[string]int{}
	names := map[string]int{}
	for _, id := range f.order {
		c := f.cases[id]
		i, ok := index[c.uri]
		if !ok {
			i = len(all.Suites)
			index[c.uri] = i
			all.Suites = append(all.Suites, xmlSuite{Name: f.features[c.uri]})
		}
		s := &all.Suites[i]
		name := c.name
		key := c.uri + "\x00" + c.name
		names[key]++
		if names[key] > 1 {
			name = fmt.Sprintf("%s #%d", name, names[key])
		}
		end := c.end
		if end.IsZero() {
			end = c.start
		}
		tc := xmlCase{Name: name, Classname: f.features[c.uri], Status: c.status, Time: seconds(end.Sub(c.start))}
		if len(c.tags) > 0 {
			tc.Properties = &xmlProps{Props: []xmlProp{{Name: "tags", Value: strings.Join(c.tags, " ")}}}
		}
		first, _, _ := strings.Cut(c.failure, "\n")
		switch c.status {
		case "failed":
			tc.Failure = &xmlProblem{Message: first, Type: "failed", Body: c.failure}
			s.Failures++
			all.Failures++
		case "undefined", "pending", "ambiguous":
			tc.Error = &xmlProblem{Message: first, Type: c.status, Body: c.failure}
			s.Errors++
			all.Errors++
		case "skipped":
			tc.Skipped = &struct{}{}
			s.Skipped++
			all.Skipped++
		}
		s.Tests++
		all.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for i := range all.Suites {
		var total time.Duration
		for _, tc := range all.Suites[i].Cases {
			var d float64
			fmt.Sscanf(tc.Time, "%f", &d)
			total += time.Duration(d * float64(time.Second))
		}
		all.Suites[i].Time = seconds(total)
	}
	io.WriteString(f.out, xml.Header)
	enc := xml.NewEncoder(f.out)
	enc.Indent("", "  ")
	_ = enc.Encode(all)
	io.WriteString(f.out, "\n")
}

// mapFormats replaces godog's junit formatter by this one in a format list
// such as "progress,junit:report.xml".
func mapFormats(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		name, rest, hasFile := strings.Cut(p, ":")
		if strings.TrimSpace(name) == "junit" {
			parts[i] = junitFormat
			if hasFile {
				parts[i] += ":" + rest
			}
		}
	}
	return strings.Join(parts, ",")
}
