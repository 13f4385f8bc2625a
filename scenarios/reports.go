package scenarios

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/rules"
)

// ReportFormats are the formats of a format list that jpkisim writes itself
// from the run's evidence, after the run, with every target in one document
// (docs/reports.md): godog's formatters see one target at a time and carry
// no run identity.
var ReportFormats = map[string]func(io.Writer, report.Run) error{
	"junit":    report.WriteJUnit,
	"cucumber": report.WriteCucumber,
	// evidence is the run as data, which `jpkisim report merge` reads
	// (docs/sharding.md).
	"evidence": report.WriteEvidence,
}

// reportSpec is one report of a format list: its format and its file ("":
// stdout).
type reportSpec struct{ format, file string }

// splitFormats separates a godog format list into the console formats godog
// writes and the reports jpkisim writes.
func splitFormats(list string) (console []string, reports []reportSpec) {
	for _, f := range strings.Split(list, ",") {
		name, file, _ := strings.Cut(strings.TrimSpace(f), ":")
		if name == "" {
			continue
		}
		if _, ok := ReportFormats[name]; ok {
			reports = append(reports, reportSpec{name, file})
			continue
		}
		console = append(console, strings.TrimSpace(f))
	}
	return console, reports
}

// consoleFormats is the format list godog gets: the console formats, and
// the evidence collector.
func consoleFormats(list string) string {
	console, _ := splitFormats(list)
	return strings.Join(append(console, evidenceFormat), ",")
}

// ReportsToStdout reports whether a format list writes a report (JUnit,
// Cucumber JSON) to stdout, which then must hold nothing else: the CLI
// puts its summary line on stderr.
func ReportsToStdout(list string) bool {
	_, reports := splitFormats(list)
	for _, r := range reports {
		if r.file == "" {
			return true
		}
	}
	return false
}

// WriteReports writes every JUnit and Cucumber report the format list
// names — to its file, or to stdout when it names none. A file is written
// whole or not at all (a temporary file renamed over it), so that an
// interrupted run never leaves a truncated report.
func WriteReports(list string, run report.Run, stdout io.Writer) error {
	if stdout == nil {
		stdout = os.Stdout
	}
	_, reports := splitFormats(list)
	for _, r := range reports {
		write := ReportFormats[r.format]
		if r.file == "" {
			if err := write(stdout, run); err != nil {
				return fmt.Errorf("%s report: %w", r.format, err)
			}
			continue
		}
		if err := WriteFile(r.file, func(w io.Writer) error { return write(w, run) }); err != nil {
			return fmt.Errorf("%s report %s: %w", r.format, r.file, err)
		}
	}
	return nil
}

// WriteFile writes a report file whole: into a temporary file beside it,
// synced, then renamed over path.
func WriteFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone already after the rename
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Identity is the identity of a run that started at start with cfg and the
// seed it shuffled with.
func Identity(start time.Time, cfg Config, seed int64) report.Identity {
	where := "embedded"
	if cfg.FS != nil {
		where = "features given to the run"
	}
	return report.Identity{Tool: buildinfo.Get(), Started: start, Finished: time.Now(), Seed: seed, Tags: cfg.Tags, Features: where, Paths: cfg.Paths}
}

// Rules is the catalogue the reports' coverage matrix is drawn against:
// the rules (docs/rules.md), then the field reports (docs/field-reports.md),
// each with its statement and source (rules.Catalogue, rules.FieldReports).
func Rules() []report.Rule {
	var out []report.Rule
	for _, r := range append(rules.Catalogue(), rules.FieldReports()...) {
		out = append(out, report.Rule{ID: r.ID, Statement: r.Statement, Source: r.Source})
	}
	return out
}
