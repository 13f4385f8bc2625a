package scenarios

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
)

var (
	ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	// defLine is one line of godog's step definition listing: the
	// expression, then "# file:line -> function" as godog's formatters
	// name a definition (the pretty formatter's comment; the Cucumber
	// JSON's match location is its file:line).
	defLine = regexp.MustCompile(`^(\^.*\$)\s+# (\S+):(\d+) -> (\S+)$`)
	// areaFile is the file of an area's steps, areaMethod a method of the
	// area's steps type as godog names a method value.
	areaFile   = regexp.MustCompile(`^steps_([a-z]+)\.go$`)
	areaMethod = regexp.MustCompile(`^github\.com/jpkisim/jpkisim/scenarios\.([a-z]+)Steps\.([A-Za-z0-9]+)-fm$`)
)

// stepDefinition is one step definition as godog reports it.
type stepDefinition struct {
	expr, file, line, fn string
}

// listStepDefinitions runs the suite with godog's --definitions option,
// which prints every registered step definition with the location and the
// function godog's formatters report for it.
func listStepDefinitions(t *testing.T) []stepDefinition {
	t.Helper()
	var out bytes.Buffer
	s := Suite(Config{Target: sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}, Output: &out, NoColors: true})
	s.Options.ShowStepDefinitions = true
	s.Run()
	var defs []stepDefinition
	for _, l := range strings.Split(strings.TrimSpace(ansi.ReplaceAllString(out.String(), "")), "\n") {
		m := defLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			t.Fatalf("godog's definition listing has a line this test cannot read: %q", l)
		}
		defs = append(defs, stepDefinition{m[1], m[2], m[3], m[4]})
	}
	return defs
}

// TestStepDefinitionsNamed: every step definition is a named method of its
// area's steps type (pinSteps in steps_pin.go, ...), registered in that
// file, so that godog's report leads to it ("steps_pin.go:40 ->
// ...pinSteps.verifyWrongPIN-fm"), never to an anonymous function
// ("steps.go:73 -> ...func26") or a receiver alone ("-> *world", which is
// how godog shows a method value of a pointer receiver).
func TestStepDefinitionsNamed(t *testing.T) {
	defs := listStepDefinitions(t)
	if want := len(StepPhrases()); len(defs) != want {
		t.Fatalf("godog lists %d step definitions, StepPhrases %d", len(defs), want)
	}
	at := map[string]string{}
	for _, d := range defs {
		loc := d.file + ":" + d.line
		f := areaFile.FindStringSubmatch(d.file)
		m := areaMethod.FindStringSubmatch(d.fn)
		if f == nil {
			t.Errorf("%s: registered in %s, not in an area's steps_<area>.go", d.expr, loc)
		}
		if m == nil {
			t.Errorf("%s: godog reports %s -> %s, not a named method of an area's steps type", d.expr, loc, d.fn)
		} else if f != nil && m[1] != f[1] {
			t.Errorf("%s: %sSteps.%s is registered in %s, not in steps_%s.go", d.expr, m[1], m[2], d.file, m[1])
		}
		if other, dup := at[loc]; dup {
			t.Errorf("%s and %s are both registered at %s", other, d.expr, loc)
		}
		at[loc] = d.expr
	}

	// A run's Cucumber JSON names the same definitions: every step of
	// every scenario matched a function listed above.
	fns := map[string]bool{}
	for _, d := range defs {
		fns[d.fn] = true
	}
	var out bytes.Buffer
	if status, _ := Run(Config{Target: sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}, Format: "cucumber", Output: &out, NoColors: true}); status != 0 {
		t.Fatalf("suite status %d", status)
	}
	var report []struct {
		Elements []struct {
			Name  string
			Steps []struct {
				Name  string
				Match struct{ Location string }
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, f := range report {
		for _, sc := range f.Elements {
			for _, st := range sc.Steps {
				steps++
				if !fns[st.Match.Location] {
					t.Errorf("%s: step %q matched %q, not a listed definition", sc.Name, st.Name, st.Match.Location)
				}
			}
		}
	}
	if steps < 900 {
		t.Fatalf("the Cucumber report holds only %d steps", steps)
	}
}
