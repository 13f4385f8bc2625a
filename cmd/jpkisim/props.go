package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/properties"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/scenarios"
	"github.com/jpkisim/jpkisim/targets"
)

func newPropsCmd(stdout io.Writer) *cobra.Command {
	var (
		target, profile   string
		seed              int64
		sequences, maxLen int
		shards            int
		allowDestructive  bool
		allowLockout      bool
		shardFlag         string
		jsonPath          string
	)
	cmd := &cobra.Command{
		Use:   "props",
		Short: "Check the card against the independent model over random command sequences",
		Long: `Run the stateful property: random sequences of SELECT, READ BINARY, VERIFY,
CHANGE REFERENCE DATA, COMPUTE DIGITAL SIGNATURE, GET CHALLENGE, resets, power
cycles and malformed C-APDUs, each answer compared with an independent model of
the card and with the invariants (no retry counter rises without a correct
VERIFY, a blocked PIN stays blocked, no signature or signing-certificate read
without its PIN, the empty VERIFY never answers 9000 unless the profile sets
empty_verify_ok_when_verified and the PIN is verified, every signature
verifies). The model is told the behaviour: settings of the card's profile
(docs/card-behaviour.md).

The seed is printed on every run; --seed N --shards S replays it exactly. A
failing sequence is shrunk and printed with PIN data masked.

On a card in a reader the model is told the card's counters first, and every
sequence starts from a warm reset. A virtual card takes a snapshot at the
start, is returned to it before every sequence and at the end (also on
SIGINT/SIGTERM, then exit 130/143), so that it is left as props found it.
On a card that is not virtual only what the real-card guard lets through is
generated (read-only commands and the empty VERIFY, every one well-formed),
and --allow-destructive is refused: destructive sequences change PINs to
random values. Its file contents are taken to be the
default profile's, so data and sizes may differ. A command the guard refuses
ends its sequence, which counts neither as passed nor as failed; the last
line says how many.

--shard K/N runs part K of N of the run on the embedded card, for N machines
or CI jobs: the sub-shards i (0 ≤ i < S) with i % N = K-1, each exactly as the
whole run with the same --seed, --shards S and --sequences would run it. It
needs --seed, the same on every shard; S defaults to 4·N with --shard (not the
CPUs, so that every machine splits alike) and must be at least N. A card in a
reader is not split. The N shards together are the whole run. --json FILE
writes the outcome (seed, sub-shards, verdict, tool, machine) for jpkisim
report merge (docs/properties.md).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var shard report.Shard
			if cmd.Flags().Changed("shard") {
				var err error
				if shard, err = propsShard(cmd, shardFlag, "--shards S"); err != nil {
					return err
				}
				if !cmd.Flags().Changed("shards") {
					shards = 4 * shard.N
				}
				if shards < shard.N {
					return usageError{fmt.Errorf("--shard %v: --shards %d: want at least %d sub-shards, one per shard", shard, shards, shard.N)}
				}
			}
			if err := checkJSONPath(jsonPath); err != nil {
				return err
			}
			t, err := resolveTarget(target, targets.Options{Profile: profile, AllowDestructive: allowDestructive, AllowLockout: allowLockout, Restore: true})
			if err != nil {
				return err
			}
			if !t.Virtual() && (allowDestructive || allowLockout) {
				// Destructive sequences change PINs to random values and
				// spend tries that stay spent from one sequence to the
				// next: an owner's card would end with PINs nobody knows.
				return usageError{errors.New("props --allow-destructive/--allow-lockout: destructive sequences change PINs to random values; they run only on the virtual card (docs/guard.md)")}
			}
			if shard != (report.Shard{}) && !t.Capabilities().Embedded {
				return usageError{fmt.Errorf("--shard %v: only the embedded card is split into shards (%s is a card in a reader)", shard, t.Name())}
			}
			if !cmd.Flags().Changed("seed") {
				seed = 0
			}
			return keepCards(cmd.ErrOrStderr(), []harness.Target{t}, func() error {
				out, err := properties.Run(properties.Config{Target: t, Seed: seed, Sequences: sequences, MaxLen: maxLen, Shards: shards, Output: stdout, AllowDestructive: allowDestructive, Shard: shard})
				if errors.Is(err, report.ErrBadShard) {
					return usageError{fmt.Errorf("--shard: %w", err)}
				}
				if errors.Is(err, properties.ErrNotModelled) {
					return usageError{err}
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%d sequences in %v (%.0f sequences/s); %d stopped at a command the real-card guard refused (neither passed nor failed)\n",
					out.Ran(), out.Elapsed.Round(1e6), float64(out.Ran())/out.Elapsed.Seconds(), out.Refused)
				if err := writeOutcome(jsonPath, out); err != nil {
					return err
				}
				if !out.Passed {
					return exitError{exitFailed}
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", "sim", "sim, pcsc or pcsc:READER")
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile of the embedded card: a name or a profile YAML file")
	f.Int64Var(&seed, "seed", 0, "replay this seed (default: a new one, printed)")
	f.IntVar(&sequences, "sequences", 1000, "random command sequences")
	f.IntVar(&maxLen, "max-len", 50, "commands in the longest sequence (lengths ramp up from 1)")
	f.IntVar(&shards, "shards", 0, "sub-shards S, run at once on the embedded card (0: one per CPU, 4·N with --shard); replay with the printed value")
	f.BoolVar(&allowDestructive, "allow-destructive", false, "refused on a card that is not virtual (the virtual card always gets wrong VERIFYs and PIN changes)")
	f.BoolVar(&allowLockout, "allow-lockout", false, "refused on a card that is not virtual, like --allow-destructive")
	f.StringVar(&shardFlag, "shard", "", "run part K/N of the run (needs --seed; --shards defaults to 4·N, at least N)")
	f.StringVar(&jsonPath, "json", "", "write the outcome as JSON to FILE, for jpkisim report merge")
	return cmd
}

func newDiffCmd(stdout io.Writer) *cobra.Command {
	var (
		a, b, profile string
		seed          int64
		count, maxLen int
		shardFlag     string
		jsonPath      string
	)
	cmd := &cobra.Command{
		Use:   "diff --a TARGET --b TARGET",
		Short: "Send identical random non-destructive sequences to two targets and report the first difference",
		Long: `Send identical random sequences of commands that cannot spend a try (no VERIFY
with a value, no PIN change) to two targets, each sequence on a fresh session
of each, and report the first C-APDU whose R-APDUs differ, with both
transcripts, PIN data masked. Exit 0 only when no difference was found.

Every sequence starts from a warm reset. Against a card that is not virtual
only what the real-card guard lets through is sent (read-only commands and the
empty VERIFY, every one well-formed); a command the guard refuses all the same
ends its sequence, counted apart as neither a pass nor a difference. A virtual
card in a reader is left as diff found it (a snapshot at the start, restored
before every sequence and at the end, also on SIGINT/SIGTERM, then exit
130/143).

Targets: sim, pcsc, pcsc:READER. For example the embedded card against a real
card, to calibrate the virtual one, or against jpkisim serve through pcscd:
  jpkisim diff --a sim --b "pcsc:Virtual PCD 00 00" --count 1000

Sequence i is made from its own seed, derived from --seed and i, so that
--shard K/N compares exactly the sequences i with i % N = K-1 of the whole
run (it needs --seed, the same on every shard); the N shards together are the
whole run. --json FILE writes the outcome (seed, sequences compared, the first
difference, tool, machine) for jpkisim report merge (docs/properties.md).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var shard report.Shard
			if cmd.Flags().Changed("shard") {
				var err error
				if shard, err = propsShard(cmd, shardFlag, "--count"); err != nil {
					return err
				}
			}
			if err := checkJSONPath(jsonPath); err != nil {
				return err
			}
			if b == "" {
				return usageError{fmt.Errorf("diff: --b TARGET is required (sim, pcsc or pcsc:READER)")}
			}
			opts := targets.Options{Profile: profile, Restore: true}
			ta, err := resolveTarget(a, opts)
			if err != nil {
				return err
			}
			tb, err := resolveTarget(b, opts)
			if err != nil {
				return err
			}
			if count < 1 {
				return usageError{fmt.Errorf("--count %d: want at least 1", count)}
			}
			return keepCards(cmd.ErrOrStderr(), []harness.Target{ta, tb}, func() error {
				res, err := properties.Diff(properties.DiffConfig{A: ta, B: tb, Seed: seed, Count: count, MaxLen: maxLen, Output: stdout, Shard: shard})
				if errors.Is(err, report.ErrBadShard) {
					return usageError{fmt.Errorf("--shard: %w", err)}
				}
				if err != nil {
					return err
				}
				if err := writeOutcome(jsonPath, res.Outcome); err != nil {
					return err
				}
				if !res.Same {
					return exitError{exitFailed}
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&a, "a", "sim", "first target: sim, pcsc or pcsc:READER")
	f.StringVar(&b, "b", "", "second target: sim, pcsc or pcsc:READER")
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "profile of an embedded card")
	f.Int64Var(&seed, "seed", 1, "seed of the sequences")
	f.IntVar(&count, "count", 1000, "sequences")
	f.IntVar(&maxLen, "max-len", 50, "commands in the longest sequence")
	f.StringVar(&shardFlag, "shard", "", "compare part K/N of the sequences (needs --seed)")
	f.StringVar(&jsonPath, "json", "", "write the outcome as JSON to FILE, for jpkisim report merge")
	return cmd
}

// propsShard reads the --shard of props or diff: K/N, and --seed given,
// since shards on different machines must agree on it. same names the
// other flags every shard must be given alike.
func propsShard(cmd *cobra.Command, v, same string) (report.Shard, error) {
	shard, err := report.ParseShard(v)
	if err != nil {
		return shard, usageError{err} // it names --shard
	}
	if !cmd.Flags().Changed("seed") {
		return shard, usageError{fmt.Errorf("--shard %v needs --seed N, the same on every shard (and the same %s)", shard, same)}
	}
	return shard, nil
}

// checkJSONPath refuses, before anything runs, a --json file whose
// directory does not exist.
func checkJSONPath(path string) error {
	if path == "" {
		return nil
	}
	if err := checkReportPath("--json", path); err != nil {
		return usageError{err}
	}
	return nil
}

// writeOutcome writes out, with the command line, as indented JSON to path
// (none for ""), through a temporary file renamed into place.
func writeOutcome(path string, out properties.Outcome) error {
	if path == "" {
		return nil
	}
	out.Command = commandLine()
	return scenarios.WriteFile(path, func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(out)
	})
}
