package pki_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"golang.org/x/crypto/ocsp"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

func authority(t *testing.T, kind jpki.Kind, caDER []byte, records *pki.Records) *pki.Authority {
	t.Helper()
	key, err := fixtures.CAKey(kind)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	return &pki.Authority{Kind: kind, Cert: ca, Key: key, Records: records}
}

func ocspStatus(t *testing.T, base string, kind string, cert, issuer *x509.Certificate) *ocsp.Response {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/ocsp/"+kind, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		t.Fatalf("OCSP response: %v", err)
	}
	return r
}

// TestRelyingParty checks a signature from the virtual card the way a
// relying party does: the signature verifies, the chain builds to the test
// CA, OCSP says good; after an address change the signing certificate is
// revoked (affiliationChanged) and the auth certificate stays good.
func TestRelyingParty(t *testing.T) {
	p := fixtures.MustProfile("default")
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	cl := harness.NewClient(sim.NewCard(card))
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Verify(jpki.SigningPIN, p.SigningPIN); err != nil {
		t.Fatal(err)
	}
	signer, err := cl.NewSigner(jpki.Signing)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("e-Tax return, TEST ONLY"))
	sig, err := signer.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	signCert, _ := cl.Certificate(jpki.EFSigningCert)
	authCert, _ := cl.Certificate(jpki.EFAuthCert)
	signCA, _ := cl.Certificate(jpki.EFSigningCACert)
	authCA, _ := cl.Certificate(jpki.EFAuthCACert)
	if err := rsa.VerifyPKCS1v15(signCert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	// The chain builds to the test CA read from the card (at a time inside
	// the certificate's validity).
	at := signCert.NotBefore.Add(24 * time.Hour)
	roots := x509.NewCertPool()
	roots.AddCert(signCA)
	if _, err := signCert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("chain: %v", err)
	}

	records := pki.NewRecords()
	if err := records.Publish(record.Certificates{
		Signing: record.Cert{Status: rules.Valid, Serial: signCert.SerialNumber},
		Auth:    record.Cert{Status: rules.Valid, Serial: authCert.SerialNumber},
	}); err != nil {
		t.Fatal(err)
	}
	rs := &pki.Responder{
		Signing: authority(t, jpki.Signing, p.SigningCACert, records),
		Auth:    authority(t, jpki.Auth, p.AuthCACert, records),
		Now:     func() time.Time { return at },
	}
	srv := httptest.NewServer(rs)
	defer srv.Close()
	if r := ocspStatus(t, srv.URL, "sign", signCert, signCA); r.Status != ocsp.Good {
		t.Fatalf("signing certificate before the move: OCSP status %d", r.Status)
	}

	// The holder moves: the office applies the rules to both certificates.
	moved := at.Add(time.Hour)
	s, a, _ := rules.Effects(rules.AddressChange)
	for _, c := range []struct {
		kind jpki.Kind
		cert *x509.Certificate
		e    rules.Effect
	}{{jpki.Signing, signCert, s}, {jpki.Auth, authCert, a}} {
		if !c.e.Unchanged() {
			if err := records.Apply(c.kind, c.cert.SerialNumber, c.e.Status, c.e.Reason, moved); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := ocspStatus(t, srv.URL, "sign", signCert, signCA)
	if r.Status != ocsp.Revoked || r.RevocationReason != ocsp.AffiliationChanged || !r.RevokedAt.Equal(moved.Truncate(time.Second)) {
		t.Fatalf("signing certificate after the move: status %d reason %d at %v", r.Status, r.RevocationReason, r.RevokedAt)
	}
	if r := ocspStatus(t, srv.URL, "auth", authCert, authCA); r.Status != ocsp.Good {
		t.Fatalf("auth certificate after the move: OCSP status %d", r.Status)
	}
	// The CRL lists the signing certificate, signed by its CA.
	resp, err := http.Get(srv.URL + "/crl/sign.crl")
	if err != nil {
		t.Fatal(err)
	}
	der, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	crl, err := x509.ParseRevocationList(der)
	if err != nil || crl.CheckSignatureFrom(signCA) != nil {
		t.Fatalf("CRL: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(signCert.SerialNumber) != 0 ||
		crl.RevokedCertificateEntries[0].ReasonCode != int(rules.AffiliationChanged) {
		t.Fatalf("CRL entries %+v", crl.RevokedCertificateEntries)
	}
	// An unknown serial is unknown; a malformed request gets the malformed answer.
	other := *authCert
	other.SerialNumber = other.SerialNumber.Add(other.SerialNumber, other.SerialNumber)
	if r := ocspStatus(t, srv.URL, "auth", &other, authCA); r.Status != ocsp.Unknown {
		t.Fatalf("unknown serial: %d", r.Status)
	}
	bad, _ := http.Post(srv.URL+"/ocsp/auth", "application/ocsp-request", bytes.NewReader([]byte("junk")))
	body, _ := io.ReadAll(bad.Body)
	bad.Body.Close()
	if !bytes.Equal(body, ocsp.MalformedRequestErrorResponse) {
		t.Fatalf("malformed request answered %X", body)
	}
}

// TestHoldAndLift: a loss report holds both certificates (OCSP revoked,
// certificateHold), and the office lifts the hold (good again).
func TestHoldAndLift(t *testing.T) {
	p := fixtures.MustProfile("default")
	authCert, _ := x509.ParseCertificate(p.AuthCert)
	authCA, _ := x509.ParseCertificate(p.AuthCACert)
	records := pki.NewRecords()
	if err := records.Put(jpki.Auth, record.Cert{Status: rules.Valid, Serial: authCert.SerialNumber}); err != nil {
		t.Fatal(err)
	}
	if err := records.Put(jpki.Auth, record.Cert{Status: rules.Valid}); err == nil {
		t.Fatal("a record without a serial was put")
	}
	at := authCert.NotBefore.Add(time.Hour)
	srv := httptest.NewServer(&pki.Responder{Auth: authority(t, jpki.Auth, p.AuthCACert, records), Now: func() time.Time { return at }})
	defer srv.Close()
	_, a, _ := rules.Effects(rules.Loss)
	if err := records.Apply(jpki.Auth, authCert.SerialNumber, a.Status, a.Reason, at); err != nil {
		t.Fatal(err)
	}
	if r := ocspStatus(t, srv.URL, "auth", authCert, authCA); r.Status != ocsp.Revoked || r.RevocationReason != ocsp.CertificateHold {
		t.Fatalf("held: %d %d", r.Status, r.RevocationReason)
	}
	_, a, _ = rules.Effects(rules.Found)
	if err := records.Apply(jpki.Auth, authCert.SerialNumber, a.Status, a.Reason, at); err != nil {
		t.Fatal(err)
	}
	if r := ocspStatus(t, srv.URL, "auth", authCert, authCA); r.Status != ocsp.Good {
		t.Fatalf("lifted: %d", r.Status)
	}
	// A revoked certificate stays revoked.
	if err := records.Apply(jpki.Auth, authCert.SerialNumber, rules.Revoked, rules.CessationOfOperation, at); err != nil {
		t.Fatal(err)
	}
	if err := records.Apply(jpki.Auth, authCert.SerialNumber, rules.Valid, 0, at); err == nil {
		t.Fatal("a revoked certificate was made valid again")
	}
}
