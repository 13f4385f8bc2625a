package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/scenarios"
	"github.com/spf13/cobra"
)

func newStepsCmd(stdout io.Writer) *cobra.Command {
	var asRegexp, asJSON bool
	cmd := &cobra.Command{
		Use:   "steps",
		Short: "List the step phrases a feature can use, by area, with a description and an example",
		Long: `List the step phrases a feature can use, grouped by area (the files
scenarios/steps_<area>.go), each with what it does and an example taken from the
embedded features (with its file:line). A phrase is the regular expression it is
matched with: (a|b) is a choice, (\d+) a number, ([0-9A-Fa-f]{4}) a FID. Given,
When, Then, And and But all match any phrase. [@embedded] and [@profile] mark the
phrases that need the embedded card: a scenario using one must carry that tag,
and is left out on a card in a reader.

--regexp prints the regular expressions alone, one per line, for scripts; --json
prints [{"area", "regexp", "description", "example", "example_at", "needs",
"func"}]. A step of your own feature that matches no phrase fails the run, which
names the closest phrases.`,
		Example: `  jpkisim steps
  jpkisim steps --regexp | grep -i verify
  jpkisim steps --json | jq -r '.[] | select(.needs != "") | .regexp'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asRegexp && asJSON {
				return usageError{fmt.Errorf("--regexp and --json: give one")}
			}
			cat := scenarios.StepCatalogue()
			switch {
			case asRegexp:
				for _, s := range cat {
					fmt.Fprintln(stdout, s.Regexp)
				}
				return nil
			case asJSON:
				b, err := json.MarshalIndent(cat, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			for i, a := range scenarios.StepAreas {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				fmt.Fprintf(stdout, "%s: %s\n", a.Name, a.Title)
				for _, s := range cat {
					if s.Area != a.Name {
						continue
					}
					mark := ""
					if s.Needs != "" {
						mark = "[" + s.Needs + "] "
					}
					fmt.Fprintf(stdout, "  %s%s\n      %s\n", mark, s.Regexp, s.Description)
					if s.Example != "" {
						fmt.Fprintf(stdout, "      e.g. %s   (%s)\n", s.Example, s.ExampleAt)
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asRegexp, "regexp", false, "print the regular expressions alone, one per line")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the catalogue as JSON")
	return cmd
}

func newProfilesCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:     "profiles",
		Short:   "List the card profiles",
		Example: "  jpkisim profiles\n  jpkisim run --profile t0",
		Args:    usageArgs(cobra.NoArgs),
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
