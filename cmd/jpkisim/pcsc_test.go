package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// These run against the PC/SC stack of scripts/pcsc-test.sh: the reader in
// JPKISIM_TEST_REAL_READER holds a virtual card posing as a real one.
func realReader(t *testing.T) string {
	t.Helper()
	r := os.Getenv("JPKISIM_TEST_REAL_READER")
	if r == "" {
		t.Skip("JPKISIM_TEST_REAL_READER not set: run scripts/pcsc-test.sh (make test) for the PC/SC stack")
	}
	return r
}

func TestRealCardAutoRunIsNonDestructive(t *testing.T) {
	r := realReader(t)
	for _, v := range []string{"JPKISIM_AUTH_PIN", "JPKISIM_SIGN_PIN"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)  // no PINs at all: set but empty is an error
	}
	code, out, errOut := runCLI(t, "run", "--format", "progress")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	m := regexp.MustCompile(`targets: sim:default: (\d+) scenarios passed; pcsc:` + regexp.QuoteMeta(r) + `: (\d+) scenarios passed`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary does not name both targets:\n%s", out[max(0, len(out)-400):])
	}
	sim, _ := strconv.Atoi(m[1])
	real, _ := strconv.Atoi(m[2])
	if real == 0 || real >= sim {
		t.Fatalf("the real-card run ran %d scenarios of %d: destructive ones were not left out", real, sim)
	}
}

func TestRealCardGuardRefusals(t *testing.T) {
	r := realReader(t)
	code, _, errOut := runCLI(t, "run", "--target", "pcsc:"+r, "--tags", "@destructive")
	if code != 2 || !strings.Contains(errOut, "--allow-destructive") {
		t.Fatalf("@destructive on a real card: exit %d, %q", code, errOut)
	}
	code, out, errOut := runCLI(t, "apdu", "--target", "pcsc:"+r,
		"00A4040C0AD392F000260100000001", "00A4020C020018", "002000800439393939")
	if code != 4 || !strings.Contains(errOut, "refused by the real-card guard") || strings.Contains(errOut, "39393939") {
		t.Fatalf("wrong VERIFY on a real card: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "apdu", "--target", "pcsc:"+r, "00A4040C0AD392F000260100000001", "00A4020C020018", "00200080")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "63C3") {
		t.Fatalf("the counter query: exit %d, %q (a try was spent?)", code, out)
	}
}

func TestPCSCTargetErrors(t *testing.T) {
	realReader(t)
	code, _, errOut := runCLI(t, "apdu", "--target", "pcsc:No Such Reader", "00A40000")
	if code != 3 || !strings.HasPrefix(errOut, "jpkisim: ") {
		t.Fatalf("unknown reader: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "apdu", "--target", "bogus", "00A40000")
	if code != 2 {
		t.Fatalf("bad target: exit %d, %q", code, errOut)
	}
}
