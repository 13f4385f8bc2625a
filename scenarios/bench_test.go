package scenarios

import (
	"io"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
)

// BenchmarkSuite runs the whole acceptance suite against the embedded card,
// as `jpkisim run` does, with its output discarded.
func BenchmarkSuite(b *testing.B) {
	target := harness.SimTarget{Profile: fixtures.MustProfile("default")}
	for b.Loop() {
		if status, _ := Run(Config{Target: target, Format: "progress", Output: io.Discard}); status != 0 {
			b.Fatalf("suite status %d", status)
		}
	}
}
