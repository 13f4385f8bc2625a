package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/report"
)

func readEvidence(t *testing.T, path string) report.Run {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.ReadEvidence(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// outcomes is every scenario of a run as "FILE:LINE name status (N steps)",
// sorted.
func outcomes(r report.Run) []string {
	var out []string
	for _, tr := range r.Targets {
		for _, s := range tr.Scenarios {
			out = append(out, fmt.Sprintf("%s %s:%d %s %s (%d steps)", tr.Name, s.URI, s.Line, s.Name, s.Status, len(s.Steps)))
		}
	}
	slices.Sort(out)
	return out
}

// TestShardedRunMergesToTheRun: four shards of a run, merged, hold exactly
// the scenarios and verdicts of the unsharded run; a merge with a shard
// missing or given twice is refused with exit 2.
func TestShardedRunMergesToTheRun(t *testing.T) {
	dir := t.TempDir()
	const tags = "@RETRY-01 or @RETRY-06 or @CERT-08 or @PIN-03 or @AGE-01"
	whole := filepath.Join(dir, "whole.json")
	if code, _, errOut := runCLI(t, "run", "--target", "sim", "--tags", tags, "--format", "progress,evidence:"+whole); code != 0 {
		t.Fatalf("the unsharded run: exit %d %s", code, errOut)
	}
	var shardFiles []string
	for k := 1; k <= 4; k++ {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		if code, _, errOut := runCLI(t, "run", "--target", "sim", "--tags", tags, "--shard", fmt.Sprintf("%d/4", k), "--format", "progress,evidence:"+f); code != 0 {
			t.Fatalf("shard %d: exit %d %s", k, code, errOut)
		}
		if got := readEvidence(t, f).Identity.Shard; got != (report.Shard{K: k, N: 4}) {
			t.Fatalf("shard %d's evidence says %v", k, got)
		}
		shardFiles = append(shardFiles, f)
	}
	out := filepath.Join(dir, "merged")
	code, stdout, errOut := runCLI(t, append([]string{"report", "merge", "--out", out}, shardFiles...)...)
	if code != 0 || !strings.Contains(stdout, "merged 4 shards") {
		t.Fatalf("merge: exit %d %q %q", code, stdout, errOut)
	}
	merged := readEvidence(t, filepath.Join(out, "evidence.json"))
	w, m := outcomes(readEvidence(t, whole)), outcomes(merged)
	if len(w) == 0 || !slices.Equal(w, m) {
		t.Errorf("merged\n%s\nunsharded\n%s", strings.Join(m, "\n"), strings.Join(w, "\n"))
	}
	for _, name := range []string{"junit.xml", "cucumber.json", "report.html"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
		if name == "junit.xml" && !bytes.Contains(b, []byte(`<property name="shard" value="3/4">`)) {
			t.Error("the merged JUnit does not say which shard a scenario ran on")
		}
	}
	for _, bad := range [][]string{shardFiles[:3], append(slices.Clone(shardFiles), shardFiles[0]), {whole, shardFiles[0]}} {
		code, _, errOut := runCLI(t, append([]string{"report", "merge", "--out", filepath.Join(dir, "bad")}, bad...)...)
		if code != exitUsage || strings.Count(errOut, "\n") != 1 {
			t.Errorf("merge %v: exit %d %q, want 2 and one line", bad, code, errOut)
		}
	}
	if code, _, _ := runCLI(t, "run", "--shard", "5/4"); code != exitUsage {
		t.Errorf("--shard 5/4: exit %d", code)
	}
}

// TestEmptyShardPasses: a shard that none of the selected scenarios falls
// to passes with an empty evidence file (an unsharded run of nothing is a
// usage error), and merges with the others.
func TestEmptyShardPasses(t *testing.T) {
	dir := t.TempDir()
	var files []string
	empty := false
	for k := 1; k <= 40; k++ {
		f := filepath.Join(dir, fmt.Sprintf("s%d.json", k))
		code, _, errOut := runCLI(t, "run", "--target", "sim", "--tags", "@RETRY-06", "--shard", fmt.Sprintf("%d/40", k), "--format", "progress,evidence:"+f)
		if code != 0 {
			t.Fatalf("shard %d/40: exit %d %s", k, code, errOut)
		}
		if len(readEvidence(t, f).Targets[0].Scenarios) == 0 {
			empty = true
		}
		files = append(files, f)
	}
	if !empty {
		t.Skip("every one of 40 shards holds a @RETRY-06 scenario")
	}
	if code, _, errOut := runCLI(t, append([]string{"report", "merge", "--out", filepath.Join(dir, "m")}, files...)...); code != 0 {
		t.Fatalf("merge: exit %d %s", code, errOut)
	}
}

// TestMergeRefusesShardsOfOtherPaths: shards that select different
// scenarios of the same feature files (FEATURE arguments FILE:LINE) are
// not one run, though they read the same files (found by review: merged).
func TestMergeRefusesShardsOfOtherPaths(t *testing.T) {
	dir := t.TempDir()
	one, two := filepath.Join(dir, "1.json"), filepath.Join(dir, "2.json")
	if code, _, errOut := runCLI(t, "run", "--target", "sim", "selection.feature:8", "--shard", "1/2", "--format", "evidence:"+one); code > 1 {
		t.Fatalf("shard 1/2: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "run", "--target", "sim", "selection.feature", "--shard", "2/2", "--format", "evidence:"+two); code > 1 {
		t.Fatalf("shard 2/2: exit %d %s", code, errOut)
	}
	code, _, errOut := runCLI(t, "report", "merge", "--out", filepath.Join(dir, "m"), one, two)
	if code != 2 || !strings.Contains(errOut, "different feature paths") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("merge: exit %d %q, want 2 and the feature paths named on one line", code, errOut)
	}
}

// TestShardOfNothingIsRefused: a shard of a run that selects no scenario
// at all is a usage error, as the whole run is — not an empty pass that
// merges into a green report of nothing (found by review).
func TestShardOfNothingIsRefused(t *testing.T) {
	for k := 1; k <= 2; k++ {
		code, _, errOut := runCLI(t, "run", "--target", "sim", "selection.feature:9", "--shard", fmt.Sprintf("%d/2", k), "--format", "progress")
		if code != 2 || !strings.Contains(errOut, "selection.feature:9") {
			t.Errorf("shard %d/2 of no scenario: exit %d %q, want 2 naming the path", k, code, errOut)
		}
	}
}

// TestMergeOutNotADirectory: --out naming a file is the command line's
// fault: exit 2, one line naming --out, before anything is written (found
// by review: exit 1 with mkdir's error).
func TestMergeOutNotADirectory(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "s1.json")
	if code, _, errOut := runCLI(t, "run", "--target", "sim", "selection.feature", "--shard", "1/1", "--format", "evidence:"+f); code > 1 {
		t.Fatalf("shard 1/1: exit %d %s", code, errOut)
	}
	code, _, errOut := runCLI(t, "report", "merge", "--out", f, f)
	if code != 2 || !strings.Contains(errOut, "--out") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("merge --out FILE: exit %d %q, want 2 naming --out", code, errOut)
	}
}

// TestMergeOfUndefinedStepsFails: a shard that failed because a step has
// no definition (exit 1) makes the merge fail too, as the whole run does
// (found by review: "0 failed", exit 0, its scenario "undefined").
func TestMergeOfUndefinedStepsFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "u.feature"), []byte("Feature: U\n  Scenario: undefined\n    When I frobnicate the card\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "s1.json")
	if code, _, errOut := runCLI(t, "run", "--target", "sim", "--features", dir, "--shard", "1/1", "--format", "evidence:"+f); code != 1 {
		t.Fatalf("shard 1/1 of an undefined step: exit %d %s, want 1", code, errOut)
	}
	code, out, errOut := runCLI(t, "report", "merge", "--out", filepath.Join(dir, "m"), f)
	if code != 1 || !strings.Contains(out, "1 failed") {
		t.Fatalf("merge: exit %d %q %q, want 1 and the scenario counted failed", code, out, errOut)
	}
}

// TestMergeRefusesShardsOfOtherStates: shards that started from different
// --state files (one card with another auth PIN) are not one run, though
// their target is the same sim:default (found by review: merged).
func TestMergeRefusesShardsOfOtherStates(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", a); code != 0 {
		t.Fatalf("card new: exit %d %s", code, errOut)
	}
	t.Setenv("JPKISIM_AUTH_PIN", "4321")
	if code, _, errOut := runCLI(t, "card", "new", "--state", b); code != 0 {
		t.Fatalf("card new: exit %d %s", code, errOut)
	}
	var files []string
	for k, state := range []string{a, b} {
		f := filepath.Join(dir, fmt.Sprintf("s%d.json", k+1))
		if code, _, errOut := runCLI(t, "run", "selection.feature", "--state", state, "--shard", fmt.Sprintf("%d/2", k+1), "--format", "evidence:"+f); code > 1 {
			t.Fatalf("shard %d/2: exit %d %s", k+1, code, errOut)
		}
		files = append(files, f)
	}
	code, _, errOut := runCLI(t, append([]string{"report", "merge", "--out", filepath.Join(dir, "m")}, files...)...)
	if code != 2 || !strings.Contains(errOut, "different card states") {
		t.Fatalf("merge: exit %d %q, want 2 naming the card states", code, errOut)
	}
}

// TestEmptyShardValueIsRefused: --shard "" (a CI variable left empty) is
// a bad shard, not the whole run on every machine (found by review: run
// and certify took it for no --shard, diff refused it).
func TestEmptyShardValueIsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--target", "sim", "selection.feature", "--shard", ""},
		{"certify", "--client", "true", "--profile", "relying-party", "--shard", ""},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, `--shard ""`) {
			t.Errorf("%q: exit %d %q, want 2 naming --shard", args, code, errOut)
		}
	}
}
