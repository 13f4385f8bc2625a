package targets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"golang.org/x/term"

	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// This file is the one home of a card's PIN values as the user gives them:
// the environment, the terminal, and a virtual card's profile (README,
// "Real cards" and "Cards that keep their state, and the office"). Never a
// flag, whose value would show in ps; never a value in an
// error or a message (From says where a value came from, not what it is).

// Environment variables that carry a card's PINs, one per PIN role.
const (
	EnvAuthPIN    = "JPKISIM_AUTH_PIN"    // the auth PIN (JPKI EF 0018)
	EnvSignPIN    = "JPKISIM_SIGN_PIN"    // the signing password (JPKI EF 001B)
	EnvKenhojoPIN = "JPKISIM_KENHOJO_PIN" // the Kenhojo PIN (Kenhojo EF 0011)
	// EnvJukiPIN carries the Juki PIN, EF 001C of the Juki and of the
	// common card application, which a card issues with one value.
	EnvJukiPIN = "JPKISIM_JUKI_PIN"
)

// EnvVar returns the environment variable that carries p: EnvAuthPIN,
// EnvSignPIN, EnvKenhojoPIN or EnvJukiPIN; "" for no PIN role.
func EnvVar(p jpki.PIN) string {
	switch p {
	case jpki.AuthPIN:
		return EnvAuthPIN
	case jpki.SigningPIN:
		return EnvSignPIN
	case jpki.KenhojoPIN:
		return EnvKenhojoPIN
	case jpki.JukiPIN:
		return EnvJukiPIN
	}
	return ""
}

// CheckEnv refuses a PIN variable that is set but empty (an unset shell
// variable, most likely: the profile's test PIN would be used without a
// word), and one whose value no card can hold (rules PIN-01, PIN-06,
// PIN-07): it cannot be the card's PIN, and presenting it would only spend a
// try. It checks the variables in the order of jpki.PINs; the error names
// the variable and the rule, never the value.
func CheckEnv() error {
	for _, p := range jpki.PINs {
		name := EnvVar(p)
		v, ok := os.LookupEnv(name)
		if !ok {
			continue
		}
		if v == "" {
			return fmt.Errorf("%s is set but empty; unset it to use the profile's test PIN", name)
		}
		if err := checkFormat(p, v); err != nil {
			return fmt.Errorf("%s: %v; no card holds such a PIN, so it is never presented", name, err)
		}
	}
	return nil
}

// checkFormat refuses a value of p that no card holds: 4 digits for the
// auth, Kenhojo and Juki PINs (PIN-06, PIN-07), 6-16 of A-Z 0-9 for the signing
// password (PIN-01; the letter-and-digit mix of PIN-02 is the office's rule
// for a new one, not the card's).
func checkFormat(p jpki.PIN, v string) error {
	if p == jpki.SigningPIN {
		return rules.CheckSigningPassword(v, false)
	}
	return rules.CheckFourDigitPIN(v)
}

// Source is where the value of a PIN came from.
type Source int

// The sources of a PIN value.
const (
	NoSource     Source = iota // none: the value is empty
	FromProfile                // the virtual card's profile (its test PIN)
	FromEnv                    // the PIN's environment variable (EnvVar)
	FromTerminal               // typed at the prompt (PINs.Ask)
)

// PINs are the values of a card's PINs — the two JPKI PINs, the Kenhojo
// PIN and the Juki PIN — and where each came from. Printed, it masks the
// values (harness.Secrets).
type PINs struct {
	harness.Secrets
	from map[jpki.PIN]Source
}

// Environment returns the PINs from their environment variables, each over
// its value in profile (a virtual card's test PINs; empty for a card that
// is not virtual) when the variable is unset or empty.
func Environment(profile harness.Secrets) PINs {
	s := PINs{Secrets: profile, from: map[jpki.PIN]Source{}}
	for _, p := range jpki.PINs {
		if len(profile.Of(p)) > 0 {
			s.from[p] = FromProfile
		}
		if v := os.Getenv(EnvVar(p)); v != "" {
			s.set(p, []byte(v), FromEnv)
		}
	}
	return s
}

// ForProfile is Environment over the test PINs of the profile p
// (sim.ProfileSecrets).
func ForProfile(p *simulator.Profile) PINs {
	return Environment(sim.ProfileSecrets(p))
}

func (s *PINs) set(p jpki.PIN, v []byte, from Source) {
	s.Secrets.Set(p, v)
	if s.from == nil {
		s.from = map[jpki.PIN]Source{}
	}
	s.from[p] = from
}

// Source returns where the value of p came from.
func (s PINs) Source(p jpki.PIN) Source { return s.from[p] }

// Given reports whether the user gave the value of p — its environment
// variable or the terminal — rather than a default.
func (s PINs) Given(p jpki.PIN) bool {
	return s.from[p] == FromEnv || s.from[p] == FromTerminal
}

// From says where the value of p came from, for a message, never the value:
// the variable's name (JPKISIM_AUTH_PIN), "the terminal", "the profile's
// test PINs", or "none given".
func (s PINs) From(p jpki.PIN) string {
	switch s.from[p] {
	case FromEnv:
		return EnvVar(p)
	case FromTerminal:
		return "the terminal"
	case FromProfile:
		return "the profile's test PINs"
	}
	return "none given"
}

// ErrBadPIN is wrapped when a PIN typed at the prompt has a format no card
// holds (rules PIN-01, PIN-06, PIN-07).
var ErrBadPIN = errors.New("bad PIN")

// ErrNoTerminal is returned by Ask when standard input is not a terminal.
var ErrNoTerminal = errors.New("no terminal on standard input to ask for a PIN")

// The terminal, which tests replace.
var (
	isTerminal             = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	readPassword           = func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }
	promptOut    io.Writer = os.Stderr
)

// hints describe each PIN's format in a question.
var hints = map[jpki.PIN]string{jpki.AuthPIN: "4 digits", jpki.SigningPIN: "6-16 of A-Z 0-9",
	jpki.KenhojoPIN: "4 digits", jpki.JukiPIN: "4 digits"}

// Ask asks on the terminal, without echo, for each PIN among pins whose
// value the user did not give (Given), in the order of jpki.PINs; card, when
// not "", names the card in the question (`the card in "Reader 0"`), and an
// empty answer is allowed ("empty to skip"). A typed value is the PIN's,
// from the terminal, also when empty; one in a format no card holds is
// refused with an error wrapping ErrBadPIN, which names the PIN and the
// rule, never the value, and nothing more is asked. Without a terminal on
// standard input nothing is asked: ErrNoTerminal.
func (s *PINs) Ask(pins []jpki.PIN, card string) error {
	if !isTerminal() {
		return ErrNoTerminal
	}
	for _, p := range jpki.PINs {
		if !slices.Contains(pins, p) || s.Given(p) {
			continue
		}
		where := ""
		if card != "" {
			where = " of " + card + ", empty to skip"
		}
		fmt.Fprintf(promptOut, "%s (%s)%s: ", p, hints[p], where)
		v, err := readPassword()
		fmt.Fprintln(promptOut)
		if err != nil {
			return err
		}
		if len(v) > 0 {
			if err := checkFormat(p, string(v)); err != nil {
				return fmt.Errorf("%w: the %v typed: %v; no card holds such a PIN, so it is never presented", ErrBadPIN, p, err)
			}
		}
		s.set(p, v, FromTerminal)
	}
	return nil
}
