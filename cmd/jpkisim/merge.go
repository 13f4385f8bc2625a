package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

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
		Use:   "merge --out DIR SHARD-EVIDENCE...",
		Short: "Merge the evidence files of the N shards of one run into one set of reports",
		Long: `Merge the shards of one run split with --shard K/N (docs/sharding.md): each
shard's evidence file (run --format evidence:FILE) goes in, one set of reports
comes out in DIR — junit.xml, cucumber.json, report.html (one coverage matrix)
and evidence.json, the merged run — with the shard and machine each scenario ran
on. Refused, exit 2, naming every problem: a missing shard, a shard given twice,
shards of different versions, commits, feature sets, tag filters, seeds or
targets, or a file that is not evidence. Exit 1 when a merged scenario failed
(or a shard was interrupted), 0 when every one passed.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("merge: --out DIR is required")}
			}
			var parts []report.Part
			for _, path := range args {
				b, err := os.ReadFile(path)
				if err != nil {
					return usageError{err}
				}
				run, err := report.ReadEvidence(bytes.NewReader(b))
				if err != nil {
					return usageError{fmt.Errorf("%s: %w", path, err)}
				}
				parts = append(parts, report.Part{Source: path, Run: run})
			}
			run, err := report.Merge(parts)
			if err != nil {
				return usageError{err}
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for name, write := range map[string]func(io.Writer, report.Run) error{
				"junit.xml":     report.WriteJUnit,
				"cucumber.json": report.WriteCucumber,
				"report.html":   report.WriteHTML,
				"evidence.json": report.WriteEvidence,
			} {
				if err := scenarios.WriteFile(filepath.Join(out, name), func(w io.Writer) error { return write(w, run) }); err != nil {
					return err
				}
			}
			total, failed := 0, 0
			for _, t := range run.Targets {
				for _, s := range t.Scenarios {
					total++
					if s.Status == report.Failed {
						failed++
					}
				}
			}
			fmt.Fprintf(stdout, "merged %d shards: %d scenarios, %d failed; reports in %s\n", len(parts), total, failed, out)
			if failed > 0 || run.Interrupted != "" {
				return exitError{exitFailed}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the merged reports (created when missing)")
	return cmd
}
