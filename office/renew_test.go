package office_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// spareKeys hands out committed TEST-ONLY keys of another holder as the
// card's "new" key pairs: no test generates RSA keys.
func spareKeys() func() (*rsa.PrivateKey, error) {
	p := fixtures.MustProfile("foreign-resident")
	keys := []*rsa.PrivateKey{p.SigningKey, p.AuthKey}
	return func() (*rsa.PrivateKey, error) {
		k := keys[0]
		keys = keys[1:]
		return k, nil
	}
}

func cardOf(t *testing.T, profile string) *office.Card {
	t.Helper()
	st, err := simulator.NewState(fixtures.MustProfile(profile))
	if err != nil {
		t.Fatal(err)
	}
	meta := &store.Meta{Profile: profile}
	meta.Certificates.Signing.Status, meta.Certificates.Auth.Status = rules.Valid, rules.Valid
	return &office.Card{State: st, Meta: meta}
}

func certOn(t *testing.T, c *office.Card, fid uint16) *x509.Certificate {
	t.Helper()
	data := c.State.App(jpki.JPKI.AID()).EF(fid).Data
	n := int(data[2])<<8 | int(data[3]) + 4
	cert, err := x509.ParseCertificate(data[:n])
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func jst(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, rules.JST) }

func TestRenewalWindow(t *testing.T) {
	c := cardOf(t, "default") // expires 2030-06-15
	before := append([]byte(nil), c.State.App(jpki.JPKI.AID()).EF(jpki.EFSigningCert).Data...)
	_, err := c.Renew(jst(2030, 3, 14), office.Options{NewKey: spareKeys()})
	if rule(err) != "RENEW-01" || !strings.Contains(err.Error(), "2030-03-15") {
		t.Fatalf("before the window: %v", err)
	}
	if !bytes.Equal(before, c.State.App(jpki.JPKI.AID()).EF(jpki.EFSigningCert).Data) {
		t.Fatal("a refused renewal changed the card")
	}
	if _, err := c.Renew(jst(2036, 1, 1), office.Options{NewKey: spareKeys(), CardExpiry: rules.D(2035, 6, 15)}); rule(err) != "RENEW-04" {
		t.Fatalf("after the card expired: %v", err)
	}
	if _, err := cardOf(t, "under-15").Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()}); !errors.Is(err, office.ErrNeedHolder) {
		t.Fatalf("auth-only card without the holder's data: %v", err)
	}
}

// A renewal inside the window runs to the 6th birthday (VALID-02) and the
// card signs with its new keys, verifiable with the new certificates, which
// chain to the CAs and keep the holder's data.
func TestRenewalWritesNewCertificatesAndKeys(t *testing.T) {
	c := cardOf(t, "default")
	oldSign := certOn(t, c, jpki.EFSigningCert)
	issued, err := c.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if len(issued) != 2 || issued[0].Expiry != rules.D(2035, 6, 15) || issued[1].Expiry != rules.D(2035, 6, 15) ||
		strings.Join(issued[0].Rules, ",") != "VALID-01,VALID-02" {
		t.Fatalf("%+v", issued)
	}
	p := fixtures.MustProfile("default")
	for _, x := range []struct {
		fid  uint16
		ca   []byte
		kind jpki.Kind
	}{{jpki.EFSigningCert, p.SigningCACert, jpki.Signing}, {jpki.EFAuthCert, p.AuthCACert, jpki.Auth}} {
		cert := certOn(t, c, x.fid)
		ca, _ := x509.ParseCertificate(x.ca)
		if err := cert.CheckSignatureFrom(ca); err != nil {
			t.Fatalf("%v: %v", x.kind, err)
		}
		if !cert.NotAfter.Equal(time.Date(2035, 6, 15, 23, 59, 59, 0, rules.JST)) {
			t.Fatalf("%v: not after %v", x.kind, cert.NotAfter)
		}
	}
	newSign := certOn(t, c, jpki.EFSigningCert)
	oldSAN, _ := pki.ParseSigningSAN(oldSign)
	newSAN, _ := pki.ParseSigningSAN(newSign)
	if oldSAN != newSAN || newSign.SerialNumber.Cmp(oldSign.SerialNumber) == 0 ||
		strings.Join(newSign.Subject.Locality, "/") != "Kakuu-ken/Mihon-shi" || (c.Meta.Certificates.Signing.Serial == nil || c.Meta.Certificates.Signing.Serial.Cmp(newSign.SerialNumber) != 0) {
		t.Fatalf("holder %+v -> %+v, serial %v", oldSAN, newSAN, newSign.SerialNumber)
	}
	// The card signs with the new auth key after the (kept) auth PIN.
	card := simulator.NewWithState(p, c.State, nil)
	card.PowerOn()
	digest := sha256.Sum256([]byte("renewed"))
	info := append(mustHex(t, "3031300d060960864801650304020105000420"), digest[:]...)
	for _, cmd := range []string{"00A4040C0AD392F000260100000001", "002000980431323334"} {
		if r, _ := card.Transmit(mustHex(t, cmd)); !bytes.HasSuffix(r, []byte{0x90, 0}) {
			t.Fatalf("%s: % X", cmd, r)
		}
	}
	sig, _ := card.Transmit(append(append(mustHex(t, "802A0097"), byte(len(info))), append(info, 0)...))
	if len(sig) != 258 {
		t.Fatalf("signature: % X", sig[len(sig)-2:])
	}
	pub := certOn(t, c, jpki.EFAuthCert).PublicKey.(*rsa.PublicKey)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig[:256]); err != nil {
		t.Fatal("the signature does not verify with the renewed auth certificate:", err)
	}
}

// After a change of address revoked the signing certificate, a renewal
// renews the auth certificate only (the signing one is issued anew on
// request); a card on hold is not renewed until the hold is lifted; an
// expired card's renewal is a new issuance to the 5th birthday (RENEW-04).
func TestRenewalAfterAddressChangeHoldAndExpiry(t *testing.T) {
	c := cardOf(t, "default")
	if _, err := c.Record(rules.AddressChange, jst(2026, 11, 1)); err != nil {
		t.Fatal(err)
	}
	signBefore := append([]byte(nil), c.State.App(jpki.JPKI.AID()).EF(jpki.EFSigningCert).Data...)
	issued, err := c.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if len(issued) != 1 || issued[0].Kind != jpki.Auth || c.Meta.Certificates.Signing.Status != rules.Revoked ||
		!bytes.Equal(signBefore, c.State.App(jpki.JPKI.AID()).EF(jpki.EFSigningCert).Data) {
		t.Fatalf("%+v %+v", issued, c.Meta.Certificates.Signing)
	}
	h := cardOf(t, "default")
	if _, err := h.Record(rules.Loss, jst(2030, 3, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()}); rule(err) != "HOLD-02" || h.Meta.Certificates.Auth.Status != rules.Suspended {
		t.Fatalf("renewal on hold: %v", err)
	}
	e := cardOf(t, "expired") // expired 2026-01-20; holder born 1986-01-20
	issued, err = e.Renew(jst(2026, 11, 29), office.Options{NewKey: spareKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if issued[0].Expiry != rules.D(2031, 1, 20) || strings.Join(issued[0].Rules, ",") != "VALID-01" {
		t.Fatalf("%+v", issued)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A child's card gets its first signing certificate once the holder is 15
// (AGE-01): EF 0008 shows it (AGE-04), the new password opens it, and the
// card signs with the new key.
func TestIssueSigningToAChildWhoTurned15(t *testing.T) {
	c := cardOf(t, "under-15")
	c.Meta.Certificates.Signing.Status = rules.Absent
	child := office.Options{NewKey: spareKeys(), Name: "試験　太郎", Sex: "1", Birth: rules.D(2015, 5, 5), Address: "架空県見本市試験町一丁目２番３号"}
	if _, err := c.IssueSigning(jst(2030, 5, 4), []byte("TARO2030"), child); rule(err) != "AGE-01" {
		t.Fatalf("at 14: %v", err)
	}
	if _, err := c.IssueSigning(jst(2030, 5, 5), []byte("taro2030"), child); !errors.Is(err, rules.ErrFormat) || strings.Contains(err.Error(), "taro2030") {
		t.Fatalf("lowercase password: %v", err)
	}
	authBefore := append([]byte(nil), c.State.App(jpki.JPKI.AID()).EF(jpki.EFAuthCert).Data...)
	issued, err := c.IssueSigning(jst(2030, 5, 5), []byte("TARO2030"), child)
	if err != nil {
		t.Fatal(err)
	}
	if issued.Expiry != rules.D(2035, 5, 5) || c.Meta.Certificates.Signing.Status != rules.Valid {
		t.Fatalf("%+v %+v", issued, c.Meta.Certificates.Signing)
	}
	japp := c.State.App(jpki.JPKI.AID())
	if !bytes.Equal(japp.EF(jpki.EFCertPresence).Data, []byte{0x8F, 0x8F, 0x00}) || !bytes.Equal(japp.EF(jpki.EFAuthCert).Data, authBefore) {
		t.Fatalf("EF 0008 % X, or the auth certificate changed", japp.EF(jpki.EFCertPresence).Data)
	}
	san, err := pki.ParseSigningSAN(certOn(t, c, jpki.EFSigningCert))
	if err != nil || san.Name != "試験　太郎" || san.BirthDate != "420150505" || san.Sex != "1" {
		t.Fatalf("%v %+v", err, san)
	}
	card := simulator.NewWithState(fixtures.MustProfile("under-15"), c.State, nil)
	card.PowerOn()
	digest := sha256.Sum256([]byte("first"))
	info := append(mustHex(t, "3031300d060960864801650304020105000420"), digest[:]...)
	for _, cmd := range []string{"00A4040C0AD392F000260100000001", "0020009B08" + hex.EncodeToString([]byte("TARO2030"))} {
		if r, _ := card.Transmit(mustHex(t, cmd)); !bytes.HasSuffix(r, []byte{0x90, 0}) {
			t.Fatalf("%s: % X", cmd[:8], r)
		}
	}
	sig, _ := card.Transmit(append(append(mustHex(t, "802A009A"), byte(len(info))), append(info, 0)...))
	pub := certOn(t, c, jpki.EFSigningCert).PublicKey.(*rsa.PublicKey)
	if len(sig) != 258 || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig[:256]) != nil {
		t.Fatalf("the signature does not verify with the new signing certificate: % X", sig[len(sig)-2:])
	}
}

// A valid signing certificate is renewed, not issued again; after a change
// of address revoked it, it is re-issued on request with the new address
// and the auth certificate stays as it was.
func TestIssueSigningAfterAnAddressChange(t *testing.T) {
	c := cardOf(t, "default")
	if _, err := c.IssueSigning(jst(2026, 11, 29), []byte("NEWPASS1"), office.Options{NewKey: spareKeys()}); rule(err) != "RENEW-01" {
		t.Fatalf("valid certificate: %v", err)
	}
	if _, err := c.Record(rules.AddressChange, jst(2026, 11, 1)); err != nil {
		t.Fatal(err)
	}
	authBefore := append([]byte(nil), c.State.App(jpki.JPKI.AID()).EF(jpki.EFAuthCert).Data...)
	issued, err := c.IssueSigning(jst(2026, 11, 29), []byte("NEWPASS1"), office.Options{NewKey: spareKeys(), Address: "架空県見本市新町一丁目"})
	if err != nil {
		t.Fatal(err)
	}
	san, _ := pki.ParseSigningSAN(certOn(t, c, jpki.EFSigningCert))
	if issued.Expiry != rules.D(2031, 6, 15) || san.Address != "架空県見本市新町一丁目" || san.Name != "試験　花子" ||
		c.Meta.Certificates.Signing.Status != rules.Valid || c.Meta.Certificates.Auth.Status != rules.Valid ||
		!bytes.Equal(authBefore, c.State.App(jpki.JPKI.AID()).EF(jpki.EFAuthCert).Data) {
		t.Fatalf("%+v %+v %+v", issued, san, c.Meta.Certificates)
	}
	if p := c.State.App(jpki.JPKI.AID()).EF(jpki.EFSigningPIN).PIN; string(p.Value) != "NEWPASS1" || p.Remaining != 5 {
		t.Fatal("the signing password was not set")
	}
}

// The certificates a renewal or a re-issue replaces stay published,
// revoked: the old signing certificate with the reason it was revoked for,
// the old auth certificate superseded.
func TestReplacedCertificatesStayPublished(t *testing.T) {
	c := cardOf(t, "default")
	oldSign, oldAuth := certOn(t, c, jpki.EFSigningCert), certOn(t, c, jpki.EFAuthCert)
	if _, err := c.Record(rules.AddressChange, jst(2026, 11, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IssueSigning(jst(2026, 11, 29), []byte("NEWPASS1"), office.Options{NewKey: spareKeys(), Address: "架空県見本市新町一丁目"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()}); err != nil {
		t.Fatal(err)
	}
	p := fixtures.MustProfile("default")
	p.Office = office.RecordOf(c.State, *c.Meta)
	rs, err := fixtures.Responder(p, jst(2030, 4, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		a      *pki.Authority
		serial *big.Int
		reason rules.Reason
	}{{rs.Signing, oldSign.SerialNumber, rules.AffiliationChanged}, {rs.Auth, oldAuth.SerialNumber, rules.Superseded}} {
		e, ok := x.a.Records.Get(x.a.Kind, x.serial)
		if !ok || e.Status != rules.Revoked || e.Reason != x.reason {
			t.Errorf("%v %v: %+v %v", x.a.Kind, x.serial, e, ok)
		}
	}
	// And the certificates now on the card are good.
	for _, x := range []struct {
		a   *pki.Authority
		fid uint16
	}{{rs.Signing, jpki.EFSigningCert}, {rs.Auth, jpki.EFAuthCert}} {
		if e, ok := x.a.Records.Get(x.a.Kind, certOn(t, c, x.fid).SerialNumber); !ok || e.Status != rules.Valid {
			t.Errorf("current %v: %+v %v", x.a.Kind, e, ok)
		}
	}
}

// Death and departure without the procedure end the card: the office does
// nothing more with it.
func TestALapsedCardIsRefused(t *testing.T) {
	for _, tc := range []struct {
		event rules.Event
		rule  string
	}{{rules.Death, "REVOKE-02"}, {rules.Departure, "ABROAD-02"}} {
		c := cardOf(t, "default")
		if _, err := c.Record(tc.event, jst(2026, 11, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()}); rule(err) != tc.rule {
			t.Errorf("%s: renew: %v", tc.event, err)
		}
		if _, err := c.IssueSigning(jst(2026, 11, 29), []byte("NEWPASS1"), office.Options{NewKey: spareKeys()}); rule(err) != tc.rule {
			t.Errorf("%s: issue: %v", tc.event, err)
		}
		if err := c.ResetPIN(jpki.AuthPIN, []byte("5678"), office.Office, nil, jst(2026, 11, 29)); rule(err) != tc.rule {
			t.Errorf("%s: reset: %v", tc.event, err)
		}
		if _, err := c.Record(rules.Found, jst(2026, 11, 29)); rule(err) != tc.rule {
			t.Errorf("%s: event: %v", tc.event, err)
		}
	}
}

// Each certificate has its own renewal window: a child's signing
// certificate issued at 15 is not renewed with the auth certificate.
func TestEachCertificateHasItsOwnWindow(t *testing.T) {
	c := cardOf(t, "under-15") // auth certificate to 2030-05-05
	c.Meta.Certificates.Signing.Status = rules.Absent
	child := office.Options{NewKey: spareKeys(), Name: "試験　太郎", Sex: "1", Birth: rules.D(2015, 5, 5), Address: "架空県見本市"}
	if _, err := c.IssueSigning(jst(2030, 5, 5), []byte("TARO2030"), child); err != nil {
		t.Fatal(err)
	}
	child.NewKey = spareKeys()
	issued, err := c.Renew(jst(2030, 5, 5), child)
	if err != nil {
		t.Fatal(err)
	}
	if len(issued) != 1 || issued[0].Kind != jpki.Auth || issued[0].Expiry != rules.D(2036, 5, 5) {
		t.Fatalf("%+v", issued)
	}
}

// The card's expiry and the end of a stay, once told to the office, cap
// every later issuance without being given again.
func TestRecordedCapsStay(t *testing.T) {
	c := cardOf(t, "default")
	if _, err := c.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys(), CardExpiry: rules.D(2033, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	if c.Meta.CardExpiry != "2033-01-01" {
		t.Fatalf("card expiry not recorded: %q", c.Meta.CardExpiry)
	}
	issued, err := c.Renew(jst(2032, 11, 1), office.Options{NewKey: spareKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if issued[0].Expiry != rules.D(2033, 1, 1) {
		t.Fatalf("not capped by the recorded card expiry: %+v", issued)
	}
	f := cardOf(t, "default")
	opts := office.Options{NewKey: spareKeys(), Residence: rules.Other, ResidenceExpiry: rules.D(2031, 3, 31)}
	if _, err := f.Renew(jst(2030, 4, 1), opts); err != nil || f.Meta.StayEnds != "2031-03-31" {
		t.Fatalf("%v %q", err, f.Meta.StayEnds)
	}
	issued, err = f.Renew(jst(2031, 1, 1), office.Options{NewKey: spareKeys()})
	if err != nil || issued[0].Expiry != rules.D(2031, 3, 31) {
		t.Fatalf("not capped by the recorded end of stay: %v %+v", err, issued)
	}
}
