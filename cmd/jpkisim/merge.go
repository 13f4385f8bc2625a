package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/properties"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/scenarios"
)

func newReportCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Work with the reports of runs: merge the shards of a split run",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError{errors.New("report: give a subcommand (merge)")}
		},
	}
	cmd.AddCommand(newMergeCmd(stdout))
	return cmd
}

func newMergeCmd(stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge --out DIR SHARD-FILE...",
		Short: "Merge the reports of the N shards of one run or certification into one",
		Long: `Merge the shards of one run split with --shard K/N (docs/sharding.md): each
shard's evidence file (run --format evidence:FILE) goes in, one set of reports
comes out in DIR — junit.xml, cucumber.json, report.html (one coverage matrix)
and evidence.json, the merged run — with the shard and machine each scenario ran
on. The --json files of certify --shard K/N merge the same way into
certification.html and certification.json, every check decided again over all
the runs. Refused, exit 2, naming every problem: a missing shard, a shard given
twice, shards of different versions, commits, feature sets, tag filters, seeds
or targets (a certification: clients, profiles, PIN roles), files of different
kinds, or a file that is no jpkisim report. Exit 1 when a merged scenario
failed, a shard was interrupted, or the merged certification is not a pass; 0
otherwise.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("merge: --out DIR is required")}
			}
			if st, err := os.Stat(out); err == nil && !st.IsDir() {
				return usageError{fmt.Errorf("merge: --out %s is not a directory", out)}
			}
			files := map[string][]byte{}
			kinds := map[string][]string{}
			for _, path := range args {
				b, err := os.ReadFile(path)
				if err != nil {
					return usageError{err}
				}
				files[path] = b
				k := reportKind(b)
				kinds[k] = append(kinds[k], path)
			}
			if len(kinds) > 1 {
				var say []string
				for _, k := range slices.Sorted(maps.Keys(kinds)) {
					say = append(say, fmt.Sprintf("%s: %s", kindName(k), strings.Join(kinds[k], ", ")))
				}
				return usageError{fmt.Errorf("merge: the files are of different kinds (%s)", strings.Join(say, "; "))}
			}
			switch reportKind(files[args[0]]) {
			case report.EvidenceFormat:
				return mergeRuns(stdout, out, args, files)
			case report.CertificationFormat:
				return mergeCertifications(stdout, out, args, files)
			case "props", "diff":
				return mergeOutcomes(stdout, out, args, files)
			}
			_, err := report.ReadEvidence(bytes.NewReader(files[args[0]]))
			return usageError{fmt.Errorf("%s: %w", args[0], err)}
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the merged reports (created when missing)")
	return cmd
}

// reportKind is the "format" field of a report file — or the "kind" of a
// props or diff outcome (properties.Outcome) —, "" when it has neither.
func reportKind(b []byte) string {
	var head struct {
		Format string `json:"format"`
		Kind   string `json:"kind"`
	}
	_ = json.Unmarshal(b, &head)
	if head.Format == "" && (head.Kind == "props" || head.Kind == "diff") {
		return head.Kind
	}
	return head.Format
}

// mergeOutcomes merges the --json files of the shards of a props or diff
// run into DIR/props.json or DIR/diff.json (properties.Merge).
func mergeOutcomes(stdout io.Writer, out string, args []string, files map[string][]byte) error {
	var parts []properties.Part
	for _, path := range args {
		o, err := properties.ReadOutcome(bytes.NewReader(files[path]))
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", path, err)}
		}
		parts = append(parts, properties.Part{Source: path, Outcome: o})
	}
	m, err := properties.Merge(parts)
	if err != nil {
		return usageError{err}
	}
	name := m.Kind + ".json"
	if err := writeAll(out, map[string]func(io.Writer) error{name: func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(m)
	}}); err != nil {
		return err
	}
	verdict := "passed"
	if !m.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(stdout, "merged %d shards of %s seed %d: %d sequences %s; %s\n", len(parts), m.Kind, m.Seed, m.Ran(), verdict, filepath.Join(out, name))
	if !m.Passed {
		return exitError{exitFailed}
	}
	return nil
}

func kindName(k string) string {
	if k == "" {
		return "not a jpkisim report"
	}
	return k
}

// mergeRuns merges the evidence files of a run's shards into DIR.
func mergeRuns(stdout io.Writer, out string, args []string, files map[string][]byte) error {
	var parts []report.Part
	for _, path := range args {
		run, err := report.ReadEvidence(bytes.NewReader(files[path]))
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", path, err)}
		}
		parts = append(parts, report.Part{Source: path, Run: run})
	}
	run, err := report.Merge(parts)
	if err != nil {
		return usageError{err}
	}
	if err := writeAll(out, map[string]func(io.Writer) error{
		"junit.xml":     func(w io.Writer) error { return report.WriteJUnit(w, run) },
		"cucumber.json": func(w io.Writer) error { return report.WriteCucumber(w, run) },
		"report.html":   func(w io.Writer) error { return report.WriteHTML(w, run) },
		"evidence.json": func(w io.Writer) error { return report.WriteEvidence(w, run) },
	}); err != nil {
		return err
	}
	total, failed := 0, 0
	for _, t := range run.Targets {
		for _, s := range t.Scenarios {
			total++
			if s.Status.Fails() { // as in the whole run: undefined, pending, ambiguous too
				failed++
			}
		}
	}
	fmt.Fprintf(stdout, "merged %d shards: %d scenarios, %d failed; reports in %s\n", len(parts), total, failed, out)
	if failed > 0 || run.Interrupted != "" || slices.ContainsFunc(run.Targets, func(t report.TargetRun) bool { return t.Lost != "" }) {
		return exitError{exitFailed}
	}
	return nil
}

// mergeCertifications merges the --json files of a certification's
// shards into DIR.
func mergeCertifications(stdout io.Writer, out string, args []string, files map[string][]byte) error {
	var parts []report.CertPart
	for _, path := range args {
		c, err := report.ReadCertification(bytes.NewReader(files[path]))
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", path, err)}
		}
		parts = append(parts, report.CertPart{Source: path, Cert: c})
	}
	c, err := report.MergeCertifications(parts)
	if err != nil {
		return usageError{err}
	}
	if err := writeAll(out, map[string]func(io.Writer) error{
		"certification.html": func(w io.Writer) error { return report.WriteCertificationHTML(w, c) },
		"certification.json": func(w io.Writer) error { return report.WriteCertificationJSON(w, c) },
	}); err != nil {
		return err
	}
	printVerdicts(stdout, c)
	fmt.Fprintf(stdout, "merged %d shards of the certification; reports in %s\n", len(parts), out)
	if c.Verdict() != report.Certified {
		return exitError{exitFailed}
	}
	return nil
}

// writeAll writes each named file into dir (created when missing), each
// whole or not at all.
func writeAll(dir string, files map[string]func(io.Writer) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := scenarios.WriteFile(filepath.Join(dir, name), files[name]); err != nil {
			return err
		}
	}
	return nil
}
