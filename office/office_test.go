package office_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// newCard is a default card with a valid record and a commit counter.
func newCard(t *testing.T) (*office.Card, *int) {
	t.Helper()
	st, err := simulator.NewState(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	meta := &store.Meta{Profile: "default"}
	meta.Certificates.Signing.Status = rules.Valid
	meta.Certificates.Auth.Status = rules.Valid
	commits := new(int)
	return &office.Card{State: st, Meta: meta, Commit: func() error { *commits++; return nil }}, commits
}

func rule(err error) string {
	var r *office.Refusal
	if errors.As(err, &r) {
		return r.Rule
	}
	return ""
}

var day = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC) // 12:00 JST

func TestAddressChangeRevokesOnlyTheSigningCertificate(t *testing.T) {
	c, commits := newCard(t)
	changes, err := c.Record(rules.AddressChange, day)
	if err != nil {
		t.Fatal(err)
	}
	s, a := c.Meta.Certificates.Signing, c.Meta.Certificates.Auth
	if s.Status != rules.Revoked || s.Reason != rules.AffiliationChanged || !s.Since.Equal(day) || s.Since.Location() != time.UTC || a.Status != rules.Valid {
		t.Fatalf("signing %+v auth %+v", s, a)
	}
	if len(changes) != 1 || changes[0].Rule != "REVOKE-01" || *commits != 1 {
		t.Fatalf("changes %+v, %d commits", changes, *commits)
	}
	// A second change of address leaves the first revocation as it was.
	if changes, err = c.Record(rules.NameChange, day.Add(time.Hour)); err != nil || len(changes) != 0 ||
		!c.Meta.Certificates.Signing.Since.Equal(day) {
		t.Fatalf("%v %+v %+v", err, changes, c.Meta.Certificates.Signing)
	}
	// Revoking it again on request is refused with the rule.
	if _, err := c.Record(rules.RevokeSigning, day); rule(err) != "REVOKE-03" {
		t.Fatalf("revoke a revoked certificate: %v", err)
	}
}

func TestLossHoldsBothAndOnlyALiftReleasesThem(t *testing.T) {
	c, _ := newCard(t)
	if _, err := c.Record(rules.Found, day); rule(err) != "HOLD-02" {
		t.Fatalf("lift without a hold: %v", err)
	}
	if _, err := c.Record(rules.Loss, day); err != nil {
		t.Fatal(err)
	}
	for _, s := range []record.Cert{c.Meta.Certificates.Signing, c.Meta.Certificates.Auth} {
		if s.Status != rules.Suspended || s.Reason != rules.CertificateHold {
			t.Fatalf("%+v", s)
		}
	}
	// While on hold the holder moves: the signing certificate is revoked.
	if _, err := c.Record(rules.AddressChange, day); err != nil {
		t.Fatal(err)
	}
	changes, err := c.Record(rules.Found, day)
	if err != nil {
		t.Fatal(err)
	}
	s, a := c.Meta.Certificates.Signing, c.Meta.Certificates.Auth
	if s.Status != rules.Revoked || s.Reason != rules.AffiliationChanged || a.Status != rules.Valid || a.Reason != 0 || !a.Since.IsZero() {
		t.Fatalf("after the lift: signing %+v auth %+v", s, a)
	}
	if len(changes) != 1 || changes[0].Kind != jpki.Auth || changes[0].From.Status != rules.Suspended || changes[0].To.Status != rules.Valid || changes[0].Rule != "HOLD-02" {
		t.Fatalf("%+v", changes)
	}
}

func TestUnder15CardHasNothingToRevoke(t *testing.T) {
	c, _ := newCard(t)
	c.Meta.Certificates.Signing.Status = rules.Absent
	if _, err := c.Record(rules.RevokeSigning, day); rule(err) != "REVOKE-03" {
		t.Fatalf("%v", err)
	}
	if _, err := c.Record(rules.Death, day); err != nil {
		t.Fatal(err)
	}
	if c.Meta.Certificates.Signing.Status != rules.Absent || c.Meta.Certificates.Auth.Status != rules.Revoked {
		t.Fatalf("%+v", c.Meta.Certificates)
	}
}

func pin(c *office.Card, fid uint16) *simulator.PIN {
	return c.State.App(jpki.JPKI.AID()).EF(fid).PIN
}

func TestOfficeResetUnblocks(t *testing.T) {
	c, commits := newCard(t)
	pin(c, jpki.EFSigningPIN).Remaining = 0
	if err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Office, nil, day); err != nil {
		t.Fatal(err)
	}
	p := pin(c, jpki.EFSigningPIN)
	if string(p.Value) != "NEWPASS1" || p.Remaining != 5 || *commits != 1 {
		t.Fatalf("%d tries, %d commits", p.Remaining, *commits)
	}
	for _, bad := range []struct {
		pin  jpki.PIN
		v    string
		rule string
	}{
		{jpki.SigningPIN, "ABCDEF", "PIN-02"}, // no digit
		{jpki.SigningPIN, "abc123", "PIN-01"},
		{jpki.AuthPIN, "12345", "PIN-06"},
		{jpki.KenhojoPIN, "12a4", "PIN-06"},
		{jpki.JukiPIN, "12345", "PIN-06"},
	} {
		err := c.ResetPIN(bad.pin, []byte(bad.v), office.Office, nil, day)
		format := errors.Is(err, rules.ErrFormat) && strings.Contains(err.Error(), bad.rule)
		if rule(err) != bad.rule && !format {
			t.Errorf("%s: %v", bad.pin, err)
		}
		if err != nil && strings.Contains(err.Error(), bad.v) {
			t.Errorf("the error shows the value: %v", err)
		}
	}
	if string(pin(c, jpki.EFSigningPIN).Value) != "NEWPASS1" {
		t.Fatal("a refused reset changed the PIN")
	}
}

func TestKioskResetProvesTheOtherPIN(t *testing.T) {
	c, commits := newCard(t)
	auth, sign := pin(c, jpki.EFAuthPIN), pin(c, jpki.EFSigningPIN)
	sign.Remaining = 0
	// A wrong auth PIN costs a try, made durable, and resets nothing.
	err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Kiosk, []byte("9999"), day)
	if rule(err) != "UNLOCK-02" || auth.Remaining != 2 || sign.Remaining != 0 || *commits != 1 {
		t.Fatalf("%v: auth %d signing %d, %d commits", err, auth.Remaining, sign.Remaining, *commits)
	}
	if strings.Contains(err.Error(), "9999") || strings.Contains(err.Error(), "1234") {
		t.Fatalf("the error shows a PIN: %v", err)
	}
	// The kiosk is closed at 23:30 JST.
	if err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Kiosk, []byte("1234"), time.Date(2026, 11, 29, 14, 30, 0, 0, time.UTC)); rule(err) != "UNLOCK-03" {
		t.Fatalf("closed kiosk: %v", err)
	}
	// The right auth PIN restores its counter and resets the password.
	if err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Kiosk, []byte("1234"), day); err != nil {
		t.Fatal(err)
	}
	if auth.Remaining != 3 || sign.Remaining != 5 || string(sign.Value) != "NEWPASS1" {
		t.Fatalf("auth %d signing %d", auth.Remaining, sign.Remaining)
	}
	// Both locked: the kiosk cannot help, only the office.
	auth.Remaining, sign.Remaining = 0, 0
	if err := c.ResetPIN(jpki.AuthPIN, []byte("4321"), office.Kiosk, []byte("NEWPASS1"), day); rule(err) != "UNLOCK-02" || sign.Remaining != 0 {
		t.Fatalf("both locked: %v", err)
	}
	if err := c.ResetPIN(jpki.AuthPIN, []byte("4321"), office.Office, nil, day); err != nil || auth.Remaining != 3 {
		t.Fatalf("office: %v", err)
	}
}

// A commit that fails before the comparison means no comparison: nothing is
// reset, and memory keeps what the store holds (the try is not spent).
func TestKioskResetStopsWhenTheCounterCannotBeWritten(t *testing.T) {
	c, _ := newCard(t)
	c.Commit = func() error { return errors.New("disk full") }
	auth, sign := pin(c, jpki.EFAuthPIN), pin(c, jpki.EFSigningPIN)
	sign.Remaining = 0
	if err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Kiosk, []byte("1234"), day); err == nil || sign.Remaining != 0 || auth.Remaining != 3 {
		t.Fatalf("%v, signing %d, auth %d", err, sign.Remaining, auth.Remaining)
	}
}

// The profiles that stand for a card after an office operation hold what
// the operation produces on the default card: the same office record, the
// same retry counters.
func TestProfilesAgreeWithTheOperations(t *testing.T) {
	for _, tc := range []struct {
		profile string
		op      func(c *office.Card) error
	}{
		{"revoked-address-change", func(c *office.Card) error { _, err := c.Record(rules.AddressChange, day); return err }},
		{"suspended", func(c *office.Card) error { _, err := c.Record(rules.Loss, day); return err }},
		{"signing-locked", func(c *office.Card) error { return wrongTries(c, "0020009B06575241524B31", 5) }},
		{"auth-locked", func(c *office.Card) error { return wrongTries(c, "002000980439393939", 3) }},
	} {
		c, _ := newCard(t)
		if err := tc.op(c); err != nil {
			t.Fatal(err)
		}
		want := office.NewMeta(fixtures.MustProfile(tc.profile))
		got := *c.Meta
		for _, k := range jpki.Kinds {
			got.Certificates.For(k).Since = time.Time{} // the profile's record dates from the responder's start
		}
		if !reflect.DeepEqual(got.Certificates, want.Certificates) {
			t.Errorf("%s: the operation gives %+v, the profile holds %+v", tc.profile, got.Certificates, want.Certificates)
		}
		st, err := simulator.NewState(fixtures.MustProfile(tc.profile))
		if err != nil {
			t.Fatal(err)
		}
		for _, fid := range []uint16{jpki.EFAuthPIN, jpki.EFSigningPIN} {
			if g, w := pin(c, fid).Remaining, st.App(jpki.JPKI.AID()).EF(fid).PIN.Remaining; g != w {
				t.Errorf("%s: PIN %04X has %d tries, the profile %d", tc.profile, fid, g, w)
			}
		}
	}
}

// wrongTries sends a wrong VERIFY n times to a card over c's state.
func wrongTries(c *office.Card, verify string, n int) error {
	card := simulator.NewWithState(fixtures.MustProfile("default"), c.State, nil)
	card.PowerOn()
	cmd, _ := hex.DecodeString(verify)
	if _, err := card.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}); err != nil {
		return err
	}
	for range n {
		r, err := card.Transmit(cmd)
		if err != nil || r[0] != 0x63 {
			return fmt.Errorf("wrong VERIFY: % X %v", r, err)
		}
	}
	return nil
}

// A proof of the wrong length never reaches the comparison and costs no
// try; a child's card has no signing password to prove at a kiosk.
func TestKioskProofLengthAndChildCard(t *testing.T) {
	c, commits := newCard(t)
	auth := pin(c, jpki.EFAuthPIN)
	for _, proof := range []string{"", "12345", "123"} {
		err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Kiosk, []byte(proof), day)
		if rule(err) != "UNLOCK-02" || !strings.Contains(err.Error(), "no try was spent") || auth.Remaining != 3 || *commits != 0 {
			t.Fatalf("proof of %d bytes: %v, %d tries, %d commits", len(proof), err, auth.Remaining, *commits)
		}
	}
	c.Meta.Certificates.Signing.Status = rules.Absent
	if err := c.ResetPIN(jpki.AuthPIN, []byte("5678"), office.Kiosk, []byte("ABC123"), day); rule(err) != "UNLOCK-02" {
		t.Fatalf("child card at a kiosk: %v", err)
	}
	if err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Office, nil, day); rule(err) != "AGE-01" {
		t.Fatalf("child card's signing password: %v", err)
	}
	if err := c.ResetPIN(jpki.AuthPIN, []byte("5678"), office.Office, nil, day); err != nil {
		t.Fatalf("child card's auth PIN at the office: %v", err)
	}
}

// cardFacePINs are the PIN objects of p on c: Kenhojo EF 0011, or EF 001C
// of the Juki and of the common card application.
func cardFacePINs(c *office.Card, p jpki.PIN) []*simulator.PIN {
	apps := []jpki.App{jpki.Kenhojo}
	if p == jpki.JukiPIN {
		apps = []jpki.App{jpki.Juki, jpki.Common}
	}
	var pins []*simulator.PIN
	for _, a := range apps {
		pins = append(pins, c.State.App(a.AID()).EF(p.FID()).PIN)
	}
	return pins
}

// The Kenhojo and Juki PINs are reset at the office (UNLOCK-01) — the Juki
// PIN in both applications that hold it — and never at a kiosk
// (UNLOCK-04), which is refused before anything changes.
func TestOfficeResetsTheKenhojoAndJukiPINs(t *testing.T) {
	for _, p := range []jpki.PIN{jpki.KenhojoPIN, jpki.JukiPIN} {
		t.Run(p.Name(), func(t *testing.T) {
			c, commits := newCard(t)
			pins := cardFacePINs(c, p)
			for _, x := range pins {
				x.Remaining = 0
			}
			before := string(pins[0].Value)
			if err := c.ResetPIN(p, []byte("8642"), office.Kiosk, []byte("1234"), day); rule(err) != "UNLOCK-04" {
				t.Fatalf("at a kiosk: %v", err)
			}
			if *commits != 0 || pins[0].Remaining != 0 || string(pins[0].Value) != before {
				t.Fatal("a refused kiosk reset changed the card")
			}
			if err := c.ResetPIN(p, []byte("8642"), office.Office, nil, day); err != nil {
				t.Fatal(err)
			}
			for _, x := range pins {
				if string(x.Value) != "8642" || x.Remaining != p.MaxTries() {
					t.Errorf("after the reset: %d of %d tries, new value %v", x.Remaining, p.MaxTries(), string(x.Value) == "8642")
				}
			}
			if *commits != 1 {
				t.Errorf("%d commits", *commits)
			}
			// A failed write leaves memory as the disk has it.
			c.Commit = func() error { return errors.New("disk full") }
			if err := c.ResetPIN(p, []byte("1357"), office.Office, nil, day); err == nil {
				t.Fatal("the failed commit was not reported")
			}
			for _, x := range pins {
				if string(x.Value) != "8642" {
					t.Error("after a failed commit the new value stays in memory")
				}
			}
		})
	}
	c := cardOf(t, "android")
	if err := c.ResetPIN(jpki.KenhojoPIN, []byte("8642"), office.Office, nil, day); !errors.Is(err, office.ErrNoPIN) {
		t.Fatalf("a phone token's Kenhojo PIN: %v", err)
	}
}
