package main

import (
	"os"
	"testing"

	"github.com/jpkisim/jpkisim/targets/targetstest"
)

// TestMain keeps `jpkisim run`'s automatic real-card check, which these
// tests reach, on the readers the PC/SC test script created, or on every
// reader with JPKISIM_TEST_REAL_CARDS=1 (package targetstest).
//
// With JPKISIM_TEST_AS_CLI=1 the test binary is jpkisim itself, so that a
// test can run a command such as serve as a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("JPKISIM_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	targetstest.Install()
	os.Exit(m.Run())
}
