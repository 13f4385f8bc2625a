package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/scenarios"
)

// TestEveryCommandHasAnExample walks every command, cobra's completion and
// help commands too: each has an Example that uses it, and its --help
// shows it.
func TestEveryCommandHasAnExample(t *testing.T) {
	var out bytes.Buffer
	root := newRoot(&out, &out)
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		n++
		path := c.CommandPath()
		name := strings.TrimPrefix(strings.TrimPrefix(path, "jpkisim"), " ")
		switch {
		case strings.TrimSpace(c.Example) == "":
			t.Errorf("%s: no Example", path)
		case !strings.Contains(c.Example, name):
			t.Errorf("%s: the Example does not use it:\n%s", path, c.Example)
		}
		if c.Example != "" {
			code, help, _ := runCLI(t, append(strings.Fields(name), "--help")...)
			if code != 0 || !strings.Contains(help, "Examples:\n"+c.Example) {
				t.Errorf("%s --help: exit %d, no example:\n%s", path, code, help)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 30 {
		t.Fatalf("only %d commands", n)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "jpkisim ") || !strings.Contains(out, "module   github.com/jpkisim/jpkisim\n") || !strings.Contains(out, "go       "+runtime.Version()+"\n") {
		t.Fatalf("version: exit %d\n%s", code, out)
	}
	code, short, _ := runCLI(t, "--version")
	if code != 0 || short != strings.SplitN(out, "\n", 2)[0]+"\n" {
		t.Fatalf("--version: exit %d %q, version's first line %q", code, short, strings.SplitN(out, "\n", 2)[0])
	}
	code, js, _ := runCLI(t, "version", "--json")
	var v struct{ Module, Version, Go string }
	if code != 0 || json.Unmarshal([]byte(js), &v) != nil || v.Module != "github.com/jpkisim/jpkisim" || v.Go != runtime.Version() || v.Version == "" {
		t.Fatalf("version --json: exit %d %q", code, js)
	}
	if code, _, errOut := runCLI(t, "version", "extra"); code != 2 || !strings.HasPrefix(errOut, "jpkisim: ") {
		t.Fatalf("version extra: exit %d %q", code, errOut)
	}
}

// TestCompletion: --help lists the completion command, and its bash
// script loads in bash and completes jpkisim.
func TestCompletion(t *testing.T) {
	code, help, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(help, "\n  completion ") || !strings.Contains(help, "\n  version ") {
		t.Fatalf("--help: exit %d\n%s", code, help)
	}
	code, script, _ := runCLI(t, "completion", "bash")
	if code != 0 || !strings.Contains(script, "__start_jpkisim") {
		t.Fatalf("completion bash: exit %d", code)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	f := filepath.Join(t.TempDir(), "jpkisim.bash")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", "source "+f+" && complete -p jpkisim").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "__start_jpkisim") || !strings.HasSuffix(strings.TrimSpace(string(out)), " jpkisim") {
		t.Fatalf("bash did not load the completion: %v\n%s", err, out)
	}
}

// TestRulesList: every rule and field report, with its source and the
// scenarios that check it, as text and as JSON.
func TestRulesList(t *testing.T) {
	code, out, _ := runCLI(t, "rules", "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, r := range append(rules.Catalogue(), rules.FieldReports()...) {
		if !strings.Contains(out, "\n"+r.ID+"  "+r.Statement+"\n") && !strings.HasPrefix(out, r.ID+"  ") {
			t.Errorf("rules list lacks %s", r.ID)
		}
	}
	code, out, _ = runCLI(t, "rules", "list", "--json")
	var v struct {
		Rules, FieldReports []struct {
			ID, Statement, Source string
			Scenarios             []struct {
				URI  string
				Line int
				Name string
			}
		} `json:"-"`
	}
	var raw map[string]json.RawMessage
	if code != 0 || json.Unmarshal([]byte(out), &raw) != nil || json.Unmarshal(raw["rules"], &v.Rules) != nil || json.Unmarshal(raw["field_reports"], &v.FieldReports) != nil {
		t.Fatalf("rules list --json: exit %d %.200q", code, out)
	}
	if len(v.Rules) != len(rules.Catalogue()) || len(v.FieldReports) != len(rules.FieldReports()) {
		t.Fatalf("%d rules, %d field reports", len(v.Rules), len(v.FieldReports))
	}
	for _, r := range v.Rules {
		if r.Statement == "" || r.Source == "" || len(r.Scenarios) == 0 || r.Scenarios[0].URI == "" || r.Scenarios[0].Line == 0 {
			t.Errorf("%s: %+v", r.ID, r)
		}
	}
	code, out, _ = runCLI(t, "rules", "list", "@RETRY-07", "B12")
	if code != 0 || !strings.HasPrefix(out, "RETRY-07  ") || !strings.Contains(out, "\nB12  ") || strings.Contains(out, "RETRY-06") || !strings.Contains(out, "retry.feature:21 The empty VERIFY does not use a try\n") {
		t.Fatalf("rules list RETRY-07 B12: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "rules", "list", "RETRY-99"); code != 2 || !strings.Contains(errOut, `"RETRY-99" is neither`) {
		t.Fatalf("unknown ID: exit %d %q", code, errOut)
	}
}

func TestStepsForms(t *testing.T) {
	code, out, _ := runCLI(t, "steps", "--regexp")
	if code != 0 || out != strings.Join(scenarios.StepPhrases(), "\n")+"\n" {
		t.Fatalf("steps --regexp: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "steps", "--json")
	var cat []scenarios.StepInfo
	if code != 0 || json.Unmarshal([]byte(out), &cat) != nil || len(cat) != len(scenarios.StepPhrases()) {
		t.Fatalf("steps --json: exit %d", code)
	}
	code, out, _ = runCLI(t, "steps")
	for _, want := range []string{
		"pin: VERIFY of the JPKI PINs",
		"  [@embedded] the card speaks T=0\n",
		"  [@profile] the card of the \"([a-z0-9-]+)\" profile\n",
		"      e.g. the JPKI application is selected   (access.feature:9)\n",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("steps: exit %d, no %q", code, want)
		}
	}
	if code, _, _ := runCLI(t, "steps", "--regexp", "--json"); code != 2 {
		t.Errorf("--regexp --json: exit %d", code)
	}
}

// TestRunUndefinedStep: a step of the user's feature that no phrase
// matches fails the run (exit 1) with its file:line and the closest
// phrases, and no Go snippet.
func TestRunUndefinedStep(t *testing.T) {
	dir := t.TempDir()
	feature := "Feature: mine\n  Scenario: a typo\n    Given the JPKI application is selected\n    When I query the retry countr of the auth PIN\n"
	if err := os.WriteFile(filepath.Join(dir, "mine.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "run", "--target", "sim", "--features", dir)
	if code != 1 || !strings.Contains(out, `mine.feature:4: undefined step "I query the retry countr of the auth PIN"`) ||
		!strings.Contains(out, "did you mean: I query the retry counter of the auth PIN") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, snippet := range []string{"func ", "ctx.Step", "ErrPending"} {
		if strings.Contains(out+errOut, snippet) {
			t.Errorf("a Go snippet (%q) was printed:\n%s", snippet, out)
		}
	}
	// A report on stdout stays a report: the message goes to stderr.
	// (The suite says it on the process's stderr: capture it.)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	code, out, _ = runCLI(t, "run", "--target", "sim", "--features", dir, "--format", "junit")
	os.Stderr = stderr
	w.Close()
	said, _ := io.ReadAll(r)
	if code != 1 || !strings.HasPrefix(strings.TrimSpace(out), "<?xml") || !strings.Contains(string(said), "mine.feature:4: undefined step") {
		t.Fatalf("junit: exit %d\n%s\n%s", code, out, said)
	}
	// The dry run says the same, and exits 1.
	code, out, _ = runCLI(t, "run", "--dry-run", "--target", "sim", "--features", dir)
	if code != 1 || !strings.Contains(out, `undefined step at mine.feature:4: "I query the retry countr of the auth PIN" (closest: I query the retry counter of the auth PIN`) {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
}

// TestRunCucumberTags: the Cucumber form selects as godog's does.
func TestRunCucumberTags(t *testing.T) {
	code, cuc, _ := runCLI(t, "run", "--target", "sim", "--format", "progress", "--tags", "not @destructive and (@RETRY-07 or @B12)")
	code2, god, _ := runCLI(t, "run", "--target", "sim", "--format", "progress", "--tags", "@RETRY-07 && ~@destructive,@B12 && ~@destructive")
	tally := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasSuffix(l, "passed)") && strings.Contains(l, "scenarios") {
				return l
			}
		}
		return ""
	}
	if code != 0 || code2 != 0 || tally(cuc) == "" || tally(cuc) != tally(god) {
		t.Fatalf("Cucumber form: exit %d %q; godog form: exit %d %q", code, tally(cuc), code2, tally(god))
	}
}

// notOpened is a card that is not virtual, in a reader, which fails the
// test if a session is opened.
type notOpened struct {
	sim.Target
	t *testing.T
}

func (n notOpened) Name() string             { return "pcsc:Some Reader 00 00" }
func (n notOpened) Virtual() bool            { return false }
func (n notOpened) Secrets() harness.Secrets { return harness.Secrets{} }
func (n notOpened) Capabilities() harness.Capabilities {
	return harness.Capabilities{PowerCycle: true}
}
func (n notOpened) Open() (harness.Card, error) {
	n.t.Fatal("the dry run opened a card session")
	return nil, nil
}

// TestDryRun: the scenarios a selection would run on each target, and
// what a card that is not virtual leaves out and why, without a session.
func TestDryRun(t *testing.T) {
	simT := sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}
	var out bytes.Buffer
	runs := []scenarios.Config{{Target: simT, Tags: "@RETRY-02"}, {Target: notOpened{simT, t}, Tags: "@RETRY-02"}}
	if err := dryRun(&out, runs, "", "@RETRY-02", "", nil); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	var plans []scenarios.PlanResult
	for _, c := range runs {
		p, err := scenarios.Plan(c)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, p)
	}
	real := plans[1]
	group := map[string]int{}
	for _, l := range real.LeftOut {
		group[l.Tag] = l.Scenarios
	}
	if len(real.Scenarios) == 0 || len(real.Scenarios) >= len(plans[0].Scenarios) || group["@destructive"] == 0 {
		t.Fatalf("the card that is not virtual runs %d of %d, left out %v", len(real.Scenarios), len(plans[0].Scenarios), real.LeftOut)
	}
	for _, want := range []string{
		fmt.Sprintf("target sim:default (the embedded card): %d scenarios, tags \"@RETRY-02\"\n", len(plans[0].Scenarios)),
		fmt.Sprintf("target pcsc:Some Reader 00 00 (a card that is not virtual): %d scenarios, tags \"@RETRY-02 && ~@profile && ~@embedded && ~@destructive && ~@pin\"\n", len(real.Scenarios)),
		fmt.Sprintf("  left out: @destructive, %d scenarios: the card is not virtual and --allow-destructive was not given", group["@destructive"]),
		fmt.Sprintf("  left out: @embedded, %d scenarios: ", group["@embedded"]),
		"  left out: @pin, ",
		fmt.Sprintf("dry run: %d scenarios on 2 targets; no card session was opened\n", len(plans[0].Scenarios)+len(real.Scenarios)),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	for _, p := range plans {
		for _, s := range p.Scenarios {
			if !strings.Contains(got, fmt.Sprintf("\n  %s:%d  %s\n", s.URI, s.Line, s.Name)) {
				t.Errorf("%s: %s is not listed", p.Target, s)
			}
		}
	}
	// Asking a card that is not virtual for @destructive is refused.
	if err := dryRun(&out, []scenarios.Config{{Target: notOpened{simT, t}, Tags: "@destructive"}}, "", "", "", nil); exitStatus(err) != 2 {
		t.Errorf("@destructive on a real card: %v", err)
	}
	if code, out, _ := runCLI(t, "run", "--dry-run", "--target", "sim", "--tags", "@RETRY-06 and"); code != 2 || out != "" {
		t.Errorf("malformed tags: exit %d %q", code, out)
	}
}
