package report

import (
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/transcript"
)

// WriteCucumber writes r as Cucumber JSON, the document cucumber-jvm's and
// cucumber-js's json formatter write and report tools read: one feature
// per feature file and target, each scenario with its steps, their results
// (duration in nanoseconds) and, as each step's embedding, the transcript
// of what the card saw during it. Every feature also carries a "metadata"
// object with the run's identity (the member multiple-cucumber-html-reporter
// reads; other readers ignore it). docs/reports.md, "Cucumber JSON".
func WriteCucumber(w io.Writer, r Run) error {
	features := []cukeFeature{}
	for _, t := range r.Targets {
		index := map[string]int{}
		for _, s := range t.Scenarios {
			i, ok := index[s.URI]
			if !ok {
				i = len(features)
				index[s.URI] = i
				id := slug(s.Feature)
				if len(r.Targets) > 1 {
					id += ";" + slug(t.Name)
				}
				features = append(features, cukeFeature{URI: s.URI, ID: id, Keyword: "Feature", Name: s.Feature, Line: 1,
					Tags: []cukeTag{}, Metadata: metadata(r, t)})
			}
			f := &features[i]
			e := cukeElement{ID: f.ID + ";" + slug(s.Name), Keyword: "Scenario", Name: s.Name, Line: s.Line, Type: "scenario", Tags: []cukeTag{}}
			for _, tag := range s.Tags {
				e.Tags = append(e.Tags, cukeTag{Name: tag, Line: s.Line - 1})
			}
			for j, st := range s.Steps {
				cs := cukeStep{Keyword: st.Keyword, Name: st.Text, Line: st.Line, Match: cukeMatch{Location: st.Match},
					Result: cukeResult{Status: cukeStatus(st.Status), Duration: int64(st.Duration / time.Nanosecond), Error: st.Error}}
				ev := s.Events(j)
				if j == 0 {
					ev = slices.Concat(s.BeforeSteps(), ev)
				}
				if len(ev) > 0 {
					cs.Embeddings = []cukeEmbedding{{MimeType: "text/plain", Name: "transcript.txt", Data: []byte(transcript.Text(ev, ""))}}
				}
				e.Steps = append(e.Steps, cs)
			}
			f.Elements = append(f.Elements, e)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(features)
}

// metadata is the run's identity as a feature's metadata.
func metadata(r Run, t TargetRun) cukeMetadata {
	return cukeMetadata{Target: t.Name, Reader: t.Reader, ATR: t.ATR, Profile: t.Profile, Virtual: t.Virtual,
		TargetTags: t.Tags, LeftOut: t.LeftOut, Lost: t.Lost, Identity: r.Identity, Interrupted: r.Interrupted}
}

// cukeStatus maps an outcome to Cucumber's: a scenario left out is skipped.
func cukeStatus(s Status) string {
	if s == NotRun {
		return string(Skipped)
	}
	return string(s)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

type cukeFeature struct {
	URI      string        `json:"uri"`
	ID       string        `json:"id"`
	Keyword  string        `json:"keyword"`
	Name     string        `json:"name"`
	Line     int           `json:"line"`
	Tags     []cukeTag     `json:"tags"`
	Elements []cukeElement `json:"elements"`
	Metadata cukeMetadata  `json:"metadata"`
}

type cukeMetadata struct {
	Target      string    `json:"target"`
	Reader      string    `json:"reader,omitempty"`
	ATR         string    `json:"atr,omitempty"`
	Profile     string    `json:"profile,omitempty"`
	Virtual     bool      `json:"virtual"`
	TargetTags  string    `json:"target_tags,omitempty"`
	LeftOut     []LeftOut `json:"left_out,omitempty"`
	Lost        string    `json:"lost,omitempty"`
	Interrupted string    `json:"interrupted,omitempty"`
	Identity
}

type cukeElement struct {
	ID      string     `json:"id"`
	Keyword string     `json:"keyword"`
	Name    string     `json:"name"`
	Line    int        `json:"line"`
	Type    string     `json:"type"`
	Tags    []cukeTag  `json:"tags"`
	Steps   []cukeStep `json:"steps"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cukeStep struct {
	Keyword    string          `json:"keyword"`
	Name       string          `json:"name"`
	Line       int             `json:"line"`
	Match      cukeMatch       `json:"match"`
	Result     cukeResult      `json:"result"`
	Embeddings []cukeEmbedding `json:"embeddings,omitempty"`
}

type cukeMatch struct {
	Location string `json:"location"`
}

type cukeResult struct {
	Status   string `json:"status"`
	Duration int64  `json:"duration,omitempty"`
	Error    string `json:"error_message,omitempty"`
}

// cukeEmbedding's Data is base64 in JSON, as Cucumber's embeddings are.
type cukeEmbedding struct {
	MimeType string `json:"mime_type"`
	Name     string `json:"name,omitempty"`
	Data     []byte `json:"data"`
}
