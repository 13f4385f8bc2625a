package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/buildinfo"
)

// addBasics gives the root what every CLI has: `jpkisim version` and
// `--version` (the build's identity, package buildinfo), the `completion`
// command of cobra (bash, zsh, fish, powershell) and its `help` command, and
// an example on every command's --help (commandExamples for those defined
// without one).
func addBasics(root *cobra.Command, stdout io.Writer) {
	info := buildinfo.Get()
	root.Version = info.Short()
	root.SetVersionTemplate("jpkisim {{.Version}}\n")
	root.AddCommand(newVersionCmd(stdout))
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	if root.Example == "" {
		root.Example = rootExample
	}
	setExamples(root)
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print jpkisim's version: module version, commit, commit time, Go version",
		Long: `Print which jpkisim this is, as the Go toolchain stamped it into the binary
(runtime/debug.ReadBuildInfo): the module and its version ("(devel)" for a local
build), the commit and its time (for a build inside a git checkout; "modified"
when the tree had uncommitted changes), and the Go version. Every report of
jpkisim run names the same (docs/reports.md, "Run identity"). --json prints
{"module", "version", "commit", "time", "modified", "go"}.`,
		Example: `  jpkisim version
  jpkisim --version
  jpkisim version --json | jq -r .commit`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			info := buildinfo.Get()
			if asJSON {
				b, err := json.Marshal(info)
				if err != nil {
					return err
				}
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			fmt.Fprintf(stdout, "jpkisim %s\n", info.Short())
			fmt.Fprintf(stdout, "module   %s\n", info.Module)
			fmt.Fprintf(stdout, "version  %s\n", info.Version)
			if info.Commit != "" {
				modified := ""
				if info.Modified {
					modified = " (modified)"
				}
				fmt.Fprintf(stdout, "commit   %s%s\n", info.Commit, modified)
			}
			if info.Time != "" {
				fmt.Fprintf(stdout, "time     %s\n", info.Time)
			}
			fmt.Fprintf(stdout, "go       %s\n", info.GoVersion)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
