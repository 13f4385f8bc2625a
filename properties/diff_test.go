package properties

import (
	"bytes"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/simulator"
)

func TestDiffSameCardsAgree(t *testing.T) {
	a := sim.Target{Profile: fixtures.MustProfile("default")}
	var out bytes.Buffer
	res, err := Diff(DiffConfig{A: a, B: a, Seed: 1, Count: 200, Output: &out})
	if err != nil || !res.Same || res.Commands < 1000 {
		t.Fatalf("%+v %v\n%s", res, err, out.String())
	}
}

// A card that answers the retry counter differently must be found, with
// both transcripts in the report.
func TestDiffFindsADifference(t *testing.T) {
	p := *fixtures.MustProfile("default")
	q := p
	q.Behaviour = simulator.Behaviour{ReadPastEndEmptyOK: true}
	var out bytes.Buffer
	res, err := Diff(DiffConfig{A: sim.Target{Profile: &p}, B: sim.Target{Profile: &q}, Seed: 1, Count: 500, Output: &out})
	if err != nil || res.Same {
		t.Fatalf("no difference found: %+v %v", res, err)
	}
	report := out.String()
	if !strings.Contains(report, "DIFFERENCE in sequence") || !strings.Contains(report, "< 6B00") || !strings.Contains(report, "< 9000") {
		t.Fatalf("report:\n%s", report)
	}
	if strings.Contains(report, "31323334") || strings.Contains(report, "414243313233") {
		t.Fatal("a PIN in the report")
	}
}
