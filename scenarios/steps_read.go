package scenarios

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/rules"
)

// JPKI certificate policies of each kind (card.md §9): production and test
// environment.
var policies = map[jpki.Kind][]string{
	jpki.Auth:    {"1.2.392.200149.8.5.1.3.30"},
	jpki.Signing: {"1.2.392.200149.8.5.1.1.20", "1.2.392.200149.8.5.1.0.20"},
}

var (
	oidSAN      = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidPolicies = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 15}
)

// readSteps are the steps that read EFs: READ BINARY, the certificate EFs,
// and the checks of the certificate last read.
type readSteps struct{ *world }

func (s readSteps) register(sc stepper) {
	sc.Step(`^I read (\d+) bytes at offset (\d+)$`, s.readBytesAtOffset)
	sc.Step(`^the response data is the whole `+certRole+` EF$`, s.responseIsWholeCertificateEF)
	sc.Step(`^I read the `+certRole+`$`, s.readCertificate)

	sc.Step(`^the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption$`, s.certificateIsRSA2048)
	sc.Step(`^the certificate is issued by the (auth|signing) CA certificate on the card$`, s.certificateIssuedByCardCA)
	sc.Step(`^the certificate's key usage is critical and allows exactly (digitalSignature|digitalSignature and nonRepudiation|keyCertSign and cRLSign)$`, s.certificateKeyUsage)
	sc.Step(`^the certificate's extended key usage is clientAuth$`, s.certificateExtKeyUsageClientAuth)
	sc.Step(`^the certificate carries the JPKI (auth|signing) certificate policy as a critical extension$`, s.certificatePolicy)
	sc.Step(`^the certificate's subject is C=JP with a (\d+)-character CN$`, s.certificateSubject)
	sc.Step(`^the certificate carries the basic 4 information in its subjectAltName$`, s.certificateCarriesBasic4)
	sc.Step(`^the date of birth in the certificate is an era digit followed by a Gregorian date$`, s.certificateBirthDateIsEraDate)
	sc.Step(`^the certificate has no subjectAltName$`, s.certificateHasNoSAN)
	sc.Step(`^the certificate is a self-signed CA certificate$`, s.certificateIsSelfSignedCA)
	sc.Step(`^the address in the certificate is "([^"]*)"$`, s.certificateAddress)
	sc.Step(`^the certificate expires on (\d{4}-\d{2}-\d{2}) at 23:59:59 Japan time$`, s.certificateExpiresOn)
	sc.Step(`^the certificate expires at 23:59:59 Japan time$`, s.certificateExpiresAtEndOfDay)
}

func (s readSteps) readBytesAtOffset(n, off int) error {
	_, err := s.client.ReadBinary(off, n)
	return s.record(err)
}

// responseIsWholeCertificateEF checks the data of a READ BINARY of a whole
// certificate EF: the DER certificate, then nothing but one filler byte
// repeated to the end of the EF (card.md §16.2; jsapdu reads the EF this
// way), the same certificate as a chunked read.
func (s readSteps) responseIsWholeCertificateEF(role string) error {
	d := s.last.Data
	if len(d) < 4 || d[0] != 0x30 || d[1] != 0x82 {
		return s.failf("response data does not start with a DER certificate header")
	}
	n := int(d[2])<<8 | int(d[3]) + 4
	if n > len(d) {
		return s.failf("response data has %d bytes, the certificate header says %d", len(d), n)
	}
	if _, err := x509.ParseCertificate(d[:n]); err != nil {
		return s.failf("the first %d bytes are not an X.509 certificate: %v", n, err)
	}
	for _, b := range d[n:] {
		if b != d[len(d)-1] {
			return s.failf("the %d bytes after the certificate are not filler", len(d)-n)
		}
	}
	fid, err := parseCertEF(role)
	if err != nil {
		return err
	}
	der, err := s.client.ReadCertificate(fid)
	if err != nil {
		return s.failf("reading the %s certificate in chunks: %w", role, err)
	}
	if !bytes.Equal(der, d[:n]) {
		return s.failf("the whole-EF read and the chunked read of the %s certificate differ", role)
	}
	return nil
}

func (s readSteps) readCertificate(role string) error {
	fid, err := parseCertEF(role)
	if err != nil {
		return err
	}
	s.cert = nil
	der, err := s.client.ReadCertificate(fid)
	if rerr := s.record(err); rerr != nil {
		return rerr
	}
	if err != nil {
		return nil // a status word, checked by a Then step
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return s.failf("the %s certificate does not parse: %w", role, err)
	}
	s.cert = cert
	return nil
}

func (s readSteps) certificateIsRSA2048() error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 || pub.E != 65537 {
		return s.failf("public key is %T, want RSA-2048 with e = 65537", c.PublicKey)
	}
	if c.SignatureAlgorithm != x509.SHA256WithRSA {
		return s.failf("signature algorithm is %v", c.SignatureAlgorithm)
	}
	return nil
}

func (s readSteps) certificateIssuedByCardCA(role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	c, err := s.needCert()
	if err != nil {
		return err
	}
	ca, err := s.client.Certificate(k.CACertFID())
	if err != nil {
		return s.failf("reading the %v CA certificate: %w", k, err)
	}
	if err := c.CheckSignatureFrom(ca); err != nil {
		return s.failf("certificate does not verify under the %v CA: %w", k, err)
	}
	if !bytes.Equal(c.RawIssuer, ca.RawSubject) {
		return s.failf("issuer %q is not the CA's subject %q", c.Issuer, ca.Subject)
	}
	return nil
}

func (s readSteps) certificateKeyUsage(ku string) error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	want := map[string]x509.KeyUsage{
		"digitalSignature":                    x509.KeyUsageDigitalSignature,
		"digitalSignature and nonRepudiation": x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		"keyCertSign and cRLSign":             x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}[ku]
	if c.KeyUsage != want {
		return s.failf("key usage is %b, want %b", c.KeyUsage, want)
	}
	if !extensionCritical(c, oidKeyUsage) {
		return s.failf("key usage is not critical")
	}
	return nil
}

func (s readSteps) certificateExtKeyUsageClientAuth() error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		return s.failf("extended key usage is %v, want [clientAuth]", c.ExtKeyUsage)
	}
	return nil
}

func (s readSteps) certificatePolicy(role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	c, err := s.needCert()
	if err != nil {
		return err
	}
	want := policies[k]
	if len(c.PolicyIdentifiers) != 1 || !contains(want, c.PolicyIdentifiers[0].String()) {
		return s.failf("policies are %v, want one of %v", c.PolicyIdentifiers, want)
	}
	if !extensionCritical(c, oidPolicies) {
		return s.failf("certificatePolicies is not critical")
	}
	return nil
}

func (s readSteps) certificateSubject(n int) error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	if len(c.Subject.Country) != 1 || c.Subject.Country[0] != "JP" || len(c.Subject.CommonName) != n {
		return s.failf("subject is %q, want C=JP and a %d-character CN", c.Subject, n)
	}
	return nil
}

func (s readSteps) certificateCarriesBasic4() error {
	san, err := s.signingSAN()
	if err != nil {
		return err
	}
	if san.Name == "" || san.Address == "" {
		return s.failf("subjectAltName has an empty name or address")
	}
	if x := san.Sex; x != "1" && x != "2" && x != "9" && x != "0" {
		return s.failf("sex %q is not a JIS X 0303 code", x)
	}
	return nil
}

func (s readSteps) certificateBirthDateIsEraDate() error {
	san, err := s.signingSAN()
	if err != nil {
		return err
	}
	if !validEraDate(san.BirthDate) {
		return s.failf("date of birth %q is not EYYYYMMDD", san.BirthDate)
	}
	return nil
}

func (s readSteps) certificateHasNoSAN() error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(oidSAN) {
			return s.failf("the certificate has a subjectAltName")
		}
	}
	return nil
}

func (s readSteps) certificateIsSelfSignedCA() error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	if !c.IsCA || !c.BasicConstraintsValid {
		return s.failf("basicConstraints CA is not set")
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		return s.failf("not self-signed: %w", err)
	}
	return nil
}

func (s readSteps) certificateAddress(want string) error {
	san, err := s.signingSAN()
	if err != nil {
		return err
	}
	if san.Address != want {
		return s.failf("address %q, want %q", san.Address, want)
	}
	return nil
}

func (s readSteps) certificateExpiresOn(day string) error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	d, err := rules.ParseDate(day)
	if err != nil {
		return err
	}
	if !c.NotAfter.Equal(d.EndOfDay()) {
		return s.failf("notAfter is %s, want %s", c.NotAfter.UTC().Format(time.RFC3339), d.EndOfDay().UTC().Format(time.RFC3339))
	}
	return nil
}

func (s readSteps) certificateExpiresAtEndOfDay() error {
	c, err := s.needCert()
	if err != nil {
		return err
	}
	na := c.NotAfter.UTC()
	if na.Hour() != 14 || na.Minute() != 59 || na.Second() != 59 {
		return s.failf("notAfter is %s, want 14:59:59Z (23:59:59 JST)", na.Format("2006-01-02T15:04:05Z"))
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
