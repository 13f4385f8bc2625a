package pki

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
)

// The tests load the committed TEST-ONLY fixtures (go run ./fixtures/gen)
// and never generate RSA keys.
const fixtureDir = "../fixtures/pki"

var (
	defaultNotBefore = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	defaultNotAfter  = time.Date(2030, 6, 15, 14, 59, 59, 0, time.UTC)
)

func loadKey(t *testing.T, rel string) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("%s: want a PEM PRIVATE KEY (PKCS#8) block", rel)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("%s: %T, want RSA", rel, k)
	}
	if rk.N.BitLen() != 2048 || rk.E != 65537 {
		t.Fatalf("%s: RSA-%d e=%d, want RSA-2048 e=65537", rel, rk.N.BitLen(), rk.E)
	}
	return rk
}

func loadCert(t *testing.T, rel string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return c
}

// --- DER inspection helpers -------------------------------------------------

type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

type rawRDNSET []rawATV

var attrNames = map[string]string{"2.5.4.6": "C", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.7": "L", "2.5.4.3": "CN"}
var tagNames = map[int]string{asn1.TagPrintableString: "PS", asn1.TagUTF8String: "UTF8"}

// dn renders a DER Name as "C:PS=JP, O:UTF8=…", showing each value's string type.
func dn(t *testing.T, der []byte) string {
	t.Helper()
	var rdns []rawRDNSET
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		t.Fatalf("bad Name %x: %v", der, err)
	}
	var parts []string
	for _, rdn := range rdns {
		if len(rdn) != 1 {
			t.Fatalf("multi-valued RDN in %x", der)
		}
		a := rdn[0]
		name, ok := attrNames[a.Type.String()]
		if !ok {
			name = a.Type.String()
		}
		tag, ok := tagNames[a.Value.Tag]
		if !ok || a.Value.Class != asn1.ClassUniversal {
			tag = fmt.Sprintf("class%d/tag%d", a.Value.Class, a.Value.Tag)
		}
		parts = append(parts, fmt.Sprintf("%s:%s=%s", name, tag, a.Value.Bytes))
	}
	return strings.Join(parts, ", ")
}

func extension(t *testing.T, c *x509.Certificate, oid asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	e, ok := findExtension(c, oid)
	if !ok {
		t.Fatalf("no extension %v", oid)
	}
	return e
}

func countExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) int {
	n := 0
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			n++
		}
	}
	return n
}

// singleDirName decodes GeneralNames holding exactly one directoryName and returns the Name DER.
func singleDirName(t *testing.T, generalNames []byte) []byte {
	t.Helper()
	var gns []asn1.RawValue
	if rest, err := asn1.Unmarshal(generalNames, &gns); err != nil || len(rest) > 0 {
		t.Fatalf("bad GeneralNames: %v", err)
	}
	if len(gns) != 1 || gns[0].Class != asn1.ClassContextSpecific || gns[0].Tag != 4 || !gns[0].IsCompound {
		t.Fatalf("want one [4] directoryName, got %d names (first tag %d)", len(gns), gns[0].Tag)
	}
	return gns[0].Bytes
}

// crldpDirName decodes a CRLDistributionPoints with one point whose fullName is
// one directoryName, and returns the Name DER.
// crldpDirName returns the directoryName of the distribution point, and
// checks that any other name is exactly the HTTP URI uri ("" for none).
func crldpDirName(t *testing.T, value []byte, uri ...string) []byte {
	t.Helper()
	var points []asn1.RawValue
	if rest, err := asn1.Unmarshal(value, &points); err != nil || len(rest) > 0 || len(points) != 1 {
		t.Fatalf("want one DistributionPoint: %v, %d", err, len(points))
	}
	var dpName asn1.RawValue // distributionPoint [0]
	if rest, err := asn1.Unmarshal(points[0].Bytes, &dpName); err != nil || len(rest) > 0 || dpName.Tag != 0 || dpName.Class != asn1.ClassContextSpecific {
		t.Fatalf("want only distributionPoint [0]: %v", err)
	}
	var fullName asn1.RawValue // fullName [0] IMPLICIT GeneralNames
	if rest, err := asn1.Unmarshal(dpName.Bytes, &fullName); err != nil || len(rest) > 0 || fullName.Tag != 0 || fullName.Class != asn1.ClassContextSpecific {
		t.Fatalf("want fullName [0]: %v", err)
	}
	var gns []asn1.RawValue
	if rest, err := asn1.Unmarshal(sequence(fullName.Bytes), &gns); err != nil || len(rest) > 0 || len(gns) != 1+len(uri) {
		t.Fatalf("want %d names in the distribution point, got %d (%v)", 1+len(uri), len(gns), err)
	}
	for i, u := range uri {
		if g := gns[1+i]; g.Class != asn1.ClassContextSpecific || g.Tag != 6 || string(g.Bytes) != u {
			t.Fatalf("distribution point name %d is %q, want URI %q", 1+i, g.Bytes, u)
		}
	}
	// Re-tag the first name alone as a SEQUENCE to reuse singleDirName.
	return singleDirName(t, sequence(gns[0].FullBytes))
}

type tbsPrefix struct {
	Version  int `asn1:"optional,explicit,default:0,tag:0"`
	Serial   *big.Int
	SigAlg   pkix.AlgorithmIdentifier
	Issuer   asn1.RawValue
	Validity struct{ NotBefore, NotAfter asn1.RawValue }
}

func checkValidity(t *testing.T, c *x509.Certificate, notBefore, notAfter time.Time) {
	t.Helper()
	if !c.NotBefore.Equal(notBefore) || !c.NotAfter.Equal(notAfter) {
		t.Errorf("validity %v .. %v, want %v .. %v", c.NotBefore, c.NotAfter, notBefore, notAfter)
	}
	var tbs tbsPrefix
	if _, err := asn1.Unmarshal(c.RawTBSCertificate, &tbs); err != nil {
		t.Fatal(err)
	}
	if tbs.Version != 2 {
		t.Errorf("version field %d, want 2 (v3)", tbs.Version)
	}
	if tbs.Validity.NotBefore.Tag != asn1.TagUTCTime || tbs.Validity.NotAfter.Tag != asn1.TagUTCTime {
		t.Errorf("validity tags %d/%d, want UTCTime (%d)", tbs.Validity.NotBefore.Tag, tbs.Validity.NotAfter.Tag, asn1.TagUTCTime)
	}
}

func checkRSA2048(t *testing.T, c *x509.Certificate, key *rsa.PrivateKey) {
	t.Helper()
	if c.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("signature algorithm %v, want SHA256-RSA", c.SignatureAlgorithm)
	}
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		t.Errorf("certificate public key does not match the fixture key")
	}
	if want := sha1.Sum(x509.MarshalPKCS1PublicKey(&key.PublicKey)); !bytes.Equal(c.SubjectKeyId, want[:]) {
		t.Errorf("SKI %x, want SHA-1 of the public key %x", c.SubjectKeyId, want)
	}
}

func checkPolicy(t *testing.T, c *x509.Certificate, want string) {
	t.Helper()
	ps, critical, err := Policies(c)
	if err != nil {
		t.Fatal(err)
	}
	if !critical {
		t.Error("certificatePolicies not critical")
	}
	if len(ps) != 1 || ps[0].OID.String() != want || len(ps[0].CPS) != 1 || ps[0].CPS[0] != "http://jpkisim.invalid/cps.html" {
		t.Errorf("policies %+v, want one %s with CPS http://jpkisim.invalid/cps.html", ps, want)
	}
}

func checkKeyUsage(t *testing.T, c *x509.Certificate, want x509.KeyUsage, wantDER string) {
	t.Helper()
	if c.KeyUsage != want {
		t.Errorf("key usage %b, want %b", c.KeyUsage, want)
	}
	e := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 15})
	if !e.Critical {
		t.Error("keyUsage not critical")
	}
	if got := fmt.Sprintf("% X", e.Value); got != wantDER {
		t.Errorf("keyUsage value %s, want %s", got, wantDER)
	}
}

// --- CA certificates ---------------------------------------------------------

func TestCADistinguishedName(t *testing.T) {
	for kind, want := range map[jpki.Kind]string{
		jpki.Signing: "C:PS=JP, O:UTF8=JPKI-TEST, OU:UTF8=JPKI for digital signature, OU:UTF8=TEST ONLY jpkisim virtual card",
		jpki.Auth:    "C:PS=JP, O:UTF8=JPKI-TEST, OU:UTF8=JPKI for user authentication, OU:UTF8=TEST ONLY jpkisim virtual card",
	} {
		der, err := CADistinguishedName(kind)
		if err != nil {
			t.Fatal(err)
		}
		if got := dn(t, der); got != want {
			t.Errorf("%v: %s, want %s", kind, got, want)
		}
	}
	if _, err := CADistinguishedName(jpki.Kind(0)); err == nil {
		t.Error("Kind(0): no error")
	}
}

func TestFixtureCAs(t *testing.T) {
	for _, tc := range []struct {
		kind             jpki.Kind
		key, cert, altOU string
	}{
		{jpki.Signing, "TEST-ONLY-sign-ca.key.pem", "TEST-ONLY-sign-ca.crt.der", "公的個人認証サービス署名用"},
		{jpki.Auth, "TEST-ONLY-auth-ca.key.pem", "TEST-ONLY-auth-ca.crt.der", "公的個人認証サービス利用者証明用"},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			key, c := loadKey(t, tc.key), loadCert(t, tc.cert)
			wantDN, _ := CADistinguishedName(tc.kind)
			if !bytes.Equal(c.RawSubject, wantDN) || !bytes.Equal(c.RawIssuer, wantDN) {
				t.Errorf("subject %s / issuer %s, want %s", dn(t, c.RawSubject), dn(t, c.RawIssuer), dn(t, wantDN))
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Errorf("self-signature: %v", err)
			}
			checkRSA2048(t, c, key)
			if c.SerialNumber.Cmp(big.NewInt(1)) != 0 {
				t.Errorf("serial %v, want 1", c.SerialNumber)
			}
			checkValidity(t, c, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC))
			checkKeyUsage(t, c, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, "03 02 01 06")
			bc := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 19})
			if !bc.Critical || !c.IsCA || c.MaxPathLen != -1 || fmt.Sprintf("% X", bc.Value) != "30 03 01 01 FF" {
				t.Errorf("basicConstraints critical=%v value % X, want critical CA:TRUE without pathLen", bc.Critical, bc.Value)
			}
			san := extension(t, c, oidExtSubjectAltName)
			wantAlt := "C:PS=JP, O:UTF8=公的個人認証サービス(TEST ONLY), OU:UTF8=" + tc.altOU + ", OU:UTF8=地方公共団体情報システム機構"
			if got := dn(t, singleDirName(t, san.Value)); got != wantAlt || san.Critical {
				t.Errorf("SAN %s (critical %v), want %s", got, san.Critical, wantAlt)
			}
			if got := crldpDirName(t, extension(t, c, oidExtCRLDP).Value); !bytes.Equal(got, wantDN) {
				t.Errorf("CRLDP %s, want own DN", dn(t, got))
			}
			if n := countExtension(c, oidExtAuthorityKeyID); n != 0 {
				t.Errorf("root has %d AKI extensions, want none", n)
			}
			if len(c.UnhandledCriticalExtensions) > 0 {
				t.Errorf("unhandled critical extensions %v", c.UnhandledCriticalExtensions)
			}
		})
	}
}

// --- End-entity certificates ---------------------------------------------------

// checkEECommon asserts what card.md §9.1 and §9.2 share.
func checkEECommon(t *testing.T, c, ca *x509.Certificate, key *rsa.PrivateKey, kind jpki.Kind, serial int64, notBefore, notAfter time.Time, crldp string) {
	t.Helper()
	ocsp, altOU := "http://127.0.0.1:35990/ocsp/auth", "公的個人認証サービス利用者証明用"
	if kind == jpki.Signing {
		ocsp, altOU = "http://127.0.0.1:35990/ocsp/sign", "公的個人認証サービス署名用"
	}
	if err := c.CheckSignatureFrom(ca); err != nil {
		t.Errorf("signature by CA: %v", err)
	}
	if !bytes.Equal(c.RawIssuer, ca.RawSubject) {
		t.Errorf("issuer %s, want CA subject %s", dn(t, c.RawIssuer), dn(t, ca.RawSubject))
	}
	checkRSA2048(t, c, key)
	if c.SerialNumber.Cmp(big.NewInt(serial)) != 0 {
		t.Errorf("serial %#x, want %#x", c.SerialNumber, serial)
	}
	checkValidity(t, c, notBefore, notAfter)
	if c.BasicConstraintsValid || c.IsCA {
		t.Error("end-entity certificate carries basicConstraints")
	}
	checkPolicy(t, c, PolicyOID(kind).String())
	if len(c.OCSPServer) != 1 || c.OCSPServer[0] != ocsp || len(c.IssuingCertificateURL) != 0 {
		t.Errorf("AIA OCSP %v issuers %v, want only OCSP %s", c.OCSPServer, c.IssuingCertificateURL, ocsp)
	}
	ian := extension(t, c, oidExtIssuerAltName)
	wantIAN := "C:PS=JP, O:UTF8=公的個人認証サービス(TEST ONLY), OU:UTF8=" + altOU + ", OU:UTF8=地方公共団体情報システム機構"
	if got := dn(t, singleDirName(t, ian.Value)); got != wantIAN || ian.Critical {
		t.Errorf("issuerAltName %s (critical %v), want %s", got, ian.Critical, wantIAN)
	}
	if got := dn(t, crldpDirName(t, extension(t, c, oidExtCRLDP).Value, CRLURL(kind))); got != crldp {
		t.Errorf("CRLDP %s, want %s", got, crldp)
	}
	var aki struct {
		KeyID  []byte          `asn1:"optional,tag:0"`
		Issuer []asn1.RawValue `asn1:"optional,tag:1"`
		Serial *big.Int        `asn1:"optional,tag:2"`
	}
	akiExt := extension(t, c, oidExtAuthorityKeyID)
	if rest, err := asn1.Unmarshal(akiExt.Value, &aki); err != nil || len(rest) > 0 || akiExt.Critical {
		t.Fatalf("AKI: %v (critical %v)", err, akiExt.Critical)
	}
	if !bytes.Equal(aki.KeyID, ca.SubjectKeyId) || !bytes.Equal(c.AuthorityKeyId, ca.SubjectKeyId) {
		t.Errorf("AKI keyIdentifier %x, want CA SKI %x", aki.KeyID, ca.SubjectKeyId)
	}
	if len(aki.Issuer) != 1 || aki.Issuer[0].Tag != 4 || !bytes.Equal(aki.Issuer[0].Bytes, ca.RawIssuer) {
		t.Errorf("AKI authorityCertIssuer %v, want directoryName of the CA's issuer", aki.Issuer)
	}
	if aki.Serial == nil || aki.Serial.Cmp(big.NewInt(1)) != 0 {
		t.Errorf("AKI authorityCertSerialNumber %v, want 1", aki.Serial)
	}
	for _, oid := range []asn1.ObjectIdentifier{oidExtIssuerAltName, oidExtCRLDP, oidExtPolicies, oidExtAuthorityKeyID, {2, 5, 29, 14}, {2, 5, 29, 15}} {
		if n := countExtension(c, oid); n != 1 {
			t.Errorf("extension %v appears %d times, want once", oid, n)
		}
	}
	if len(c.UnhandledCriticalExtensions) > 0 {
		t.Errorf("unhandled critical extensions %v", c.UnhandledCriticalExtensions)
	}
}

func TestFixtureAuth(t *testing.T) {
	ca, c := loadCert(t, "TEST-ONLY-auth-ca.crt.der"), loadCert(t, "default/TEST-ONLY-auth.crt.der")
	checkEECommon(t, c, ca, loadKey(t, "default/TEST-ONLY-auth.key.pem"), jpki.Auth, 0x2001, defaultNotBefore, defaultNotAfter,
		"C:PS=JP, O:UTF8=JPKI-TEST, OU:UTF8=JPKI for user authentication, OU:UTF8=CRL Distribution Points, OU:UTF8=Kakuu-ken, CN:UTF8=Mihon-shi CRLDP")
	if got, want := dn(t, c.RawSubject), "C:PS=JP, CN:UTF8=TESTONLY000000999998193"; got != want {
		t.Errorf("subject %s, want %s", got, want)
	}
	if cn := c.Subject.CommonName; len(cn) != 23 || cn[14:19] != "99999" {
		t.Errorf("CN %q: want 23 characters with the municipality code at 15-19", cn)
	}
	checkKeyUsage(t, c, x509.KeyUsageDigitalSignature, "03 02 07 80")
	eku := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 37})
	if eku.Critical || len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || len(c.UnknownExtKeyUsage) != 0 {
		t.Errorf("EKU %v (critical %v), want only clientAuth, non-critical", c.ExtKeyUsage, eku.Critical)
	}
	if n := countExtension(c, oidExtSubjectAltName); n != 0 {
		t.Errorf("auth certificate has a subjectAltName; it carries no basic-4 information")
	}
}

func TestFixtureSigning(t *testing.T) {
	ca, c := loadCert(t, "TEST-ONLY-sign-ca.crt.der"), loadCert(t, "default/TEST-ONLY-sign.crt.der")
	checkEECommon(t, c, ca, loadKey(t, "default/TEST-ONLY-sign.key.pem"), jpki.Signing, 0x1001, defaultNotBefore, defaultNotAfter,
		"C:PS=JP, O:UTF8=JPKI-TEST, OU:UTF8=JPKI for digital signature, OU:UTF8=CRL Distribution Points, OU:UTF8=Kakuu-ken, CN:UTF8=Mihon-shi CRLDP")
	if got, want := dn(t, c.RawSubject), "C:PS=JP, L:UTF8=Kakuu-ken, L:UTF8=Mihon-shi, CN:UTF8=TESTONLY000000999994097"; got != want {
		t.Errorf("subject %s, want %s", got, want)
	}
	checkKeyUsage(t, c, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, "03 02 06 C0")
	if n := countExtension(c, asn1.ObjectIdentifier{2, 5, 29, 37}); n != 0 {
		t.Error("signing certificate has extKeyUsage")
	}

	checkSigningSAN(t, c, SigningSAN{Name: "試験　花子", NameFlags: "00000", Sex: "2", BirthDate: "419900615",
		Address: "架空県見本市試験町一丁目２番３号", AddressFlags: "0000000000000000"})
}

// checkSigningSAN asserts the raw SAN of a signing certificate: non-critical,
// only otherName entries, in order .1 .4 .3 .5 .2 .6, each
// A0 { OID, A0 { UTF8String } }, holding want; and that ParseSigningSAN agrees.
func checkSigningSAN(t *testing.T, c *x509.Certificate, want SigningSAN) {
	t.Helper()
	san := extension(t, c, oidExtSubjectAltName)
	if san.Critical {
		t.Error("SAN critical")
	}
	var gns []asn1.RawValue
	if _, err := asn1.Unmarshal(san.Value, &gns); err != nil {
		t.Fatal(err)
	}
	wantOrder := []string{"1", "4", "3", "5", "2", "6"}
	wantValues := map[string]string{"1": want.Name, "2": want.NameFlags, "3": want.Sex, "4": want.BirthDate, "5": want.Address, "6": want.AddressFlags}
	if len(gns) != len(wantOrder) {
		t.Fatalf("SAN has %d names, want %d", len(gns), len(wantOrder))
	}
	for i, gn := range gns {
		if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 || !gn.IsCompound {
			t.Fatalf("SAN[%d] is not otherName", i)
		}
		var oid asn1.ObjectIdentifier
		rest, err := asn1.Unmarshal(gn.Bytes, &oid)
		if err != nil {
			t.Fatal(err)
		}
		if want := "1.2.392.200149.8.5.5." + wantOrder[i]; oid.String() != want {
			t.Errorf("SAN[%d] OID %v, want %s", i, oid, want)
		}
		var explicit, str asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &explicit); err != nil || len(rest) > 0 || explicit.Class != asn1.ClassContextSpecific || explicit.Tag != 0 || !explicit.IsCompound {
			t.Fatalf("SAN[%d] value not [0] EXPLICIT: %v", i, err)
		}
		if rest, err = asn1.Unmarshal(explicit.Bytes, &str); err != nil || len(rest) > 0 || str.Tag != asn1.TagUTF8String {
			t.Fatalf("SAN[%d] value not a UTF8String (tag %d): %v", i, str.Tag, err)
		}
		if got := string(str.Bytes); got != wantValues[wantOrder[i]] {
			t.Errorf("SAN[%d] = %q, want %q", i, got, wantValues[wantOrder[i]])
		}
	}
	got, err := ParseSigningSAN(c)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ParseSigningSAN = %+v, want %+v", got, want)
	}
}

// TestSigningSANReadableLikeMynaGo parses the SAN the way the public Go
// client jpki/myna (libmyna/jpki_ap.go, f68cefd) does, so the fixture stays
// readable by it.
func TestSigningSANReadableLikeMynaGo(t *testing.T) {
	c := loadCert(t, "default/TEST-ONLY-sign.crt.der")
	type attrValues struct{ Value string }
	type attr struct {
		Oid    asn1.ObjectIdentifier
		Values attrValues `asn1:"tag:0"`
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(extension(t, c, oidExtSubjectAltName).Value, &seq); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rest := seq.Bytes; len(rest) > 0; {
		var v attr
		var err error
		if rest, err = asn1.UnmarshalWithParams(rest, &v, "tag:0"); err != nil {
			t.Fatal(err)
		}
		got[v.Oid.String()] = v.Values.Value
	}
	if got["1.2.392.200149.8.5.5.1"] != "試験　花子" || got["1.2.392.200149.8.5.5.4"] != "419900615" || len(got) != 6 {
		t.Errorf("myna-style parse = %v", got)
	}
}

func TestFixtureChainsVerify(t *testing.T) {
	for _, tc := range []struct{ ca, ee string }{
		{"TEST-ONLY-auth-ca.crt.der", "default/TEST-ONLY-auth.crt.der"},
		{"TEST-ONLY-sign-ca.crt.der", "default/TEST-ONLY-sign.crt.der"},
	} {
		roots := x509.NewCertPool()
		roots.AddCert(loadCert(t, tc.ca))
		ee := loadCert(t, tc.ee)
		opts := x509.VerifyOptions{Roots: roots, CurrentTime: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
		if _, err := ee.Verify(opts); err != nil {
			t.Errorf("%s: %v", tc.ee, err)
		}
		opts.CurrentTime = defaultNotAfter.Add(time.Second)
		if _, err := ee.Verify(opts); err == nil {
			t.Errorf("%s: verifies one second after notAfter", tc.ee)
		}
	}
	// The two hierarchies are separate.
	roots := x509.NewCertPool()
	roots.AddCert(loadCert(t, "TEST-ONLY-sign-ca.crt.der"))
	if _, err := loadCert(t, "default/TEST-ONLY-auth.crt.der").Verify(x509.VerifyOptions{Roots: roots,
		CurrentTime: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
		t.Error("auth certificate verifies under the signing root")
	}
}

// --- Pure functions ------------------------------------------------------------

func TestBirthDateValue(t *testing.T) {
	for _, tc := range []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{
		{1868, time.October, 23, "118681023"},
		{1912, time.July, 29, "119120729"},
		{1912, time.July, 30, "219120730"},
		{1926, time.December, 24, "219261224"},
		{1926, time.December, 25, "319261225"},
		{1989, time.January, 7, "319890107"},
		{1989, time.January, 8, "419890108"},
		{1990, time.June, 15, "419900615"},
		{2019, time.April, 30, "420190430"},
		{2019, time.May, 1, "520190501"},
		{2024, time.February, 29, "520240229"},
	} {
		got, err := BirthDateValue(time.Date(tc.y, tc.m, tc.d, 0, 0, 0, 0, time.UTC))
		if err != nil || got != tc.want {
			t.Errorf("%04d-%02d-%02d: %q, %v; want %q", tc.y, tc.m, tc.d, got, err, tc.want)
		}
	}
	// The date is read in the time's own location.
	if got, _ := BirthDateValue(time.Date(2019, time.May, 1, 0, 30, 0, 0, time.FixedZone("JST", 9*3600))); got != "520190501" {
		t.Errorf("JST midnight 2019-05-01: %q, want 520190501", got)
	}
	for _, bad := range []time.Time{{}, time.Date(1868, time.October, 22, 0, 0, 0, 0, time.UTC)} {
		if got, err := BirthDateValue(bad); err == nil {
			t.Errorf("%v: %q, want error", bad, got)
		}
	}
}

// EraYYMMDD counts the era year from the day each era began: the day
// before a boundary is the last year of the old era, the day itself year 1
// of the new one.
func TestEraYYMMDD(t *testing.T) {
	for _, tc := range []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{
		{2019, time.May, 1, "010501"},       // 令和1
		{2019, time.April, 30, "310430"},    // 平成31
		{2020, time.January, 1, "020101"},   // 令和2
		{1989, time.January, 8, "010108"},   // 平成1
		{1989, time.January, 7, "640107"},   // 昭和64
		{1926, time.December, 25, "011225"}, // 昭和1
		{1926, time.December, 24, "151224"}, // 大正15
		{1980, time.February, 17, "550217"}, // the test card of docs/card.md §6
		{1990, time.June, 15, "020615"},     // 平成2
		{1912, time.July, 30, "010730"},     // 大正1
		{1912, time.July, 29, "450729"},     // 明治45
		{1868, time.October, 23, "011023"},  // 明治1
	} {
		got, err := EraYYMMDD(time.Date(tc.y, tc.m, tc.d, 0, 0, 0, 0, time.UTC))
		if err != nil || got != tc.want {
			t.Errorf("%04d-%02d-%02d: %q, %v; want %q", tc.y, tc.m, tc.d, got, err, tc.want)
		}
	}
	// The date is read in the time's own location.
	if got, _ := EraYYMMDD(time.Date(2019, time.May, 1, 0, 30, 0, 0, time.FixedZone("JST", 9*3600))); got != "010501" {
		t.Errorf("JST midnight 2019-05-01: %q, want 010501", got)
	}
	for _, bad := range []time.Time{{}, time.Date(1868, time.October, 22, 0, 0, 0, 0, time.UTC)} {
		if got, err := EraYYMMDD(bad); err == nil {
			t.Errorf("%v: %q, want error", bad, got)
		}
	}
	h := Holder{BirthDate: time.Date(1989, time.January, 7, 0, 0, 0, 0, time.UTC), CardExpiry: time.Date(2036, time.March, 4, 0, 0, 0, 0, time.UTC)}
	if e, err := h.BirthEra(); err != nil || e != "640107" || h.BirthGregorian() != "19890107" || h.CardExpiryDate() != "20360304" {
		t.Errorf("holder born 1989-01-07: era %q (%v), Gregorian %q, card expiry %q", e, err, h.BirthGregorian(), h.CardExpiryDate())
	}
}

func TestSubjectIdentifier(t *testing.T) {
	for _, tc := range []struct {
		serial int64
		code   string
		want   string
	}{
		{0x2001, "99999", "TESTONLY000000999998193"},
		{0x1001, "13221", "TESTONLY000000132214097"},
		{9_999_999_999, "01234", "TESTONLY999999012349999"},
		{1, "00000", "TESTONLY000000000000001"},
	} {
		got, err := SubjectIdentifier(big.NewInt(tc.serial), tc.code)
		if err != nil || got != tc.want {
			t.Errorf("(%d, %s) = %q, %v; want %q", tc.serial, tc.code, got, err, tc.want)
		}
		if len(got) != 23 || got[14:19] != tc.code {
			t.Errorf("%q: want 23 characters, code at 15-19", got)
		}
	}
	for _, tc := range []struct {
		serial *big.Int
		code   string
	}{
		{nil, "99999"}, {big.NewInt(0), "99999"}, {big.NewInt(-1), "99999"}, {big.NewInt(10_000_000_000), "99999"},
		{big.NewInt(1), "9999"}, {big.NewInt(1), "999999"}, {big.NewInt(1), "9999a"}, {big.NewInt(1), "９９９９９"},
	} {
		if got, err := SubjectIdentifier(tc.serial, tc.code); err == nil {
			t.Errorf("(%v, %q) = %q, want error", tc.serial, tc.code, got)
		}
	}
}

func TestKind(t *testing.T) {
	if jpki.Signing.String() != "signing" || jpki.Auth.String() != "auth" || jpki.Kind(7).String() != "Kind(7)" {
		t.Error("Kind.String")
	}
	if PolicyOID(jpki.Kind(0)) != nil {
		t.Error("invalid kind has a policy")
	}
	p := PolicyOID(jpki.Auth)
	p[0] = 99
	if PolicyOID(jpki.Auth).String() != "1.2.392.200149.8.5.1.3.30" {
		t.Error("PolicyOID returns shared storage")
	}
}

// --- Issuing with other holders (fixture keys, no key generation) ---------------

type issuer struct {
	signCA, authCA       *x509.Certificate
	signCAKey, authCAKey *rsa.PrivateKey
	signKey, authKey     *rsa.PrivateKey
}

func loadIssuer(t *testing.T) issuer {
	return issuer{
		signCA: loadCert(t, "TEST-ONLY-sign-ca.crt.der"), authCA: loadCert(t, "TEST-ONLY-auth-ca.crt.der"),
		signCAKey: loadKey(t, "TEST-ONLY-sign-ca.key.pem"), authCAKey: loadKey(t, "TEST-ONLY-auth-ca.key.pem"),
		signKey: loadKey(t, "default/TEST-ONLY-sign.key.pem"), authKey: loadKey(t, "default/TEST-ONLY-auth.key.pem"),
	}
}

func showaHolder() Holder {
	return Holder{
		Name: "見本　太郎", NameFlags: "00100", Sex: "1", BirthDate: time.Date(1960, 2, 29, 0, 0, 0, 0, time.UTC),
		Address: "架空県見本郡例示村１", AddressFlags: "0000000001",
		Prefecture: "Kakuu-ken", Municipality: "Reiji-mura", MunicipalityCode: "99001",
	}
}

func TestIssueOtherHolder(t *testing.T) {
	is := loadIssuer(t)
	h := showaHolder()
	nb, na := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 2, 28, 14, 59, 59, 0, time.UTC)
	der, err := IssueSigning(is.signCA, is.signCAKey, &is.signKey.PublicKey, h, big.NewInt(0x1002), nb, na)
	if err != nil {
		t.Fatal(err)
	}
	again, err := IssueSigning(is.signCA, is.signCAKey, &is.signKey.PublicKey, h, big.NewInt(0x1002), nb, na)
	if err != nil || !bytes.Equal(der, again) {
		t.Errorf("issuance is not deterministic (err %v)", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	checkEECommon(t, c, is.signCA, is.signKey, jpki.Signing, 0x1002, nb, na,
		"C:PS=JP, O:UTF8=JPKI-TEST, OU:UTF8=JPKI for digital signature, OU:UTF8=CRL Distribution Points, OU:UTF8=Kakuu-ken, CN:UTF8=Reiji-mura CRLDP")
	checkKeyUsage(t, c, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, "03 02 06 C0")
	checkSigningSAN(t, c, SigningSAN{"見本　太郎", "00100", "1", "319600229", "架空県見本郡例示村１", "0000000001"})
	if got, want := dn(t, c.RawSubject), "C:PS=JP, L:UTF8=Kakuu-ken, L:UTF8=Reiji-mura, CN:UTF8=TESTONLY000000990014098"; got != want {
		t.Errorf("subject %s, want %s", got, want)
	}

	// An auth certificate needs only the location fields of the holder.
	der, err = IssueAuth(is.authCA, is.authCAKey, &is.authKey.PublicKey, Holder{Prefecture: "Kakuu-ken", Municipality: "Reiji-mura", MunicipalityCode: "99001"},
		big.NewInt(0x2002), nb, na)
	if err != nil {
		t.Fatalf("auth with only location fields: %v", err)
	}
	c, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	checkEECommon(t, c, is.authCA, is.authKey, jpki.Auth, 0x2002, nb, na,
		"C:PS=JP, O:UTF8=JPKI-TEST, OU:UTF8=JPKI for user authentication, OU:UTF8=CRL Distribution Points, OU:UTF8=Kakuu-ken, CN:UTF8=Reiji-mura CRLDP")
	checkKeyUsage(t, c, x509.KeyUsageDigitalSignature, "03 02 07 80")
	if got, want := dn(t, c.RawSubject), "C:PS=JP, CN:UTF8=TESTONLY000000990018194"; got != want {
		t.Errorf("subject %s, want %s", got, want)
	}
	if _, err := ParseSigningSAN(c); err == nil {
		t.Error("ParseSigningSAN on an auth certificate: no error")
	}
}

func TestIssueRejects(t *testing.T) {
	is := loadIssuer(t)
	nb, na := defaultNotBefore, defaultNotAfter
	serial := big.NewInt(0x1002)
	for name, mutate := range map[string]func(h *Holder){
		"name flags short":        func(h *Holder) { h.NameFlags = "0000" },
		"name flags bytes":        func(h *Holder) { h.NameFlags = strings.Repeat("0", len(h.Name)) },
		"name flags not 0/1":      func(h *Holder) { h.NameFlags = "00200" },
		"address flags long":      func(h *Holder) { h.AddressFlags += "0" },
		"empty name":              func(h *Holder) { h.Name, h.NameFlags = "", "" },
		"sex":                     func(h *Holder) { h.Sex = "0" },
		"birth date before Meiji": func(h *Holder) { h.BirthDate = time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC) },
		"municipality code":       func(h *Holder) { h.MunicipalityCode = "9999" },
		"no prefecture":           func(h *Holder) { h.Prefecture = "" },
		"invalid UTF-8 address":   func(h *Holder) { h.Address, h.AddressFlags = "\xff", "0" },
	} {
		h := showaHolder()
		mutate(&h)
		if _, err := IssueSigning(is.signCA, is.signCAKey, &is.signKey.PublicKey, h, serial, nb, na); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	h := showaHolder()
	for name, f := range map[string]func() ([]byte, error){
		"zero serial": func() ([]byte, error) {
			return IssueAuth(is.authCA, is.authCAKey, &is.authKey.PublicKey, h, big.NewInt(0), nb, na)
		},
		"notAfter first": func() ([]byte, error) {
			return IssueAuth(is.authCA, is.authCAKey, &is.authKey.PublicKey, h, serial, na, nb)
		},
		"nil CA":         func() ([]byte, error) { return IssueAuth(nil, is.authCAKey, &is.authKey.PublicKey, h, serial, nb, na) },
		"nil public key": func() ([]byte, error) { return IssueAuth(is.authCA, is.authCAKey, nil, h, serial, nb, na) },
		"CA key mismatch": func() ([]byte, error) {
			return IssueAuth(is.authCA, is.signCAKey, &is.authKey.PublicKey, h, serial, nb, na)
		},
		"CA invalid kind":    func() ([]byte, error) { return NewCA(jpki.Kind(3), is.authCAKey, big.NewInt(1), nb, na) },
		"CA nil key":         func() ([]byte, error) { return NewCA(jpki.Auth, nil, big.NewInt(1), nb, na) },
		"CA negative serial": func() ([]byte, error) { return NewCA(jpki.Auth, is.authCAKey, big.NewInt(-1), nb, na) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestNewCAMatchesFixture re-creates both roots from the fixture keys: the
// committed DER must be what the code produces today.
func TestNewCAMatchesFixture(t *testing.T) {
	is := loadIssuer(t)
	for kind, tc := range map[jpki.Kind]struct {
		key  *rsa.PrivateKey
		cert *x509.Certificate
	}{jpki.Signing: {is.signCAKey, is.signCA}, jpki.Auth: {is.authCAKey, is.authCA}} {
		der, err := NewCA(kind, tc.key, big.NewInt(1), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(der, tc.cert.Raw) {
			t.Errorf("%v CA differs from the fixture; run go run ./fixtures/gen -out fixtures/pki -reissue", kind)
		}
	}
}
