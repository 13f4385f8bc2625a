package cardface

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// The sizes of Kenhojo's EFs as jpkisim holds them (docs/card.md §8.1,
// §8.4).
const (
	MyNumberFileLen = 17  // EF 0001: FF 10 0C + 12 digits + FF FF
	IntegrityLen    = 336 // EF 0003
	// Basic4MinLen is the physical size of EF 0002 when its object is
	// shorter: the object is followed by FF up to it.
	Basic4MinLen = 256
	// KenhojoInfoLen is the physical size of EF 0005 (the object, then FF).
	KenhojoInfoLen = 256
)

// CheckMyNumber reports whether s is a 個人番号: 12 ASCII digits whose last
// is the check digit of the first 11 (MyNumberCheckDigit).
func CheckMyNumber(s string) error {
	if !digits(s, 12) {
		return errors.New("cardface: a My Number is 12 ASCII digits")
	}
	if c := MyNumberCheckDigit(s[:11]); s[11] != c {
		return errors.New("cardface: the My Number's last digit is not its check digit")
	}
	return nil
}

// MyNumberCheckDigit returns the check digit of the first 11 digits of a
// 個人番号 (as ASCII): with P(n) the n-th of them counted from the right
// and Q(n) = n+1 for n ≤ 6, n−5 for n ≥ 7, the digit is 11 − (Σ P(n)·Q(n)
// mod 11), or 0 when the remainder is 0 or 1 (検査用数字: 総務省令第八十五号
// of 2014, §5; docs/card.md §8.4). It panics unless first11 is 11 ASCII
// digits.
func MyNumberCheckDigit(first11 string) byte {
	if !digits(first11, 11) {
		panic("cardface: MyNumberCheckDigit needs 11 ASCII digits")
	}
	sum := 0
	for n := 1; n <= 11; n++ {
		p := int(first11[11-n] - '0')
		q := n + 1
		if n >= 7 {
			q = n - 5
		}
		sum += p * q
	}
	if r := sum % 11; r > 1 {
		return byte('0' + 11 - r)
	}
	return '0'
}

// MyNumberFile returns Kenhojo EF 0001 for a My Number: the 17 bytes
// FF 10 0C + 12 ASCII digits + FF FF (docs/card.md §8.1). It fails for a
// value CheckMyNumber refuses.
func MyNumberFile(myNumber string) ([]byte, error) {
	if err := CheckMyNumber(myNumber); err != nil {
		return nil, err
	}
	return append(encode(0xFF10, []byte(myNumber)), 0xFF, 0xFF), nil
}

// ParseMyNumberFile reads the My Number out of Kenhojo EF 0001 (the object
// FF10 with 12 ASCII digits; what follows it is ignored). The check digit
// is not checked: CheckMyNumber does.
func ParseMyNumberFile(b []byte) (string, error) {
	o, err := outer(b, 0xFF10)
	if err != nil {
		return "", err
	}
	if !digits(string(o.value), 12) {
		return "", malformed("EF 0001 holds %d bytes that are not 12 ASCII digits", len(o.value))
	}
	return string(o.value), nil
}

// Basic4 is the basic 4 information (基本4情報) of Kenhojo EF 0002.
type Basic4 struct {
	Name      string // DF22, UTF-8, surname U+3000 given name
	Address   string // DF23, UTF-8
	BirthDate string // DF24, Gregorian YYYYMMDD
	Sex       string // DF25, one ASCII digit: 1 male, 2 female, 9 not applicable, 0 unknown
}

func checkDate(what, s string) error {
	if _, err := time.Parse("20060102", s); err != nil || !digits(s, 8) {
		return fmt.Errorf("cardface: %s %q is not a date YYYYMMDD", what, s)
	}
	return nil
}

func checkSex(s string) error {
	if s != "0" && s != "1" && s != "2" && s != "9" {
		return fmt.Errorf("cardface: sex %q: want 0, 1, 2 or 9", s)
	}
	return nil
}

func (b Basic4) check() error {
	if b.Name == "" || !utf8.ValidString(b.Name) || b.Address == "" || !utf8.ValidString(b.Address) {
		return errors.New("cardface: name and address are non-empty UTF-8")
	}
	if err := checkDate("birth date", b.BirthDate); err != nil {
		return err
	}
	return checkSex(b.Sex)
}

// Encode returns Kenhojo EF 0002: FF20 { DF21 offsets of the next four
// objects from the start of the file, DF22 name, DF23 address, DF24 birth
// date, DF25 sex }, lengths in their shortest form, followed by FF up to
// Basic4MinLen bytes (docs/card.md §8.1). It fails for a field out of its
// format.
func (b Basic4) Encode() ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	obj := encodeWithOffsets(0xFF20, 0xDF21, encode(0xDF22, []byte(b.Name)), encode(0xDF23, []byte(b.Address)),
		encode(0xDF24, []byte(b.BirthDate)), encode(0xDF25, []byte(b.Sex)))
	return padFF(obj, Basic4MinLen), nil
}

func padFF(b []byte, n int) []byte {
	for len(b) < n {
		b = append(b, 0xFF)
	}
	return b
}

// ParseBasic4 reads Kenhojo EF 0002, checking the offset table against
// where each object starts.
func ParseBasic4(file []byte) (Basic4, error) {
	cs, err := fieldsWithOffsets(file, 0xFF20, 0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25)
	if err != nil {
		return Basic4{}, err
	}
	b := Basic4{Name: string(cs[0].value), Address: string(cs[1].value), BirthDate: string(cs[2].value), Sex: string(cs[3].value)}
	if err := b.check(); err != nil {
		return Basic4{}, malformed("EF 0002: %v", err)
	}
	return b, nil
}

// Basic4DigestSource returns the bytes of Kenhojo EF 0002 that the
// integrity record's DF32 digests: the outer object's value from DF22 to
// its end, without the offset table and without the filler after the
// object (docs/card.md §8.1).
func Basic4DigestSource(file []byte) ([]byte, error) {
	o, err := outer(file, 0xFF20)
	if err != nil {
		return nil, err
	}
	t, rest, err := next(o.value)
	if err != nil {
		return nil, err
	}
	if t.tag != 0xDF21 {
		return nil, malformed("EF 0002 does not start with its offset table")
	}
	return rest, nil
}

// Integrity is Kenhojo EF 0003, the integrity record.
type Integrity struct {
	MyNumberDigest, Basic4Digest [32]byte // DF31, DF32
	Signature                    []byte   // DF33
	// Signed is what the signature covers: the DF31 and DF32 objects.
	Signed []byte
}

// IntegrityRecord returns Kenhojo EF 0003 for the files ef0001 and ef0002
// (as the card holds them), signed by signer, the key certified in EF
// 0004:
//
//	FF 30 82 01 4B
//	  DF 31 20        SHA-256 of the whole ef0001, filler included
//	  DF 32 20        SHA-256 of Basic4DigestSource(ef0002)
//	  DF 33 82 01 00  PKCS#1 v1.5 SHA-256 signature over the DF31 and DF32 objects
//
// 336 bytes (docs/card.md §8.1).
func IntegrityRecord(ef0001, ef0002 []byte, signer *rsa.PrivateKey) ([]byte, error) {
	src, err := Basic4DigestSource(ef0002)
	if err != nil {
		return nil, err
	}
	d1, d2 := sha256.Sum256(ef0001), sha256.Sum256(src)
	signed := append(encode(0xDF31, d1[:]), encode(0xDF32, d2[:])...)
	sig, err := signSHA256(signer, signed)
	if err != nil {
		return nil, err
	}
	return encode(0xFF30, signed, encode(0xDF33, sig)), nil
}

// ParseIntegrity reads Kenhojo EF 0003.
func ParseIntegrity(file []byte) (*Integrity, error) {
	cs, err := fields(file, 0xFF30, 0xDF31, 0xDF32, 0xDF33)
	if err != nil {
		return nil, err
	}
	if len(cs[0].value) != 32 || len(cs[1].value) != 32 {
		return nil, malformed("EF 0003: digests of %d and %d bytes, want 32", len(cs[0].value), len(cs[1].value))
	}
	r := &Integrity{Signature: bytes.Clone(cs[2].value), Signed: append(bytes.Clone(cs[0].raw), cs[1].raw...)}
	copy(r.MyNumberDigest[:], cs[0].value)
	copy(r.Basic4Digest[:], cs[1].value)
	return r, nil
}

// KenhojoInfo returns Kenhojo EF 0005, the application information:
// FF40 { DF41 01 03 0E 01, DF42 KenhojoInfoKeyID, DF43 128 bytes: 32 then
// 96 FF }, followed by FF up to KenhojoInfoLen (docs/card.md §8.1). The 32
// bytes, unidentified on real cards, are a fixed TEST-ONLY pattern here.
func KenhojoInfo() []byte {
	df43 := padFF(pattern("Kenhojo EF 0005 DF43", 32), 128)
	return padFF(encode(0xFF40, encode(0xDF41, []byte{0x01, 0x03, 0x0E, 0x01}), encode(0xDF42, KenhojoInfoKeyID[:]), encode(0xDF43, df43)), KenhojoInfoLen)
}

// pattern returns n bytes that stand for values the sources do not
// identify: SHA-256 in counter mode over "jpkisim TEST ONLY " + label.
func pattern(label string, n int) []byte {
	var out []byte
	for i := byte(0); len(out) < n; i++ {
		sum := sha256.Sum256(append([]byte("jpkisim TEST ONLY "+label), i))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

// SessionKeyFile returns Kenhojo EF 0006, the public key a terminal
// encrypts a secure-messaging session key to: A1 { 90 e, 91 n }
// (docs/card.md §8.1).
func SessionKeyFile(pub *rsa.PublicKey) ([]byte, error) {
	key, err := EncodePublicKey(pub)
	if err != nil {
		return nil, err
	}
	return encode(0xA1, key), nil
}

// ParseSessionKeyFile reads Kenhojo EF 0006.
func ParseSessionKeyFile(file []byte) (*rsa.PublicKey, error) {
	o, err := outer(file, 0xA1)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(o.value)
}

// SignedPublicKey returns Kenhojo EF 0007: FF50 { DF51 the application's
// own public key (of EF 0013), DF52 the signer's PKCS#1 v1.5 SHA-256
// signature over the DF51 object } (docs/card.md §8.1), 536 bytes.
func SignedPublicKey(pub *rsa.PublicKey, signer *rsa.PrivateKey) ([]byte, error) {
	key, err := EncodePublicKey(pub)
	if err != nil {
		return nil, err
	}
	df51 := encode(0xDF51, key)
	sig, err := signSHA256(signer, df51)
	if err != nil {
		return nil, err
	}
	return encode(0xFF50, df51, encode(0xDF52, sig)), nil
}

// KeyRecord is a signed record holding one public key: Kenhojo EF 0007.
type KeyRecord struct {
	PublicKey *rsa.PublicKey
	Signature []byte
	Signed    []byte // the objects before the signature
}

// ParseSignedPublicKey reads Kenhojo EF 0007.
func ParseSignedPublicKey(file []byte) (*KeyRecord, error) {
	cs, err := fields(file, 0xFF50, 0xDF51, 0xDF52)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKey(cs[0].value)
	if err != nil {
		return nil, err
	}
	return &KeyRecord{PublicKey: pub, Signature: bytes.Clone(cs[1].value), Signed: bytes.Clone(cs[0].raw)}, nil
}

// Unknown16FF is the content of Kenhojo EF 0008 on real cards and of
// Kenkaku EF 0006 here: sixteen FF bytes (docs/card.md §8.1, §8.4).
func Unknown16FF() []byte { return bytes.Repeat([]byte{0xFF}, 16) }
