package scenarios

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/report"
)

// A user's feature that sends a raw VERIFY with the PIN in its text: the
// step's text, and a Scenario Outline's name made of it, reach the reports
// masked as the transcript masks the command (apdu.MaskedHex), also when
// the hex is malformed.
func TestReportsMaskPINsInStepText(t *testing.T) {
	const feature = `Feature: raw VERIFY

  Scenario: the auth PIN in the step
    Given the JPKI application is selected
    When I select EF 0018
    And I send "00 20 00 80 04 31 32 33 34"
    Then the status word is 9000

  Scenario: malformed, odd hex
    Given the JPKI application is selected
    When I send "0020008004 3132333"

  Scenario: the header step given the whole command
    Given the JPKI application is selected
    When I send "00 20 00 80 04 31 32 33 34" with the auth PIN as its data

  Scenario Outline: outline "<apdu>"
    Given the JPKI application is selected
    When I select EF 0018
    And I send "<apdu>"
    Then the status word is 9000

    Examples:
      | apdu                   |
      | 00:20:00:80:04:31323334 |
`
	fsys := fstest.MapFS{"raw.feature": {Data: []byte(feature)}}
	res := Execute(Config{Target: sim.Target{Profile: fixtures.MustProfile("default")}, FS: fsys, Format: "progress", Output: io.Discard})
	if len(res.Evidence.Scenarios) != 4 {
		t.Fatalf("%d scenarios in the evidence, want 4", len(res.Evidence.Scenarios))
	}
	if st := res.Evidence.Scenarios[2].Steps[1]; st.Status != report.Failed || st.Error == "" {
		t.Errorf("the header step given a whole command: %s %q, want an error", st.Status, st.Error)
	}
	run := report.Run{Targets: []report.TargetRun{res.Evidence}}
	var all bytes.Buffer
	if err := json.NewEncoder(&all).Encode(run); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJUnit(&all, run); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteCucumber(&all, run); err != nil {
		t.Fatal(err)
	}
	// The Cucumber embeddings are base64: they hold the (masked) transcript.
	flat := strings.NewReplacer(" ", "", ":", "").Replace(all.String())
	for _, pin := range []string{"31323334", "3132333"} {
		if strings.Contains(flat, pin) {
			t.Errorf("the reports hold the PIN's hex %s", pin)
		}
	}
	if !strings.Contains(all.String(), `I send \"0020008004XXXXXXXX\"`) {
		t.Errorf("the raw VERIFY step is not shown masked")
	}
}

// After the card is lost, the scenarios the run does not try are "not run"
// in the evidence (report.NotRun, "the card was lost earlier" in the JUnit
// report), not hundreds of failures: one scenario lost the card.
func TestScenariosAfterALostCardAreNotRun(t *testing.T) {
	target := &dyingTarget{Target: sim.Target{Profile: fixtures.MustProfile("default")}, left: 40}
	res := Execute(Config{Target: target, Format: "progress", Output: io.Discard})
	if res.Lost == nil {
		t.Fatal("the card was not lost")
	}
	sc := res.Evidence.Scenarios
	first := -1
	for i, s := range sc {
		if s.Status == report.NotRun && first < 0 {
			first = i
		}
		if first >= 0 && s.Status != report.NotRun {
			t.Errorf("scenario %d %q is %s after scenario %d was not run", i, s.Name, s.Status, first)
		}
	}
	if first < 1 || sc[first-1].Status != report.Failed || len(sc)-first < 100 {
		t.Fatalf("first scenario not run: %d of %d", first, len(sc))
	}
	var buf bytes.Buffer
	if err := report.WriteJUnit(&buf, report.Run{Targets: []report.TargetRun{res.Evidence}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "not run: the card was lost earlier") {
		t.Errorf("the JUnit report does not say why the scenarios did not run")
	}
}
