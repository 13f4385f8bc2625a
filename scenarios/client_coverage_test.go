package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/features"
)

// clientFeature is the feature file of the client-under-test scenarios.
const clientFeature = "client_conformance.feature"

var (
	judgedStep = regexp.MustCompile(`^the client (passes|fails) conformance check (CLIENT-\d{2})$`)
	stateStep  = regexp.MustCompile(`^the served card is in the conformance state "([a-z0-9-]+)"$`)
)

// coverageGaps says what the scenarios leave unshown: each check of checks
// without a scenario in which a client passes it, or one in which a client
// fails it; a judged step naming no check of the catalogue; and a
// @card-PROFILE tag that is not the profile of the scenario's state (the
// card the run of those scenarios is started on, docs/conformance.md,
// "Running a client under test").
func coverageGaps(refs []ScenarioRef, checks []conformance.Check) []string {
	shown := map[string]map[string]bool{} // ID -> "passes"/"fails"
	var gaps []string
	for _, r := range refs {
		state := ""
		for _, st := range r.Steps {
			if m := stateStep.FindStringSubmatch(st.Text); m != nil {
				state = m[1]
			}
			m := judgedStep.FindStringSubmatch(st.Text)
			if m == nil {
				continue
			}
			if _, ok := conformance.Lookup(m[2]); !ok {
				gaps = append(gaps, fmt.Sprintf("%s: %s is no check of the catalogue", r, m[2]))
			}
			if shown[m[2]] == nil {
				shown[m[2]] = map[string]bool{}
			}
			shown[m[2]][m[1]] = true
		}
		for _, t := range r.Tags {
			p, ok := strings.CutPrefix(t, "@card-")
			if !ok {
				continue
			}
			if st, known := conformance.StateByName(state); !known || st.Profile != p {
				gaps = append(gaps, fmt.Sprintf("%s: tagged %s, and its state %q is not of profile %q", r, t, state, p))
			}
		}
	}
	for _, c := range checks {
		for _, how := range []string{"passes", "fails"} {
			if !shown[c.ID][how] {
				gaps = append(gaps, fmt.Sprintf("%s (%s): no scenario in which a client %s it", c.ID, c.Title, how))
			}
		}
	}
	return gaps
}

// TestEveryCheckShownPassedAndFailed: every check of the conformance
// catalogue has a scenario of client_conformance.feature in which a client
// passes it and one in which a client fails it (issue 13).
func TestEveryCheckShownPassedAndFailed(t *testing.T) {
	refs, err := selectScenarios(nil, []string{clientFeature}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) == 0 {
		t.Fatalf("no scenarios in %s", clientFeature)
	}
	for _, g := range coverageGaps(refs, conformance.Checks()) {
		t.Error(g)
	}
}

// TestCoverageGapsFound: the coverage test fails when a check lacks its
// passing or its failing scenario, when a step names an unknown check, and
// when a @card tag is not the state's profile.
func TestCoverageGapsFound(t *testing.T) {
	src, err := features.FS.ReadFile(clientFeature)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(t *testing.T, text string) []ScenarioRef {
		t.Helper()
		refs, err := selectScenarios(fstest.MapFS{clientFeature: {Data: []byte(text)}}, []string{clientFeature}, "")
		if err != nil {
			t.Fatal(err)
		}
		return refs
	}
	// dropScenarios removes the scenarios with a step containing step.
	dropScenarios := func(text, step string) string {
		blocks := strings.Split(text, "\n\n")
		var keep []string
		for _, b := range blocks {
			if !strings.Contains(b, "Scenario:") || !strings.Contains(b, step) {
				keep = append(keep, b)
			}
		}
		return strings.Join(keep, "\n\n")
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no failing scenario", dropScenarios(string(src), "fails conformance check CLIENT-07"),
			"CLIENT-07 (61xx and 6Cxx are completed): no scenario in which a client fails it"},
		{"no passing scenario", dropScenarios(string(src), "passes conformance check CLIENT-13"),
			"CLIENT-13 (a 2-second signature is waited for): no scenario in which a client passes it"},
		{"an unknown check", strings.Replace(string(src), "fails conformance check CLIENT-16", "fails conformance check CLIENT-99", 1),
			"CLIENT-99 is no check of the catalogue"},
		{"a tag of another profile", strings.Replace(string(src), "@card-t0", "@card-expired", 1),
			`tagged @card-expired, and its state "t0" is not of profile "expired"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.text == string(src) {
				t.Fatal("the feature did not change: the case tests nothing")
			}
			gaps := coverageGaps(parse(t, tc.text), conformance.Checks())
			if !slices.ContainsFunc(gaps, func(g string) bool { return strings.Contains(g, tc.want) }) {
				t.Errorf("gaps %q, want one containing %q", gaps, tc.want)
			}
		})
	}
}
