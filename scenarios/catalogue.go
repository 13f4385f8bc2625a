package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/rules"
)

// ScenarioRef names one scenario of a feature file: where it is and what it
// is tagged with. A scenario outline gives one ScenarioRef per example row,
// at the row's line.
type ScenarioRef struct {
	URI  string   `json:"uri"`  // the feature file, as godog names it ("retry.feature")
	Line int      `json:"line"` // the line of its Scenario keyword, or of its example row
	Name string   `json:"name"`
	Tags []string `json:"tags,omitempty"` // with "@", the feature's and the scenario's
	// Steps are the step texts, in order (keyword left out).
	Steps []stepRef `json:"-"`
	// feature is the name of the scenario's feature, for the reports.
	feature string
	// scenario and scenarioLine are the name and the line of the Scenario
	// or Scenario Outline the pickle comes from (an outline's rows share
	// them): its identity for sharding, and the line godog selects it by.
	scenario     string
	scenarioLine int
}

// ShardID is the scenario's stable identity for sharding (report.Shard):
// its feature file and the name of its Scenario or Scenario Outline, so
// that an outline's rows stay together and adding a scenario moves no
// other (docs/sharding.md).
func (s ScenarioRef) ShardID() string { return s.URI + "\x00" + s.scenario }

// stepRef is one step of a scenario, with its line in the feature file.
// Literal: the text is as the line has it (not a scenario outline's step,
// whose <placeholders> an example row fills in).
type stepRef struct {
	Text    string
	Line    int
	Literal bool
	Keyword string // "Given ", "When ", … as the feature file has it
}

// String is "retry.feature:12 the empty VERIFY spends no try".
func (s ScenarioRef) String() string { return fmt.Sprintf("%s:%d %s", s.URI, s.Line, s.Name) }

// selectScenarios parses the features of fsys (nil: the embedded ones) at
// paths (empty: all; "retry.feature:12" one scenario) as godog parses them
// for a run, and keeps those that tags selects (a filter in godog's form,
// TagExpr.String), in godog's order.
func selectScenarios(fsys fs.FS, paths []string, tags string) ([]ScenarioRef, error) {
	if fsys == nil {
		fsys = features.FS
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	suite := godog.TestSuite{Options: &godog.Options{FS: fsys, Paths: selectedOnce(paths), Tags: tags}}
	feats, err := suite.RetrieveFeatures()
	if err != nil {
		return nil, err
	}
	var out []ScenarioRef
	for _, f := range feats {
		lines, keywords := astLines(f.GherkinDocument), astKeywords(f.GherkinDocument)
		feature := ""
		if f.GherkinDocument != nil && f.GherkinDocument.Feature != nil {
			feature = f.GherkinDocument.Feature.Name
		}
		for _, p := range f.Pickles {
			// godog names a file selected by line "retry.feature:21".
			ref := ScenarioRef{URI: pathLine.ReplaceAllString(p.Uri, ""), Name: p.Name, feature: feature}
			if len(p.AstNodeIds) > 0 {
				if sc := f.FindScenario(p.AstNodeIds[0]); sc != nil {
					ref.scenario, ref.scenarioLine = sc.Name, int(sc.Location.Line)
				}
			}
			for _, id := range p.AstNodeIds { // the scenario, then its example row
				if l, ok := lines[id]; ok {
					ref.Line = l
				}
			}
			for _, t := range p.Tags {
				ref.Tags = append(ref.Tags, t.Name)
			}
			for _, st := range p.Steps {
				l, kw := 0, ""
				if len(st.AstNodeIds) > 0 {
					l, kw = lines[st.AstNodeIds[0]], keywords[st.AstNodeIds[0]]
				}
				ref.Steps = append(ref.Steps, stepRef{Text: st.Text, Line: l, Literal: len(st.AstNodeIds) == 1, Keyword: kw})
			}
			out = append(out, ref)
		}
	}
	return out, nil
}

// selectedOnce is paths without each "FILE:LINE" that another of them,
// without a line, already selects (FILE itself, a directory above it, or
// "."): godog runs a scenario once for every path that selects it, and a
// shard, which selects by "FILE:LINE", runs it once (docs/sharding.md).
func selectedOnce(paths []string) []string {
	covers := func(dir, file string) bool {
		dir = strings.TrimSuffix(strings.TrimPrefix(dir, "./"), "/")
		return dir == "." || dir == "" || dir == file || strings.HasPrefix(file, dir+"/")
	}
	var out []string
	for _, p := range paths {
		if file := pathLine.ReplaceAllString(p, ""); file != p && slices.ContainsFunc(paths, func(q string) bool {
			return !pathLine.MatchString(q) && covers(q, strings.TrimPrefix(file, "./"))
		}) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// pathLine is the ":LINE" godog appends to the URI of a file selected by
// line.
var pathLine = regexp.MustCompile(`:\d+$`)

// astLines maps the IDs of a document's scenarios, example rows and steps
// to their lines.
func astLines(doc *messages.GherkinDocument) map[string]int {
	lines := map[string]int{}
	if doc == nil || doc.Feature == nil {
		return lines
	}
	scenario := func(sc *messages.Scenario) {
		if sc == nil {
			return
		}
		lines[sc.Id] = int(sc.Location.Line)
		for _, st := range sc.Steps {
			lines[st.Id] = int(st.Location.Line)
		}
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				lines[row.Id] = int(row.Location.Line)
			}
		}
	}
	background := func(bg *messages.Background) {
		if bg == nil {
			return
		}
		for _, st := range bg.Steps {
			lines[st.Id] = int(st.Location.Line)
		}
	}
	for _, c := range doc.Feature.Children {
		background(c.Background)
		scenario(c.Scenario)
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				background(rc.Background)
				scenario(rc.Scenario)
			}
		}
	}
	return lines
}

// astKeywords maps the IDs of a document's steps to their keywords
// ("Given ", "And ", …).
func astKeywords(doc *messages.GherkinDocument) map[string]string {
	kw := map[string]string{}
	if doc == nil || doc.Feature == nil {
		return kw
	}
	steps := func(sts []*messages.Step) {
		for _, st := range sts {
			kw[st.Id] = st.Keyword
		}
	}
	for _, c := range doc.Feature.Children {
		if c.Background != nil {
			steps(c.Background.Steps)
		}
		if c.Scenario != nil {
			steps(c.Scenario.Steps)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					steps(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					steps(rc.Scenario.Steps)
				}
			}
		}
	}
	return kw
}

// ruleLikeTag is a tag of the form of a rule ID (PREFIX-NN) or a field
// report's (Bn), without the "@".
var ruleLikeTag = regexp.MustCompile(`^([A-Z][A-Z0-9]*-\d+|B\d+)$`)

// RuleIDs returns the rule and field-report IDs among tags ("@RETRY-06" →
// "RETRY-06"), whether the catalogues know them or not, in the tags' order.
func RuleIDs(tags []string) []string {
	var ids []string
	for _, t := range tags {
		if id := strings.TrimPrefix(t, "@"); ruleLikeTag.MatchString(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// RuleScenarios indexes the features of fsys (nil: the embedded ones) by
// the rule and field-report IDs they are tagged with: for each ID (without
// "@"), the scenarios that check it, in file and line order. Every
// rule-like tag is indexed, also one the catalogues do not know
// (UnknownRuleTags names those).
func RuleScenarios(fsys fs.FS) (map[string][]ScenarioRef, error) {
	refs, err := selectScenarios(fsys, nil, "")
	if err != nil {
		return nil, err
	}
	sort.SliceStable(refs, func(i, j int) bool {
		if refs[i].URI != refs[j].URI {
			return refs[i].URI < refs[j].URI
		}
		return refs[i].Line < refs[j].Line
	})
	idx := map[string][]ScenarioRef{}
	for _, r := range refs {
		for _, id := range RuleIDs(r.Tags) {
			idx[id] = append(idx[id], r)
		}
	}
	return idx, nil
}

// UnknownRuleTags lists, for an index of RuleScenarios, the IDs that are
// neither a rule of rules.Catalogue nor a field report of
// rules.FieldReports, sorted.
func UnknownRuleTags(idx map[string][]ScenarioRef) []string {
	var out []string
	for id := range idx {
		if _, ok := rules.Lookup(id); !ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// FeaturesDigest is the SHA-256, hex, of the .feature files a run of fsys
// and paths reads (nil fsys: the embedded features; no paths: all), each
// file's path and content in path order: the shards of one run have the
// same (report.Identity.FeaturesDigest). Errors: a path that cannot be
// read.
func FeaturesDigest(fsys fs.FS, paths []string) (string, error) {
	if fsys == nil {
		fsys = features.FS
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files := map[string]bool{}
	for _, p := range paths {
		p = pathLine.ReplaceAllString(p, "")
		err := fs.WalkDir(fsys, p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".feature") {
				files[path] = true
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	h := sha256.New()
	for _, path := range slices.Sorted(maps.Keys(files)) {
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
