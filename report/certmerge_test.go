package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/report/reporttest"
)

// certShards splits the sample certification's runs into one shard per
// run, each check's verdicts with its run.
func certShards() []report.CertPart {
	c := reporttest.SampleCertification()
	n := len(c.Runs)
	var parts []report.CertPart
	for k := 1; k <= n; k++ {
		p := c
		p.Identity.Shard, p.Identity.Machine = report.Shard{K: k, N: n}, "node"
		p.Runs = c.Runs[k-1 : k]
		p.Checks = nil
		for _, ck := range c.Checks {
			ck.PerRun = ck.PerRun[k-1 : k]
			ck.Decide(p.Runs)
			p.Checks = append(p.Checks, ck)
		}
		parts = append(parts, report.CertPart{Source: "cert-" + string(rune('0'+k)) + ".json", Cert: p})
	}
	return parts
}

// TestMergeCertifications: the shards' runs together and every check
// decided again over all of them give the whole certification's verdicts.
func TestMergeCertifications(t *testing.T) {
	whole := reporttest.SampleCertification()
	m, err := report.MergeCertifications(certShards())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Runs) != len(whole.Runs) || m.Verdict() != whole.Verdict() || len(m.Shards) != len(whole.Runs) {
		t.Fatalf("%d runs, verdict %s, %d shards", len(m.Runs), m.Verdict(), len(m.Shards))
	}
	for i, ck := range m.Checks {
		w := whole.Checks[i]
		w.Decide(whole.Runs) // the sample's own outcome, decided as merge does
		if ck.Outcome != w.Outcome || ck.Run != w.Run || ck.Reason != w.Reason {
			t.Errorf("%s: merged %s run %d %q, whole %s run %d %q", ck.ID, ck.Outcome, ck.Run, ck.Reason, w.Outcome, w.Run, w.Reason)
		}
	}
	if m.Runs[1].Shard != (report.Shard{K: 2, N: 3}) {
		t.Errorf("run 2 ran on shard %v", m.Runs[1].Shard)
	}
	// The file round-trips.
	var b bytes.Buffer
	if err := report.WriteCertificationJSON(&b, m); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadCertification(&b)
	if err != nil || back.Verdict() != m.Verdict() || len(back.Runs) != len(m.Runs) {
		t.Fatalf("read back: %v", err)
	}
	if _, err := report.ReadCertification(strings.NewReader(`{"format":"jpkisim-run","version":1}`)); err == nil {
		t.Error("an evidence file read as a certification")
	}
}

func TestMergeCertificationsRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		parts func() []report.CertPart
		want  string
	}{
		"missing": {func() []report.CertPart { return certShards()[1:] }, "shard 1/3 is missing"},
		"twice":   {func() []report.CertPart { p := certShards(); return append(p, p[0]) }, "shard 1/3 is given 2 times"},
		"client": {func() []report.CertPart {
			p := certShards()
			p[2].Cert.Client = "other-client"
			return p
		}, "different clients"},
		"profile": {func() []report.CertPart {
			p := certShards()
			p[0].Cert.Profile = conformance.Kiosk
			return p
		}, "different conformance profiles"},
		"a run in two shards": {func() []report.CertPart {
			p := certShards()
			p[1].Cert.Runs = append(p[1].Cert.Runs, p[0].Cert.Runs[0])
			for i := range p[1].Cert.Checks {
				p[1].Cert.Checks[i].PerRun = append(p[1].Cert.Checks[i].PerRun, p[0].Cert.Checks[i].PerRun[0])
			}
			return p
		}, "in shards 1/3 and 2/3"},
		"verdicts not one a run": {func() []report.CertPart {
			p := certShards()
			p[2].Cert.Checks[0].PerRun = nil
			return p
		}, "cert-3.json: check " + certShards()[0].Cert.Checks[0].ID + " has 0 verdicts for 1 runs"},
		"not a shard": {func() []report.CertPart {
			p := certShards()
			p[0].Cert.Identity.Shard = report.Shard{}
			return p
		}, "is not a shard"},
	} {
		_, err := report.MergeCertifications(c.parts())
		if !errors.Is(err, report.ErrMerge) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// TestMergedCertificationHTMLSaysWhere: the merged certification's page
// names the shards and the shard and machine of each run.
func TestMergedCertificationHTMLSaysWhere(t *testing.T) {
	m, err := report.MergeCertifications(certShards())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteCertificationHTML(&b, m); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{"<th>shards</th>", "cert-2.json", "<th>made on</th><td>shard 2/3 on node</td>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the merged certification's page has no %q", want)
		}
	}
}
