package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The seed a report names replays the order of every target of the run:
// with --random -1 and two targets, both shuffle with the one seed the
// report gives.
func TestReportedSeedReplaysEveryTarget(t *testing.T) {
	dir := t.TempDir()
	var feature strings.Builder
	feature.WriteString("Feature: order\n")
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&feature, "\n  Scenario: s%d\n    Given the JPKI application is selected\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "order.feature"), []byte(feature.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	orders := func(random string) (string, [][]string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "r.xml")
		args := []string{"run", "--target", "sim,sim", "--features", dir, "--random", random, "--format", "junit:" + out}
		if code := run(args, io.Discard, io.Discard); code != 0 {
			t.Fatalf("run %v: exit %d", args, code)
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var j junitReport
		if err := xml.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		var per [][]string
		for _, s := range j.Suites {
			var names []string
			for _, c := range s.Cases {
				names = append(names, c.Name)
			}
			per = append(per, names)
		}
		if len(per) != 2 {
			t.Fatalf("%d suites, want one per target", len(per))
		}
		return j.property("seed"), per
	}
	seed, first := orders("-1")
	if seed == "" || seed == "0" {
		t.Fatalf("no seed in the report")
	}
	if !slices.Equal(first[0], first[1]) {
		t.Errorf("the two targets ran in different orders with the one seed %s:\n%v\n%v", seed, first[0], first[1])
	}
	_, again := orders(seed)
	for i := range first {
		if !slices.Equal(first[i], again[i]) {
			t.Errorf("target %d: --random %s ran %v, the run that reported it %v", i+1, seed, again[i], first[i])
		}
	}
}
