package scenarios

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/rules"
)

const (
	pinRole  = `(auth PIN|signing password)`
	keyRole  = `(auth|signing) key`
	certRole = `(auth|signing|auth CA|signing CA) certificate`
)

// JPKI certificate policies (card.md §9): production and test environment.
var (
	authPolicies    = []string{"1.2.392.200149.8.5.1.3.30"}
	signingPolicies = []string{"1.2.392.200149.8.5.1.1.20", "1.2.392.200149.8.5.1.0.20"}
	oidSAN          = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
)

func certFID(role string) uint16 {
	switch role {
	case "signing":
		return jpki.EFSigningCert
	case "signing CA":
		return jpki.EFSigningCACert
	case "auth CA":
		return jpki.EFAuthCACert
	}
	return jpki.EFAuthCert
}

func parseHexArg(s string) ([]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return apdu.ParseHex(s)
}

// stepDef is one step definition: a godog regular expression and its
// function.
type stepDef struct {
	expr string
	fn   any
}

// register adds every step definition, bound to w, to a scenario.
func register(sc *godog.ScenarioContext, w *world) {
	for _, d := range stepDefs(w) {
		sc.Step(d.expr, d.fn)
	}
}

// StepPhrases lists the step phrases the features may use, as the regular
// expressions godog matches (anchors removed), in definition order.
func StepPhrases() []string {
	defs := stepDefs(&world{})
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = strings.TrimSuffix(strings.TrimPrefix(d.expr, "^"), "$")
	}
	return out
}

func stepDefs(w *world) []stepDef {
	var defs []stepDef
	add := func(expr string, fn any) { defs = append(defs, stepDef{expr, fn}) }
	ruleSteps(w, add)
	faultSteps(w, add)
	officeSteps(w, add)
	// --- card session ---------------------------------------------------
	add(`^the JPKI application is selected$`, func() error {
		if err := w.client.SelectJPKI(); err != nil {
			return w.failf("SELECT of the JPKI application failed: %w", err)
		}
		w.last = w.client.Last
		return nil
	})
	add(`^I select the JPKI application$`, func() error {
		return w.record(w.client.SelectJPKI())
	})
	add(`^I select EF ([0-9A-Fa-f]{4})$`, func(fid string) error {
		v, _ := strconv.ParseUint(fid, 16, 16)
		return w.record(w.client.SelectEF(uint16(v)))
	})
	add(`^I send "([0-9A-Fa-f :]*)"$`, func(h string) error {
		b, err := parseHexArg(h)
		if err != nil {
			return err
		}
		_, err = w.client.SendRaw(b)
		return w.record(err)
	})
	add(`^I send "([0-9A-Fa-f :]*)" with the (auth PIN|signing password) as its data$`, func(h, role string) error {
		// The header (4 bytes) of a command that carries a PIN, completed with
		// Lc and the card's PIN, so that a feature never holds one.
		b, err := parseHexArg(h)
		if err != nil {
			return err
		}
		if len(b) != 4 || !apdu.CarriesSecret(b[0], b[1]) {
			return fmt.Errorf("%q: give the 4-byte header of a command that carries a PIN (VERIFY, CHANGE REFERENCE DATA, ...)", h)
		}
		v := w.pin(pinRef(role))
		_, err = w.client.SendRaw(append(append(b, byte(len(v))), v...))
		return w.record(err)
	})
	add(`^I read (\d+) bytes at offset (\d+)$`, func(n, off int) error {
		_, err := w.client.ReadBinary(off, n)
		return w.record(err)
	})
	add(`^the card is reset$`, func() error {
		if err := w.card.Reset(); err != nil {
			return w.failf("reset: %w", err)
		}
		return nil
	})
	add(`^the card is powered off and on again$`, func() error {
		pc, ok := harness.PowerCyclerOf(w.card)
		if !ok {
			return godog.ErrPending
		}
		if err := pc.PowerCycle(); err != nil {
			return w.failf("power cycle: %w", err)
		}
		return nil
	})

	add(`^the card of the "([a-z0-9-]+)" profile$`, func(name string) error {
		if !w.target.Capabilities().Embedded {
			return fmt.Errorf("a profile needs the embedded card, not %s (@profile scenarios are left out elsewhere)", w.target.Name())
		}
		p, err := fixtures.Profile(name)
		if err != nil {
			return err
		}
		_ = w.close() // the embedded card: nothing to put back
		w.target = sim.Target{Profile: p}
		return w.open()
	})

	// --- PINs -----------------------------------------------------------
	add(`^the `+pinRole+` has been verified$`, func(role string) error {
		p := pinRef(role)
		if err := w.client.Verify(p, w.pin(p)); err != nil {
			return w.failf("VERIFY of the correct %v failed: %w", p, err)
		}
		w.last = w.client.Last
		return nil
	})
	add(`^I verify the `+pinRole+` with the correct value$`, func(role string) error {
		p := pinRef(role)
		return w.record(w.client.Verify(p, w.pin(p)))
	})
	add(`^I verify the `+pinRole+` by SFI with the correct value$`, func(role string) error {
		p := pinRef(role)
		_, err := w.client.Send(apdu.Command{INS: 0x20, P2: 0x80 | byte(p.FID()), Data: w.pin(p)})
		return w.record(err)
	})
	add(`^I verify the `+pinRole+` with a wrong value$`, func(role string) error {
		p := pinRef(role)
		return w.record(w.client.Verify(p, wrongValue(w.pin(p), p)))
	})
	add(`^I verify the `+pinRole+` with a wrong value of (\d+) characters$`, func(role string, n int) error {
		p := pinRef(role)
		return w.record(w.client.Verify(p, valueOfLength(w.pin(p), p, n)))
	})
	add(`^I verify the signing password in lowercase$`, func() error {
		v := bytes.ToLower(w.secrets.SigningPIN)
		if bytes.Equal(v, w.secrets.SigningPIN) {
			return errors.New("the signing password of this card has no letter to lower-case")
		}
		return w.record(w.client.Verify(jpki.SigningPIN, v))
	})
	add(`^I enter a wrong `+pinRole+` (\d+) times$`, func(role string, n int) error {
		p := pinRef(role)
		for i := 0; i < n; i++ {
			if err := w.record(w.client.Verify(p, wrongValue(w.pin(p), p))); err != nil {
				return err
			}
		}
		return nil
	})
	add(`^I query the retry counter of the `+pinRole+`$`, func(role string) error {
		_, err := w.client.RetriesLeft(pinRef(role))
		return w.record(err)
	})
	add(`^I query the retry counter of the `+pinRole+` by SFI$`, func(role string) error {
		_, err := w.client.Send(apdu.Command{INS: 0x20, P2: 0x80 | byte(pinRef(role).FID())})
		return w.record(err)
	})
	add(`^the `+pinRole+` has (\d+) (?:try|tries) left$`, func(role string, n int) error {
		return w.expectTries(pinRef(role), n)
	})
	add(`^the `+pinRole+` has all its tries left$`, func(role string) error {
		p := pinRef(role)
		return w.expectTries(p, p.MaxTries())
	})
	add(`^the `+pinRole+` is blocked$`, func(role string) error {
		return w.expectTries(pinRef(role), 0)
	})
	add(`^I change the `+pinRole+` to (a new valid value|a 16-character value|a 6-character value|a 3-digit value|a 5-digit value|a value with a letter|a 5-character value|a 17-character value|a lowercase value|a value with a symbol)$`,
		func(role, kind string) error {
			p := pinRef(role)
			v, err := newValue(w.pin(p), p, kind)
			if err != nil {
				return err
			}
			w.newPIN = v
			err = w.client.ChangePIN(p, v)
			if err == nil {
				w.changed(p, v)
			}
			return w.record(err)
		})
	add(`^the new `+pinRole+` verifies$`, func(role string) error {
		p := pinRef(role)
		if err := w.client.Verify(p, w.newPIN); err != nil {
			return w.failf("VERIFY of the new %v: %w", p, err)
		}
		return nil
	})
	add(`^the old `+pinRole+` is refused$`, func(role string) error {
		p := pinRef(role)
		err := w.client.Verify(p, w.pin(p))
		var sw apdu.StatusWord
		if !errors.As(err, &sw) {
			return w.failf("VERIFY of the old %v: want a refusal, got %v", p, err)
		}
		if _, ok := sw.Tries(); !ok {
			return w.failf("VERIFY of the old %v answered %s, want 63Cx", p, sw.String())
		}
		return nil
	})
	add(`^the `+pinRole+` is unchanged$`, func(role string) error {
		p := pinRef(role)
		if err := w.client.Verify(p, w.pin(p)); err != nil {
			return w.failf("VERIFY of the original %v: %w", p, err)
		}
		return nil
	})

	// --- responses ------------------------------------------------------
	add(`^the status word is ([0-9A-Fa-f]{4})$`, func(want string) error {
		if w.lastErr != nil {
			return w.failf("no status word: %v", w.lastErr)
		}
		v, _ := strconv.ParseUint(want, 16, 16) // four hex digits, by the phrase
		if wantSW := apdu.StatusWord(v); w.last.SW != wantSW {
			return w.failf("status word is %s, want %04X", w.last.SW.String(), uint16(wantSW))
		}
		return nil
	})
	add(`^the response has no data$`, func() error {
		if len(w.last.Data) != 0 {
			return w.failf("response has %d bytes of data, want none", len(w.last.Data))
		}
		return nil
	})
	add(`^the response has (\d+) bytes of data$`, func(n int) error {
		if len(w.last.Data) != n {
			return w.failf("response has %d bytes of data, want %d", len(w.last.Data), n)
		}
		return nil
	})
	add(`^the response data is "([0-9A-Fa-f ]*)"$`, func(h string) error {
		want, err := parseHexArg(h)
		if err != nil {
			return err
		}
		if !bytes.Equal(w.last.Data, want) {
			return w.failf("response data is %X, want %X", w.last.Data, want)
		}
		return nil
	})
	add(`^the response data is the label "([^"]*)" padded with spaces to (\d+) bytes$`, func(label string, n int) error {
		want := []byte(label + strings.Repeat(" ", n-len(label)))
		if !bytes.Equal(w.last.Data, want) {
			return w.failf("response data is %q, want %q", w.last.Data, want)
		}
		return nil
	})
	add(`^the response data is the whole `+certRole+` EF$`, func(role string) error {
		// The DER certificate, then nothing but one filler byte repeated to
		// the end of the EF (card.md §16.2; jsapdu reads the EF this way).
		d := w.last.Data
		if len(d) < 4 || d[0] != 0x30 || d[1] != 0x82 {
			return w.failf("response data does not start with a DER certificate header")
		}
		n := int(d[2])<<8 | int(d[3]) + 4
		if n > len(d) {
			return w.failf("response data has %d bytes, the certificate header says %d", len(d), n)
		}
		if _, err := x509.ParseCertificate(d[:n]); err != nil {
			return w.failf("the first %d bytes are not an X.509 certificate: %v", n, err)
		}
		for _, b := range d[n:] {
			if b != d[len(d)-1] {
				return w.failf("the %d bytes after the certificate are not filler", len(d)-n)
			}
		}
		der, err := w.client.ReadCertificate(certFID(role))
		if err != nil {
			return w.failf("reading the %s certificate in chunks: %w", role, err)
		}
		if !bytes.Equal(der, d[:n]) {
			return w.failf("the whole-EF read and the chunked read of the %s certificate differ", role)
		}
		return nil
	})

	// --- certificates ---------------------------------------------------
	add(`^I read the `+certRole+`$`, func(role string) error {
		w.cert = nil
		der, err := w.client.ReadCertificate(certFID(role))
		if rerr := w.record(err); rerr != nil {
			return rerr
		}
		if err != nil {
			return nil // a status word, checked by a Then step
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return w.failf("the %s certificate does not parse: %w", role, err)
		}
		w.cert = cert
		return nil
	})
	add(`^the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption$`, func() error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		pub, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok || pub.N.BitLen() != 2048 || pub.E != 65537 {
			return w.failf("public key is %T, want RSA-2048 with e = 65537", c.PublicKey)
		}
		if c.SignatureAlgorithm != x509.SHA256WithRSA {
			return w.failf("signature algorithm is %v", c.SignatureAlgorithm)
		}
		return nil
	})
	add(`^the certificate is issued by the (auth|signing) CA certificate on the card$`, func(role string) error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		ca, err := w.client.Certificate(certFID(role + " CA"))
		if err != nil {
			return w.failf("reading the %s CA certificate: %w", role, err)
		}
		if err := c.CheckSignatureFrom(ca); err != nil {
			return w.failf("certificate does not verify under the %s CA: %w", role, err)
		}
		if !bytes.Equal(c.RawIssuer, ca.RawSubject) {
			return w.failf("issuer %q is not the CA's subject %q", c.Issuer, ca.Subject)
		}
		return nil
	})
	add(`^the certificate's key usage is critical and allows exactly (digitalSignature|digitalSignature and nonRepudiation|keyCertSign and cRLSign)$`, func(ku string) error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		want := map[string]x509.KeyUsage{
			"digitalSignature":                    x509.KeyUsageDigitalSignature,
			"digitalSignature and nonRepudiation": x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			"keyCertSign and cRLSign":             x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}[ku]
		if c.KeyUsage != want {
			return w.failf("key usage is %b, want %b", c.KeyUsage, want)
		}
		if !extensionCritical(c, asn1.ObjectIdentifier{2, 5, 29, 15}) {
			return w.failf("key usage is not critical")
		}
		return nil
	})
	add(`^the certificate's extended key usage is clientAuth$`, func() error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
			return w.failf("extended key usage is %v, want [clientAuth]", c.ExtKeyUsage)
		}
		return nil
	})
	add(`^the certificate carries the JPKI (auth|signing) certificate policy as a critical extension$`, func(role string) error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		want := authPolicies
		if role == "signing" {
			want = signingPolicies
		}
		if len(c.PolicyIdentifiers) != 1 || !contains(want, c.PolicyIdentifiers[0].String()) {
			return w.failf("policies are %v, want one of %v", c.PolicyIdentifiers, want)
		}
		if !extensionCritical(c, oidPolicies) {
			return w.failf("certificatePolicies is not critical")
		}
		return nil
	})
	add(`^the certificate's subject is C=JP with a (\d+)-character CN$`, func(n int) error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		if len(c.Subject.Country) != 1 || c.Subject.Country[0] != "JP" || len(c.Subject.CommonName) != n {
			return w.failf("subject is %q, want C=JP and a %d-character CN", c.Subject, n)
		}
		return nil
	})
	add(`^the certificate carries the basic 4 information in its subjectAltName$`, func() error {
		san, err := w.signingSAN()
		if err != nil {
			return err
		}
		if san.Name == "" || san.Address == "" {
			return w.failf("subjectAltName has an empty name or address")
		}
		if s := san.Sex; s != "1" && s != "2" && s != "9" && s != "0" {
			return w.failf("sex %q is not a JIS X 0303 code", s)
		}
		return nil
	})
	add(`^the date of birth in the certificate is an era digit followed by a Gregorian date$`, func() error {
		san, err := w.signingSAN()
		if err != nil {
			return err
		}
		if !validEraDate(san.BirthDate) {
			return w.failf("date of birth %q is not EYYYYMMDD", san.BirthDate)
		}
		return nil
	})
	add(`^the certificate has no subjectAltName$`, func() error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		for _, e := range c.Extensions {
			if e.Id.Equal(oidSAN) {
				return w.failf("the certificate has a subjectAltName")
			}
		}
		return nil
	})
	add(`^the certificate is a self-signed CA certificate$`, func() error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		if !c.IsCA || !c.BasicConstraintsValid {
			return w.failf("basicConstraints CA is not set")
		}
		if err := c.CheckSignatureFrom(c); err != nil {
			return w.failf("not self-signed: %w", err)
		}
		return nil
	})
	add(`^the address in the certificate is "([^"]*)"$`, func(want string) error {
		san, err := w.signingSAN()
		if err != nil {
			return err
		}
		if san.Address != want {
			return w.failf("address %q, want %q", san.Address, want)
		}
		return nil
	})
	add(`^the certificate expires on (\d{4}-\d{2}-\d{2}) at 23:59:59 Japan time$`, func(day string) error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		d, err := rules.ParseDate(day)
		if err != nil {
			return err
		}
		if !c.NotAfter.Equal(d.EndOfDay()) {
			return w.failf("notAfter is %s, want %s", c.NotAfter.UTC().Format(time.RFC3339), d.EndOfDay().UTC().Format(time.RFC3339))
		}
		return nil
	})
	add(`^the certificate expires at 23:59:59 Japan time$`, func() error {
		c, err := w.needCert()
		if err != nil {
			return err
		}
		na := c.NotAfter.UTC()
		if na.Hour() != 14 || na.Minute() != 59 || na.Second() != 59 {
			return w.failf("notAfter is %s, want 14:59:59Z (23:59:59 JST)", na.Format("2006-01-02T15:04:05Z"))
		}
		return nil
	})

	// --- signatures -----------------------------------------------------
	add(`^I sign a (SHA-1|SHA-256|SHA-384|SHA-512) DigestInfo of "([^"]*)" with the `+keyRole+`$`, func(hash, msg, role string) error {
		return w.sign(keyRef(role), 0x00, hashByName(hash), []byte(msg), false)
	})
	add(`^I sign a SHA-256 DigestInfo of "([^"]*)" with the `+keyRole+` by SFI$`, func(msg, role string) error {
		return w.sign(keyRef(role), 0x00, crypto.SHA256, []byte(msg), true)
	})
	add(`^I sign "([^"]*)" with the `+keyRole+` using P1 ([0-9A-Fa-f]{2})$`, func(msg, role, p1 string) error {
		v, _ := strconv.ParseUint(p1, 16, 8)
		return w.sign(keyRef(role), byte(v), crypto.SHA256, []byte(msg), false)
	})
	add(`^I sign (\d+) bytes of data with the `+keyRole+` using P1 ([0-9A-Fa-f]{2})$`, func(n int, role, p1 string) error {
		v, _ := strconv.ParseUint(p1, 16, 8)
		data := bytes.Repeat([]byte{0x5A}, n)
		w.resetSignature()
		w.sigInput, w.sigKey, w.sigP1 = data, keyRef(role), byte(v)
		sig, err := w.client.SignRaw(w.sigKey, w.sigP1, data)
		w.sig = sig
		return w.record(err)
	})
	add(`^I sign a DigestInfo without the NULL parameter with the `+keyRole+`$`, func(role string) error {
		// pyjpki's SHA-256 DigestInfo with the parameters omitted (49 bytes).
		d := sha256.Sum256([]byte("pyjpki"))
		di := append([]byte{0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20}, d[:]...)
		w.resetSignature()
		w.sigInput, w.sigKey, w.sigP1 = di, keyRef(role), 0
		sig, err := w.client.SignRaw(w.sigKey, 0, di)
		w.sig = sig
		return w.record(err)
	})
	add(`^the signature is (\d+) bytes long$`, func(n int) error {
		if len(w.sig) != n {
			return w.failf("signature is %d bytes, want %d", len(w.sig), n)
		}
		return nil
	})
	add(`^the signature verifies with the (auth|signing) certificate$`, func(role string) error {
		pub, err := w.publicKey(role)
		if err != nil {
			return err
		}
		if err := w.verifySignature(pub); err != nil {
			return w.failf("signature does not verify with the %s certificate: %w", role, err)
		}
		return nil
	})
	add(`^the signature opens with the (auth|signing) certificate to PKCS#1 v1\.5 padding of the data sent$`, func(role string) error {
		pub, err := w.publicKey(role)
		if err != nil {
			return err
		}
		if len(w.sig) != pub.Size() {
			return w.failf("no %d-byte signature to open (last status word %s)", pub.Size(), w.last.SW.String())
		}
		pad := pub.Size() - 3 - len(w.sigInput)
		if pad < 8 {
			return w.failf("%d bytes of data cannot be PKCS#1 v1.5 padded to %d bytes", len(w.sigInput), pub.Size())
		}
		em := new(big.Int).Exp(new(big.Int).SetBytes(w.sig), big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, pub.Size()))
		want := append(append(append([]byte{0x00, 0x01}, bytes.Repeat([]byte{0xFF}, pad)...), 0x00), w.sigInput...)
		if !bytes.Equal(em, want) {
			return w.failf("the opened signature is not 00 01 FF..FF 00 followed by the %d bytes sent", len(w.sigInput))
		}
		return nil
	})
	return defs
}

func (w *world) expectTries(p jpki.PIN, n int) error {
	got, err := w.client.RetriesLeft(p)
	if err != nil {
		return w.failf("querying the %v retry counter: %w", p, err)
	}
	if got != n {
		return w.failf("the %v has %d tries left, want %d", p, got, n)
	}
	return nil
}

func (w *world) needCert() (*x509.Certificate, error) {
	if w.cert == nil {
		return nil, w.failf("no certificate was read (last status word %s)", w.last.SW.String())
	}
	return w.cert, nil
}

// signingSAN parses the basic 4 information of the certificate last read.
func (w *world) signingSAN() (pki.SigningSAN, error) {
	c, err := w.needCert()
	if err != nil {
		return pki.SigningSAN{}, err
	}
	san, err := pki.ParseSigningSAN(c)
	if err != nil {
		return san, w.failf("%v", err)
	}
	return san, nil
}

func (w *world) publicKey(role string) (*rsa.PublicKey, error) {
	c, err := w.client.Certificate(certFID(role))
	if err != nil {
		return nil, w.failf("reading the %s certificate: %w", role, err)
	}
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, w.failf("the %s certificate holds a %T key", role, c.PublicKey)
	}
	return pub, nil
}

// sign prepares the data field for scheme p1 (card.md §5.6) from msg, sends
// COMPUTE DIGITAL SIGNATURE and records what the signature must cover.
func (w *world) sign(k jpki.Kind, p1 byte, h crypto.Hash, msg []byte, bySFI bool) error {
	w.resetSignature()
	w.sigKey, w.sigP1, w.sigHash, w.sigMsg = k, p1, h, msg
	hh := h.New()
	hh.Write(msg)
	w.sigDigest = hh.Sum(nil)
	switch p1 {
	case 0x00:
		di, err := harness.DigestInfo(h, w.sigDigest)
		if err != nil {
			return err
		}
		w.sigInput = di
	case 0x02, 0x04:
		w.sigInput = w.sigDigest
	default:
		w.sigInput = msg
	}
	if bySFI {
		r, err := w.client.Send(apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: 0x80 | byte(k.KeyFID()), Data: w.sigInput, Ne: 256})
		if err == nil && r.SW == apdu.SWOK {
			w.sig = r.Data
		}
		return w.record(err)
	}
	sig, err := w.client.SignRaw(k, p1, w.sigInput)
	w.sig = sig
	return w.record(err)
}

// resetSignature forgets the last signature and what it was meant to cover,
// so that a check never runs against an earlier step's values.
func (w *world) resetSignature() {
	w.sig, w.sigInput, w.sigDigest, w.sigMsg, w.sigHash, w.sigP1 = nil, nil, nil, nil, 0, 0
}

func (w *world) verifySignature(pub *rsa.PublicKey) error {
	if len(w.sig) == 0 {
		return fmt.Errorf("no signature (last status word %s)", w.last.SW.String())
	}
	sum := sha256.Sum256(w.sigMsg)
	switch w.sigP1 {
	case 0x00:
		if w.sigHash == 0 {
			return errors.New("the data sent was not a DigestInfo built by this step")
		}
		return rsa.VerifyPKCS1v15(pub, w.sigHash, w.sigDigest, w.sig)
	case 0x01: // the bare hash, no DigestInfo
		return rsa.VerifyPKCS1v15(pub, crypto.Hash(0), sum[:], w.sig)
	case 0x02, 0x03:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], w.sig)
	case 0x04, 0x05:
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], w.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	return fmt.Errorf("no verification rule for P1 %02X", w.sigP1)
}

func hashByName(s string) crypto.Hash {
	switch s {
	case "SHA-1":
		return crypto.SHA1
	case "SHA-384":
		return crypto.SHA384
	case "SHA-512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

var _ = sha1.New   // registers SHA-1 for crypto.Hash.New
var _ = sha512.New // registers SHA-384 and SHA-512

func extensionCritical(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// validEraDate checks EYYYYMMDD: an era digit 0-5 and a Gregorian date.
func validEraDate(s string) bool {
	if len(s) != 9 || s[0] < '0' || s[0] > '5' {
		return false
	}
	_, err := time.Parse("20060102", s[1:])
	return err == nil
}

// ctxKey is the context key of the world, for hooks.
type ctxKey struct{}
