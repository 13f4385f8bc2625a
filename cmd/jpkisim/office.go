package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/targets"
)

// openOffice locks a state file for an office operation; the returned
// close releases it.
func openOffice(path string) (*office.Card, func(), error) {
	if path == "" {
		return nil, nil, usageError{errors.New("--state FILE is required")}
	}
	s, st, meta, err := openStore(path)
	if err != nil {
		return nil, nil, err
	}
	c := &office.Card{State: st, Meta: &meta}
	c.Commit = func() error {
		s.SetMeta(*c.Meta)
		return s.Commit(c.State)
	}
	return c, func() { s.Close() }, nil
}

// parseWhen reads --on: an RFC 3339 time, "YYYY-MM-DD HH:MM" in JST, or a
// bare date, which means noon JST that day (when kiosks are open); empty is
// now.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return inRange(t, s)
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, rules.JST); err == nil {
		return inRange(t, s)
	}
	t, err := time.ParseInLocation(time.DateOnly, s, rules.JST)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--on %q: want YYYY-MM-DD (noon JST), \"YYYY-MM-DD HH:MM\" (JST) or an RFC 3339 time", s)}
	}
	return inRange(t.Add(12*time.Hour), s)
}

// inRange refuses times no certificate can carry (years 1950..2999).
func inRange(t time.Time, s string) (time.Time, error) {
	if y := t.Year(); y < 1950 || y > 2999 {
		return t, usageError{fmt.Errorf("--on %q: the year must be between 1950 and 2999", s)}
	}
	return t, nil
}

func newCardEventCmd(stdout io.Writer) *cobra.Command {
	var path, on, name, address string
	var asJSON bool
	names := make([]string, len(rules.Events))
	for i, e := range rules.Events {
		names[i] = string(e)
	}
	cmd := &cobra.Command{
		Use:   "event --state FILE EVENT [--address ADDRESS | --name NAME]",
		Short: "Record an event at the office: what it does to the card's certificates",
		Long: `Record an event at the municipal office against a card kept in a state file,
as the rules say (jpkisim rules event shows the same without a card):

  ` + strings.Join(names, ", ") + `

A change of name, address, birth date or sex revokes the signing certificate
and keeps the auth certificate (REVOKE-01, REVOKE-05). address-change takes the
new address (--address) and name-change the new name (--name), in UTF-8, and in
the same write of the file the office puts it on the card face: Kenhojo EF 0002
and its integrity record EF 0003, and Kenkaku EF 0002 (the address or name
image), signed anew with the municipality's TEST-ONLY key; a card without the
card-face applications (a phone token) only records the change. A loss report puts both
on hold (HOLD-01) and "found" lifts the hold at the office (HOLD-02); death
and departure revoke as REVOKE-02 and ABROAD-02..04 say, and end the card.
Events that are facts are recorded even when they change no certificate; a
request the rules forbid (revoking what is not valid, lifting a hold that is
not there, anything on a card that ended) is refused with its rule ID and exit
status 1. serve --pki --state FILE publishes
the record as OCSP and CRLs. Beside the card face, the card's files and PINs do
not change: a revoked certificate stays in its EF.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("card event: give one EVENT: %s", strings.Join(names, ", "))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			e := rules.Event(args[0])
			if !slices.Contains(rules.Events, e) {
				return usageError{fmt.Errorf("unknown event %q; events: %s", args[0], strings.Join(names, ", "))}
			}
			u := office.Update{Name: name, Address: address}
			switch {
			case address != "" && strings.TrimSpace(address) == "", name != "" && strings.TrimSpace(name) == "":
				return usageError{fmt.Errorf("card event %s: the new value is blank", e)}
			case e == rules.AddressChange && address == "":
				return usageError{errors.New("card event address-change: give the new address with --address")}
			case e == rules.NameChange && name == "":
				return usageError{errors.New("card event name-change: give the new name with --name")}
			case e != rules.AddressChange && address != "":
				return usageError{fmt.Errorf("card event %s: --address goes with address-change only", e)}
			case e != rules.NameChange && name != "":
				return usageError{fmt.Errorf("card event %s: --name goes with name-change only", e)}
			}
			when, err := parseWhen(on)
			if err != nil {
				return err
			}
			c, done, err := openOffice(path)
			if err != nil {
				return err
			}
			defer done()
			var changes []office.Change
			if u != (office.Update{}) {
				changes, err = c.RecordUpdate(e, when, u)
			} else {
				changes, err = c.Record(e, when)
			}
			if errors.Is(err, office.ErrUpdate) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			var written []string // the card-face files the change wrote
			if _, ok, _ := c.Holder(); ok && u != (office.Update{}) {
				written = []string{"Kenhojo EF 0002", "Kenhojo EF 0003", "Kenkaku EF 0002"}
			}
			if asJSON {
				if changes == nil {
					changes = []office.Change{}
				}
				out := map[string]any{"event": e, "changes": changes}
				if written != nil {
					out["card_face"] = written
				}
				b, _ := json.Marshal(out)
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			if len(changes) == 0 {
				fmt.Fprintf(stdout, "%s: recorded; no certificate changed\n", e)
			}
			for _, ch := range changes {
				fmt.Fprintf(stdout, "%v certificate: %s -> %s", ch.Kind, ch.From.State(), ch.To.State())
				if ch.Revokes() {
					fmt.Fprintf(stdout, " (%s)", ch.To.Reason)
				}
				fmt.Fprintf(stdout, " [%s]\n", ch.Rule)
			}
			if written != nil {
				fmt.Fprintf(stdout, "card face: the new %s written to %s, signed anew\n",
					map[rules.Event]string{rules.AddressChange: "address", rules.NameChange: "name"}[e], strings.Join(written, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "state", "", "the card's state file")
	cmd.Flags().StringVar(&on, "on", "", "when the event happened: YYYY-MM-DD (noon JST), \"YYYY-MM-DD HH:MM\" (JST) or RFC 3339 (default now)")
	cmd.Flags().StringVar(&address, "address", "", "address-change: the new registered address, UTF-8 (written to the card face)")
	cmd.Flags().StringVar(&name, "name", "", "name-change: the new name, UTF-8, surname U+3000 given name (written to the card face)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func newCardResetPINCmd(stdout io.Writer) *cobra.Command {
	var path, which, at, on string
	var prompt, asJSON bool
	cmd := &cobra.Command{
		Use:   "reset-pin --state FILE --pin auth|signing|kenhojo|juki [--at office|kiosk]",
		Short: "Reset a PIN at the office or a kiosk: new value, full retry counter",
		Long: `Reset a PIN of a card kept in a state file and restore its retry counter, as the
municipal office does (--at office, the default, UNLOCK-01) or a kiosk (--at
kiosk, UNLOCK-02, 06:30-23:00 JST, UNLOCK-03), where the holder proves the other
JPKI PIN. The auth PIN and the signing password are reset at either; the Kenhojo
PIN (--pin kenhojo) and the Juki PIN (--pin juki: EF 001C of the Juki and of the
common card application, both set) at the office only: a kiosk refuses them
(UNLOCK-04, exit 1).

The values come from the environment, never from a flag: the new value from
JPKISIM_AUTH_PIN (--pin auth), JPKISIM_SIGN_PIN (--pin signing),
JPKISIM_KENHOJO_PIN (--pin kenhojo) or JPKISIM_JUKI_PIN (--pin juki), and at a
kiosk the proof from the other JPKI variable. For the new value a variable not set
means the profile's test PIN, or with --prompt the terminal; the proof at a
kiosk must be given (the variable or --prompt), never a default: without it the
command is a usage error (exit 2). A wrong proof at a kiosk costs a try of the
other PIN, as the card's VERIFY does. Refusals name their rule and exit 1.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := jpki.ParsePIN(which)
			if err != nil {
				return usageError{fmt.Errorf("--pin %q: want auth, signing, kenhojo or juki", which)}
			}
			where := office.Where(at)
			if where != office.Office && where != office.Kiosk {
				return usageError{fmt.Errorf("--at %q: want office or kiosk", at)}
			}
			when, err := parseWhen(on)
			if err != nil {
				return err
			}
			c, done, err := openOffice(path)
			if err != nil {
				return err
			}
			defer done()
			other, jpkiPIN := p.Other()
			ask := []jpki.PIN{p}
			if jpkiPIN && where == office.Kiosk {
				ask = jpki.JPKIPINs
			}
			pins, err := statePINs(path, *c.Meta, prompt, ask)
			if err != nil {
				return err
			}
			value, proof := pins.Of(p), pins.Of(other)
			if where == office.Office || !jpkiPIN {
				proof = nil // a kiosk refuses the Kenhojo and Juki PINs (UNLOCK-04)
			} else if !pins.Given(other) {
				// A default proof would spend a try of the holder's other PIN
				// on a guess: the holder states it, or nothing is tried.
				return usageError{fmt.Errorf("--at kiosk proves the other PIN: set %s (or give --prompt); the profile's test PIN is never presented for you", targets.EnvVar(other))}
			}
			if err := c.ResetPIN(p, value, where, proof, when); err != nil {
				return err
			}
			if asJSON {
				b, _ := json.Marshal(map[string]string{"pin": which, "at": string(where), "value_from": pins.From(p)})
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			fmt.Fprintf(stdout, "%v reset at the %s: new value from %s, all tries restored\n", p, where, pins.From(p))
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "state", "", "the card's state file")
	cmd.Flags().StringVar(&which, "pin", "", "auth, signing, kenhojo or juki")
	cmd.Flags().StringVar(&at, "at", "office", "office or kiosk")
	cmd.Flags().StringVar(&on, "on", "", "when: YYYY-MM-DD (noon JST), \"YYYY-MM-DD HH:MM\" (JST) or RFC 3339 (default now; a kiosk keeps hours)")
	cmd.Flags().BoolVar(&prompt, "prompt", false, "ask on the terminal for the PINs the environment does not give")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// holderFlags are the facts of an issuance the card may not hold.
type holderFlags struct {
	on, name, sex, birth, address, cardExpiry, residence, residenceExpiry string
}

func (h *holderFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&h.on, "on", "", "the day of the issuance: YYYY-MM-DD (JST) or RFC 3339 (default today)")
	f.StringVar(&h.name, "name", "", "the holder's name in UTF-8 (default: from the card face, else the signing certificate)")
	f.StringVar(&h.sex, "sex", "", "the holder's sex: 1 male, 2 female, 9 not applicable (default: from the card)")
	f.StringVar(&h.birth, "birth", "", "the holder's date of birth, YYYY-MM-DD (default: from the card)")
	f.StringVar(&h.address, "address", "", "the holder's registered address in UTF-8 (default: from the card face, which card event address-change wrote, else the signing certificate)")
	f.StringVar(&h.cardExpiry, "card-expiry", "", "the card's own expiry, YYYY-MM-DD (caps the certificates, VALID-05)")
	f.StringVar(&h.residence, "residence", "", "a foreign resident's status: permanent, special-permanent or other (VALID-06)")
	f.StringVar(&h.residenceExpiry, "residence-expiry", "", "with --residence other: the end of the period of stay, YYYY-MM-DD (caps the certificates)")
}

func (h *holderFlags) options() (time.Time, office.Options, error) {
	when, err := parseWhen(h.on)
	if err != nil {
		return when, office.Options{}, err
	}
	opts := office.Options{Name: h.name, Sex: h.sex, Address: h.address}
	if h.sex != "" && h.sex != "1" && h.sex != "2" && h.sex != "9" {
		return when, opts, usageError{fmt.Errorf("--sex %q: want 1 (male), 2 (female) or 9 (not applicable)", h.sex)}
	}
	for _, d := range []struct {
		flag, value string
		dst         *rules.Date
	}{{"--birth", h.birth, &opts.Birth}, {"--card-expiry", h.cardExpiry, &opts.CardExpiry}, {"--residence-expiry", h.residenceExpiry, &opts.ResidenceExpiry}} {
		if d.value == "" {
			continue
		}
		if *d.dst, err = rules.ParseDate(d.value); err != nil {
			return when, opts, usageError{fmt.Errorf("%s: %v", d.flag, err)}
		}
	}
	if opts.Residence, err = rules.ParseResidence(h.residence); err != nil {
		return when, opts, usageError{fmt.Errorf("--%v", err)}
	}
	if (opts.Residence == rules.Other) != !opts.ResidenceExpiry.IsZero() {
		return when, opts, usageError{errors.New("--residence other and --residence-expiry go together")}
	}
	return when, opts, nil
}

func newCardRenewCmd(stdout io.Writer) *cobra.Command {
	var path string
	var h holderFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "renew --state FILE",
		Short: "Renew the certificates at the office: new key pairs and certificates on the card",
		Long: `Issue the card's certificates anew with new key pairs on the card, as the office
does at a renewal: from 3 months before the expiry (RENEW-01), to the 6th
birthday when fewer than 3 months remained (VALID-02), as a new issuance after
expiry (RENEW-04), capped by --card-expiry (VALID-05). The holder's data are read
from the signing certificate on the card, the name and address from its card face
(Kenhojo EF 0002, which card event address-change and name-change write); the
flags replace them (a card without
a signing certificate needs --name, --sex, --birth and --address, and renews its
auth certificate only). PINs and retry counters are kept.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			when, opts, err := h.options()
			if err != nil {
				return err
			}
			c, done, err := openOffice(path)
			if err != nil {
				return err
			}
			defer done()
			issued, err := c.Renew(when, opts)
			if errors.Is(err, office.ErrNeedHolder) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			return printIssued(stdout, issued, asJSON)
		},
	}
	cmd.Flags().StringVar(&path, "state", "", "the card's state file")
	h.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func printIssued(stdout io.Writer, issued []office.Issued, asJSON bool) error {
	if asJSON {
		b, _ := json.Marshal(map[string]any{"issued": issued})
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	for _, i := range issued {
		fmt.Fprintf(stdout, "%v certificate: serial %s, expires %s 23:59:59 JST [%s]\n", i.Kind, i.Serial, i.Expiry, strings.Join(i.Rules, ", "))
	}
	return nil
}

func newCardIssueSigningCmd(stdout io.Writer) *cobra.Command {
	var path string
	var h holderFlags
	var asJSON, prompt bool
	cmd := &cobra.Command{
		Use:   "issue-signing --state FILE",
		Short: "Issue a signing certificate at the office (a holder who turned 15, a re-issue after a move)",
		Long: `Issue a signing certificate to a card that holds none, or one that is revoked or
expired: a holder who turned 15 (AGE-01), a re-issue on request after a change of
name or address revoked it (REVOKE-01), a new one after expiry (RENEW-04). The
card gets a new key pair, the certificate, EF 0008 8F 8F 00 (AGE-04) and a new
signing password with a full retry counter: from JPKISIM_SIGN_PIN (or --prompt;
else the profile's test password), never from a flag, checked as PIN-01/PIN-02
say. A valid or held certificate is renewed instead (refused under RENEW-01).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			when, opts, err := h.options()
			if err != nil {
				return err
			}
			c, done, err := openOffice(path)
			if err != nil {
				return err
			}
			defer done()
			pins, err := statePINs(path, *c.Meta, prompt, []jpki.PIN{jpki.SigningPIN})
			if err != nil {
				return err
			}
			issued, err := c.IssueSigning(when, pins.SigningPIN, opts)
			if errors.Is(err, office.ErrNeedHolder) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if err := printIssued(stdout, []office.Issued{issued}, asJSON); err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(stdout, "signing password from %s\n", pins.From(jpki.SigningPIN))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "state", "", "the card's state file")
	h.add(cmd)
	cmd.Flags().BoolVar(&prompt, "prompt", false, "ask on the terminal for the signing password when JPKISIM_SIGN_PIN is not set")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
