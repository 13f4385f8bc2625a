package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/report/reporttest"
)

// TestPCSCCertificationReports reads the reports scripts/certify-test.sh
// had `jpkisim certify` write through pcscd (JPKISIM_TEST_CERTIFY_DIR):
// each HTML report, rendered in headless Chromium, shows its verdict and
// its verdict table and fetches nothing; where a check failed, its
// transcript excerpt is on the page, open, with the first event the
// verdict names.
func TestPCSCCertificationReports(t *testing.T) {
	dir := os.Getenv("JPKISIM_TEST_CERTIFY_DIR")
	if dir == "" {
		t.Skip("JPKISIM_TEST_CERTIFY_DIR: scripts/certify-test.sh gives the reports of jpkisim certify through pcscd")
	}
	htmls, _ := filepath.Glob(filepath.Join(dir, "*.html"))
	if len(htmls) == 0 {
		t.Fatalf("no certification report in %s", dir)
	}
	for _, h := range htmls {
		t.Run(filepath.Base(h), func(t *testing.T) {
			b, err := os.ReadFile(strings.TrimSuffix(h, ".html") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var c report.Certification
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			var failed *report.CheckResult
			for i := range c.Checks {
				if c.Checks[i].Outcome == conformance.Failed {
					failed = &c.Checks[i]
					break
				}
			}
			p := reporttest.RenderCertificationInChromium(t, h)
			if len(p.Fetched) > 0 {
				t.Errorf("the report fetched %v", p.Fetched)
			}
			for _, name := range []string{"verdict", "checks"} {
				if s, _ := p.Section(name); !s.Visible {
					t.Errorf("%s not visible: %s", name, s.Why)
				}
			}
			if v, _ := p.Section("verdict"); !strings.HasPrefix(v.Text, c.Verdict()) {
				t.Errorf("the banner reads %q, the certification's verdict is %s", v.Text, c.Verdict())
			}
			if failed == nil {
				return
			}
			s, _ := p.Section("excerpt")
			if !s.Visible || len(s.Opened) != 0 {
				t.Fatalf("%s failed: its excerpt visible %v as the page loads (opened %v): %s", failed.ID, s.Visible, s.Opened, s.Why)
			}
			if len(failed.Seqs) > 0 && !strings.HasPrefix(s.Text, strconv.Itoa(failed.Seqs[0])) {
				t.Errorf("%s's excerpt starts %q, not with event %d", failed.ID, s.Text, failed.Seqs[0])
			}
		})
	}
}
