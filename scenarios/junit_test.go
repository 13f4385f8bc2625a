package scenarios

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
)

// A failing scenario followed by passing steps' results used to come out of
// godog's JUnit formatter as passed; ours must mark it failed, count it, and
// carry the masked APDU trace in the body.
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
	status, ran := Run(Config{
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
	var doc xmlSuites
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
	}
	if strings.Contains(string(raw), "31323334") {
		t.Fatal("the auth PIN is in the report")
	}
	if !strings.Contains(string(raw), `value="@RETRY-06"`) {
		t.Fatal("tags missing from the report")
	}
}

func TestMapFormats(t *testing.T) {
	if got := mapFormats("progress,junit:a.xml,cucumber:b.json,junit"); got != "progress,jpkisim-junit:a.xml,cucumber:b.json,jpkisim-junit" {
		t.Fatal(got)
	}
}
