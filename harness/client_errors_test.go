package harness_test

import (
	"crypto"
	"errors"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
)

// A PIN or key pair that is not the JPKI application's is refused by the
// client itself: nothing reaches the card.
func TestClientRefusesWhatTheJPKIApplicationLacks(t *testing.T) {
	cl, tr := newClient(t)
	before := tr.Len()
	for _, tc := range []struct {
		call func() error
		want error
		text string
	}{
		{func() error { return cl.Verify(jpki.PIN(0), []byte("1234")) }, harness.ErrNotJPKIPIN, "PIN(0)"},
		{func() error { return cl.Verify(jpki.JukiPIN, []byte("1234")) }, harness.ErrNotJPKIPIN, "Juki PIN"},
		{func() error { _, err := cl.RetriesLeft(jpki.KenhojoPIN); return err }, harness.ErrNotJPKIPIN, "Kenhojo PIN"},
		{func() error { return cl.ChangePIN(jpki.PIN(9), []byte("1234")) }, harness.ErrNotJPKIPIN, "PIN(9)"},
		{func() error { _, err := cl.NewSigner(jpki.Kind(0)); return err }, harness.ErrNotJPKIKey, "Kind(0)"},
		{func() error { _, err := cl.SignRaw(jpki.Kind(3), 0, []byte{1}); return err }, harness.ErrNotJPKIKey, "Kind(3)"},
	} {
		err := tc.call()
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %v", tc.text, err, tc.want)
		}
		var sw apdu.StatusWord
		if errors.As(err, &sw) {
			t.Errorf("%s: a status word %s in a refusal that sent nothing", tc.text, sw.String())
		}
		if n := tr.Len(); n != before {
			t.Fatalf("%s: %d C-APDUs sent: %v", tc.text, n-before, tr.Since(before))
		}
	}
	// The two PINs and key pairs of the application still work.
	if n, err := cl.RetriesLeft(jpki.AuthPIN); err != nil || n != 3 {
		t.Fatalf("RetriesLeft(AuthPIN) = %d, %v", n, err)
	}
}

// Errors of the operations of several commands say which command failed
// and on which EF, and errors.As still finds the status word.
func TestClientErrorsSayWhatFailed(t *testing.T) {
	cl, _ := newClient(t)
	_, err := cl.NewSigner(jpki.Signing)
	var sw apdu.StatusWord
	if !errors.As(err, &sw) || sw != apdu.SWSecurityNotSatisfied || !strings.Contains(err.Error(), "reading EF 0001") {
		t.Errorf("NewSigner(Signing) before the password: %v", err)
	}
	if _, err := cl.ReadCertificate(0x0001); !errors.Is(err, apdu.SWSecurityNotSatisfied) || !strings.Contains(err.Error(), "reading EF 0001 at offset 0") {
		t.Errorf("ReadCertificate(0001): %v", err)
	}
	if _, err := cl.Certificate(0x0ABC); !errors.Is(err, apdu.SWFileNotFound) || !strings.Contains(err.Error(), "selecting EF 0ABC") {
		t.Errorf("Certificate(0ABC): %v", err)
	}
	// The wrong-PIN answer of VERIFY is the status word itself, as before.
	if err := cl.Verify(jpki.AuthPIN, []byte("9999")); err != apdu.VerifyFailed(2) {
		t.Errorf("wrong PIN: %v", err)
	}
	// Signer.Sign without the PIN: the COMPUTE DIGITAL SIGNATURE answer.
	s, err := cl.NewSigner(jpki.Auth)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(nil, make([]byte, 32), crypto.SHA256); !errors.Is(err, apdu.SWSecurityNotSatisfied) {
		t.Errorf("Sign without the PIN: %v", err)
	}
}

// RetriesLeft, as documented: a SELECT of the PIN's EF that fails is that
// status word, named with its EF, and not ErrNotTries; an empty VERIFY that
// answers other than 63Cx wraps ErrNotTries and its status word.
func TestRetriesLeftErrorsAsDocumented(t *testing.T) {
	c, err := sim.Target{Profile: fixtures.MustProfile("default")}.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := harness.NewClient(c) // no SELECT of the application: EF 0018 is not found
	_, err = cl.RetriesLeft(jpki.AuthPIN)
	var sw apdu.StatusWord
	if !errors.As(err, &sw) || sw != apdu.SWFileNotFound || errors.Is(err, harness.ErrNotTries) || !strings.Contains(err.Error(), "selecting EF 0018") {
		t.Errorf("RetriesLeft before the application is selected: %v", err)
	}

	q, err := sim.Target{Profile: fixtures.MustProfile("counter-query-6a80")}.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	cl = harness.NewClient(q)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	_, err = cl.RetriesLeft(jpki.AuthPIN)
	if !errors.Is(err, harness.ErrNotTries) || !errors.Is(err, apdu.SWWrongData) {
		t.Errorf("a card that refuses the empty VERIFY: %v", err)
	}
}
