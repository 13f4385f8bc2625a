package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/transcript"
)

// WriteJUnit writes r as JUnit XML, the dialect Jenkins, GitLab and Allure
// read: one <testsuite> per feature and target, with the run's identity in
// its <properties>; one <testcase> per scenario, its outcome (a failed
// scenario is failed, whatever its last step), the failing step's error as
// the <failure> body, and the transcript of every step in <system-out>,
// for passed scenarios too (docs/reports.md, "JUnit XML").
func WriteJUnit(w io.Writer, r Run) error {
	all := xmlSuites{Name: "jpkisim", Time: seconds(r.Identity.Finished.Sub(r.Identity.Started))}
	for _, t := range r.Targets {
		index := map[string]int{}
		var suites []xmlSuite
		names := map[string]int{}
		for _, s := range t.Scenarios {
			i, ok := index[s.URI]
			if !ok {
				i = len(suites)
				index[s.URI] = i
				name := s.Feature
				if len(r.Targets) > 1 {
					name += " [" + t.Name + "]"
				}
				suites = append(suites, xmlSuite{Name: name, File: s.URI, Timestamp: s.Started.UTC().Format(time.RFC3339),
					Properties: &xmlProps{Props: properties(r, t)}})
			}
			su := &suites[i]
			name := s.Name
			key := s.URI + "\x00" + s.Name
			names[key]++
			if names[key] > 1 {
				name = fmt.Sprintf("%s #%d", name, names[key])
			}
			tc := xmlCase{Name: name, Classname: s.Feature, File: s.URI, Line: s.Line, Status: string(s.Status), Time: seconds(s.Duration),
				SystemOut: &xmlText{Text: transcriptText(s)}}
			var props []xmlProp
			if len(s.Tags) > 0 {
				props = append(props, xmlProp{Name: "tags", Value: strings.Join(s.Tags, " ")})
			}
			if s.Shard.Sharded() { // a merged run: where the scenario ran
				props = append(props, xmlProp{Name: "shard", Value: s.Shard.String()}, xmlProp{Name: "machine", Value: s.Machine})
			}
			if len(props) > 0 {
				tc.Properties = &xmlProps{Props: props}
			}
			failure, first := failureOf(s)
			switch s.Status {
			case Failed:
				tc.Failure = &xmlProblem{Message: first, Type: "failed", Body: failure}
				su.Failures++
			case Undefined, Pending, Ambiguous:
				tc.Error = &xmlProblem{Message: first, Type: string(s.Status), Body: failure}
				su.Errors++
			case Skipped, NotRun:
				msg := "skipped"
				if s.Status == NotRun {
					msg = "not run: " + notRunWhy(r, t)
				}
				tc.Skipped = &xmlSkipped{Message: msg}
				su.Skipped++
			}
			su.Tests++
			su.total += s.Duration
			su.Cases = append(su.Cases, tc)
		}
		for i := range suites {
			suites[i].Time = seconds(suites[i].total)
			all.Tests += suites[i].Tests
			all.Failures += suites[i].Failures
			all.Errors += suites[i].Errors
			all.Skipped += suites[i].Skipped
		}
		all.Suites = append(all.Suites, suites...)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// properties are the run's identity as JUnit properties of a target's
// suites.
func properties(r Run, t TargetRun) []xmlProp {
	id := r.Identity
	p := []xmlProp{
		{"target", t.Name}, {"reader", t.Reader}, {"atr", t.ATR}, {"profile", t.Profile}, {"virtual", strconv.FormatBool(t.Virtual)},
		{"tool", id.Tool.Module}, {"version", id.Tool.Version}, {"commit", id.Tool.Commit}, {"commit.modified", strconv.FormatBool(id.Tool.Modified)},
		{"go", id.Tool.GoVersion}, {"started", id.Started.UTC().Format(time.RFC3339)}, {"finished", id.Finished.UTC().Format(time.RFC3339)},
		{"command", id.Command}, {"seed", strconv.FormatInt(id.Seed, 10)}, {"tags", id.Tags}, {"target.tags", t.Tags}, {"features", id.Features},
	}
	for _, l := range t.LeftOut {
		p = append(p, xmlProp{"left-out " + l.Tag, l.Why})
	}
	if t.Lost != "" {
		p = append(p, xmlProp{"lost", t.Lost})
	}
	if r.Interrupted != "" {
		p = append(p, xmlProp{"interrupted", r.Interrupted})
	}
	if id.Shard.Sharded() {
		p = append(p, xmlProp{"shard", id.Shard.String()})
	}
	if id.Machine != "" {
		p = append(p, xmlProp{"machine", id.Machine})
	}
	if id.FeaturesDigest != "" {
		p = append(p, xmlProp{"features.sha256", id.FeaturesDigest})
	}
	for _, sr := range r.Shards {
		p = append(p, xmlProp{"shard " + sr.Shard.String(), fmt.Sprintf("%s, %s to %s, %s", sr.Machine,
			sr.Started.UTC().Format(time.RFC3339), sr.Finished.UTC().Format(time.RFC3339), sr.Source)})
	}
	return p
}

// notRunWhy says why a target's scenario did not run.
func notRunWhy(r Run, t TargetRun) string {
	switch {
	case r.Interrupted != "":
		return "the run was interrupted by " + r.Interrupted
	case t.Lost != "":
		return "the card was lost earlier"
	}
	return "left out"
}

// failureOf is the failing step's text and error, and its first line.
func failureOf(s Scenario) (body, first string) {
	for _, st := range s.Steps {
		if st.Status.Fails() {
			body = "Step " + st.Text
			if st.Error != "" {
				body += ": " + st.Error
			} else {
				body += ": " + string(st.Status)
			}
			first, _, _ = strings.Cut(body, "\n")
			return body, first
		}
	}
	return "", ""
}

// transcriptText is a scenario's transcript, step by step.
func transcriptText(s Scenario) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "transcript (%s, PIN data masked)", layerName(s.Transcript.Layer))
	if s.Transcript.Reader != "" {
		fmt.Fprintf(&sb, ", reader %s", s.Transcript.Reader)
	}
	sb.WriteString("\n")
	shown := 0
	for i, st := range s.Steps {
		fmt.Fprintf(&sb, "%s%s [%s]\n", st.Keyword, st.Text, st.Status)
		if i == 0 {
			sb.WriteString(transcript.Text(s.BeforeSteps(), "    "))
		}
		ev := s.Events(i)
		shown = max(shown, st.End)
		sb.WriteString(transcript.Text(ev, "    "))
	}
	if rest := s.Transcript.Events; shown < len(rest) {
		sb.WriteString("after the last step:\n")
		sb.WriteString(transcript.Text(rest[shown:], "    "))
	}
	return sb.String()
}

func layerName(l string) string {
	if l == transcript.Complete {
		return "exchanges as completed by the transport"
	}
	return "below T=0 completion"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.6f", d.Seconds()) }

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
	Name       string    `xml:"name,attr"`
	Tests      int       `xml:"tests,attr"`
	Failures   int       `xml:"failures,attr"`
	Errors     int       `xml:"errors,attr"`
	Skipped    int       `xml:"skipped,attr"`
	Time       string    `xml:"time,attr"`
	Timestamp  string    `xml:"timestamp,attr"`
	File       string    `xml:"file,attr,omitempty"`
	Properties *xmlProps `xml:"properties,omitempty"`
	Cases      []xmlCase `xml:"testcase"`

	total time.Duration
}

type xmlCase struct {
	Name       string      `xml:"name,attr"`
	Classname  string      `xml:"classname,attr"`
	File       string      `xml:"file,attr,omitempty"`
	Line       int         `xml:"line,attr,omitempty"`
	Status     string      `xml:"status,attr"`
	Time       string      `xml:"time,attr"`
	Properties *xmlProps   `xml:"properties,omitempty"`
	Failure    *xmlProblem `xml:"failure,omitempty"`
	Error      *xmlProblem `xml:"error,omitempty"`
	Skipped    *xmlSkipped `xml:"skipped,omitempty"`
	SystemOut  *xmlText    `xml:"system-out,omitempty"`
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

type xmlSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

type xmlText struct {
	Text string `xml:",chardata"`
}
