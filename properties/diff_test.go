package properties

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/model"
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

// The generator of diff (not destructive) sends no VERIFY with data and no
// PIN change in any application — CHANGE REFERENCE DATA, CHANGE KEY — and
// still reaches the four applications beside JPKI: their counter queries,
// reads, records, own keys and INTERNAL AUTHENTICATE.
func TestNonDestructiveGeneratorSpendsNothingAndCoversEveryApplication(t *testing.T) {
	g := generator{minLen: 2}
	m := runStateFor(t)
	gp := paramsWithSeed(3)
	reached := map[string]int{}
	for i := 0; i < 20000; i++ {
		df := m.st.s.DF
		o := g.gen(m)(gp).Result.(*op)
		m = o.NextState(m).(*runState)
		b := o.capdu
		if len(b) < 4 {
			continue
		}
		switch {
		case b[0]&0x80 == 0 && (b[1] == 0x20 || b[1] == 0x24) && len(b) > 4, b[0]&0x80 != 0 && b[1] == 0x32 && len(b) > 4:
			t.Fatalf("%s could spend a try or change a PIN", o)
		case b[0] == 0x80 && b[1] == 0xEE:
			t.Fatalf("%s: the restore is not for diff", o)
		}
		if df > model.AtJPKI {
			reached[fmt.Sprintf("DF %d %s", df, o.name)]++
		}
	}
	for _, k := range []string{"DF 2 VERIFY", "DF 3 VERIFY", "DF 4 VERIFY", "DF 5 VERIFY", "DF 2 READ BINARY", "DF 3 READ BINARY",
		"DF 4 READ RECORD", "DF 2 SIGN", "DF 3 SIGN", "DF 4 INTERNAL AUTHENTICATE", "DF 2 SET SESSION KEY"} {
		if reached[k] < 20 {
			t.Errorf("%q: %d of 20,000 commands", k, reached[k])
		}
	}
}
