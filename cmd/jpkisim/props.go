package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/properties"
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
line says how many.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			if !cmd.Flags().Changed("seed") {
				seed = 0
			}
			return keepCards(cmd.ErrOrStderr(), []harness.Target{t}, func() error {
				out, err := properties.Run(properties.Config{Target: t, Seed: seed, Sequences: sequences, MaxLen: maxLen, Shards: shards, Output: stdout, AllowDestructive: allowDestructive})
				if errors.Is(err, properties.ErrNotModelled) {
					return usageError{err}
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%d sequences in %v (%.0f sequences/s); %d stopped at a command the real-card guard refused (neither passed nor failed)\n",
					out.Sequences, out.Elapsed.Round(1e6), float64(out.Sequences)/out.Elapsed.Seconds(), out.Refused)
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
	f.IntVar(&shards, "shards", 0, "parallel shards on the embedded card (0: one per CPU); replay with the printed value")
	f.BoolVar(&allowDestructive, "allow-destructive", false, "refused on a card that is not virtual (the virtual card always gets wrong VERIFYs and PIN changes)")
	f.BoolVar(&allowLockout, "allow-lockout", false, "refused on a card that is not virtual, like --allow-destructive")
	return cmd
}

func newDiffCmd(stdout io.Writer) *cobra.Command {
	var (
		a, b, profile string
		seed          int64
		count, maxLen int
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
  jpkisim diff --a sim --b "pcsc:Virtual PCD 00 00" --count 1000`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
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
				res, err := properties.Diff(properties.DiffConfig{A: ta, B: tb, Seed: seed, Count: count, MaxLen: maxLen, Output: stdout})
				if err != nil {
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
	return cmd
}
