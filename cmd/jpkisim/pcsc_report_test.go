package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/report/reporttest"
	"github.com/jpkisim/jpkisim/rules"
)

// TestPCSCReportOfARunThroughPCSCD reads the reports of the run
// scripts/pcsc-test.sh made of the embedded card and of `jpkisim serve`
// through pcscd (`run --target sim,pcsc:READER --report …`, with the real
// binary, so that the commit is stamped): the HTML report renders in
// headless Chromium with its summary, a transcript and the coverage matrix
// visible; every rule is covered on some target; the JUnit and Cucumber
// reports name target, profile, version and commit, and the pcscd target's
// transcripts show the PC/SC connection (docs/reports.md).
func TestPCSCReportOfARunThroughPCSCD(t *testing.T) {
	dir := os.Getenv("JPKISIM_TEST_REPORT_DIR")
	if dir == "" {
		t.Skip("JPKISIM_TEST_REPORT_DIR names the reports of a run through pcscd (scripts/pcsc-test.sh)")
	}
	page := reporttest.CheckInChromium(t, filepath.Join(dir, "run.html"))
	if len(page.Problems()) > 0 {
		t.Fatalf("the HTML report: %v", page.Problems())
	}

	raw, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c cucumberReport
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	var targets []string
	seen := map[string]bool{}
	for _, f := range c {
		for _, k := range []string{"target", "profile"} {
			if v, _ := f.Metadata[k].(string); v == "" {
				t.Errorf("feature %s: metadata %s empty", f.Name, k)
			}
		}
		tool, _ := f.Metadata["tool"].(map[string]any)
		if tool["version"] == "" || tool["commit"] == "" || tool["commit"] == nil {
			t.Errorf("feature %s: tool %v without version or commit", f.Name, tool)
		}
		if tg, _ := f.Metadata["target"].(string); !seen[tg] {
			seen[tg] = true
			targets = append(targets, tg)
		}
		for _, e := range f.Elements {
			passed := true
			for _, s := range e.Steps {
				passed = passed && s.Result.Status == "passed"
			}
			for _, tag := range e.Tags {
				if passed {
					covered[strings.TrimPrefix(tag.Name, "@")] = true
				}
			}
		}
	}
	if len(targets) != 2 || !strings.HasPrefix(targets[1], "pcsc:") {
		t.Fatalf("targets %v: want the embedded card and the card in a reader", targets)
	}
	for _, r := range append(rules.Catalogue(), rules.FieldReports()...) {
		if !covered[r.ID] {
			t.Errorf("%s is covered by no passed scenario on any target", r.ID)
		}
	}

	raw, err = os.ReadFile(filepath.Join(dir, "run.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var j junitReport
	if err := xml.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if j.property("commit") == "" || j.property("version") == "" || j.property("reader") == "" {
		t.Errorf("JUnit properties without commit, version or reader")
	}
	connected := false
	for _, s := range j.Suites {
		for _, tc := range s.Cases {
			connected = connected || strings.Contains(tc.SystemOut, " connect ATR ")
		}
	}
	if !connected {
		t.Error("no transcript of the pcscd target shows its PC/SC connection")
	}
}
