package scenarios

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
)

// BenchmarkSuite runs the whole acceptance suite against the embedded card,
// as `jpkisim run` does, with its output kept aside; it reports the
// scenarios and steps one op ran.
func BenchmarkSuite(b *testing.B) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	var out bytes.Buffer
	ran := 0
	for b.Loop() {
		out.Reset()
		var status int
		if status, ran = Run(Config{Target: target, Format: "progress", Output: &out}); status != 0 {
			b.Fatalf("suite status %d", status)
		}
	}
	// What one op is, in the benchmark's own line (docs/benchmarks.md).
	b.ReportMetric(float64(ran), "scenarios/op")
	if m := regexp.MustCompile(`(\d+) steps`).FindSubmatch(out.Bytes()); m != nil {
		steps, _ := strconv.Atoi(string(m[1]))
		b.ReportMetric(float64(steps), "steps/op")
	}
}
