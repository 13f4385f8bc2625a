package targets

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
)

// unsetPINVars clears the PIN variables for the test.
func unsetPINVars(t *testing.T) {
	t.Helper()
	for _, v := range []string{EnvAuthPIN, EnvSignPIN, EnvKenhojoPIN, EnvJukiPIN} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// terminal replaces the terminal for the test: answers are typed in turn,
// and the questions are returned.
func terminal(t *testing.T, tty bool, answers ...string) *bytes.Buffer {
	t.Helper()
	oldTTY, oldRead, oldOut := isTerminal, readPassword, promptOut
	t.Cleanup(func() { isTerminal, readPassword, promptOut = oldTTY, oldRead, oldOut })
	var questions bytes.Buffer
	isTerminal = func() bool { return tty }
	readPassword = func() ([]byte, error) {
		if len(answers) == 0 {
			t.Fatal("asked more than the test answers")
		}
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	}
	promptOut = &questions
	return &questions
}

func TestPINsSayWhereEachCameFrom(t *testing.T) {
	unsetPINVars(t)
	p := fixtures.MustProfile("default")
	t.Setenv(EnvAuthPIN, "4321")
	s := ForProfile(p)
	if string(s.AuthPIN) != "4321" || !bytes.Equal(s.SigningPIN, p.SigningPIN) {
		t.Fatal("the environment does not stand over the profile")
	}
	if s.From(jpki.AuthPIN) != "JPKISIM_AUTH_PIN" || s.From(jpki.SigningPIN) != "the profile's test PINs" {
		t.Fatalf("from %q, %q", s.From(jpki.AuthPIN), s.From(jpki.SigningPIN))
	}
	if !s.Given(jpki.AuthPIN) || s.Given(jpki.SigningPIN) {
		t.Fatal("Given: the profile's test PIN counted as given, or the variable not")
	}
	// A card that is not virtual has no defaults.
	real := Environment(harness.Secrets{})
	if real.From(jpki.SigningPIN) != "none given" || real.Source(jpki.SigningPIN) != NoSource || len(real.SigningPIN) != 0 {
		t.Fatalf("no value: %q", real.From(jpki.SigningPIN))
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, s); strings.Contains(out, "4321") || strings.Contains(out, string(p.SigningPIN)) {
			t.Fatalf("%s shows a PIN: %s", f, out)
		}
	}
}

// The prompt asks only for the PINs named and not given, the auth PIN
// first; typed values are from the terminal; a value no card holds is
// refused without being shown; without a terminal nothing is asked.
func TestAskAsksForWhatIsMissing(t *testing.T) {
	unsetPINVars(t)
	t.Setenv(EnvSignPIN, "ENVPASS1")
	q := terminal(t, true, "2468")
	s := Environment(harness.Secrets{})
	if err := s.Ask([]jpki.PIN{jpki.SigningPIN, jpki.AuthPIN}, `the card in "Reader 0"`); err != nil {
		t.Fatal(err)
	}
	if string(s.AuthPIN) != "2468" || s.From(jpki.AuthPIN) != "the terminal" || string(s.SigningPIN) != "ENVPASS1" || s.From(jpki.SigningPIN) != EnvSignPIN {
		t.Fatalf("auth from %s, signing from %s", s.From(jpki.AuthPIN), s.From(jpki.SigningPIN))
	}
	if got := q.String(); got != "auth PIN (4 digits) of the card in \"Reader 0\", empty to skip: \n" {
		t.Fatalf("questions %q", got)
	}

	// Both asked, in order; an empty answer leaves the PIN empty, typed.
	unsetPINVars(t)
	q = terminal(t, true, "", "NEWPASS7")
	s = ForProfile(fixtures.MustProfile("default"))
	if err := s.Ask(jpki.JPKIPINs, ""); err != nil {
		t.Fatal(err)
	}
	if len(s.AuthPIN) != 0 || !s.Given(jpki.AuthPIN) || string(s.SigningPIN) != "NEWPASS7" {
		t.Fatalf("auth %d bytes given %v, signing from %s", len(s.AuthPIN), s.Given(jpki.AuthPIN), s.From(jpki.SigningPIN))
	}
	if !strings.HasPrefix(q.String(), "auth PIN (4 digits): \nsigning password (6-16 of A-Z 0-9): ") {
		t.Fatalf("questions %q", q.String())
	}

	terminal(t, true, "12a4")
	s = Environment(harness.Secrets{})
	err := s.Ask(jpki.JPKIPINs, "")
	if !errors.Is(err, ErrBadPIN) || !strings.Contains(err.Error(), "PIN-06") || strings.Contains(err.Error(), "12a4") || len(s.AuthPIN) != 0 {
		t.Fatalf("a typed value no card holds: %v", err)
	}

	terminal(t, false)
	s = Environment(harness.Secrets{})
	if err := s.Ask(jpki.JPKIPINs, ""); !errors.Is(err, ErrNoTerminal) {
		t.Fatalf("without a terminal: %v", err)
	}
}

func TestCheckEnv(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{EnvAuthPIN, "", "JPKISIM_AUTH_PIN is set but empty"},
		{EnvAuthPIN, "12345", "PIN-06"},
		{EnvSignPIN, "abc123", "PIN-01"},
		{EnvKenhojoPIN, "1a34", "PIN-06"},
		{EnvJukiPIN, "12345", "PIN-06"},
		{EnvJukiPIN, "", "JPKISIM_JUKI_PIN is set but empty"},
		{EnvJukiPIN, "2468", ""},
		{EnvSignPIN, "PASS99", ""},
	} {
		unsetPINVars(t)
		t.Setenv(tc.name, tc.value)
		err := CheckEnv()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.name)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		case err != nil && tc.value != "" && strings.Contains(err.Error(), tc.value):
			t.Errorf("%s: the value in %q", tc.name, err)
		}
	}
}

func TestEnvVar(t *testing.T) {
	if EnvVar(jpki.AuthPIN) != "JPKISIM_AUTH_PIN" || EnvVar(jpki.SigningPIN) != "JPKISIM_SIGN_PIN" || EnvVar(jpki.KenhojoPIN) != "JPKISIM_KENHOJO_PIN" || EnvVar(jpki.JukiPIN) != "JPKISIM_JUKI_PIN" || EnvVar(0) != "" {
		t.Fatal("EnvVar")
	}
}

// The Kenhojo and Juki PINs come from their variables over the profile's
// test PINs, as the JPKI ones do, and are asked for on the terminal when
// named; a phone token's profile has none.
func TestCardFacePINsFromTheEnvironment(t *testing.T) {
	unsetPINVars(t)
	p := fixtures.MustProfile("default")
	s := ForProfile(p)
	if !bytes.Equal(s.KenhojoPIN, p.CardFace.KenhojoPIN) || !bytes.Equal(s.JukiPIN, p.CardFace.JukiPIN) ||
		s.From(jpki.KenhojoPIN) != "the profile's test PINs" || s.From(jpki.JukiPIN) != "the profile's test PINs" {
		t.Fatal("the profile's Kenhojo and Juki PINs are not the defaults")
	}
	t.Setenv(EnvKenhojoPIN, "8642")
	t.Setenv(EnvJukiPIN, "9753")
	s = ForProfile(p)
	if string(s.KenhojoPIN) != "8642" || string(s.JukiPIN) != "9753" || string(s.AuthPIN) != string(p.AuthPIN) ||
		s.From(jpki.KenhojoPIN) != EnvKenhojoPIN || s.From(jpki.JukiPIN) != EnvJukiPIN || !s.Given(jpki.JukiPIN) {
		t.Fatal("the variables do not stand over the profile, or only for one PIN")
	}
	if out := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(out, "8642") || strings.Contains(out, "9753") {
		t.Fatalf("printed PINs show a value: %s", out)
	}
	unsetPINVars(t)
	if s := ForProfile(fixtures.MustProfile("android")); len(s.KenhojoPIN) != 0 || s.From(jpki.JukiPIN) != "none given" {
		t.Fatal("a phone token has a Kenhojo or Juki PIN")
	}
	q := terminal(t, true, "1357", "")
	s = Environment(harness.Secrets{})
	if err := s.Ask([]jpki.PIN{jpki.JukiPIN, jpki.KenhojoPIN}, ""); err != nil {
		t.Fatal(err)
	}
	if string(s.KenhojoPIN) != "1357" || len(s.JukiPIN) != 0 || s.From(jpki.JukiPIN) != "the terminal" ||
		!strings.Contains(q.String(), "Kenhojo PIN (4 digits)") || !strings.Contains(q.String(), "Juki PIN (4 digits)") {
		t.Fatalf("asked %q", q.String())
	}
	terminal(t, true, "13a7")
	s = Environment(harness.Secrets{})
	if err := s.Ask([]jpki.PIN{jpki.JukiPIN}, ""); !errors.Is(err, ErrBadPIN) || strings.Contains(err.Error(), "13a7") {
		t.Fatalf("a typed Juki PIN no card holds: %v", err)
	}
}
