// Package features embeds the Gherkin acceptance features of jpkisim, so
// that `go test` and the jpkisim binary run the same text from anywhere.
//
// Scenarios are tagged with the rule IDs of rules.md (for example
// @RETRY-06), the field-report IDs of field-reports.md (@B12), and
// @destructive when a step spends PIN tries or changes a PIN.
package features

import "embed"

// FS holds every *.feature file at its root.
//
//go:embed *.feature
var FS embed.FS
