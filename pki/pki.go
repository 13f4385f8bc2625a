// Package pki builds JPKI-shaped, TEST-ONLY certificates as DER: the two
// self-signed roots (署名用 signing CA, 利用者証明用 user-authentication CA) and
// the two end-entity certificates of a My Number card (card.md §9).
//
// Every name it produces carries a TEST ONLY marker (O=JPKI-TEST,
// OU=TEST ONLY jpkisim virtual card, "(TEST ONLY)" in the Japanese alternative
// names, a "TESTONLY" prefix in end-entity CNs) and every URI lives under the
// reserved .invalid top-level domain. The package never generates keys and
// never holds production keys: callers pass keys in (see fixtures/gen).
//
// All functions are pure: the same keys and arguments give byte-identical DER,
// because RSA PKCS#1 v1.5 signatures are deterministic.
package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/jpkisim/jpkisim/jpki"
)

func validKind(k jpki.Kind) error {
	if !k.Valid() {
		return fmt.Errorf("pki: invalid kind %v", k)
	}
	return nil
}

// PolicyOID returns the certificate-policy OID that end-entity certificates
// of this kind carry (card.md §9.1, §9.2): 1.2.392.200149.8.5.1.3.30 for
// jpki.Auth and the JPKI *test environment* policy 1.2.392.200149.8.5.1.0.20
// for jpki.Signing. It returns nil for an invalid kind. The result is a
// fresh copy.
func PolicyOID(k jpki.Kind) asn1.ObjectIdentifier {
	switch k {
	case jpki.Signing:
		return asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 0, 20}
	case jpki.Auth:
		return asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 3, 30}
	}
	return nil
}

// URIs written into every certificate. All live under the reserved .invalid
// TLD so that no test certificate ever points at a real J-LIS host.
const (
	// CPSURI is the CPS qualifier of the certificatePolicies extension.
	CPSURI = "http://jpkisim.invalid/cps.html"
	// DefaultResponderAddr is where `jpkisim serve --pki` answers OCSP and
	// serves CRLs by default, and where the end-entity certificates point.
	DefaultResponderAddr = "127.0.0.1:35990"
	// OCSPAuthURL is the OCSP responder in authorityInfoAccess of Auth certificates.
	OCSPAuthURL = "http://" + DefaultResponderAddr + "/ocsp/auth"
	// OCSPSigningURL is the OCSP responder in authorityInfoAccess of Signing certificates.
	OCSPSigningURL = "http://" + DefaultResponderAddr + "/ocsp/sign"
	// CRLAuthURL and CRLSigningURL are the HTTP CRL distribution points,
	// beside the JPKI-style directoryName ones.
	CRLAuthURL    = "http://" + DefaultResponderAddr + "/crl/auth.crl"
	CRLSigningURL = "http://" + DefaultResponderAddr + "/crl/sign.crl"
)

// Holder is the card holder: what the end-entity certificates say of them
// and what the card's other applications carry (docs/card.md §8). Auth
// certificates use only MunicipalityCode, Prefecture and Municipality;
// signing certificates the basic 4 information, the flags and those three
// (card.md §9.2, §9.3); the card-face applications (package cardface) the
// basic 4 information, MyNumber, CardExpiry, SecurityCode, CardSerial and
// MunicipalityCode. One value of it fills both, so that a card's
// certificates and its card face agree.
type Holder struct {
	// Name is the full name in UTF-8, e.g. surname + U+3000 + given name (SAN .1).
	Name string
	// NameFlags has one '0' or '1' per character (rune) of Name: '1' marks a
	// character replaced by a substitute character (SAN .2).
	NameFlags string
	// Sex is "1" male, "2" female or "9" not applicable (SAN .3).
	Sex string
	// BirthDate is the date of birth; only its year, month and day in its own
	// location are used (SAN .4, encoded as EYYYYMMDD, see BirthDateValue).
	BirthDate time.Time
	// Address is the registered address in UTF-8 (SAN .5).
	Address string
	// AddressFlags has one '0' or '1' per character (rune) of Address (SAN .6).
	AddressFlags string
	// Prefecture is romanised, e.g. "Kakuu-ken"; it is the first L= of the
	// signing subject and an OU= of the CRL distribution point.
	Prefecture string
	// Municipality is romanised, e.g. "Mihon-shi"; it is the second L= of the
	// signing subject and the CN= "<Municipality> CRLDP" of the CRL distribution point.
	Municipality string
	// MunicipalityCode is the 5-digit local-government code; it becomes
	// characters 15–19 of the subject CN (see SubjectIdentifier), and is
	// written in the common card AP's record and Kenkaku EF 0003.
	MunicipalityCode string

	// MyNumber is the 12-digit 個人番号 (Kenhojo EF 0001, 照合番号A),
	// ASCII digits, the last one its check digit.
	MyNumber string
	// CardExpiry is the card's own expiry, the date printed on its face
	// (rules.md VALID-03, VALID-05); only its year, month and day in its
	// own location are used (Kenkaku EF 0002 DF29, the common card AP's
	// record, the year in 照合番号B).
	CardExpiry time.Time
	// SecurityCode is the 4-digit セキュリティコード printed on the card
	// face (the last 4 digits of 照合番号B, Kenkaku EF 0002 DF2A).
	SecurityCode string
	// CardSerial is the card's 15-digit serial number (the common card
	// AP's record 1, docs/card.md §8.3).
	CardSerial string
}

// BirthGregorian returns the date of birth as 8 ASCII digits YYYYMMDD, the
// form of Kenhojo EF 0002 DF24 and of Kenkaku's DF22 and DF11 (docs/card.md
// §8.1, §8.2).
func (h Holder) BirthGregorian() string { return yyyymmdd(h.BirthDate) }

// BirthEra returns the date of birth as 6 ASCII digits YYMMDD with the year
// of its Japanese era (EraYYMMDD): Kenkaku's 生年月日 key and the first 6
// digits of 照合番号B (docs/card.md §6).
func (h Holder) BirthEra() (string, error) { return EraYYMMDD(h.BirthDate) }

// CardExpiryDate returns the card's expiry as 8 ASCII digits YYYYMMDD.
func (h Holder) CardExpiryDate() string { return yyyymmdd(h.CardExpiry) }

func yyyymmdd(t time.Time) string {
	y, m, d := t.Date()
	return fmt.Sprintf("%04d%02d%02d", y, int(m), d)
}

// Object identifiers used below.
var (
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidLocality     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}

	oidExtSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtIssuerAltName  = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtCRLDP          = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtPolicies       = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtAuthorityKeyID = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidQualifierCPS      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}

	// oidSANBase is the arc of the basic-4 otherName entries (card.md §9.3).
	oidSANBase = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5}
)

// sanOrder is the order of the otherName entries in the signing SAN, as
// reported for the test card (card.md §9.2): .1 .4 .3 .5 .2 .6.
var sanOrder = []int{1, 4, 3, 5, 2, 6}

// ---------------------------------------------------------------------------
// Distinguished names

// attr is one single-valued RDN.
type attr struct {
	oid       asn1.ObjectIdentifier
	printable bool // PrintableString instead of UTF8String
	value     string
}

func country() attr            { return attr{oidCountry, true, "JP"} }
func org(v string) attr        { return attr{oidOrganization, false, v} }
func orgUnit(v string) attr    { return attr{oidOrgUnit, false, v} }
func locality(v string) attr   { return attr{oidLocality, false, v} }
func commonName(v string) attr { return attr{oidCommonName, false, v} }

// hierarchyUnit is the OU naming the hierarchy in CA and CRLDP names.
func hierarchyUnit(k jpki.Kind) string {
	if k == jpki.Signing {
		return "JPKI for digital signature"
	}
	return "JPKI for user authentication"
}

// marshalName encodes attrs as an RDNSequence, one attribute per RDN, with
// PrintableString or UTF8String values as each attr says.
func marshalName(attrs ...attr) ([]byte, error) {
	seq := make(pkix.RDNSequence, 0, len(attrs))
	for _, a := range attrs {
		if a.value == "" {
			return nil, fmt.Errorf("pki: empty value for attribute %v", a.oid)
		}
		tag := asn1.TagUTF8String
		if a.printable {
			tag = asn1.TagPrintableString
		} else if !utf8.ValidString(a.value) {
			return nil, fmt.Errorf("pki: attribute %v is not valid UTF-8", a.oid)
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{
			Type:  a.oid,
			Value: asn1.RawValue{Tag: tag, Bytes: []byte(a.value)},
		}})
	}
	return asn1.Marshal(seq)
}

// CADistinguishedName returns the DER RDNSequence of the test CA of kind:
//
//	C=JP, O=JPKI-TEST, OU=JPKI for digital signature|JPKI for user authentication, OU=TEST ONLY jpkisim virtual card
//
// C is a PrintableString, the others UTF8String. It is the shape of the real
// root DN (card.md §9.4) with the test organisation O=JPKI-TEST and the J-LIS
// unit replaced by a TEST ONLY marker. The CA is both subject and issuer.
// It fails only for an invalid kind.
func CADistinguishedName(kind jpki.Kind) ([]byte, error) {
	if err := validKind(kind); err != nil {
		return nil, err
	}
	return marshalName(country(), org("JPKI-TEST"), orgUnit(hierarchyUnit(kind)), orgUnit("TEST ONLY jpkisim virtual card"))
}

// jlisAltName is the Japanese DirName used as the CA's subjectAltName and the
// end-entity issuerAltName (card.md §9.1, §9.4), with "(TEST ONLY)" appended
// to the organisation.
func jlisAltName(kind jpki.Kind) ([]byte, error) {
	unit := map[jpki.Kind]string{jpki.Signing: "公的個人認証サービス署名用", jpki.Auth: "公的個人認証サービス利用者証明用"}[kind]
	return marshalName(country(), org("公的個人認証サービス(TEST ONLY)"), orgUnit(unit), orgUnit("地方公共団体情報システム機構"))
}

// crlDPName is the per-municipality CRL distribution point DirName (card.md §9.1).
func crlDPName(kind jpki.Kind, h Holder) ([]byte, error) {
	return marshalName(country(), org("JPKI-TEST"), orgUnit(hierarchyUnit(kind)), orgUnit("CRL Distribution Points"),
		orgUnit(h.Prefecture), commonName(h.Municipality+" CRLDP"))
}

// SubjectIdentifier returns the 23-character ASCII CN of an end-entity
// certificate. Real CNs are opaque identifiers whose characters 15–19
// (1-based) appear to be the municipality code (card.md §9.1). This simulator
// builds them deterministically:
//
//	characters  1–8   "TESTONLY"
//	characters  9–14  digits 1–6 of the serial, decimal, zero-padded to 10 digits
//	characters 15–19  municipalityCode
//	characters 20–23  digits 7–10 of the same zero-padded serial
//
// e.g. serial 0x2001 (8193), code "99999" gives "TESTONLY000000999998193".
// It fails unless serial is in 1..9999999999 and municipalityCode is 5 ASCII digits.
func SubjectIdentifier(serial *big.Int, municipalityCode string) (string, error) {
	if serial == nil || serial.Sign() <= 0 || serial.Cmp(big.NewInt(9_999_999_999)) > 0 {
		return "", fmt.Errorf("pki: serial %v outside 1..9999999999, cannot form a subject identifier", serial)
	}
	if err := checkDigits("municipality code", municipalityCode, 5); err != nil {
		return "", err
	}
	d := fmt.Sprintf("%010d", serial)
	return "TESTONLY" + d[:6] + municipalityCode + d[6:], nil
}

func checkDigits(what, s string, n int) error {
	if len(s) != n {
		return fmt.Errorf("pki: %s %q must be %d ASCII digits", what, s, n)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("pki: %s %q must be %d ASCII digits", what, s, n)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Birth date

// Era starts (Gregorian) and their digits, newest first.
var eras = []struct {
	digit byte
	y     int
	m     time.Month
	d     int
}{
	{'5', 2019, time.May, 1},       // 令和 Reiwa
	{'4', 1989, time.January, 8},   // 平成 Heisei
	{'3', 1926, time.December, 25}, // 昭和 Showa
	{'2', 1912, time.July, 30},     // 大正 Taisho
	{'1', 1868, time.October, 23},  // 明治 Meiji
}

// BirthDateValue encodes a date of birth as the signing SAN .4 value
// EYYYYMMDD (card.md §9.3): the era digit (1 明治 from 1868-10-23, 2 大正 from
// 1912-07-30, 3 昭和 from 1926-12-25, 4 平成 from 1989-01-08, 5 令和 from
// 2019-05-01) followed by the Gregorian (not era-year) date. Only the year,
// month and day of t in its own location are used. Dates before 1868-10-23
// (including the zero time) are an error: era digit 0 ("unknown") is never
// produced.
func BirthDateValue(t time.Time) (string, error) {
	y, m, d := t.Date()
	for _, e := range eras {
		if y > e.y || y == e.y && (m > e.m || m == e.m && d >= e.d) {
			return fmt.Sprintf("%c%04d%02d%02d", e.digit, y, int(m), d), nil
		}
	}
	return "", fmt.Errorf("pki: birth date %04d-%02d-%02d is before the Meiji era (1868-10-23)", y, int(m), d)
}

// EraYYMMDD returns a date as 6 ASCII digits YYMMDD whose year is the year
// of its Japanese era, era year 1 being the year the era began (令和 from
// 2019-05-01, 平成 from 1989-01-08, 昭和 from 1926-12-25, 大正 from
// 1912-07-30, 明治 from 1868-10-23; the eras of BirthDateValue): 2019-05-01
// is "010501", 2019-04-30 "310430". This is the form of 照合番号B and the
// 生年月日 key (docs/card.md §6), which do not say the era. Only the year,
// month and day of t in its own location are used; a date before
// 1868-10-23 is an error.
func EraYYMMDD(t time.Time) (string, error) {
	y, m, d := t.Date()
	for _, e := range eras {
		if y > e.y || y == e.y && (m > e.m || m == e.m && d >= e.d) {
			return fmt.Sprintf("%02d%02d%02d", y-e.y+1, int(m), d), nil
		}
	}
	return "", fmt.Errorf("pki: date %04d-%02d-%02d is before the Meiji era (1868-10-23)", y, int(m), d)
}

// ---------------------------------------------------------------------------
// Extensions

func tlv(class, tag int, compound bool, content ...[]byte) []byte {
	b, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: compound, Bytes: bytes.Join(content, nil)})
	if err != nil {
		// Marshalling a RawValue only copies bytes behind a header.
		panic("pki: marshal raw value: " + err.Error())
	}
	return b
}

func sequence(content ...[]byte) []byte {
	return tlv(asn1.ClassUniversal, asn1.TagSequence, true, content...)
}

// dirNameGN is the GeneralName directoryName [4] EXPLICIT Name.
func dirNameGN(name []byte) []byte { return tlv(asn1.ClassContextSpecific, 4, true, name) }

// dirNameExt is a GeneralNames extension value holding one directoryName.
func dirNameExt(name []byte) []byte { return sequence(dirNameGN(name)) }

// CRLURL is the HTTP CRL distribution point of a kind of certificate.
func CRLURL(k jpki.Kind) string {
	if k == jpki.Signing {
		return CRLSigningURL
	}
	return CRLAuthURL
}

// OCSPURL is the OCSP responder of a kind of certificate.
func OCSPURL(k jpki.Kind) string {
	if k == jpki.Signing {
		return OCSPSigningURL
	}
	return OCSPAuthURL
}

// crlDPExt is a CRLDistributionPoints value with one DistributionPoint whose
// distributionPoint is fullName = { directoryName name } (the JPKI form), and
// with uris also those uniformResourceIdentifiers, where our responder
// serves the CRL over HTTP.
func crlDPExt(name []byte, uris ...string) []byte {
	names := dirNameGN(name)
	for _, u := range uris {
		names = append(names, tlv(asn1.ClassContextSpecific, 6, false, []byte(u))...)
	}
	fullName := tlv(asn1.ClassContextSpecific, 0, true, names)  // fullName [0] IMPLICIT GeneralNames
	dpName := tlv(asn1.ClassContextSpecific, 0, true, fullName) // distributionPoint [0] EXPLICIT (CHOICE)
	return sequence(sequence(dpName))
}

type policyQualifierInfo struct {
	ID        asn1.ObjectIdentifier
	Qualifier asn1.RawValue
}

type policyInformation struct {
	Policy     asn1.ObjectIdentifier
	Qualifiers []policyQualifierInfo `asn1:"optional"`
}

// policiesExt is a certificatePolicies value with one policy and its CPS qualifier.
func policiesExt(policy asn1.ObjectIdentifier) ([]byte, error) {
	return asn1.Marshal([]policyInformation{{
		Policy: policy,
		Qualifiers: []policyQualifierInfo{{
			ID:        oidQualifierCPS,
			Qualifier: asn1.RawValue{Tag: asn1.TagIA5String, Bytes: []byte(CPSURI)},
		}},
	}})
}

type authorityKeyID struct {
	KeyID  []byte          `asn1:"tag:0"`
	Issuer []asn1.RawValue `asn1:"tag:1"`
	Serial *big.Int        `asn1:"tag:2"`
}

// akiExt is an AuthorityKeyIdentifier with keyIdentifier, authorityCertIssuer
// (the CA certificate's issuer as directoryName) and authorityCertSerialNumber.
func akiExt(ca *x509.Certificate) ([]byte, error) {
	if len(ca.SubjectKeyId) == 0 {
		return nil, errors.New("pki: CA certificate has no subjectKeyIdentifier")
	}
	return asn1.Marshal(authorityKeyID{
		KeyID:  ca.SubjectKeyId,
		Issuer: []asn1.RawValue{{FullBytes: dirNameGN(ca.RawIssuer)}},
		Serial: ca.SerialNumber,
	})
}

// subjectKeyID is RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
func subjectKeyID(pub *rsa.PublicKey) []byte {
	sum := sha1.Sum(x509.MarshalPKCS1PublicKey(pub))
	return sum[:]
}

// signingSANExt is the signing subjectAltName: only otherName entries
// [0] IMPLICIT SEQUENCE { OID, [0] EXPLICIT UTF8String } in sanOrder.
func signingSANExt(h Holder) ([]byte, error) {
	birth, err := BirthDateValue(h.BirthDate)
	if err != nil {
		return nil, err
	}
	values := map[int]string{1: h.Name, 2: h.NameFlags, 3: h.Sex, 4: birth, 5: h.Address, 6: h.AddressFlags}
	var names [][]byte
	for _, n := range sanOrder {
		oid, err := asn1.Marshal(append(append(asn1.ObjectIdentifier{}, oidSANBase...), n))
		if err != nil {
			return nil, err
		}
		utf, err := asn1.MarshalWithParams(values[n], "utf8")
		if err != nil {
			return nil, err
		}
		names = append(names, tlv(asn1.ClassContextSpecific, 0, true, oid, tlv(asn1.ClassContextSpecific, 0, true, utf)))
	}
	return sequence(names...), nil
}

// ---------------------------------------------------------------------------
// Certificates

func checkCommon(key *rsa.PrivateKey, pub *rsa.PublicKey, serial *big.Int, notBefore, notAfter time.Time) error {
	switch {
	case key == nil:
		return errors.New("pki: nil signing key")
	case pub == nil:
		return errors.New("pki: nil subject public key")
	case serial == nil || serial.Sign() <= 0:
		return fmt.Errorf("pki: serial %v must be positive", serial)
	case !notAfter.After(notBefore):
		return fmt.Errorf("pki: notAfter %v is not after notBefore %v", notAfter, notBefore)
	}
	return nil
}

// NewCA returns the DER of a self-signed TEST-ONLY root of kind (card.md §9.4):
// subject and issuer CADistinguishedName(kind); keyUsage critical keyCertSign +
// cRLSign; basicConstraints critical CA:TRUE without path length;
// subjectAltName directoryName C=JP, O=公的個人認証サービス(TEST ONLY),
// OU=公的個人認証サービス署名用|公的個人認証サービス利用者証明用,
// OU=地方公共団体情報システム機構; cRLDistributionPoints directoryName = its own
// DN; subjectKeyIdentifier (SHA-1 of the public key); no authorityKeyIdentifier.
// Signed sha256WithRSAEncryption with key. notBefore and notAfter are written
// to the second (UTCTime up to 2049). It fails for an invalid kind, a nil key,
// a non-positive serial or notAfter not after notBefore.
func NewCA(kind jpki.Kind, key *rsa.PrivateKey, serial *big.Int, notBefore, notAfter time.Time) ([]byte, error) {
	if err := validKind(kind); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errors.New("pki: nil CA key")
	}
	if err := checkCommon(key, &key.PublicKey, serial, notBefore, notAfter); err != nil {
		return nil, err
	}
	dn, err := CADistinguishedName(kind)
	if err != nil {
		return nil, err
	}
	alt, err := jlisAltName(kind)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            dn,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		SignatureAlgorithm:    x509.SHA256WithRSA,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            -1,
		SubjectKeyId:          subjectKeyID(&key.PublicKey),
		ExtraExtensions: []pkix.Extension{
			{Id: oidExtSubjectAltName, Value: dirNameExt(alt)},
			{Id: oidExtCRLDP, Value: crlDPExt(dn)},
		},
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
}

// IssueAuth returns the DER of a TEST-ONLY 利用者証明用 (user-authentication)
// certificate for pub, signed by caKey on behalf of caCert (card.md §9.1):
//
//   - subject C=JP, CN=SubjectIdentifier(serial, holder.MunicipalityCode)
//   - keyUsage critical digitalSignature; extKeyUsage clientAuth (non-critical)
//   - certificatePolicies critical Auth.PolicyOID() with CPS qualifier CPSURI
//   - issuerAltName directoryName as in NewCA(Auth)
//   - cRLDistributionPoints directoryName C=JP, O=JPKI-TEST, OU=JPKI for user
//     authentication, OU=CRL Distribution Points, OU=<Prefecture>, CN=<Municipality> CRLDP
//   - authorityInfoAccess OCSP OCSPAuthURL
//   - authorityKeyIdentifier keyIdentifier + caCert's issuer + caCert's serial;
//     subjectKeyIdentifier (SHA-1 of pub)
//
// Only MunicipalityCode, Prefecture and Municipality of holder are used.
// Validity is notBefore..notAfter to the second (UTCTime up to 2049); the
// 5th-birthday rule is the caller's business. It fails on invalid arguments
// or a caKey that does not match caCert.
func IssueAuth(caCert *x509.Certificate, caKey *rsa.PrivateKey, pub *rsa.PublicKey, holder Holder, serial *big.Int, notBefore, notAfter time.Time) ([]byte, error) {
	return issue(jpki.Auth, caCert, caKey, pub, holder, serial, notBefore, notAfter)
}

// IssueSigning returns the DER of a TEST-ONLY 署名用 (digital-signature)
// certificate for pub, signed by caKey on behalf of caCert (card.md §9.2, §9.3):
//
//   - subject C=JP, L=<Prefecture>, L=<Municipality>, CN=SubjectIdentifier(serial, holder.MunicipalityCode)
//   - keyUsage critical digitalSignature + nonRepudiation; no extKeyUsage
//   - certificatePolicies critical Signing.PolicyOID() (the JPKI test-environment
//     policy) with CPS qualifier CPSURI
//   - subjectAltName (non-critical): only otherName entries under
//     1.2.392.200149.8.5.5, in the order .1 .4 .3 .5 .2 .6, each
//     [0] IMPLICIT SEQUENCE { OID, [0] EXPLICIT UTF8String }, holding Name,
//     NameFlags, Sex, BirthDateValue(BirthDate), Address, AddressFlags
//   - issuerAltName, cRLDistributionPoints (OU=JPKI for digital signature),
//     OCSP OCSPSigningURL, authorityKeyIdentifier, subjectKeyIdentifier as IssueAuth
//
// All holder fields are checked: flags must have one '0'/'1' per rune of the
// text they describe, Sex must be "1", "2" or "9", the birth date must be
// from 1868-10-23 on. Other conditions as IssueAuth.
func IssueSigning(caCert *x509.Certificate, caKey *rsa.PrivateKey, pub *rsa.PublicKey, holder Holder, serial *big.Int, notBefore, notAfter time.Time) ([]byte, error) {
	return issue(jpki.Signing, caCert, caKey, pub, holder, serial, notBefore, notAfter)
}

func checkFlags(what, text, flags string) error {
	if !utf8.ValidString(text) || text == "" {
		return fmt.Errorf("pki: %s must be non-empty UTF-8", what)
	}
	if n := utf8.RuneCountInString(text); len(flags) != n {
		return fmt.Errorf("pki: %s flags %q: want %d flags, one per character", what, flags, n)
	}
	for i := 0; i < len(flags); i++ {
		if flags[i] != '0' && flags[i] != '1' {
			return fmt.Errorf("pki: %s flags %q: only '0' and '1' allowed", what, flags)
		}
	}
	return nil
}

func issue(kind jpki.Kind, caCert *x509.Certificate, caKey *rsa.PrivateKey, pub *rsa.PublicKey, h Holder, serial *big.Int, notBefore, notAfter time.Time) ([]byte, error) {
	if caCert == nil {
		return nil, errors.New("pki: nil CA certificate")
	}
	if err := checkCommon(caKey, pub, serial, notBefore, notAfter); err != nil {
		return nil, err
	}
	if h.Prefecture == "" || h.Municipality == "" {
		return nil, errors.New("pki: holder needs Prefecture and Municipality")
	}
	cn, err := SubjectIdentifier(serial, h.MunicipalityCode)
	if err != nil {
		return nil, err
	}
	alt, err := jlisAltName(kind)
	if err != nil {
		return nil, err
	}
	crldp, err := crlDPName(kind, h)
	if err != nil {
		return nil, err
	}
	policies, err := policiesExt(PolicyOID(kind))
	if err != nil {
		return nil, err
	}
	aki, err := akiExt(caCert)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		SignatureAlgorithm: x509.SHA256WithRSA,
		SubjectKeyId:       subjectKeyID(pub),
	}
	var exts []pkix.Extension
	switch kind {
	case jpki.Auth:
		tmpl.RawSubject, err = marshalName(country(), commonName(cn))
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.OCSPServer = []string{OCSPAuthURL}
	case jpki.Signing:
		if err := checkFlags("name", h.Name, h.NameFlags); err != nil {
			return nil, err
		}
		if err := checkFlags("address", h.Address, h.AddressFlags); err != nil {
			return nil, err
		}
		if h.Sex != "1" && h.Sex != "2" && h.Sex != "9" {
			return nil, fmt.Errorf("pki: sex %q must be \"1\", \"2\" or \"9\"", h.Sex)
		}
		san, sanErr := signingSANExt(h)
		if sanErr != nil {
			return nil, sanErr
		}
		exts = append(exts, pkix.Extension{Id: oidExtSubjectAltName, Value: san})
		tmpl.RawSubject, err = marshalName(country(), locality(h.Prefecture), locality(h.Municipality), commonName(cn))
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		tmpl.OCSPServer = []string{OCSPSigningURL}
	default:
		return nil, validKind(kind)
	}
	if err != nil {
		return nil, err
	}
	tmpl.ExtraExtensions = append(exts,
		pkix.Extension{Id: oidExtPolicies, Critical: true, Value: policies},
		pkix.Extension{Id: oidExtIssuerAltName, Value: dirNameExt(alt)},
		pkix.Extension{Id: oidExtCRLDP, Value: crlDPExt(crldp, CRLURL(kind))},
		pkix.Extension{Id: oidExtAuthorityKeyID, Value: aki},
	)
	return x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
}

// ---------------------------------------------------------------------------
// Parsing

// SigningSAN holds the six basic-4 values of a signing certificate's
// subjectAltName, as the strings stored (card.md §9.3).
type SigningSAN struct {
	Name         string // .1 氏名
	NameFlags    string // .2 substitute-character flags of Name
	Sex          string // .3 性別: "1", "2" or "9"
	BirthDate    string // .4 生年月日 as EYYYYMMDD (see BirthDateValue)
	Address      string // .5 住所
	AddressFlags string // .6 substitute-character flags of Address
}

// ParseSigningSAN reads the otherName entries under 1.2.392.200149.8.5.5 from
// the subjectAltName of cert (card.md §9.3), by OID regardless of order. Each
// value must be [0] IMPLICIT SEQUENCE { OID, [0] EXPLICIT string }. Other
// GeneralNames and other otherName OIDs are ignored. It fails if there is no
// subjectAltName, if it is malformed, or if any of .1–.6 is missing or repeated.
func ParseSigningSAN(cert *x509.Certificate) (SigningSAN, error) {
	var out SigningSAN
	ext, ok := findExtension(cert, oidExtSubjectAltName)
	if !ok {
		return out, errors.New("pki: certificate has no subjectAltName")
	}
	var names []asn1.RawValue
	if rest, err := asn1.Unmarshal(ext.Value, &names); err != nil || len(rest) > 0 {
		return out, fmt.Errorf("pki: malformed subjectAltName: %v", err)
	}
	fields := map[int]*string{1: &out.Name, 2: &out.NameFlags, 3: &out.Sex, 4: &out.BirthDate, 5: &out.Address, 6: &out.AddressFlags}
	seen := map[int]bool{}
	for _, gn := range names {
		if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 || !gn.IsCompound {
			continue // not an otherName
		}
		var oid asn1.ObjectIdentifier
		rest, err := asn1.Unmarshal(gn.Bytes, &oid)
		if err != nil {
			return out, fmt.Errorf("pki: malformed otherName: %v", err)
		}
		if len(oid) != len(oidSANBase)+1 || !oid[:len(oidSANBase)].Equal(oidSANBase) {
			continue
		}
		n := oid[len(oidSANBase)]
		field, ok := fields[n]
		if !ok {
			continue
		}
		var explicit asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &explicit); err != nil || len(rest) > 0 ||
			explicit.Class != asn1.ClassContextSpecific || explicit.Tag != 0 || !explicit.IsCompound {
			return out, fmt.Errorf("pki: otherName %v: value is not [0] EXPLICIT", oid)
		}
		var s string
		if rest, err = asn1.Unmarshal(explicit.Bytes, &s); err != nil || len(rest) > 0 {
			return out, fmt.Errorf("pki: otherName %v: value is not a string: %v", oid, err)
		}
		if seen[n] {
			return out, fmt.Errorf("pki: otherName %v repeated", oid)
		}
		seen[n] = true
		*field = s
	}
	for n := 1; n <= 6; n++ {
		if !seen[n] {
			return out, fmt.Errorf("pki: subjectAltName lacks otherName %v.%d", oidSANBase, n)
		}
	}
	return out, nil
}

// Policy is one entry of a certificatePolicies extension.
type Policy struct {
	OID asn1.ObjectIdentifier
	// CPS lists the id-qt-cps qualifier URIs, in order; other qualifiers are skipped.
	CPS []string
}

// Policies returns the certificatePolicies of cert in order, with their CPS
// URIs, and whether the extension is critical. It returns (nil, false, nil)
// when the extension is absent and an error when it is malformed.
func Policies(cert *x509.Certificate) ([]Policy, bool, error) {
	ext, ok := findExtension(cert, oidExtPolicies)
	if !ok {
		return nil, false, nil
	}
	var infos []policyInformation
	if rest, err := asn1.Unmarshal(ext.Value, &infos); err != nil || len(rest) > 0 {
		return nil, false, fmt.Errorf("pki: malformed certificatePolicies: %v", err)
	}
	out := make([]Policy, 0, len(infos))
	for _, in := range infos {
		p := Policy{OID: in.Policy}
		for _, q := range in.Qualifiers {
			if q.ID.Equal(oidQualifierCPS) && q.Qualifier.Class == asn1.ClassUniversal && q.Qualifier.Tag == asn1.TagIA5String {
				p.CPS = append(p.CPS, string(q.Qualifier.Bytes))
			}
		}
		out = append(out, p)
	}
	return out, ext.Critical, nil
}

func findExtension(cert *x509.Certificate, oid asn1.ObjectIdentifier) (pkix.Extension, bool) {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oid) {
			return e, true
		}
	}
	return pkix.Extension{}, false
}

// ParsePrivateKeyPEM decodes an RSA private key from a PEM "PRIVATE KEY"
// (PKCS#8) block, the form of the committed TEST-ONLY keys. Errors name
// neither the key nor its bytes.
func ParsePrivateKeyPEM(raw []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New(`no PEM "PRIVATE KEY" block`)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}
