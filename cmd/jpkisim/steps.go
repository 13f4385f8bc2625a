package main

import (
	"fmt"
	"io"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/scenarios"
	"github.com/spf13/cobra"
)

func newStepsCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "steps",
		Short: "List the step phrases a feature can use",
		Long: `List the step phrases a feature can use, one per line, as the regular
expressions they are matched with: (a|b) is a choice, (\d+) a number,
([0-9A-Fa-f]{4}) a FID. Given, When, Then, And and But all match any phrase.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, p := range scenarios.StepPhrases() {
				fmt.Fprintln(stdout, p)
			}
			return nil
		},
	}
}

func newProfilesCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "profiles",
		Short: "List the card profiles",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, n := range fixtures.ProfileNames() {
				p, err := fixtures.Profile(n)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%-24s %s\n", n, p.Description)
			}
			return nil
		},
	}
}
