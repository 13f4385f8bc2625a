package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/report/reporttest"
)

// TestEvidenceRoundTrip: a run read back from its evidence file writes the
// same JUnit, Cucumber and HTML reports as the run itself.
func TestEvidenceRoundTrip(t *testing.T) {
	run := reporttest.Sample()
	run.Identity.Shard, run.Identity.Machine, run.Identity.FeaturesDigest = report.Shard{K: 2, N: 4}, "ci-7", "ab12"
	var b bytes.Buffer
	if err := report.WriteEvidence(&b, run); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadEvidence(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]func(*bytes.Buffer, report.Run) error{
		"junit":    func(b *bytes.Buffer, r report.Run) error { return report.WriteJUnit(b, r) },
		"cucumber": func(b *bytes.Buffer, r report.Run) error { return report.WriteCucumber(b, r) },
		"html":     func(b *bytes.Buffer, r report.Run) error { return report.WriteHTML(b, r) },
	} {
		var x, y bytes.Buffer
		if err := w(&x, run); err != nil {
			t.Fatal(err)
		}
		if err := w(&y, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Errorf("%s differs after the evidence file", name)
		}
	}
	if back.Identity.Shard != (report.Shard{K: 2, N: 4}) || back.Identity.Machine != "ci-7" {
		t.Errorf("identity %+v", back.Identity)
	}
	for _, bad := range []string{"", "{}", `{"format":"jpkisim-transcript","version":1}`, `{"format":"jpkisim-run","version":9}`} {
		if _, err := report.ReadEvidence(strings.NewReader(bad)); err == nil {
			t.Errorf("read %q", bad)
		}
	}
}
