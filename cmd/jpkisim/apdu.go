package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/targets"
	"github.com/jpkisim/jpkisim/transcript"
	"github.com/spf13/cobra"
)

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
(docs/guard.md); a refusal exits with status 4 and sends nothing.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("apdu: give at least one C-APDU in hex, e.g. jpkisim apdu 00A4040C0AD392F000260100000001")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o := apduOptions{profile: profile, target: target, statePath: statePath, allowDestructive: allowDestructive, lockout: lockout, targetSet: cmd.Flags().Changed("target")}
			return sendAPDUs(o, args, nil, func(_ []byte, r []byte) { fmt.Fprintf(stdout, "%X\n", r) })
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

// apduOptions are the flags of `jpkisim apdu` and `jpkisim record` that
// say which card the C-APDUs go to.
type apduOptions struct {
	profile, target, statePath string
	allowDestructive, lockout  bool
	targetSet                  bool // --target given
}

// sendAPDUs sends the hex arguments of `jpkisim apdu` (with their PIN
// placeholders, placeholders.go) to one fresh session of the card o names,
// in order, and passes each R-APDU to got. Every argument is checked before
// anything is sent. When rec is not nil the session is recorded
// (harness.OpenRecorded) and its PIN markers compare with the PINs the
// placeholders are filled from. On a card that is not virtual every command
// passes the real-card guard (a refusal: harness.ErrRefused, exit 4).
func sendAPDUs(o apduOptions, args []string, rec func(harness.Secrets) *transcript.Recorder, got func(capdu, rapdu []byte)) error {
	if o.statePath != "" && o.targetSet {
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
	if o.statePath != "" {
		if rec != nil {
			return usageError{errors.New("record --state: serve the state file (jpkisim serve --state --transcript DIR) to record its sessions")}
		}
		c, st, err := openState(o.statePath)
		if err != nil {
			return err
		}
		defer st.Close()
		card = sim.NewCard(c)
		secrets = targets.ForProfile(c.Profile()).Secrets
	} else {
		asks := placeholderPINs(args)
		t, err := resolveTarget(o.target, targets.Options{Profile: o.profile, AllowDestructive: o.allowDestructive, AllowLockout: o.lockout, Prompt: len(asks) > 0, PromptFor: asks})
		if err != nil {
			return err
		}
		secrets = t.Secrets()
		if t.Virtual() {
			// The environment over the virtual card's own PINs, as
			// a virtual card in a reader has them.
			secrets = targets.Environment(secrets).Secrets
		}
		if rec != nil {
			card, err = harness.OpenRecorded(t, rec(secrets))
		} else {
			card, err = t.Open()
		}
		if err != nil {
			return err
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
		got(b, r)
	}
	return nil
}
