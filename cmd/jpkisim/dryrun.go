package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jpkisim/jpkisim/scenarios"
)

// dryRun prints, for run --dry-run, what the run would do on each target
// (scenarios.Plan): the scenarios it would start, by file:line and name,
// the groups it leaves out and why, and the steps no definition matches.
// It opens no card session: the targets were only resolved, which probes
// the readers. note is what the target resolution said (real cards
// skipped). Exit status: 0; 1 when a step is undefined (the run would
// fail); 2 for a filter refused on a target or a selection of nothing.
func dryRun(w io.Writer, runs []scenarios.Config, note, tags, featuresDir string, args []string) error {
	total, undefined := 0, 0
	for i, c := range runs {
		p, err := scenarios.Plan(c)
		if err != nil {
			if errors.Is(err, scenarios.ErrDestructiveRefused) {
				return usageError{fmt.Errorf("%s: %w", c.Target.Name(), err)}
			}
			return usageError{err}
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		kind := "a virtual card"
		switch {
		case p.Embedded:
			kind = "the embedded card"
		case !p.Virtual:
			kind = "a card that is not virtual"
		}
		filter := ""
		if p.Tags != "" {
			filter = fmt.Sprintf(", tags %q", p.Tags)
		}
		fmt.Fprintf(w, "target %s (%s): %d scenarios%s\n", p.Target, kind, len(p.Scenarios), filter)
		for _, s := range p.Scenarios {
			fmt.Fprintf(w, "  %s:%d  %s\n", s.URI, s.Line, s.Name)
		}
		for _, l := range p.LeftOut {
			fmt.Fprintf(w, "  left out: %s, %d scenarios: %s\n", l.Tag, l.Scenarios, l.Why)
		}
		for _, u := range p.Undefined {
			var near []string
			for _, c := range u.Closest {
				near = append(near, c.Example)
			}
			fmt.Fprintf(w, "  undefined step at %s:%d: %q (closest: %s)\n", u.URI, u.Line, u.Text, strings.Join(near, "; "))
		}
		total += len(p.Scenarios)
		undefined += len(p.Undefined)
	}
	line := fmt.Sprintf("dry run: %d scenarios on %d targets; no card session was opened", total, len(runs))
	if note != "" {
		line += " — " + note
	}
	fmt.Fprintln(w, line)
	switch {
	case undefined > 0:
		return fmt.Errorf("dry run: %d undefined steps; the run would fail", undefined)
	case total == 0:
		return usageError{noScenario(featuresDir, tags, args)}
	}
	return nil
}
