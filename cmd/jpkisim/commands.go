package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandTree is what `jpkisim commands --json` prints: every command path
// of the CLI with its flags, for the test that checks the example CI and
// Kubernetes files of docs/engines/ against the real flags (docs/sharding.md,
// "Engines").
type commandTree struct {
	Format   string        `json:"format"`  // "jpkisim-commands"
	Version  int           `json:"version"` // 1
	Commands []commandInfo `json:"commands"`
}

// commandInfo is one command: its path below the root ("" the root itself,
// "report merge"), whether it runs (false: it only groups subcommands) and
// every flag it accepts, its own and those inherited from its parents.
type commandInfo struct {
	Path     string     `json:"path"`
	Runnable bool       `json:"runnable"`
	Flags    []flagInfo `json:"flags"`
}

// flagInfo is one flag: the long name without "--", the one-letter
// shorthand ("" none) and pflag's type ("bool" flags take no value).
type flagInfo struct {
	Name      string `json:"name"`
	Shorthand string `json:"shorthand,omitempty"`
	Type      string `json:"type"`
}

// newCommandsCmd is the hidden `jpkisim commands`: the command tree as
// data, for tests and tools that check command lines written elsewhere.
func newCommandsCmd(stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:    "commands --json",
		Short:  "Print every command path and its flags (for checking command lines in CI files)",
		Hidden: true,
		Args:   usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			tree := commandsOf(cmd.Root())
			if !asJSON {
				for _, c := range tree.Commands {
					names := make([]string, len(c.Flags))
					for i, f := range c.Flags {
						names[i] = "--" + f.Name
					}
					fmt.Fprintf(stdout, "jpkisim %s\t%s\n", c.Path, strings.Join(names, " "))
				}
				return nil
			}
			b, err := json.MarshalIndent(tree, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, string(b))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object: {format, version, commands: [{path, runnable, flags: [{name, shorthand, type}]}]}")
	return cmd
}

// commandsOf walks the tree under root, depth first in cobra's order.
func commandsOf(root *cobra.Command) commandTree {
	tree := commandTree{Format: "jpkisim-commands", Version: 1}
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		info := commandInfo{Path: strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), root.Name()), " "), Runnable: c.Runnable()}
		add := func(f *pflag.Flag) {
			info.Flags = append(info.Flags, flagInfo{Name: f.Name, Shorthand: f.Shorthand, Type: f.Value.Type()})
		}
		c.LocalFlags().VisitAll(add)
		c.InheritedFlags().VisitAll(add)
		tree.Commands = append(tree.Commands, info)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return tree
}
