// Command jpkisim is the virtual My Number card and its acceptance suite.
//
//	jpkisim run      run the acceptance features against the virtual card
//	jpkisim apdu     send C-APDUs to a fresh virtual card, print the R-APDUs
//	jpkisim serve    put virtual cards into pcscd through the vpcd driver
//	jpkisim props    check a card against the independent model
//	jpkisim diff     compare two targets over identical random sequences
//	jpkisim rules    answer questions about the certificates' rules
//	jpkisim card     make and inspect virtual cards kept in state files
//	jpkisim profiles list the card profiles
//	jpkisim steps    list the step phrases features can use
//
// Exit status: 0 success; 1 a scenario failed or the office refused an
// operation; 2 a usage error (bad flag, bad hex, unknown profile, format,
// tags, PIN format, contradictory flags, a kiosk proof not given, or a
// missing or broken state file); 3 the card or its file cannot be reached:
// no PC/SC service, reader or card, pcscd or the card lost mid-command, a
// reader held by another program (exclusive mode, or a transaction past
// pcsc.TransactionTimeout), a card that does not answer in time, a state
// file in use by another process or that the file system will not let be
// written (read-only, full, no permission); 4 the real-card guard refused a
// command. README "Exit statuses".
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator/store"
	"github.com/jpkisim/jpkisim/targets"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // a scenario failed, or the card answered in error
	exitUsage  = 2 // bad flag, argument, profile, format or tags
	exitCard   = 3 // the card or its state file cannot be reached or written
	exitGuard  = 4 // the real-card guard refused a command
)

// cardErrors are the conditions that exit with exitCard: the transport's
// (no service, reader or card; the service or the card lost, the card reset
// by another program, the reader held in exclusive mode, a wait past its
// bound), a state file that another process holds or that the file
// system refuses to let be written, and one that cannot be reached (its
// lock file a symbolic link, a loop of links on its path: ELOOP).
var cardErrors = []error{harness.ErrNoService, harness.ErrNoReader, harness.ErrUnknownReader, harness.ErrNoCard,
	harness.ErrCardRemoved, harness.ErrCardReset, harness.ErrSharingViolation, harness.ErrTimeout, harness.ErrNotJPKI,
	harness.ErrNoPCSC, store.ErrLocked, syscall.EROFS, syscall.ENOSPC, syscall.EDQUOT, fs.ErrPermission, syscall.ELOOP}

// usageError marks an error caused by the command line.
type usageError struct{ error }

// exitError carries a status chosen by a subcommand (godog's own status).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run executes the CLI with args and returns the exit status; errors are
// printed to stderr as one line.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintf(stderr, "jpkisim: %v\n", oneLine(err))
	}
	return exitStatus(err)
}

// exitStatus is the exit status for what a command returned (README "Exit
// statuses", docs/design.md "PC/SC, targets and real cards").
func exitStatus(err error) int {
	var ee exitError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case writeRefused(err):
		return exitCard
	case errors.As(err, &ue) || errors.Is(err, rules.ErrFormat) || errors.Is(err, targets.ErrBadPIN) || errors.Is(err, rules.ErrImpossible) || errors.Is(err, office.ErrNeedHolder) || errors.Is(err, office.ErrTooLong):
		return exitUsage
	case errors.Is(err, harness.ErrRefused):
		return exitGuard
	}
	for _, ce := range cardErrors {
		if errors.Is(err, ce) {
			return exitCard
		}
	}
	// cobra reports an unknown subcommand with a plain error.
	if strings.HasPrefix(err.Error(), "unknown command") {
		return exitUsage
	}
	return exitFailed
}

// writeRefused reports a write the file system refused (read-only, full,
// over quota): not the command line's fault, even where a command reports
// its file's problems as usage errors.
func writeRefused(err error) bool {
	var ue usageError
	if errors.As(err, &ue) {
		err = ue.error
	}
	return errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "jpkisim",
		Short:         "A virtual My Number card (JPKI) and its acceptance suite",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := targets.CheckEnv(); err != nil {
				return usageError{err}
			}
			// A state file's card has its own profile (card show); only
			// card new takes both.
			st, pr := cmd.Flags().Lookup("state"), cmd.Flags().Lookup("profile")
			if cmd.Name() != "new" && st != nil && pr != nil && st.Changed && pr.Changed {
				return usageError{errors.New("--profile and --state: the card in a state file keeps the profile it was made with")}
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCmd(stdout), newAPDUCmd(stdout), newProfilesCmd(stdout), newStepsCmd(stdout), newServeCmd(stderr),
		newPropsCmd(stdout), newDiffCmd(stdout), newRulesCmd(stdout), newCardCmd(stdout))
	root.AddCommand(newRecordCmd(stdout, stderr), newReplayCmd(stdout, stderr), newCertifyCmd(stdout, stderr), newReportCmd(stdout))
	root.AddCommand(newCtlCmd(stdout, stderr))
	// Hidden: the command tree as data (docs/engines_test.go).
	root.AddCommand(newCommandsCmd(stdout))
	addBasics(root, stdout) // version, --version, completion, an example on every --help
	return root
}

// usageArgs makes a cobra argument check report a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// loadProfile resolves --profile: an embedded profile name or a YAML file.
func loadProfile(name string) (sim.Target, error) {
	p, err := fixtures.Profile(name)
	if err != nil {
		if errors.Is(err, fixtures.ErrUnknownProfile) || errors.Is(err, fixtures.ErrBadProfile) {
			return sim.Target{}, usageError{err}
		}
		return sim.Target{}, err
	}
	return sim.Target{Profile: p}, nil
}

// isTerminal reports whether w is a character device, so that colours are
// only written to a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
