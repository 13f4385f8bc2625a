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
	"path/filepath"
	"strings"
	"syscall"

	"github.com/cucumber/godog"
	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/scenarios"
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

// checkFormats refuses a --format list naming a formatter godog lacks.
func checkFormats(list string) error {
	known := godog.AvailableFormatters()
	for _, f := range strings.Split(list, ",") {
		name, file, hasFile := strings.Cut(strings.TrimSpace(f), ":")
		if _, ok := known[name]; !ok || name == "" {
			return fmt.Errorf("--format: unknown formatter %q (use pretty, progress, junit:FILE, cucumber:FILE, comma-separated)", name)
		}
		if hasFile && file == "" {
			return fmt.Errorf("--format %s: empty file name", name)
		}
	}
	return nil
}

// featureSource resolves the FEATURE arguments and --features into the file
// system godog reads and the paths inside it. Embedded names may be given
// as features/NAME.feature, as they appear in the repository.
func featureSource(dir string, args []string) (fs.FS, []string, error) {
	if dir == "" {
		paths := make([]string, len(args))
		for i, a := range args {
			paths[i] = strings.TrimPrefix(filepath.ToSlash(a), "features/")
			name, _, _ := strings.Cut(paths[i], ":")
			if _, err := fs.Stat(features.FS, name); err != nil {
				return nil, nil, fmt.Errorf("no embedded feature %q (embedded: %s; use --features DIR for your own)", a, strings.Join(embeddedFeatures(), ", "))
			}
		}
		return nil, paths, nil
	}
	if file, line, ok := featureLine(dir); ok { // FILE:LINE, as a FEATURE argument takes it
		return os.DirFS(filepath.Dir(file)), append([]string{filepath.Base(file) + ":" + line}, args...), nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("--features %s: %v", dir, errors.Unwrap(err))
	}
	if !st.IsDir() { // one file: run it
		return os.DirFS(filepath.Dir(dir)), append([]string{filepath.Base(dir)}, args...), nil
	}
	return os.DirFS(dir), args, nil
}

// featureLine splits a --features value FILE:LINE into the file and the
// line; ok only when the whole value names nothing and FILE is a file.
func featureLine(v string) (file, line string, ok bool) {
	i := strings.LastIndexByte(v, ':')
	if i < 0 || i == len(v)-1 || strings.Trim(v[i+1:], "0123456789") != "" {
		return "", "", false
	}
	if _, err := os.Stat(v); err == nil {
		return "", "", false
	}
	st, err := os.Stat(v[:i])
	if err != nil || st.IsDir() {
		return "", "", false
	}
	return v[:i], v[i+1:], true
}

func embeddedFeatures() []string {
	names, _ := fs.Glob(features.FS, "*.feature")
	return names
}

func newRunCmd(stdout io.Writer) *cobra.Command {
	var (
		profile, tags, format string
		featuresDir, target   string
		concurrency           int
		random                int64
		noColors              bool
		allowDestructive      bool
		allowLockout          bool
		statePath             string
	)
	cmd := &cobra.Command{
		Use:   "run [FEATURE...]",
		Short: "Run the acceptance features against the virtual card, and any real JPKI card attached",
		Long: `Run the Gherkin acceptance features (embedded in the binary) against a fresh
virtual card per scenario. FEATURE names embedded files such as retry.feature,
optionally with a line, retry.feature:12. With --features DIR the files of
DIR are run instead, so that new scenarios need no rebuild; --features FILE
runs one file, and --features FILE:LINE the scenario at that line.

Without --target, the run also checks every real JPKI card found in a PC/SC
reader (one that answers the JPKI SELECT but not the virtual card's marker),
with the non-destructive scenarios only, and the last line says which targets
ran. --target sim runs the embedded card alone; --target pcsc[:READER] runs
the card in that reader (the first JPKI card found when no reader is named).

A virtual card in a reader is left as the run found it: it takes a snapshot at
the start, every scenario starts from it, and the card returns to it after the
last one, also when a scenario failed and on SIGINT or SIGTERM (the command in
flight finishes, nothing more is sent, the card is restored, exit status 130 or
143; a second signal ends the run at once).

On a card that is not virtual, @destructive scenarios are left out (asking for
them is an error) unless --allow-destructive is given, and even then no step
spends the last two tries of a PIN unless --allow-lockout is given. Its PINs come
from JPKISIM_AUTH_PIN and JPKISIM_SIGN_PIN, or a prompt; scenarios tagged @pin
are left out while either is unknown.

Formats: pretty, progress, junit:FILE, cucumber:FILE, comma-separated; report
files of an extra real-card run get ".realN" before their extension.
Tags: @RETRY-06, ~@destructive, "@CERT-10 && ~@destructive", "@a,@b".`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := scenarios.ValidateTags(tags); err != nil {
				return usageError{err}
			}
			if err := checkFormats(format); err != nil {
				return usageError{err}
			}
			fsys, paths, err := featureSource(featuresDir, args)
			if err != nil {
				return usageError{err}
			}
			base := scenarios.Config{
				Tags:             tags,
				Format:           format,
				Output:           stdout,
				Concurrency:      concurrency,
				Randomize:        random,
				Paths:            paths,
				FS:               fsys,
				NoColors:         noColors || !isTerminal(stdout),
				AllowDestructive: allowDestructive,
			}
			opts := targets.Options{Profile: profile, AllowDestructive: allowDestructive, AllowLockout: allowLockout, Prompt: true, Restore: true}
			var runs []scenarios.Config
			note := ""
			if statePath != "" {
				if target != "" && target != "sim" {
					return usageError{errors.New("--state is a card of the embedded target; it does not go with --target " + target)}
				}
				t, err := stateTarget(statePath)
				if err != nil {
					return err
				}
				runs = append(runs, withTarget(base, t))
			} else if target != "" {
				t, err := resolveTarget(target, opts)
				if err != nil {
					return err
				}
				c := withTarget(base, t)
				if err := scenarios.CheckTarget(c); err != nil {
					return usageError{err}
				}
				runs = append(runs, c)
			} else {
				t, err := resolveTarget("sim", opts)
				if err != nil {
					return err
				}
				runs = append(runs, withTarget(base, t))
				reals, why := targets.FindReal()
				note = why
				auto := targets.Options{Restore: false}
				for i, r := range reals {
					tags, ok := withoutDestructive(base.Tags)
					if !ok {
						note += fmt.Sprintf("; %s skipped: only @destructive scenarios were asked for", r.Reader)
						continue
					}
					t, err := targets.PCSC(r.Reader, auto)
					if err != nil {
						note += fmt.Sprintf("; %s skipped: %v", r.Reader, err)
						continue
					}
					c := withTarget(base, t)
					c.AllowDestructive = false
					c.Tags = tags
					c.Format = suffixReports(c.Format, fmt.Sprintf(".real%d", i+1))
					runs = append(runs, c)
				}
			}
			ts := make([]harness.Target, len(runs))
			for i, c := range runs {
				ts[i] = c.Target
			}
			return keepCards(cmd.ErrOrStderr(), ts, func() error { return runAll(stdout, runs, note, tags, featuresDir, args) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile: a name (see jpkisim profiles) or a profile YAML file")
	// No default value: without --target (or with an empty one) the run
	// also checks the real JPKI cards it finds, which no value names.
	f.StringVar(&target, "target", "", "sim (the embedded card alone), pcsc (the first JPKI card in a reader) or pcsc:READER (default: the embedded card, and every real JPKI card found)")
	f.StringVar(&statePath, "state", "", "start every scenario from the card in this state file (which the run never writes)")
	f.StringVar(&featuresDir, "features", "", "run the .feature files of this directory (or this one file, or FILE:LINE the scenario at that line) instead of the embedded ones")
	f.StringVar(&tags, "tags", "", "godog tag filter, e.g. @RETRY-06 or ~@destructive")
	f.StringVar(&format, "format", "pretty", "godog formats: pretty, progress, junit:FILE, cucumber:FILE")
	f.IntVar(&concurrency, "concurrency", 1, "scenarios run at once (embedded card only)")
	f.Int64Var(&random, "random", 0, "shuffle scenarios: -1 picks a seed and prints it, N replays seed N")
	f.BoolVar(&noColors, "no-colors", false, "no ANSI colours in the console output")
	f.BoolVar(&allowDestructive, "allow-destructive", false, "on a card that is not virtual, run @destructive scenarios (they spend PIN tries; a PIN a scenario changes is put back)")
	f.BoolVar(&allowLockout, "allow-lockout", false, "on a card that is not virtual, let a step spend the last two tries of a PIN (the guard keeps them otherwise)")
	return cmd
}

// runAll runs the suite on each target in turn and prints the summary line.
func runAll(stdout io.Writer, runs []scenarios.Config, note, tags, featuresDir string, args []string) error {
	worst, total := 0, 0
	var summary []string
	var lost error
	for _, c := range runs {
		res := scenarios.Execute(c)
		total += res.Ran
		worst = max(worst, res.Status)
		var verdict string
		switch {
		case res.Lost != nil:
			verdict = fmt.Sprintf("%d scenarios STOPPED: %s", res.Ran, oneLine(res.Lost))
			lost = fmt.Errorf("%s: %w", c.Target.Name(), res.Lost)
		case res.Failed > 0:
			verdict = fmt.Sprintf("%d of %d scenarios failed", res.Failed, res.Ran)
		case res.Status != 0: // godog's own refusal, or a scenario without steps
			verdict = fmt.Sprintf("%d scenarios, the run failed (godog status %d)", res.Ran, res.Status)
		default:
			verdict = fmt.Sprintf("%d scenarios passed", res.Ran)
		}
		summary = append(summary, c.Target.Name()+": "+verdict)
	}
	line := "targets: " + strings.Join(summary, "; ")
	if note != "" {
		line += " — " + note
	}
	fmt.Fprintln(stdout, line)
	if lost != nil {
		return lost // exit 3: the card could not be reached any more
	}
	if worst != 0 {
		return exitError{worst}
	}
	if total == 0 {
		return usageError{noScenario(featuresDir, tags, args)}
	}
	return nil
}

// noScenario says why a run ran no scenario: the features hold none, or
// none matched the tags or paths given (named only when given).
func noScenario(featuresDir, tags string, paths []string) error {
	where, have := featuresDir, "has"
	if where == "" {
		where, have = "the embedded features", "have"
	}
	if file, line, ok := featureLine(featuresDir); ok {
		where, paths = file, append([]string{filepath.Base(file) + ":" + line}, paths...)
	}
	var by []string
	if tags != "" {
		by = append(by, fmt.Sprintf("tags %q", tags))
	}
	if len(paths) > 0 {
		by = append(by, fmt.Sprintf("paths %q", strings.Join(paths, " ")))
	}
	if len(by) == 0 {
		return fmt.Errorf("no scenario ran: %s %s no scenarios", where, have)
	}
	return fmt.Errorf("no scenario ran: nothing in %s matched %s", where, strings.Join(by, " and "))
}

func withTarget(c scenarios.Config, t harness.Target) scenarios.Config {
	c.Target = t
	return c
}

// resolveTarget maps target errors to usage errors where the user's value
// is at fault.
func resolveTarget(spec string, o targets.Options) (harness.Target, error) {
	t, err := targets.Resolve(spec, o)
	switch {
	case err == nil:
		return t, nil
	case errors.Is(err, targets.ErrBadTarget), errors.Is(err, fixtures.ErrUnknownProfile), errors.Is(err, fixtures.ErrBadProfile):
		return nil, usageError{err}
	}
	return nil, err
}

// withoutDestructive drops, for the automatic real-card run that never runs
// @destructive scenarios, every OR part of a tag filter that asks for them;
// the rest of the user's filter stands. false: nothing is left to run (or
// the filter does not parse, which the run refuses before).
func withoutDestructive(expr string) (string, bool) {
	e, err := scenarios.ParseTags(expr)
	if err != nil {
		return "", false
	}
	e, ok := e.Without("@destructive")
	return e.String(), ok
}

// suffixReports inserts suffix before the extension of every report file in
// a godog format list.
func suffixReports(list, suffix string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		name, file, ok := strings.Cut(p, ":")
		if !ok || file == "" {
			continue
		}
		ext := filepath.Ext(file)
		parts[i] = name + ":" + strings.TrimSuffix(file, ext) + suffix + ext
	}
	return strings.Join(parts, ",")
}

func newAPDUCmd(stdout io.Writer) *cobra.Command {
	var (
		profile, target, statePath string
		allowDestructive, lockout  bool
	)
	cmd := &cobra.Command{
		Use:   "apdu HEX...",
		Short: "Send C-APDUs to one fresh virtual card session and print each R-APDU",
		Long: `Send each HEX argument as one C-APDU, in order, to one fresh session of the
virtual card, and print one line per command: the whole R-APDU (data then
SW1SW2) as uppercase hex without spaces. Spaces and colons inside an argument
are ignored. Nothing is sent unless every argument is valid hex.

A PIN is never typed into the arguments, where ps would show it: {auth-pin},
{signing-pin}, {kenhojo-pin} and {juki-pin} stand for the PIN's ASCII bytes and
{len:auth-pin} … {len:juki-pin} for its length (an Lc), filled in from
JPKISIM_AUTH_PIN, JPKISIM_SIGN_PIN, JPKISIM_KENHOJO_PIN and JPKISIM_JUKI_PIN (a
prompt for a real card, the profile's test PINs for the virtual one). They are
taken only in commands that carry a PIN.

On a card that is not virtual every command passes the real-card guard
(docs/guard.md); a refusal exits with status 4 and sends nothing.

Examples:
  jpkisim apdu 00A4040C0AD392F000260100000001 00A4020C02001B 00200080
  jpkisim apdu --target pcsc 00A4040C0AD392F000260100000001 00A4020C020018 '00200080{len:auth-pin}{auth-pin}'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("apdu: give at least one C-APDU in hex, e.g. jpkisim apdu 00A4040C0AD392F000260100000001")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if statePath != "" && cmd.Flags().Changed("target") {
				return usageError{errors.New("--state and --target: the card in a state file is the embedded one; serve it (jpkisim serve --state) to reach it through a reader")}
			}
			// Every argument is checked before anything is sent; the
			// placeholders are filled in once the card's PINs are known.
			dummy := harness.Secrets{AuthPIN: []byte("0000"), SigningPIN: []byte("AAAA00"), KenhojoPIN: []byte("0000"), JukiPIN: []byte("0000")}
			for i, a := range args {
				if _, err := expandC(a, dummy); err != nil {
					return usageError{fmt.Errorf("apdu: argument %d: %v", i+1, err)}
				}
			}
			var card harness.Card
			var secrets harness.Secrets
			if statePath != "" {
				c, st, err := openState(statePath)
				if err != nil {
					return err
				}
				defer st.Close()
				card = sim.NewCard(c)
				secrets = targets.ForProfile(c.Profile()).Secrets
			} else {
				asks := placeholderPINs(args)
				t, err := resolveTarget(target, targets.Options{Profile: profile, AllowDestructive: allowDestructive, AllowLockout: lockout, Prompt: len(asks) > 0, PromptFor: asks})
				if err != nil {
					return err
				}
				if card, err = t.Open(); err != nil {
					return err
				}
				secrets = t.Secrets()
				if t.Virtual() {
					// The environment over the virtual card's own PINs, as
					// a virtual card in a reader has them.
					secrets = targets.Environment(secrets).Secrets
				}
			}
			defer card.Close()
			cmds := make([][]byte, len(args))
			for i, a := range args {
				b, err := expandC(a, secrets)
				if err != nil {
					return usageError{fmt.Errorf("apdu: argument %d: %v", i+1, err)}
				}
				cmds[i] = b
			}
			for _, b := range cmds {
				r, err := card.Transmit(b)
				if err != nil {
					return fmt.Errorf("apdu: %s: %w", apdu.MaskedHex(b), err)
				}
				fmt.Fprintf(stdout, "%X\n", r)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile: a name (see jpkisim profiles) or a profile YAML file")
	f.StringVar(&target, "target", "sim", "sim (a fresh embedded card), pcsc (the first JPKI card in a reader) or pcsc:READER")
	f.StringVar(&statePath, "state", "", "drive the card in this state file; every change is written back")
	f.BoolVar(&allowDestructive, "allow-destructive", false, "on a card that is not virtual, let VERIFY values other than the configured PINs and PIN changes through")
	f.BoolVar(&lockout, "allow-lockout", false, "on a card that is not virtual, let a command spend the last two tries of a PIN or other reference data (the guard keeps them otherwise)")
	return cmd
}

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
