package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/properties"
	"github.com/jpkisim/jpkisim/report"
)

// Bad --shard values, and --shard without --seed, are one-line usage
// errors (exit 2) before anything runs, for props and diff.
func TestPropsShardUsageErrors(t *testing.T) {
	one := regexp.MustCompile(`^jpkisim: [^\n]*--shard[^\n]*\n$`)
	for _, c := range [][]string{
		{"props", "--shard", "0/4", "--seed", "1"},
		{"props", "--shard", "5/4", "--seed", "1"},
		{"props", "--shard", "1/0", "--seed", "1"},
		{"props", "--shard", "a/b", "--seed", "1"},
		{"props", "--shard", "1/4"},
		{"props", "--shard", "1/4", "--seed", "1", "--shards", "3"},
		{"props", "--shard", "1/4", "--seed", "0"},
		{"props", "--shard", "1/4", "--seed", "1", "--sequences", "3"},
		{"diff", "--b", "sim", "--shard", "0/4", "--seed", "1"},
		{"diff", "--b", "sim", "--shard", "5/4", "--seed", "1"},
		{"diff", "--b", "sim", "--shard", "1/0", "--seed", "1"},
		{"diff", "--b", "sim", "--shard", "a/b", "--seed", "1"},
		{"diff", "--b", "sim", "--shard", "1/4"},
	} {
		code, out, errOut := runCLI(t, c...)
		if code != 2 || out != "" || !one.MatchString(errOut) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", c, code, out, errOut)
		}
	}
	dir := filepath.Join(t.TempDir(), "missing", "out.json")
	for _, c := range [][]string{{"props", "--sequences", "5", "--json", dir}, {"diff", "--b", "sim", "--count", "5", "--json", dir}} {
		if code, out, errOut := runCLI(t, c...); code != 2 || out != "" || !regexp.MustCompile(`^jpkisim: --json [^\n]*does not exist\n$`).MatchString(errOut) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", c, code, out, errOut)
		}
	}
}

func readOutcome(t *testing.T, path string) properties.Outcome {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var o properties.Outcome
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return o
}

// `props --shard K/N --json` for K = 1..4 writes outcomes that name their
// shard, the machine and the command, and that merge into the outcome the
// unsharded run with the same seed and S writes.
func TestPropsShardJSONMergesIntoTheWholeRun(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.json")
	code, out, errOut := runCLI(t, "props", "--seed", "77", "--sequences", "120", "--shards", "16", "--json", whole)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	w := readOutcome(t, whole)
	if w.Kind != "props" || w.Shard != nil || w.Ran() != 120 || len(w.SubShards) != 16 || !w.Passed || w.Machine == "" || !strings.HasPrefix(w.Command, "jpkisim ") {
		t.Fatalf("whole: %+v", w)
	}
	var parts []properties.Part
	for k := 1; k <= 4; k++ {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		// --shards left to its default with --shard: 4·N = 16, as above.
		code, out, errOut := runCLI(t, "props", "--seed", "77", "--sequences", "120", "--shard", fmt.Sprintf("%d/4", k), "--json", path)
		want := fmt.Sprintf("shard %d of 4: sub-shards %d,%d,%d,%d of 16", k, k-1, k+3, k+7, k+11)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("shard %d: exit %d, want %q in\n%s\n%s", k, code, want, out, errOut)
		}
		o := readOutcome(t, path)
		if o.Shard == nil || *o.Shard != (report.Shard{K: k, N: 4}) || o.Shards != 16 || o.Sequences != 120 {
			t.Fatalf("shard %d: %+v", k, o)
		}
		parts = append(parts, properties.Part{Source: path, Outcome: o})
	}
	m, err := properties.Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.SubShards, w.SubShards) || m.Ran() != w.Ran() || m.Passed != w.Passed || len(m.Parts) != 4 || m.Parts[2].Shard.K != 3 {
		t.Fatalf("merged %+v\nwhole %+v", m, w)
	}
	if _, err := properties.Merge(parts[1:]); err == nil || !strings.Contains(err.Error(), "shard 1/4 is missing") {
		t.Fatalf("a missing shard merged: %v", err)
	}
}

// `diff --shard K/N --json` for K = 1..3 compares the sequences the
// unsharded diff compares, once each.
func TestDiffShardJSONMergesIntoTheWholeRun(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.json")
	if code, out, errOut := runCLI(t, "diff", "--b", "sim", "--seed", "8", "--count", "30", "--json", whole); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	w := readOutcome(t, whole)
	if w.Kind != "diff" || len(w.Indices) != 30 || !w.Passed || w.Commands == 0 {
		t.Fatalf("whole: %+v", w)
	}
	var parts []properties.Part
	for k := 1; k <= 3; k++ {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		if code, out, errOut := runCLI(t, "diff", "--b", "sim", "--seed", "8", "--count", "30", "--shard", fmt.Sprintf("%d/3", k), "--json", path); code != 0 || !strings.Contains(out, fmt.Sprintf("shard %d of 3", k)) {
			t.Fatalf("shard %d: exit %d\n%s\n%s", k, code, out, errOut)
		}
		parts = append(parts, properties.Part{Source: path, Outcome: readOutcome(t, path)})
	}
	m, err := properties.Merge(parts)
	if err != nil || !slices.Equal(m.Indices, w.Indices) || m.Commands != w.Commands {
		t.Fatalf("merged %+v %v\nwhole %+v", m, err, w)
	}
}

// TestPropsBadShardSaysItOnce: a bad --shard of props or diff is one line
// that names the flag once, as run's (found by review: "--shard: --shard").
func TestPropsBadShardSaysItOnce(t *testing.T) {
	for _, c := range []string{"props", "diff"} {
		code, _, errOut := runCLI(t, c, "--shard", "0/2", "--seed", "1")
		if code != 2 || strings.Count(errOut, "--shard") != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s --shard 0/2: exit %d %q", c, code, errOut)
		}
	}
}
