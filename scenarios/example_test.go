package scenarios_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/scenarios"
)

// Running the acceptance suite against the embedded virtual card, as
// `jpkisim run --tags @RETRY-06` does: each scenario on a fresh card of the
// profile. Status is godog's (0 every scenario passed); Ran counts the
// scenarios that started. Without Tags the whole suite runs; a Go test
// passes TestingT to run each scenario as a subtest (this package's
// TestFeatures does).
func ExampleExecute() {
	var out bytes.Buffer
	res := scenarios.Execute(scenarios.Config{
		Target:   sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)},
		Tags:     "@RETRY-06", // godog's filter: "~@destructive", "@a && ~@b", "@a,@b"
		Format:   "progress",  // or "pretty", "junit:report.xml", "cucumber:report.json", joined by commas
		Output:   &out,
		NoColors: true,
	})
	fmt.Println("status", res.Status, "ran", res.Ran)
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), " scenarios (") || strings.Contains(sc.Text(), " steps (") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// status 0 ran 12
	// 12 scenarios (12 passed)
	// 73 steps (73 passed)
}
