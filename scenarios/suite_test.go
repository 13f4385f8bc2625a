package scenarios

import (
	"flag"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/targets"
	"github.com/jpkisim/jpkisim/targets/targetstest"
)

var (
	tags    = flag.String("godog.tags", "", "godog tag filter for TestFeatures, e.g. @RETRY-06 or ~@destructive")
	format  = flag.String("godog.format", "progress", "godog formatter for TestFeatures")
	profile = flag.String("profile", fixtures.DefaultProfile, "card profile of the embedded virtual card")
)

// TestFeatures runs every embedded feature against a fresh virtual card per
// scenario, each scenario as a subtest.
func TestFeatures(t *testing.T) {
	p, err := fixtures.Profile(*profile)
	if err != nil {
		t.Fatal(err)
	}
	status, ran := Run(Config{
		Target:   sim.Target{Profile: p},
		Tags:     *tags,
		Format:   *format,
		TestingT: t,
		NoColors: true,
	})
	if status != 0 {
		t.Fatalf("acceptance suite failed with status %d", status)
	}
	if ran == 0 {
		t.Fatalf("no scenario matched tags %q", *tags)
	}
	t.Logf("sim:%s: %d scenarios ran", p.Name, ran)

	// With JPKISIM_TEST_REAL_CARDS=1, every real JPKI card attached to the
	// machine is checked too, with the scenarios that cannot spend a try
	// (and, without JPKISIM_AUTH_PIN and JPKISIM_SIGN_PIN, none that
	// presents a PIN). Otherwise only the readers the PC/SC test script
	// created are probed (TestMain).
	reals, note := targets.FindReal()
	if !targetstest.RealCards() {
		note += "; other readers not probed: set " + targetstest.EnvRealCards + "=1 for the real-card pass"
	}
	if len(reals) == 0 {
		t.Log(note)
		return
	}
	for _, r := range reals {
		rt, err := targets.PCSC(r.Reader, targets.Options{})
		if err != nil {
			t.Errorf("%s: %v", r.Reader, err)
			continue
		}
		t.Run(rt.Name(), func(t *testing.T) {
			status, ran := Run(Config{Target: rt, Tags: *tags, Format: *format, TestingT: t, NoColors: true})
			if status != 0 {
				t.Fatalf("acceptance suite failed on %s with status %d", rt.Name(), status)
			}
			t.Logf("%s: %d non-destructive scenarios ran", rt.Name(), ran)
		})
	}
}

func TestValidateTags(t *testing.T) {
	for _, ok := range []string{"", "@RETRY-06", "~@destructive", "@a && ~@b", "@a,@b", "@CERT-10 && ~@destructive,@B12", "not @x", "@a and @b", "(@a)"} {
		if err := ValidateTags(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"not", "@x && ", "@a and", "(@a", "RETRY-06", "@a,", "@"} {
		if err := ValidateTags(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
