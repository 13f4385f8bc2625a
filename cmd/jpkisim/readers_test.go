package main

import (
	"os"
	"testing"

	"github.com/jpkisim/jpkisim/targets/targetstest"
)

// TestMain keeps `jpkisim run`'s automatic real-card check, which these
// tests reach, on the readers the PC/SC test script created, or on every
// reader with JPKISIM_TEST_REAL_CARDS=1 (package targetstest).
func TestMain(m *testing.M) {
	targetstest.Install()
	os.Exit(m.Run())
}
