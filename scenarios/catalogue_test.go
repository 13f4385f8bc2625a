package scenarios

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/rules"
)

// tagFeatures is a feature set whose scenarios are named by their tags.
var tagFeatures = fstest.MapFS{"t.feature": {Data: []byte(`Feature: tags
  Scenario: none
    Given the JPKI application is selected
  @a
  Scenario: a
    Given the JPKI application is selected
  @b
  Scenario: b
    Given the JPKI application is selected
  @a @b
  Scenario: ab
    Given the JPKI application is selected
  @a @c
  Scenario: ac
    Given the JPKI application is selected
  @c @destructive
  Scenario: cd
    Given the JPKI application is selected
`)}}

// godogSelects runs godog's own filter with a godog expression.
func godogSelects(t *testing.T, expr string) []string {
	t.Helper()
	refs, err := selectScenarios(tagFeatures, nil, expr)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range refs {
		names = append(names, r.Name)
	}
	return names
}

// TestTagExpressions: Cucumber's and godog's forms select the scenarios
// they mean, through godog's own filter (String is what godog is given)
// and through Match.
func TestTagExpressions(t *testing.T) {
	all := []string{"none", "a", "b", "ab", "ac", "cd"}
	for _, tc := range []struct {
		expr string
		want string
	}{
		{"", "none a b ab ac cd"},
		{"@a", "a ab ac"},
		{"not @a", "none b cd"},
		{"~@a", "none b cd"},
		{"@a and @b", "ab"},
		{"@a && @b", "ab"},
		{"@a or @b", "a b ab ac"},
		{"@a,@b", "a b ab ac"},
		{"not @destructive and @c", "ac"},
		{"@b or @c and not @destructive", "b ab ac"}, // and binds tighter than or
		{"(@b or @c) and not @destructive", "b ab ac"},
		{"(@b or @c) and not @a", "b cd"},
		{"not (@a or @b)", "none cd"},
		{"not (@a and @c)", "none a b ab cd"},
		{"not not @b", "b ab"},
		{"@a and (@b or @c)", "ab ac"},
		{"(@a or @b) and (@c or @destructive)", "ac"},
		{"~@a && @b,@c", "b cd ac"}, // godog's precedence: && over ,
		{"@a && not (@b)", "a ac"},
		{"@x", ""},
	} {
		e, err := ParseTags(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		want := strings.Fields(tc.want)
		got := godogSelects(t, e.String())
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q (godog %q) selects %v, want %v", tc.expr, e.String(), got, want)
		}
		var matched []string
		for _, name := range all {
			var tags []string
			for _, c := range name {
				if c == 'd' {
					tags = append(tags, "@destructive")
				} else if name != "none" {
					tags = append(tags, "@"+string(c))
				}
			}
			if e.Match(tags) {
				matched = append(matched, name)
			}
		}
		slices.Sort(matched)
		if !slices.Equal(matched, want) {
			t.Errorf("%q: Match selects %v, want %v", tc.expr, matched, want)
		}
		// What godog is given reads back as the same expression.
		back, err := ParseTags(e.String())
		if err != nil || back.String() != e.String() {
			t.Errorf("%q: String %q reads back as %q, %v", tc.expr, e.String(), back.String(), err)
		}
	}
}

func TestTagExpressionErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"not @destructive and": `a tag is missing after "and" at 18`,
		"@a &&":                `a tag is missing after "&&" at 4`,
		"@a,":                  `a tag is missing after "," at 3`,
		"(@a or @b":            `the parenthesis "(" at 1 is not closed`,
		"@a)":                  `unexpected ")" at 3`,
		"@a @b":                `unexpected "@b" at 4`,
		"RETRY-06":             `"RETRY-06" at 1 is not a tag (write @RETRY-06)`,
		"@a & @b":              `a single & at 4`,
		"@":                    `an @ without a tag name at 1`,
		"()":                   `expected a tag, found ")" at 2`,
		"@a AND @b":            `"AND" at 4 is not a tag`,
		"not":                  `a tag is missing after "not" at 1`,
	} {
		_, err := ParseTags(expr)
		if err == nil {
			t.Errorf("%q: accepted", expr)
			continue
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), fmt.Sprintf("%q", expr)) {
			t.Errorf("%q: %v, want one line quoting it with %q", expr, err, want)
		}
	}
	// An expression whose alternatives multiply past the bound.
	var parts []string
	for i := range 9 {
		parts = append(parts, fmt.Sprintf("(@a%d or @b%d)", i, i))
	}
	if _, err := ParseTags(strings.Join(parts, " and ")); err == nil || !strings.Contains(err.Error(), "alternatives") {
		t.Errorf("512 alternatives: %v", err)
	}
}

// TestCatalogueTags: each rule of the catalogue is the tag of at least one
// scenario of the embedded features, and no scenario carries a rule-like
// tag (PREFIX-NN, Bn) that neither catalogue knows.
func TestCatalogueTags(t *testing.T) {
	idx, err := RuleScenarios(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The field reports too: the reports' coverage matrix is drawn over
	// both, and a run that covers everything must show nothing uncovered.
	for _, r := range append(rules.Catalogue(), rules.FieldReports()...) {
		if len(idx[r.ID]) == 0 {
			t.Errorf("%s has no scenario", r.ID)
		}
	}
	for _, id := range UnknownRuleTags(idx) {
		t.Errorf("@%s tags %s, and is neither a rule of docs/rules.md nor a field report of docs/field-reports.md", id, idx[id][0])
	}
	if len(rules.Catalogue()) < 70 || len(idx) < 70 {
		t.Fatalf("only %d rules, %d tagged", len(rules.Catalogue()), len(idx))
	}
	// The index finds a scenario where the file has it.
	refs := idx["RETRY-07"]
	if len(refs) == 0 {
		t.Fatal("no scenario for RETRY-07")
	}
	b, err := features.FS.ReadFile(strings.Split(refs[0].URI, ":")[0])
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Split(string(b), "\n")[refs[0].Line-1]
	if !strings.Contains(line, refs[0].Name) && !strings.HasPrefix(strings.TrimSpace(line), "|") {
		t.Errorf("%s: line %q is not the scenario's", refs[0], line)
	}
}

// TestUnknownRuleTags: the check sees an unknown rule-like tag, and the
// index places a scenario outline's rows at their lines.
func TestUnknownRuleTags(t *testing.T) {
	fsys := fstest.MapFS{"x.feature": {Data: []byte(`Feature: x
  @RETRY-06 @B12 @NOPE-01 @B99 @slow
  Scenario: one
    Given the JPKI application is selected
  @RETRY-06
  Scenario Outline: two
    Given I select EF <fid>
    Examples:
      | fid  |
      | 0018 |
      | 001B |
`)}}
	idx, err := RuleScenarios(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := UnknownRuleTags(idx); !slices.Equal(got, []string{"B99", "NOPE-01"}) {
		t.Errorf("unknown: %v", got)
	}
	var at []string
	for _, r := range idx["RETRY-06"] {
		at = append(at, r.String())
	}
	if want := []string{"x.feature:3 one", "x.feature:10 two", "x.feature:11 two"}; !slices.Equal(at, want) {
		t.Errorf("RETRY-06: %q, want %q", at, want)
	}
	if _, ok := idx["slow"]; ok {
		t.Error("@slow indexed as a rule")
	}
}

// TestStepCatalogue: every phrase has a description, an area, and an
// example from the embedded features that its regular expression matches
// and that occurs at the line named; a phrase that needs the embedded card
// is used only in scenarios carrying its tag, and every such scenario's
// tag is one of the needs-tags or comes from a needing step.
func TestStepCatalogue(t *testing.T) {
	cat := StepCatalogue()
	if len(cat) != len(StepPhrases()) || len(cat) < 100 {
		t.Fatalf("%d phrases in the catalogue, %d definitions", len(cat), len(StepPhrases()))
	}
	areas := map[string]bool{}
	for _, a := range StepAreas {
		areas[a.Name] = true
	}
	for i, s := range cat {
		if s.Regexp != StepPhrases()[i] {
			t.Errorf("phrase %d: %q, StepPhrases %q", i, s.Regexp, StepPhrases()[i])
		}
		if s.Description == "" || strings.Contains(s.Description, "\n") {
			t.Errorf("%s (%s): no one-line description in stepDocs", s.Regexp, s.Func)
		}
		if !areas[s.Area] {
			t.Errorf("%s: area %q is not in StepAreas", s.Regexp, s.Area)
		}
		if s.Example == "" {
			t.Errorf("%s: no embedded feature uses it", s.Regexp)
			continue
		}
		if !regexp.MustCompile("^" + s.Regexp + "$").MatchString(s.Example) {
			t.Errorf("%s: example %q does not match", s.Regexp, s.Example)
		}
		file, line, _ := strings.Cut(s.ExampleAt, ":")
		b, err := features.FS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		fmt.Sscan(line, &n)
		lines := strings.Split(string(b), "\n")
		if n < 1 || n > len(lines) {
			t.Errorf("%s: example at %s, past the end of the file", s.Regexp, s.ExampleAt)
			continue
		}
		// The line has the example, or is an outline's step whose
		// <placeholders> an example row fills in to give it.
		_, at, _ := strings.Cut(strings.TrimSpace(lines[n-1]), " ") // the step without its keyword
		template := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(regexp.QuoteMeta(at), `(.+)`)
		if at != s.Example && (s.exampleLiteral || !regexp.MustCompile("^"+template+"$").MatchString(s.Example)) {
			t.Errorf("%s: example %q is not at %s (%q)", s.Regexp, s.Example, s.ExampleAt, at)
		}
	}
	if len(stepDocs) != len(cat) {
		t.Errorf("stepDocs describes %d definitions, there are %d", len(stepDocs), len(cat))
	}
	// The marks agree with the features' tags.
	refs, err := selectScenarios(nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	needing := 0
	for _, r := range refs {
		for _, st := range r.Steps {
			for _, s := range cat {
				if s.Needs != "" && s.re.MatchString(st.Text) {
					needing++
					if !slices.Contains(r.Tags, s.Needs) {
						t.Errorf("%s: step %q needs %s, which the scenario is not tagged with", r, st.Text, s.Needs)
					}
				}
			}
		}
	}
	if needing == 0 {
		t.Fatal("no scenario uses a step that needs the embedded card")
	}
}

// TestUndefinedStep: a step no definition matches fails the run before
// anything is sent, with its file and line and the closest phrases, and no
// Go snippet.
func TestUndefinedStep(t *testing.T) {
	fsys := fstest.MapFS{"typo.feature": {Data: []byte(`Feature: typos
  Scenario: a typo
    Given the JPKI aplication is selected
    When I query the retry counter of the auth PIN
    Then the auth PIN has 3 tries lef

  Scenario: fine
    Given the JPKI application is selected
`)}}
	target := newRealLike(harness.Secrets{})
	target.Target = sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}
	var out bytes.Buffer
	r := Execute(Config{Target: target, FS: fsys, Format: "pretty", Output: &out, NoColors: true})
	got := out.String()
	if r.Status != 1 || r.Ran != 0 {
		t.Fatalf("status %d, ran %d:\n%s", r.Status, r.Ran, got)
	}
	if len(target.traces) != 0 {
		t.Fatal("a card session was opened")
	}
	for _, want := range []string{
		`typo.feature:3: undefined step "the JPKI aplication is selected"`,
		"  did you mean: the JPKI application is selected",
		`typo.feature:5: undefined step "the auth PIN has 3 tries lef"`,
		"the (auth PIN|signing password) has (\\d+) (?:try|tries) left",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, snippet := range []string{"func ", "ctx.Step", "godog.ErrPending", "You can implement"} {
		if strings.Contains(got, snippet) {
			t.Errorf("output holds godog's snippet %q:\n%s", snippet, got)
		}
	}
	if strings.Contains(got, "typo.feature:4") {
		t.Errorf("a defined step is reported:\n%s", got)
	}
	// The reports say why the run failed: the scenario with the undefined
	// steps is undefined, each such step names the closest phrases, and
	// the rest did not run. A report of "no scenario ran" hides the cause.
	ev := r.Evidence.Scenarios
	if len(ev) != 2 {
		t.Fatalf("the evidence holds %d scenarios, want the 2 selected: %+v", len(ev), ev)
	}
	typo, fine := ev[0], ev[1]
	if typo.Status != report.Undefined || typo.URI != "typo.feature" || typo.Line != 2 || typo.Feature != "typos" || typo.Name != "a typo" || len(typo.Steps) != 3 {
		t.Fatalf("the scenario with undefined steps: %+v", typo)
	}
	if st := typo.Steps[0]; st.Status != report.Undefined || st.Line != 3 || st.Keyword != "Given " || !strings.Contains(st.Error, "did you mean: the JPKI application is selected") {
		t.Errorf("its undefined step: %+v", st)
	}
	if st := typo.Steps[1]; st.Status != report.Skipped || st.Error != "" {
		t.Errorf("its defined step: %+v", st)
	}
	if typo.Steps[2].Status != report.Undefined {
		t.Errorf("its second undefined step: %+v", typo.Steps[2])
	}
	if fine.Status != report.Skipped || fine.Name != "fine" || fine.Steps[0].Status != report.Skipped {
		t.Errorf("the scenario without undefined steps: %+v", fine)
	}
	// The closest phrase to a typo of a phrase is that phrase, first.
	c := ClosestSteps("I verfy the signing password with a wrong value", 3)
	if len(c) == 0 || c[0].Func != "pinSteps.verifyWrongPIN" {
		t.Errorf("closest: %+v", c)
	}
	if len(ClosestSteps("zzz qqq", 3)) != 0 {
		t.Error("a text sharing no word has a closest phrase")
	}
}

// TestPlan: what a sim target and a card that is not virtual would run and
// leave out, and that the plan's list is godog's own selection.
func TestPlan(t *testing.T) {
	simT := sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}
	full, err := Plan(Config{Target: simT})
	if err != nil {
		t.Fatal(err)
	}
	// Without a control interface (JPKISIM_CONTROL) the @client scenarios only.
	if len(full.LeftOut) != 1 || full.LeftOut[0].Tag != "@client" || full.LeftOut[0].Scenarios == 0 || len(full.Scenarios) < 300 || len(full.Undefined) != 0 {
		t.Fatalf("sim: %d scenarios, left out %v, undefined %v", len(full.Scenarios), full.LeftOut, full.Undefined)
	}
	count := func(tag string) int {
		n := 0
		for _, s := range append(slices.Clone(full.Scenarios), full.Dropped["@client"]...) {
			if slices.Contains(s.Tags, tag) {
				n++
			}
		}
		return n
	}
	real, err := Plan(Config{Target: newRealLike(harness.Secrets{})})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, l := range real.LeftOut {
		tags = append(tags, l.Tag)
		if l.Scenarios != count(l.Tag) || len(real.Dropped[l.Tag]) != l.Scenarios || l.Scenarios == 0 || l.Why == "" {
			t.Errorf("%s: %d left out (%d listed), the features have %d", l.Tag, l.Scenarios, len(real.Dropped[l.Tag]), count(l.Tag))
		}
	}
	if !slices.Equal(tags, []string{"@profile", "@embedded", "@client", "@destructive", "@pin"}) {
		t.Errorf("left out %v", tags)
	}
	if real.Tags != "~@profile && ~@embedded && ~@client && ~@destructive && ~@pin" {
		t.Errorf("tags %q", real.Tags)
	}
	suite := godog.TestSuite{Options: &godog.Options{FS: features.FS, Paths: []string{"."}, Tags: real.Tags}}
	feats, err := suite.RetrieveFeatures()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range feats {
		n += len(f.Pickles)
	}
	if n != len(real.Scenarios) || n == 0 {
		t.Errorf("plan: %d scenarios, godog selects %d", len(real.Scenarios), n)
	}
	// With both PINs and --allow-destructive only the reader's groups are left out.
	allowed, err := Plan(Config{Target: newRealLike(harness.Secrets{AuthPIN: []byte("1234"), SigningPIN: []byte("ABC123")}), AllowDestructive: true, Tags: "@RETRY-06 or @B12"})
	if err != nil {
		t.Fatal(err)
	}
	// A selection without @client scenarios does not name the group.
	if len(allowed.LeftOut) != 2 || allowed.Tags != "@RETRY-06 && ~@profile && ~@embedded,@B12 && ~@profile && ~@embedded" {
		t.Errorf("allowed: %q, left out %v", allowed.Tags, allowed.LeftOut)
	}
	if _, err := Plan(Config{Target: newRealLike(harness.Secrets{}), Tags: "@destructive and @RETRY-06"}); err != ErrDestructiveRefused {
		t.Errorf("asking for @destructive: %v", err)
	}
	one, err := Plan(Config{Target: simT, Paths: []string{"retry.feature:21"}})
	if err != nil || len(one.Scenarios) != 1 || one.Scenarios[0].URI != "retry.feature" || one.Scenarios[0].Line != 21 {
		t.Errorf("retry.feature:21: %v %+v", err, one.Scenarios)
	}
	if _, err := Plan(Config{Target: simT, Tags: "@a and"}); err == nil {
		t.Error("a malformed expression planned")
	}
}
