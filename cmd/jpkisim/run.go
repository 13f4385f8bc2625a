package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/scenarios"
	"github.com/jpkisim/jpkisim/targets"
	"github.com/spf13/cobra"
)

// checkFormats refuses a --format list naming a formatter neither godog
// nor jpkisim has, a file name left empty, and more than one format on
// stdout (which must parse as the one document it holds).
func checkFormats(list string) error {
	known := godog.AvailableFormatters()
	toStdout := 0
	for _, f := range strings.Split(list, ",") {
		name, file, hasFile := strings.Cut(strings.TrimSpace(f), ":")
		_, ours := scenarios.ReportFormats[name]
		if _, ok := known[name]; !ok && !ours || name == "" || strings.HasPrefix(name, "jpkisim-") {
			return fmt.Errorf("--format: unknown formatter %q (use pretty, progress, junit:FILE, cucumber:FILE, evidence:FILE, comma-separated)", name)
		}
		if hasFile && file == "" {
			return fmt.Errorf("--format %s: empty file name", name)
		}
		if hasFile && ours {
			if err := checkReportPath("--format "+name, file); err != nil {
				return err
			}
		}
		if !hasFile {
			toStdout++
		}
	}
	if toStdout > 1 {
		return fmt.Errorf("--format %s: only one format can write to stdout; give the others a file (junit:FILE)", list)
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
		htmlReport            string
		planOnly              bool
		shardText             string
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
the card in that reader (the first JPKI card found when no reader is named);
--target sim,pcsc:READER runs both, one after the other, into one report.

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

Formats: pretty, progress (the console), junit[:FILE] and cucumber[:FILE] (the
reports, written when the run ends: one document with every target, the run's
identity and the transcript of every scenario; docs/reports.md); comma-separated,
at most one without a FILE. With a report on stdout, the summary line goes to
stderr. An interrupted run (SIGINT, SIGTERM) finishes the scenario in flight on
the embedded card (a card in a reader stops after the command in flight), writes
complete reports marked interrupted, and exits 130 or 143. --report FILE.html
writes one self-contained HTML file: the run's identity, the summary, every
scenario with its steps and transcripts, the rule coverage matrix and a timing
chart per scenario; it opens offline in any browser.
evidence[:FILE] writes the run as data, which jpkisim report merge reads.
Tags: Cucumber's tag expressions, "not @destructive and @RETRY-06",
"(@CERT-10 or @B5) and not @pin", or godog's, ~@destructive, "@CERT-10 &&
~@destructive", "@a,@b" (docs/tags.md). --dry-run lists what the run would do.
--shard K/N runs part K of N of the scenarios, by feature file and scenario
name: the N parts on N machines (a CI matrix, a Kubernetes Job) together run
every scenario once; jpkisim report merge puts their evidence files back into
one report (docs/sharding.md).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := scenarios.ValidateTags(tags); err != nil {
				return usageError{err}
			}
			if err := checkFormats(format); err != nil {
				return usageError{err}
			}
			if htmlReport != "" {
				if err := checkReportPath("--report", htmlReport); err != nil {
					return usageError{err}
				}
			}
			fsys, paths, err := featureSource(featuresDir, args)
			if err != nil {
				return usageError{err}
			}
			var shard report.Shard
			if shardText != "" || cmd.Flags().Changed("shard") { // "" too: a CI variable left empty
				if shard, err = report.ParseShard(shardText); err != nil {
					return usageError{err}
				}
				if random == -1 {
					return usageError{errors.New("--shard and --random -1: each shard would pick its own seed; give every shard the same --random N")}
				}
			}
			digest, err := scenarios.FeaturesDigest(fsys, paths)
			if err != nil {
				return usageError{err}
			}
			if random == -1 {
				// One seed for every target, picked here, so that the one
				// the reports name replays each target's order.
				random = time.Now().UnixNano()
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
				Shard:            shard,
			}
			opts := targets.Options{Profile: profile, AllowDestructive: allowDestructive, AllowLockout: allowLockout, Prompt: !planOnly, Restore: true}
			var runs []scenarios.Config
			note, stateDigest := "", ""
			if statePath != "" {
				if target != "" && target != "sim" {
					return usageError{errors.New("--state is a card of the embedded target; it does not go with --target " + target)}
				}
				t, err := stateTarget(statePath)
				if err != nil {
					return err
				}
				if stateDigest, err = fileDigest(statePath); err != nil {
					return usageError{err}
				}
				runs = append(runs, withTarget(base, t))
			} else if target != "" {
				for _, spec := range splitTargets(target) {
					t, err := resolveTarget(spec, opts)
					if err != nil {
						return err
					}
					c := withTarget(base, t)
					if err := scenarios.CheckTarget(c); err != nil {
						return usageError{err}
					}
					runs = append(runs, c)
				}
			} else {
				t, err := resolveTarget("sim", opts)
				if err != nil {
					return err
				}
				runs = append(runs, withTarget(base, t))
				reals, why := targets.FindReal()
				note = why
				auto := targets.Options{Restore: false}
				for _, r := range reals {
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
					runs = append(runs, c)
				}
			}
			if planOnly {
				return dryRun(stdout, runs, note, tags, featuresDir, args)
			}
			ts := make([]harness.Target, len(runs))
			for i, c := range runs {
				ts[i] = c.Target
			}
			id := report.Identity{Tool: buildinfo.Get(), Started: time.Now(), Command: commandLine(), Tags: tags, Seed: random, Features: featuresName(featuresDir),
				FeaturesDigest: digest, Paths: paths, StateDigest: stateDigest, Shard: shard, Machine: machine()}
			var stop interruption
			for i := range runs {
				runs[i].Stopped = stop.caught
			}
			summary := stdout
			if scenarios.ReportsToStdout(format) {
				summary = cmd.ErrOrStderr() // stdout holds the report alone
			}
			return keepCards(cmd.ErrOrStderr(), ts, func() error {
				return runAll(summary, runs, runReports{formats: format, html: htmlReport, stdout: stdout, identity: id, stop: &stop}, note, tags, featuresDir, args)
			}, stop.set)
		},
	}
	f := cmd.Flags()
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile: a name (see jpkisim profiles) or a profile YAML file")
	// No default value: without --target (or with an empty one) the run
	// also checks the real JPKI cards it finds, which no value names.
	f.StringVar(&target, "target", "", "sim (the embedded card alone), pcsc (the first JPKI card in a reader) or pcsc:READER, or a comma-separated list of them run one after the other into one report (default: the embedded card, and every real JPKI card found)")
	f.StringVar(&statePath, "state", "", "start every scenario from the card in this state file (which the run never writes)")
	f.StringVar(&featuresDir, "features", "", "run the .feature files of this directory (or this one file, or FILE:LINE the scenario at that line) instead of the embedded ones")
	f.StringVar(&htmlReport, "report", "", "write one self-contained HTML report of the run to this file (docs/reports.md)")
	f.StringVar(&tags, "tags", "", "tag expression, e.g. @RETRY-06, 'not @destructive and @RETRY-06' or godog's ~@destructive")
	f.StringVar(&format, "format", "pretty", "formats: pretty, progress (the console), junit[:FILE], cucumber[:FILE] (the reports), evidence[:FILE] (the run as data, for jpkisim report merge)")
	f.IntVar(&concurrency, "concurrency", 1, "scenarios run at once (embedded card only)")
	f.Int64Var(&random, "random", 0, "shuffle scenarios: -1 picks a seed and prints it, N replays seed N")
	f.BoolVar(&noColors, "no-colors", false, "no ANSI colours in the console output")
	f.BoolVar(&allowDestructive, "allow-destructive", false, "on a card that is not virtual, run @destructive scenarios (they spend PIN tries; a PIN a scenario changes is put back)")
	f.BoolVar(&planOnly, "dry-run", false, "list the scenarios the run would start on each target and what each leaves out, and why; no card session is opened, no report written")
	f.StringVar(&shardText, "shard", "", "run part K of N of the scenarios (K/N, by feature file and scenario name; the N parts together are the whole run), for CI matrices and Kubernetes Jobs (docs/sharding.md)")
	f.BoolVar(&allowLockout, "allow-lockout", false, "on a card that is not virtual, let a step spend the last two tries of a PIN (the guard keeps them otherwise)")
	return cmd
}

// runReports is what a run writes once every target ran: the reports its
// --format list names, with the run's identity.
type runReports struct {
	formats  string
	html     string // --report FILE.html; "" for none
	stdout   io.Writer
	identity report.Identity
	stop     *interruption
}

// write writes the reports of the targets' evidence.
func (r runReports) write(targets []report.TargetRun, seed int64) error {
	id := r.identity
	id.Finished = time.Now()
	if seed != 0 {
		id.Seed = seed
	}
	run := report.Run{Identity: id, Targets: targets, Interrupted: r.stop.name(), Rules: scenarios.Rules()}
	if err := scenarios.WriteReports(r.formats, run, r.stdout); err != nil {
		return err
	}
	if r.html != "" {
		if err := scenarios.WriteFile(r.html, func(w io.Writer) error { return report.WriteHTML(w, run) }); err != nil {
			return fmt.Errorf("HTML report %s: %w", r.html, err)
		}
	}
	return nil
}

// reportsError is a report of a run that could not be written: said on
// stderr also when a signal decides the exit status (keepCards).
type reportsError struct{ error }

func (e reportsError) Unwrap() error { return e.error }

// runAll runs the suite on each target in turn, writes the reports and
// prints the summary line.
func runAll(stdout io.Writer, runs []scenarios.Config, reports runReports, note, tags, featuresDir string, args []string) error {
	worst, total := 0, 0
	var summary []string
	var lost error
	var evidence []report.TargetRun
	var seed int64
	for _, c := range runs {
		res := scenarios.Execute(c)
		evidence = append(evidence, res.Evidence)
		seed = max(seed, res.Seed)
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
	if sh := reports.identity.Shard; sh.Sharded() {
		line += fmt.Sprintf(" (shard %s: the scenarios that fall to it)", sh)
	}
	if note != "" {
		line += " — " + note
	}
	if werr := reports.write(evidence, seed); werr != nil {
		fmt.Fprintln(stdout, line)
		return reportsError{werr}
	}
	fmt.Fprintln(stdout, line)
	if lost != nil {
		return lost // exit 3: the card could not be reached any more
	}
	if worst != 0 {
		return exitError{worst}
	}
	if total == 0 && !selectsAny(runs) { // a shard may hold none of the selection, not of nothing
		return usageError{noScenario(featuresDir, tags, args)}
	}
	return nil
}

// selectsAny reports whether the whole run of runs, unsharded, would start
// a scenario on one of its targets (scenarios.Plan): a shard of a run that
// selects nothing is refused as that run is.
func selectsAny(runs []scenarios.Config) bool {
	for _, c := range runs {
		if !c.Shard.Sharded() {
			continue // its Ran said it
		}
		c.Shard = report.Shard{}
		if p, err := scenarios.Plan(c); err != nil || len(p.Scenarios) > 0 {
			return true // a plan that fails failed the run before
		}
	}
	return false
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

// fileDigest is the SHA-256, hex, of the file at path
// (report.Identity.StateDigest).
func fileDigest(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// checkReportPath refuses, before anything runs, a report file whose
// directory does not exist, so that a long run does not end in a report
// that cannot be written.
func checkReportPath(flag, path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s %s: the directory %s does not exist", flag, path, dir)
	}
	return nil
}

// splitTargets splits a --target list, "sim,pcsc:Virtual PCD 00 00", at
// the commas that start another target (sim or pcsc), so that a reader
// name may hold a comma.
func splitTargets(list string) []string {
	var out []string
	for _, part := range strings.Split(list, ",") {
		p := strings.TrimSpace(part)
		if len(out) > 0 && !(p == "sim" || p == "pcsc" || strings.HasPrefix(p, "pcsc:")) {
			out[len(out)-1] += "," + part
			continue
		}
		out = append(out, p)
	}
	return out
}

// commandLine is the command as typed, for the reports: "jpkisim run
// --tags @RETRY-06". It never holds a PIN: no flag of run takes one.
func commandLine() string { return commandLineOf(os.Args[1:]) }

// commandLineOf is "jpkisim" and args as sh would take them again: an
// argument with anything but letters, digits and @%+=:,./_- in single
// quotes (a --client command line).
func commandLineOf(args []string) string {
	words := []string{"jpkisim"}
	for _, a := range args {
		plain := a != ""
		for _, r := range a {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
				plain = false
				break
			}
		}
		if !plain {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// featuresName says where a run's features came from.
// machine is the host's name for the reports, "" when the system says
// none.
func machine() string {
	h, _ := os.Hostname()
	return h
}

func featuresName(dir string) string {
	if dir == "" {
		return "embedded"
	}
	return dir
}
