// Package targetstest keeps tests away from PC/SC readers they did not
// create. `go test` never probes a reader it finds by itself: the readers a
// test may touch are those the PC/SC test script made and names in
// JPKISIM_TEST_READER and JPKISIM_TEST_REAL_READER, and every reader only
// when JPKISIM_TEST_REAL_CARDS=1 asks for the real-card pass (the guarded,
// non-destructive suite on each real JPKI card found), as go-tpm-tools and
// piv-go keep their hardware tests behind a flag (docs/design.md "PC/SC,
// targets and real cards"; README "Developing").
package targetstest

import (
	"os"
	"sort"

	"github.com/jpkisim/jpkisim/harness/pcsc"
	"github.com/jpkisim/jpkisim/targets"
)

// Environment variables of the tests.
const (
	// EnvRealCards set to 1 lets tests probe every reader and run the
	// guarded suite on the real JPKI cards they find.
	EnvRealCards = "JPKISIM_TEST_REAL_CARDS"
	// EnvReader names the reader of the test script's `jpkisim serve`.
	EnvReader = "JPKISIM_TEST_READER"
	// EnvRealReader names the test script's reader whose virtual card
	// poses as a real one.
	EnvRealReader = "JPKISIM_TEST_REAL_READER"
)

// RealCards reports whether JPKISIM_TEST_REAL_CARDS=1.
func RealCards() bool { return os.Getenv(EnvRealCards) == "1" }

// Created returns the readers the test script created, as named by
// JPKISIM_TEST_READER and JPKISIM_TEST_REAL_READER, sorted; none when
// neither is set.
func Created() []string {
	var names []string
	for _, v := range []string{EnvReader, EnvRealReader} {
		if r := os.Getenv(v); r != "" {
			names = append(names, r)
		}
	}
	sort.Strings(names)
	return names
}

// Readers is the reader list for tests (targets.Readers): with
// JPKISIM_TEST_REAL_CARDS=1 every reader pcscd knows; otherwise only
// Created(), without asking pcscd anything.
func Readers() ([]string, error) {
	if RealCards() {
		return pcsc.Readers()
	}
	return Created(), nil
}

// Install makes targets.FindReal use Readers; a package whose tests reach
// FindReal (directly or through `jpkisim run`) calls it from TestMain.
func Install() { targets.Readers = Readers }
