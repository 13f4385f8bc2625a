package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
	"github.com/jpkisim/jpkisim/targets"
)

// openStore locks and loads a state file; a missing or broken file is a
// usage error.
func openStore(path string) (*store.Store, *simulator.State, store.Meta, error) {
	s, st, meta, err := store.Open(path)
	if err != nil && (errors.Is(err, store.ErrBadState) || errors.Is(err, os.ErrNotExist)) {
		err = usageError{err}
	}
	return s, st, meta, err
}

// profileOf is the profile the card of the state file path was made with.
// The store refuses a file naming a profile this jpkisim has not; the
// error names the field, never its value (a file's contents are not
// quoted: docs/state-file.md, "Validation").
func profileOf(path string, meta store.Meta) (*simulator.Profile, error) {
	p, err := fixtures.Profile(meta.Profile)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: field body.profile: not a profile this jpkisim can load", path)}
	}
	return p, nil
}

// statePINs are the PINs of the card of the state file path: the
// environment over its profile's test PINs, then, with prompt, the terminal
// for those of ask the environment left out.
func statePINs(path string, meta store.Meta, prompt bool, ask []jpki.PIN) (targets.PINs, error) {
	p, err := profileOf(path, meta)
	if err != nil {
		return targets.PINs{}, err
	}
	pins := targets.ForProfile(p)
	if prompt {
		if err := askPINs(&pins, ask); err != nil {
			return pins, err
		}
	}
	return pins, nil
}

// askPINs is --prompt: the terminal for the PINs of ask the environment
// did not give; without a terminal, a usage error.
func askPINs(pins *targets.PINs, ask []jpki.PIN) error {
	err := pins.Ask(ask, "")
	if errors.Is(err, targets.ErrNoTerminal) {
		return usageError{errors.New("--prompt needs a terminal on standard input")}
	}
	return err
}

// openState locks a state file and makes the card that drives it.
func openState(path string) (*simulator.Card, *store.Store, error) {
	s, st, meta, err := openStore(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := profileOf(path, meta)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return simulator.NewWithState(p, st, &toldOnce{Store: s, w: stateWarnings}), s, nil
}

// stateWarnings receives the one line that says a card's writes stopped.
var stateWarnings io.Writer = os.Stderr

// toldOnce is a state file's Persister that says, once, why the card
// answers 6581 to every write from now on: its process is no longer the
// only writer (store.ErrLockLost). Other write errors come and go (a full
// disk) and are not repeated here.
type toldOnce struct {
	*store.Store
	w    io.Writer
	told bool
}

func (t *toldOnce) Commit(st *simulator.State) error {
	err := t.Store.Commit(st)
	if errors.Is(err, store.ErrLockLost) && !t.told {
		t.told = true
		fmt.Fprintf(t.w, "jpkisim: %v; the card answers 6581 to every write until it is opened again\n", err)
	}
	return err
}

// stateTarget is the embedded card that starts every scenario from a state
// file (read, never written).
func stateTarget(path string) (sim.Target, error) {
	st, meta, err := store.Load(path)
	if err != nil {
		return sim.Target{}, usageError{err}
	}
	p, err := profileOf(path, meta)
	if err != nil {
		return sim.Target{}, err
	}
	pins := targets.ForProfile(p).Secrets
	return sim.Target{Profile: p, Initial: st, PINs: &pins}, nil
}

func newCardCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "card",
		Short: "Make and inspect virtual cards kept in state files",
		Long: `A card state file keeps a virtual card's EEPROM — files, keys, PINs, retry
counters — and the office's record of its certificates, so that the card
survives restarts like a real one (docs/state-file.md). serve, apdu and run take
it with --state FILE.`,
	}
	var path, profile string
	var prompt, newJSON bool
	newCmd := &cobra.Command{
		Use:   "new --state FILE",
		Short: "Issue a new card into a state file (never replaces one)",
		Long: `Issue a new virtual card of a profile into a new state file. Its PINs come from
JPKISIM_AUTH_PIN and JPKISIM_SIGN_PIN, and on a card with the card-face
applications JPKISIM_KENHOJO_PIN (Kenhojo EF 0011) and JPKISIM_JUKI_PIN (EF 001C
of the Juki and of the common card application) — or, with --prompt, from the
terminal; else the profile's test PINs —, never from a flag, and are checked as
the issuing office checks them: 4 digits (PIN-06, PIN-07), and 6-16 of A-Z 0-9
with at least one letter and one digit (PIN-01, PIN-02). No value is printed: the
output says where each came from.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" {
				return usageError{errors.New("card new: --state FILE is required")}
			}
			if fixtures.IsProfileFile(profile) {
				// The file names its profile, and only an embedded one is
				// ever looked up from it (docs/state-file.md, "Validation").
				return usageError{fmt.Errorf("card new: --profile %s: a card state file keeps an embedded profile's name (see jpkisim profiles), never a profile file", profile)}
			}
			p, err := fixtures.Profile(profile)
			if err != nil {
				return usageError{err}
			}
			own := jpki.JPKIPINs // the PINs this card has
			if p.CardFace != nil {
				own = jpki.PINs
			}
			pins := targets.ForProfile(p)
			if prompt {
				if err := askPINs(&pins, own); err != nil {
					return err
				}
			}
			if err := rules.CheckSigningPassword(string(pins.SigningPIN), true); err != nil {
				return usageError{fmt.Errorf("signing password: %v", err)}
			}
			for _, r := range own {
				if r == jpki.SigningPIN {
					continue
				}
				if err := rules.CheckFourDigitPIN(string(pins.Of(r))); err != nil {
					return usageError{fmt.Errorf("%v: %v", r, err)}
				}
			}
			q := *p
			q.AuthPIN, q.SigningPIN = pins.AuthPIN, pins.SigningPIN
			if p.CardFace != nil {
				q.CardFace = p.CardFace.Clone()
				q.CardFace.KenhojoPIN, q.CardFace.JukiPIN = pins.KenhojoPIN, pins.JukiPIN
			}
			st, err := simulator.NewState(&q)
			if err != nil {
				return err
			}
			meta := office.NewMeta(p)
			if err := store.Create(path, st, meta); err != nil {
				return usageError{err}
			}
			if newJSON {
				out := map[string]string{"state": path, "profile": p.Name}
				for _, r := range own {
					out[pinFromKey[r]] = pins.From(r)
				}
				b, _ := json.Marshal(out)
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			from := make([]string, len(own))
			for i, r := range own {
				from[i] = fmt.Sprintf("%v from %s", r, pins.From(r))
			}
			fmt.Fprintf(stdout, "created %s: a card of profile %s, %s\n", path, p.Name, strings.Join(from, ", "))
			return nil
		},
	}
	newCmd.Flags().StringVar(&path, "state", "", "the new state file")
	newCmd.Flags().BoolVar(&newJSON, "json", false, "print one JSON object")
	newCmd.Flags().BoolVar(&prompt, "prompt", false, "ask on the terminal for the PINs the environment does not give")
	newCmd.Flags().StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile: an embedded one (see jpkisim profiles); the file keeps its name")

	var showPath string
	var asJSON bool
	show := &cobra.Command{
		Use:   "show --state FILE",
		Short: "Show a card's certificates (status, expiry) and retry counters",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if showPath == "" {
				return usageError{errors.New("card show: --state FILE is required")}
			}
			st, meta, err := store.Load(showPath)
			if err != nil {
				return usageError{err}
			}
			v := describe(st, meta)
			if asJSON {
				b, _ := json.Marshal(v)
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			fmt.Fprintf(stdout, "profile %s\n", v.Profile)
			if v.Holder != nil {
				fmt.Fprintf(stdout, "holder  %s, born %s, %s\n", v.Holder.Name, v.Holder.Birth, v.Holder.Address)
			}
			if v.Lapsed != "" {
				fmt.Fprintf(stdout, "the card lapsed: %s\n", v.Lapsed)
			}
			for _, k := range jpki.Kinds {
				c := v.cert(k)
				fmt.Fprintf(stdout, "%-7s certificate: %s", k, c.Status)
				if c.Reason != 0 {
					fmt.Fprintf(stdout, " (%s)", c.Reason)
				}
				if c.Expiry != "" {
					fmt.Fprintf(stdout, ", expires %s 23:59:59 JST", c.Expiry)
				}
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "auth PIN: %d of %d tries left; signing password: %d of %d tries left\n",
				v.Tries.Auth, v.Tries.AuthMax, v.Tries.Signing, v.Tries.SigningMax)
			if t := v.Tries; t.Kenhojo != nil && t.JukiCommon != nil && t.Juki != nil {
				fmt.Fprintf(stdout, "Kenhojo PIN: %v; Juki PIN: %v in the common card application, %v in the Juki application\n",
					t.Kenhojo, t.JukiCommon, t.Juki)
			}
			return nil
		},
	}
	show.Flags().StringVar(&showPath, "state", "", "the state file")
	show.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.AddCommand(newCmd, show, newCardEventCmd(stdout), newCardResetPINCmd(stdout), newCardRenewCmd(stdout), newCardIssueSigningCmd(stdout))
	return cmd
}

// pinFromKey names, in card new --json, where each PIN's value came from.
var pinFromKey = map[jpki.PIN]string{jpki.AuthPIN: "auth_pin_from", jpki.SigningPIN: "signing_password_from",
	jpki.KenhojoPIN: "kenhojo_pin_from", jpki.JukiPIN: "juki_pin_from"}

type certView struct {
	Status rules.Status `json:"status"`
	Reason rules.Reason `json:"reason,omitempty"`
	Expiry string       `json:"expiry,omitempty"`
}

type cardView struct {
	Profile string   `json:"profile"`
	Holder  *holder  `json:"holder,omitempty"` // from the card face (Kenhojo EF 0002), else the signing certificate
	Lapsed  string   `json:"lapsed,omitempty"`
	Signing certView `json:"signing"`
	Auth    certView `json:"auth"`
	Tries   struct {
		Auth       int `json:"auth"`
		AuthMax    int `json:"auth_max"`
		Signing    int `json:"signing"`
		SigningMax int `json:"signing_max"`
		// The PINs of a card with the card-face applications (version 2):
		// the Kenhojo PIN and the Juki PIN of the common card and of the
		// Juki application, each with its own counter.
		Kenhojo    *triesView `json:"kenhojo,omitempty"`
		JukiCommon *triesView `json:"juki_common,omitempty"`
		Juki       *triesView `json:"juki,omitempty"`
	} `json:"tries"`
}

// triesView is one retry counter: tries left of the maximum.
type triesView struct {
	Left int `json:"left"`
	Max  int `json:"max"`
}

func (t *triesView) String() string { return fmt.Sprintf("%d of %d tries left", t.Left, t.Max) }

// cert is the view of the certificate of kind k.
func (v *cardView) cert(k jpki.Kind) *certView {
	if k == jpki.Signing {
		return &v.Signing
	}
	return &v.Auth
}

// holder is the basic 4 information of the card face (Kenhojo EF 0002), or
// of the signing certificate (CERT-03) on a card without one.
type holder struct {
	Name    string `json:"name"`
	Sex     string `json:"sex"` // 1 male, 2 female, 9 not applicable
	Birth   string `json:"birth"`
	Address string `json:"address"`
}

// describe reads what show prints from a state: no PIN value.
func describe(st *simulator.State, meta store.Meta) cardView {
	v := cardView{Profile: meta.Profile}
	app := st.App(jpki.JPKI.AID())
	expiry := func(fid uint16) string {
		if c := office.Certificate(st, fid); c != nil {
			return rules.FromTime(c.NotAfter.In(rules.JST)).String()
		}
		return ""
	}
	for _, k := range jpki.Kinds {
		c := meta.Certificates.For(k)
		*v.cert(k) = certView{Status: c.Status, Reason: c.Reason, Expiry: expiry(k.CertFID())}
	}
	v.Lapsed = meta.Lapsed
	if b, ok, err := (&office.Card{State: st, Meta: &meta}).Holder(); ok && err == nil {
		// The card face is the office's record of the holder now: after a
		// move it holds the new address, the revoked certificate the old.
		v.Holder = &holder{Name: b.Name, Sex: b.Sex, Birth: b.BirthDate[:4] + "-" + b.BirthDate[4:6] + "-" + b.BirthDate[6:], Address: b.Address}
	} else if c := office.Certificate(st, jpki.EFSigningCert); c != nil {
		if san, err := pki.ParseSigningSAN(c); err == nil {
			v.Holder = &holder{Name: san.Name, Sex: san.Sex, Birth: san.BirthDate, Address: san.Address}
			if len(san.BirthDate) == 9 {
				v.Holder.Birth = san.BirthDate[1:5] + "-" + san.BirthDate[5:7] + "-" + san.BirthDate[7:]
			}
		}
	}
	a, s := app.EF(jpki.EFAuthPIN).PIN, app.EF(jpki.EFSigningPIN).PIN
	v.Tries.Auth, v.Tries.AuthMax, v.Tries.Signing, v.Tries.SigningMax = a.Remaining, a.MaxTries, s.Remaining, s.MaxTries
	counter := func(app jpki.App, fid uint16) *triesView {
		if a := st.App(app.AID()); a != nil {
			if e := a.EF(fid); e != nil && e.PIN != nil {
				return &triesView{Left: e.PIN.Remaining, Max: e.PIN.MaxTries}
			}
		}
		return nil
	}
	v.Tries.Kenhojo = counter(jpki.Kenhojo, jpki.KenhojoPIN.FID())
	v.Tries.JukiCommon = counter(jpki.Common, jpki.JukiPIN.FID())
	v.Tries.Juki = counter(jpki.Juki, jpki.JukiPIN.FID())
	return v
}
