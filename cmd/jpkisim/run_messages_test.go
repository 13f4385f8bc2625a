package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeFeature writes a feature file into dir and returns its path.
func writeFeature(t *testing.T, dir, name, text string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// lastLine is the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// oneLineError checks that stderr is one "jpkisim: " line.
func oneLineError(t *testing.T, errOut string) {
	t.Helper()
	if !strings.HasPrefix(errOut, "jpkisim: ") || strings.Count(strings.TrimRight(errOut, "\n"), "\n") != 0 {
		t.Errorf("stderr is not one jpkisim: line: %q", errOut)
	}
}

// The summary line counts the scenarios that failed, not only those that
// ran, and keeps the passing wording.
func TestRunSummaryCountsFailedScenarios(t *testing.T) {
	dir := t.TempDir()
	f := writeFeature(t, dir, "half.feature", `Feature: two pass, two fail
  Scenario: passes one
    Given the JPKI application is selected
    Then the status word is 9000

  Scenario: fails one
    Given the JPKI application is selected
    Then the status word is 6A82

  Scenario: passes two
    Given the JPKI application is selected
    When I query the retry counter of the auth PIN
    Then the status word is 63C3

  Scenario: fails two
    Given the JPKI application is selected
    When I query the retry counter of the auth PIN
    Then the status word is 63C1
`)
	code, out, _ := runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", f)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "4 scenarios (2 passed, 2 failed)") {
		t.Fatalf("godog's count is not 2 of 4 failed:\n%s", out)
	}
	if got, want := lastLine(out), "targets: sim:default: 2 of 4 scenarios failed"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// Counted the same when the scenarios run at once.
	code, out, _ = runCLI(t, "run", "--target", "sim", "--format", "progress", "--concurrency", "4", "--features", f)
	if got, want := lastLine(out), "targets: sim:default: 2 of 4 scenarios failed"; code != 1 || got != want {
		t.Errorf("--concurrency 4: exit %d, summary %q, want %q", code, got, want)
	}
	code, out, _ = runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", dir, "half.feature:2")
	if code != 0 || lastLine(out) != "targets: sim:default: 1 scenarios passed" {
		t.Errorf("passing run: exit %d, summary %q", code, lastLine(out))
	}
}

// A feature file without scenarios is said to have none; tags and paths
// are named only when they were given.
func TestRunNoScenarioMessage(t *testing.T) {
	dir := t.TempDir()
	empty := writeFeature(t, dir, "bad2.feature", "Feature: nothing in here yet\n")
	code, out, errOut := runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", empty)
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s %s", code, out, errOut)
	}
	oneLineError(t, errOut)
	if !strings.Contains(errOut, "bad2.feature has no scenarios") || strings.Contains(errOut, "tags") || strings.Contains(errOut, "paths") {
		t.Errorf("no tags or paths given: %q", errOut)
	}
	one := writeFeature(t, dir, "one.feature", `Feature: one
  Scenario: select
    Given the JPKI application is selected
    Then the status word is 9000
`)
	code, _, errOut = runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", one, "--tags", "~@RETRY-06 && @nowhere")
	if code != 2 || !strings.Contains(errOut, `matched tags "~@RETRY-06 && @nowhere"`) || strings.Contains(errOut, "paths") {
		t.Errorf("tags only: exit %d, %q", code, errOut)
	}
	oneLineError(t, errOut)
	code, _, errOut = runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", dir, "one.feature:4")
	if code != 2 || !strings.Contains(errOut, `matched paths "one.feature:4"`) || strings.Contains(errOut, "tags") {
		t.Errorf("paths only: exit %d, %q", code, errOut)
	}
	oneLineError(t, errOut)
}

// The default --help shows for --target is what giving no --target does:
// the embedded card, and every real JPKI card found, not "sim", which runs
// the embedded card alone.
func TestRunHelpShowsTheTargetDefaultItHas(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "--target") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no --target flag in:\n%s", out)
	}
	if strings.Contains(line, `(default "sim")`) || !strings.Contains(line, "(default: the embedded card, and every real JPKI card found)") {
		t.Errorf("--target help: %q", line)
	}
}

// A profile file's mistakes are told in the file's terms: the line and the
// key, the key folders there are, the PIN a count belongs to; never a Go
// type or a PIN.
func TestProfileFileErrorsSpeakTheFilesTerms(t *testing.T) {
	raw, err := os.ReadFile("../../fixtures/profiles/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	line := 1 + strings.Count(text[:strings.Index(text, "keys: default")], "\n") // of keys:, the typo goes after it
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{"typo.yaml", strings.Replace(text, "keys: default\n", "keys: default\ntries_lfet:\n  auth: 2\n", 1),
			[]string{"typo.yaml line " + strconv.Itoa(line+1) + `: unknown key "tries_lfet"`}},
		{"folder.yaml", strings.Replace(text, "keys: default", "keys: nope", 1),
			[]string{`keys: no key folder "nope"`, "abroad, child, default, expired, foreign"}},
		{"pin.yaml", strings.Replace(text, `auth: "1234"`, `auth: "12345"`, 1),
			[]string{"auth PIN", "length 5, want 4"}},
		{"tries.yaml", strings.Replace(text, "keys: default\n", "keys: default\ntries_left:\n  auth: 7\n", 1),
			[]string{"auth PIN: 7 tries left is outside 0..3"}},
	} {
		f := filepath.Join(dir, tc.name)
		if err := os.WriteFile(f, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCLI(t, "apdu", "--profile", f, "00A40000")
		if code != 2 || out != "" {
			t.Errorf("%s: exit %d, stdout %q", tc.name, code, out)
		}
		oneLineError(t, errOut)
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: %q lacks %q", tc.name, errOut, w)
			}
		}
		for _, bad := range []string{"fixtures.", "profileFile", "yaml: unmarshal", "want 4 to 4", "1234", "12345", "ABC123", "file does not exist"} {
			if strings.Contains(errOut, bad) {
				t.Errorf("%s: %q shows %q", tc.name, errOut, bad)
			}
		}
	}
}

// --features FILE:LINE runs the scenario at that line, as FEATURE:LINE
// does for the arguments.
func TestRunFeaturesFileWithLine(t *testing.T) {
	f := writeFeature(t, t.TempDir(), "ok.feature", `Feature: two scenarios
  Scenario: first
    Given the JPKI application is selected
    Then the status word is 9000

  Scenario: second
    Given the JPKI application is selected
    When I query the retry counter of the auth PIN
    Then the status word is 63C3
`)
	code, out, errOut := runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", f+":6")
	if code != 0 || !strings.Contains(out, "1 scenarios (1 passed)") || !strings.Contains(out, "3 steps (3 passed)") {
		t.Fatalf("--features FILE:6: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "run", "--target", "sim", "--format", "progress", "--features", f+":99")
	if code != 2 || !strings.Contains(errOut, `matched paths "ok.feature:99"`) {
		t.Errorf("--features FILE:99, no scenario there: exit %d, %q", code, errOut)
	}
	oneLineError(t, errOut)
	code, _, errOut = runCLI(t, "run", "--target", "sim", "--features", f+"x:6")
	if code != 2 || !strings.Contains(errOut, "no such file") {
		t.Errorf("a missing FILE:LINE: exit %d, %q", code, errOut)
	}
	oneLineError(t, errOut)
}

// A retry counter at one is "1 try left", as the status word 63C1 reads.
func TestRunTriesLeftSingular(t *testing.T) {
	f := writeFeature(t, t.TempDir(), "one-left.feature", `Feature: one try left
  Scenario: two wrong entries
    Given the JPKI application is selected
    When I enter a wrong auth PIN 2 times
    Then the auth PIN has 2 tries left
`)
	code, out, _ := runCLI(t, "run", "--target", "sim", "--format", "pretty", "--features", f)
	if code != 1 || !strings.Contains(out, "the auth PIN has 1 try left, want 2") || strings.Contains(out, "1 tries") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
