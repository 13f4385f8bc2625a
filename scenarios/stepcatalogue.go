package scenarios

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/report"
)

// StepInfo is one step phrase a feature can use, as `jpkisim steps` shows
// it.
type StepInfo struct {
	// Area is the steps area ("pin": steps_pin.go's pinSteps).
	Area string `json:"area"`
	// Regexp is the expression godog matches, anchors removed (StepPhrases).
	Regexp string `json:"regexp"`
	// Description says in one line what the step does.
	Description string `json:"description"`
	// Example is a step of the embedded features the phrase matches, and
	// ExampleAt its line ("retry.feature:14"; for a scenario outline's
	// step, the line of the step with its <placeholders>); empty when no
	// embedded feature uses the phrase.
	Example   string `json:"example,omitempty"`
	ExampleAt string `json:"example_at,omitempty"`
	// Needs is the tag a scenario using the step must carry because the
	// step needs the embedded card: "@embedded" (faults, the office) or
	// "@profile" (another profile); empty for a step any card takes.
	Needs string `json:"needs,omitempty"`
	// Func is the step definition's method, "pinSteps.verifyWrongPIN".
	Func string `json:"func"`

	re             *regexp.Regexp
	exampleLiteral bool // the example is the line's text, not an outline's step filled in
}

// StepAreas are the areas in the order `jpkisim steps` shows them, each
// with a title (the files of scenarios/steps.go).
var StepAreas = []struct{ Name, Title string }{
	{"card", "selection, raw C-APDUs, reset and power, the card's profile, status words and response data"},
	{"pin", "VERIFY of the JPKI PINs, retry counters, CHANGE REFERENCE DATA"},
	{"read", "READ BINARY, the certificates and their content"},
	{"sign", "COMPUTE DIGITAL SIGNATURE and its checks"},
	{"cardface", "the Kenhojo, Kenkaku, common card and Juki applications"},
	{"fault", "faults of the embedded card (@embedded)"},
	{"office", "the card's visits to the office or a kiosk (@embedded)"},
	{"client", "a program under test in front of the served card, judged by the conformance catalogue (@client)"},
	{"rules", "the lifecycle rules, no card involved (@rules)"},
}

// needsEmbedded are the areas and definitions whose steps need the
// embedded card, and the tag their scenarios carry.
var needsEmbedded = map[string]string{
	"fault":                   "@embedded",
	"office":                  "@embedded",
	"client":                  "@client",
	"cardSteps.cardOfProfile": "@profile",
}

// defMethod is how the runtime names a step definition's method value.
var defMethod = regexp.MustCompile(`\.([a-z]+)Steps\.([A-Za-z0-9]+)-fm$`)

// infos is a stepper that keeps each definition's expression and method.
type infos []StepInfo

func (p *infos) Step(expr, fn any) {
	e := expr.(string)
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	info := StepInfo{Regexp: strings.TrimSuffix(strings.TrimPrefix(e, "^"), "$"), re: regexp.MustCompile(e)}
	if m := defMethod.FindStringSubmatch(name); m != nil {
		info.Area, info.Func = m[1], m[1]+"Steps."+m[2]
	}
	info.Description = stepDocs[info.Func]
	info.Needs = needsEmbedded[info.Func]
	if info.Needs == "" {
		info.Needs = needsEmbedded[info.Area]
	}
	*p = append(*p, info)
}

var (
	catalogueOnce sync.Once
	catalogueList []StepInfo
)

// StepCatalogue lists every step phrase with its area, description,
// example and what it needs, in definition order (the order of
// StepPhrases). The examples are the first step, in file and line order,
// of the embedded features that the phrase matches, one the feature file
// spells out where there is one, else a scenario outline's step as an
// example row fills it in (ExampleAt is then the outline's step line).
func StepCatalogue() []StepInfo {
	catalogueOnce.Do(func() {
		var p infos
		register(&p, &world{})
		refs, _ := selectScenarios(features.FS, nil, "")
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].URI < refs[j].URI })
		for i := range p {
			for _, r := range refs {
				for _, st := range r.Steps {
					if (p[i].Example == "" || !p[i].exampleLiteral && st.Literal) && p[i].re.MatchString(st.Text) {
						p[i].Example, p[i].ExampleAt, p[i].exampleLiteral = st.Text, fmt.Sprintf("%s:%d", r.URI, st.Line), st.Literal
					}
				}
			}
		}
		catalogueList = p
	})
	return append([]StepInfo(nil), catalogueList...)
}

// UndefinedStep is a step of a feature that no step definition matches.
type UndefinedStep struct {
	URI  string `json:"uri"`
	Line int    `json:"line"`
	Text string `json:"text"`
	// Closest are the known phrases nearest to Text, best first, at most
	// three (ClosestSteps).
	Closest []StepInfo `json:"closest,omitempty"`
}

// UndefinedSteps lists the steps of scenarios that no step definition
// matches, once per feature line, in the scenarios' order.
func UndefinedSteps(scenarios []ScenarioRef) []UndefinedStep {
	defs := StepCatalogue()
	known := map[string]bool{}
	seen := map[string]bool{}
	var out []UndefinedStep
	for _, sc := range scenarios {
		for _, st := range sc.Steps {
			if _, done := known[st.Text]; !done {
				known[st.Text] = false
				for _, d := range defs {
					if d.re.MatchString(st.Text) {
						known[st.Text] = true
						break
					}
				}
			}
			at := fmt.Sprintf("%s:%d", sc.URI, st.Line)
			if known[st.Text] || seen[at] {
				continue
			}
			seen[at] = true
			out = append(out, UndefinedStep{URI: sc.URI, Line: st.Line, Text: st.Text, Closest: ClosestSteps(st.Text, 3)})
		}
	}
	return out
}

// ClosestSteps returns the n known phrases nearest to text, best first: by
// the words they share with it (the phrase's own words and its example's,
// Dice's coefficient over lower-case words), then by the edit distance
// between text and the example. Phrases that share no word are left out.
func ClosestSteps(text string, n int) []StepInfo {
	tw := wordSet(text)
	type scored struct {
		info  StepInfo
		score float64
		dist  int
	}
	var all []scored
	for _, d := range StepCatalogue() {
		pw := wordSet(phraseWords(d.Regexp) + " " + d.Example)
		common := 0
		for w := range tw {
			if pw[w] {
				common++
			}
		}
		if common == 0 {
			continue
		}
		all = append(all, scored{d, 2 * float64(common) / float64(len(tw)+len(pw)), levenshtein(strings.ToLower(text), strings.ToLower(d.Example))})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].dist < all[j].dist
	})
	var out []StepInfo
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].info)
	}
	return out
}

// regexpSyntax matches what is not a word of a phrase's regular
// expression: classes, repetitions, group openers.
var regexpSyntax = regexp.MustCompile(`\[[^\]]*\]|\\[a-z]|\{\d+(,\d*)?\}|\(\?:|[()?*+|^$\\]`)

// phraseWords is a phrase's regular expression as plain words.
func phraseWords(re string) string { return regexpSyntax.ReplaceAllString(re, " ") }

// wordSet is the set of lower-case words of s.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		set[w] = true
	}
	return set
}

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// FormatUndefined says, for the console, where each undefined step is and
// the known phrases closest to it, each with an example from the embedded
// features; no Go code.
func FormatUndefined(u []UndefinedStep) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d undefined step(s): no step definition matches them (jpkisim steps lists the phrases)\n", len(u))
	for _, s := range u {
		fmt.Fprintf(&b, "%s:%d: undefined step %q\n", s.URI, s.Line, s.Text)
		if len(s.Closest) == 0 {
			fmt.Fprintf(&b, "  no known phrase is close\n")
		}
		for _, c := range s.Closest {
			ex := c.Example
			if ex == "" {
				ex = c.Regexp
			}
			fmt.Fprintf(&b, "  did you mean: %s\n", ex)
			fmt.Fprintf(&b, "                (phrase %s)\n", c.Regexp)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// undefinedEvidence is what the reports show of a run that undefined
// steps stopped before anything was sent: every scenario of the plan, a
// scenario with an undefined step undefined (each such step with the
// closest phrases as its error), its other steps and every other scenario
// skipped. No card session was opened: there are no transcripts.
func undefinedEvidence(p PlanResult) []report.Scenario {
	undefined := map[string]UndefinedStep{}
	for _, u := range p.Undefined {
		undefined[fmt.Sprintf("%s:%d", u.URI, u.Line)] = u
	}
	var out []report.Scenario
	for i, sc := range p.Scenarios {
		s := report.Scenario{ID: fmt.Sprintf("undefined-%d", i+1), Feature: sc.feature, URI: sc.URI, Line: sc.Line, Name: sc.Name,
			Tags: sc.Tags, Rules: RuleIDs(sc.Tags), Status: report.Skipped}
		for _, st := range sc.Steps {
			rs := report.Step{Keyword: st.Keyword, Text: st.Text, Line: st.Line, Status: report.Skipped}
			if u, ok := undefined[fmt.Sprintf("%s:%d", sc.URI, st.Line)]; ok && u.Text == st.Text {
				rs.Status = report.Undefined
				rs.Error = "undefined step: no step definition matches it (jpkisim steps lists the phrases)"
				for _, c := range u.Closest {
					ex := c.Example
					if ex == "" {
						ex = c.Regexp
					}
					rs.Error += "\n  did you mean: " + ex
				}
				s.Status = report.Undefined
			}
			s.Steps = append(s.Steps, rs)
		}
		out = append(out, s)
	}
	return out
}

// consoleOut is where a run says what stops it before godog starts: the
// console output, or stderr when a report is written to stdout (which must
// hold the report alone).
func consoleOut(cfg Config) io.Writer {
	switch {
	case ReportsToStdout(cfg.Format):
		return os.Stderr
	case cfg.Output != nil:
		return cfg.Output
	}
	return os.Stdout
}
