package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/replay"
	"github.com/jpkisim/jpkisim/simulator/store"
	"github.com/jpkisim/jpkisim/targets"
	"github.com/jpkisim/jpkisim/transcript"
)

func newReplayCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		profile, target, statePath string
		allowDestructive, lockout  bool
	)
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Send a recorded session's C-APDUs again and report every R-APDU that differs",
		Long: `Send the C-APDUs of a transcript (jpkisim record, serve --transcript, or a
pcscd --debug --apdu log, imported with its PINs masked) to a card, in order,
with its power-on, reset and power-off events as power cycles and resets, and
compare every R-APDU with the recorded one. Each difference is printed with
the exchange's seq, its C-APDU (PIN data masked), the recorded and the
received R-APDU; the last line sums up. Exit status 0 when none differs, 1
when one does, 2 for a file that is not a transcript.

Masked PIN data is filled in from the target's PINs (JPKISIM_AUTH_PIN … or
the profile's test PINs): a marker "configured" or "unknown" becomes the
configured PIN, "other" a value of the same length that is not it. On a card
that is not virtual a transcript with masked PIN data is refused (exit 4)
unless --allow-destructive, and every command passes the real-card guard.
GET CHALLENGE and PSS signatures compare by status word and length. A
virtual card in a reader is left as the replay found it (restored at the end,
as jpkisim run does); --state replays on a copy of the file's card
(docs/reports.md, "Replaying").`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if statePath != "" && cmd.Flags().Changed("target") {
				return usageError{errors.New("--state and --target: the card in a state file is the embedded one")}
			}
			if statePath != "" && cmd.Flags().Changed("profile") {
				return usageError{errors.New("--state and --profile: the card keeps the profile it was made with")}
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			tr, err := transcript.Import(b)
			if err != nil {
				return usageError{fmt.Errorf("%s: %w", args[0], err)}
			}
			var t harness.Target
			if statePath != "" {
				st, meta, err := store.Load(statePath)
				if err != nil {
					return usageError{err}
				}
				p, err := profileOf(statePath, meta)
				if err != nil {
					return err
				}
				// A copy of the file's card: the replay never writes the file.
				pins := targets.Environment(sim.ProfileSecrets(p)).Secrets
				t = sim.Target{Profile: p, Initial: st, PINs: &pins}
			} else {
				if t, err = resolveTarget(target, targets.Options{Profile: profile, AllowDestructive: allowDestructive, AllowLockout: lockout, Prompt: replay.Masked(tr) && allowDestructive, Restore: true}); err != nil {
					return err
				}
			}
			var o replay.Options
			o.AllowDestructive = allowDestructive
			if t.Virtual() {
				s := targets.Environment(t.Secrets()).Secrets
				o.Secrets = &s
			}
			// A virtual card in a reader is replayed on from the state the
			// replay found it in, and left so (as jpkisim run does).
			var res replay.Result
			err = keepCards(stderr, []harness.Target{t}, func() error {
				var err error
				res, err = replay.Run(tr, t, o)
				return err
			})
			for _, d := range res.Differences {
				fmt.Fprintln(stdout, d.String())
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(stdout, "seq %d: %s skipped: %s\n", s.Seq, s.Command, s.Why)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "replay: %d exchanges sent to %s (%s), %d differ, %d skipped\n", res.Exchanges, res.Target, res.Layer, len(res.Differences), len(res.Skipped))
			if len(res.Differences) > 0 {
				return exitError{exitFailed}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile of the embedded card: a name or a profile YAML file")
	f.StringVar(&target, "target", "sim", "sim (a fresh embedded card), pcsc (the first JPKI card in a reader) or pcsc:READER")
	f.StringVar(&statePath, "state", "", "replay on a copy of the card in this state file (the file is not written)")
	f.BoolVar(&allowDestructive, "allow-destructive", false, "on a card that is not virtual, fill masked PIN data in and send it (the real-card guard still decides)")
	f.BoolVar(&lockout, "allow-lockout", false, "on a card that is not virtual, let a command spend the last two tries of a PIN")
	return cmd
}
