package cardface

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
)

// KeyID is the 16-byte identifier of a key in the card-face files and CV
// certificates (証明者鍵ID, 被証明者鍵ID): 7 ASCII digits, the bytes 08 05, 3
// ASCII digits and 4 padding bytes (docs/card.md §8.1). Identifiers of the
// JPKI test hierarchy start with 6, production ones with 5.
type KeyID [16]byte

// NewKeyID builds the identifier number/group with zero padding, e.g.
// NewKeyID("6000033", "001"). It fails unless number is 7 and group 3 ASCII
// digits.
func NewKeyID(number, group string) (KeyID, error) {
	var k KeyID
	if !digits(number, 7) || !digits(group, 3) {
		return k, fmt.Errorf("cardface: key ID %q/%q: want 7 and 3 ASCII digits", number, group)
	}
	copy(k[:7], number)
	k[7], k[8] = 0x08, 0x05
	copy(k[9:12], group)
	return k, nil
}

func mustKeyID(number, group string) KeyID {
	k, err := NewKeyID(number, group)
	if err != nil {
		panic(err)
	}
	return k
}

// ParseKeyID reads 16 bytes as a key ID; the padding is kept as it is.
func ParseKeyID(b []byte) (KeyID, error) {
	var k KeyID
	if len(b) != len(k) {
		return k, malformed("a key ID of %d bytes, want 16", len(b))
	}
	copy(k[:], b)
	if !digits(string(k[:7]), 7) || !digits(string(k[9:12]), 3) {
		return k, malformed("key ID % X is not digits where it should be", b)
	}
	return k, nil
}

// String is number/group, e.g. "6000033/001".
func (k KeyID) String() string { return string(k[:7]) + "/" + string(k[9:12]) }

// The key IDs of the JPKI test hierarchy that jpkisim's TEST-ONLY keys
// stand in for (docs/card.md §8.1, §8.4).
var (
	// KenhojoIssuerID and KenkakuIssuerID name the issuers of the two
	// card-face applications' CV certificates on a JPKI test card (the
	// production ones are 5000033 and 5000023).
	KenhojoIssuerID = mustKeyID("6000033", "001")
	KenkakuIssuerID = mustKeyID("6000023", "001")
	// KenhojoInfoKeyID is Kenhojo EF 0005 DF42 (x000034 on real cards) and
	// KenkakuInfoKeyID Kenkaku EF 0003 DF32 (x000024): keys the sources do
	// not identify.
	KenhojoInfoKeyID = mustKeyID("6000034", "001")
	KenkakuInfoKeyID = mustKeyID("6000024", "001")
	// CommonKeyRefID is the common card AP's and the Juki AP's EF 0002, a
	// key reference the sources do not identify.
	CommonKeyRefID = mustKeyID("6000010", "001")
)

// SignerID is the key ID jpkisim gives the card-face signing key of the
// municipality with the 5-digit code: "60" + code, group 001 (real cards
// name the municipality's own key; its numbering is not published).
func SignerID(municipalityCode string) (KeyID, error) {
	if !digits(municipalityCode, 5) {
		return KeyID{}, fmt.Errorf("cardface: municipality code %q: want 5 ASCII digits", municipalityCode)
	}
	return NewKeyID("60"+municipalityCode, "001")
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PublicKeyLen is the length of an encoded RSA-2048 public key with
// e = 65537 (EncodePublicKey).
const PublicKeyLen = 265

// EncodePublicKey encodes an RSA public key as the card-face files hold it:
// 90 03 01 00 01 91 82 01 00 <256-byte modulus> (docs/card.md §8.1). Only
// RSA-2048 with e = 65537 fits the files (a CV certificate's body is 297
// bytes); another key is an error.
func EncodePublicKey(pub *rsa.PublicKey) ([]byte, error) {
	if pub == nil || pub.N.BitLen() != 2048 || pub.E != 65537 {
		return nil, errors.New("cardface: the card-face files hold RSA-2048 keys with e = 65537")
	}
	return append(encode(0x90, []byte{0x01, 0x00, 0x01}), encode(0x91, pub.N.FillBytes(make([]byte, 256)))...), nil
}

// ParsePublicKey reads what EncodePublicKey writes (a 90 exponent object
// and a 91 modulus object, in that order), any RSA size.
func ParsePublicKey(b []byte) (*rsa.PublicKey, error) {
	e, rest, err := next(b)
	if err != nil {
		return nil, err
	}
	n, rest, err := next(rest)
	if err != nil {
		return nil, err
	}
	if e.tag != 0x90 || n.tag != 0x91 || len(rest) != 0 {
		return nil, malformed("a public key is 90 e 91 n, found %X %X and %d bytes more", e.tag, n.tag, len(rest))
	}
	exp := new(big.Int).SetBytes(e.value)
	if len(e.value) == 0 || len(e.value) > 4 || !exp.IsInt64() || exp.Int64() < 3 || len(n.value) == 0 || n.value[0] == 0 {
		return nil, malformed("public key exponent % X, modulus of %d bytes", e.value, len(n.value))
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n.value), E: int(exp.Int64())}, nil
}

// ErrSignature is wrapped by the verifiers for a digest or a signature
// that does not match what it covers.
var ErrSignature = errors.New("cardface: signature or digest does not verify")

// signSHA256 is an RSA PKCS#1 v1.5 SHA-256 signature over msg, the
// signature of the card-face records other than the card face itself
// (docs/card.md §8.2).
func signSHA256(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	if key == nil {
		return nil, errors.New("cardface: no signing key")
	}
	sum := sha256.Sum256(msg)
	return rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
}

func verifySHA256(pub *rsa.PublicKey, msg, sig []byte) error {
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return ErrSignature
	}
	return nil
}

// samePublicKey reports whether a and b are the same RSA public key.
func samePublicKey(a, b *rsa.PublicKey) bool {
	return a != nil && b != nil && a.E == b.E && a.N.Cmp(b.N) == 0
}

// CVLen is the length of a CV certificate of an RSA-2048 key (EF 0004).
const CVLen = 568

// cvBodyLen is the length of a CV certificate's body: two key IDs and an
// encoded public key.
const cvBodyLen = 16 + 16 + PublicKeyLen

// CVCertificate is a card-verifiable certificate (7F21), the form of
// Kenhojo and Kenkaku EF 0004 and of the card-level GET DATA object 00F8
// (docs/card.md §8.1, §5.9).
type CVCertificate struct {
	// Certifier names the key that signed the certificate (証明者鍵ID),
	// Subject the key it certifies (被証明者鍵ID).
	Certifier, Subject KeyID
	PublicKey          *rsa.PublicKey
	// Body is the 297 bytes the signature covers (5F4E's value), Signature
	// the issuer's signature over them (5F37's value).
	Body, Signature []byte
}

// IssueCV returns the 568 bytes of the CV certificate by which issuer
// (whose key ID is certifier) certifies pub under the ID subject:
//
//	7F 21 82 02 33
//	  5F 4E 82 01 29  certifier (16) | subject (16) | EncodePublicKey(pub) (265)
//	  5F 37 82 01 00  PKCS#1 v1.5 SHA-256 signature over the 297-byte body
//
// (docs/card.md §8.1). It fails for a key EncodePublicKey refuses or a nil
// issuer.
func IssueCV(certifier KeyID, issuer *rsa.PrivateKey, subject KeyID, pub *rsa.PublicKey) ([]byte, error) {
	key, err := EncodePublicKey(pub)
	if err != nil {
		return nil, err
	}
	body := append(append(append(make([]byte, 0, cvBodyLen), certifier[:]...), subject[:]...), key...)
	sig, err := signSHA256(issuer, body)
	if err != nil {
		return nil, err
	}
	return encode(0x7F21, encode(0x5F4E, body), encode(0x5F37, sig)), nil
}

// ParseCV reads a CV certificate with its 7F21 template (as an EF holds
// it; bytes after it are ignored) or without (the 5F4E and 5F37 objects
// alone, as GET DATA answers them). The body must be 297 bytes.
func ParseCV(b []byte) (*CVCertificate, error) {
	value := b
	if len(b) >= 2 && b[0] == 0x7F && b[1] == 0x21 {
		o, err := outer(b, 0x7F21)
		if err != nil {
			return nil, err
		}
		value = o.value
	}
	cs, err := children(value)
	if err != nil {
		return nil, err
	}
	if len(cs) != 2 || cs[0].tag != 0x5F4E || cs[1].tag != 0x5F37 {
		return nil, malformed("a CV certificate is 5F4E body, 5F37 signature")
	}
	body := cs[0].value
	if len(body) != cvBodyLen {
		return nil, malformed("a CV certificate body of %d bytes, want %d", len(body), cvBodyLen)
	}
	c := &CVCertificate{Body: bytes.Clone(body), Signature: bytes.Clone(cs[1].value)}
	if c.Certifier, err = ParseKeyID(body[:16]); err != nil {
		return nil, err
	}
	if c.Subject, err = ParseKeyID(body[16:32]); err != nil {
		return nil, err
	}
	if c.PublicKey, err = ParsePublicKey(body[32:]); err != nil {
		return nil, err
	}
	return c, nil
}

// Verify checks the certificate's signature with the issuer's public key;
// a mismatch wraps ErrSignature.
func (c *CVCertificate) Verify(issuer *rsa.PublicKey) error {
	if err := verifySHA256(issuer, c.Body, c.Signature); err != nil {
		return fmt.Errorf("CV certificate of %v by %v: %w", c.Subject, c.Certifier, err)
	}
	return nil
}
