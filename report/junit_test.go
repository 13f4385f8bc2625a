package report_test

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/scenarios"
)

// junitDoc is the part of a JUnit document the tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Status    string `xml:"status,attr"`
			Line      int    `xml:"line,attr"`
			Failure   *struct {
				Body string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// A failing scenario followed by passing steps' results used to come out of
// godog's JUnit formatter as passed; ours must mark it failed, count it, and
// carry the masked transcript in the body; every case, passed ones too,
// carries its transcript, and every suite the run's identity.
func TestJUnitMarksFailedScenarios(t *testing.T) {
	fsys := fstest.MapFS{"f.feature": {Data: []byte(`Feature: junit check
  @RETRY-06
  Scenario: passes
    Given the JPKI application is selected
    When I query the retry counter of the auth PIN
    Then the status word is 63C3

  Scenario: fails in the middle
    Given the JPKI application is selected
    When I verify the auth PIN with a wrong value
    Then the status word is 9000
    And the auth PIN has 2 tries left

  Scenario: fails at the end
    Given the JPKI application is selected
    When I verify the auth PIN with the correct value
    Then the status word is 6982
`)}}
	report := filepath.Join(t.TempDir(), "r.xml")
	status, ran := scenarios.Run(scenarios.Config{
		Target: sim.Target{Profile: fixtures.MustProfile("default")},
		Format: "progress,junit:" + report,
		Output: io.Discard,
		FS:     fsys,
	})
	if status != 1 || ran != 3 {
		t.Fatalf("status %d, ran %d", status, ran)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 3 || doc.Failures != 2 || len(doc.Suites) != 1 {
		t.Fatalf("tests %d failures %d suites %d:\n%s", doc.Tests, doc.Failures, len(doc.Suites), raw)
	}
	want := map[string]string{"passes": "passed", "fails in the middle": "failed", "fails at the end": "failed"}
	for _, c := range doc.Suites[0].Cases {
		if c.Status != want[c.Name] {
			t.Errorf("%q: status %q, want %q", c.Name, c.Status, want[c.Name])
		}
		if c.Status == "failed" && (c.Failure == nil || !strings.Contains(c.Failure.Body, "0020008004XXXXXXXX")) {
			t.Errorf("%q: failure without the masked trace: %+v", c.Name, c.Failure)
		}
		if c.Classname != "junit check" {
			t.Errorf("%q: classname %q", c.Name, c.Classname)
		}
		if !strings.Contains(c.SystemOut, "> 00A4040C0AD392F000260100000001") || !strings.Contains(c.SystemOut, "power-on ATR") || c.Line == 0 {
			t.Errorf("%q (line %d): no transcript in system-out:\n%s", c.Name, c.Line, c.SystemOut)
		}
	}
	props := map[string]string{}
	for _, p := range doc.Suites[0].Properties {
		props[p.Name] = p.Value
	}
	for _, name := range []string{"target", "profile", "version", "started", "tags", "go"} {
		if props[name] == "" && name != "tags" {
			t.Errorf("property %q missing or empty: %v", name, props)
		}
	}
	if props["target"] != "sim:default" || props["profile"] != "default" {
		t.Errorf("properties %v", props)
	}
	if strings.Contains(string(raw), "31323334") {
		t.Fatal("the auth PIN is in the report")
	}
	if !strings.Contains(string(raw), `<property name="tags" value="@RETRY-06">`) {
		t.Fatal("tags missing from the report")
	}
}
