package cardface

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
)

// AgeRecord is Kenkaku EF 0001, opened by the 生年月日 key.
type AgeRecord struct {
	BirthDate string         // DF11, YYYYMMDD
	PublicKey *rsa.PublicKey // DF12, the application's own key (EF 001A)
	Signature []byte         // DF13
	Signed    []byte         // the DF11 and DF12 objects
}

// Encode returns Kenkaku EF 0001: FF10 { DF11 birth date, DF12 public key,
// DF13 signer's PKCS#1 v1.5 SHA-256 signature over DF11 and DF12 }, 547
// bytes (docs/card.md §4.3, §8.2). Signature and Signed are ignored.
func (a AgeRecord) Encode(signer *rsa.PrivateKey) ([]byte, error) {
	if err := checkDate("birth date", a.BirthDate); err != nil {
		return nil, err
	}
	key, err := EncodePublicKey(a.PublicKey)
	if err != nil {
		return nil, err
	}
	signed := append(encode(0xDF11, []byte(a.BirthDate)), encode(0xDF12, key)...)
	sig, err := signSHA256(signer, signed)
	if err != nil {
		return nil, err
	}
	return encode(0xFF10, signed, encode(0xDF13, sig)), nil
}

// ParseAgeRecord reads Kenkaku EF 0001.
func ParseAgeRecord(file []byte) (*AgeRecord, error) {
	cs, err := fields(file, 0xFF10, 0xDF11, 0xDF12, 0xDF13)
	if err != nil {
		return nil, err
	}
	if err := checkDate("birth date", string(cs[0].value)); err != nil {
		return nil, malformed("EF 0001: %v", err)
	}
	pub, err := ParsePublicKey(cs[1].value)
	if err != nil {
		return nil, err
	}
	return &AgeRecord{BirthDate: string(cs[0].value), PublicKey: pub, Signature: bytes.Clone(cs[2].value),
		Signed: append(bytes.Clone(cs[0].raw), cs[1].raw...)}, nil
}

// Face is Kenkaku EF 0002, the card face (docs/card.md §8.2).
type Face struct {
	BirthDate    string         // DF22, YYYYMMDD
	Sex          string         // DF23, one ASCII digit
	PublicKey    *rsa.PublicKey // DF24, the application's own key (EF 001A)
	NameImage    []byte         // DF25, PNG
	AddressImage []byte         // DF26, PNG
	Photo        []byte         // DF27, JPEG 2000 (JP2)
	Signature    []byte         // DF28
	Expiry       string         // DF29, the card's expiry YYYYMMDD; not signed
	SecurityCode []byte         // DF2A, PNG of the security code; not signed
	// Groups are the three runs of objects the signature covers, as
	// written: DF22 DF23 DF24, DF25 DF26, DF27 (set by ParseFace).
	Groups [3][]byte
}

// FaceDigestInfo returns the DigestInfo the card-face signature signs: the
// SHA-256 digests of the three groups, concatenated, in one DigestInfo
//
//	30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60 <96 bytes>
//
// (115 bytes; docs/card.md §8.2).
func FaceDigestInfo(groups [3][]byte) []byte {
	out := []byte{0x30, 0x71, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x60}
	for _, g := range groups {
		sum := sha256.Sum256(g)
		out = append(out, sum[:]...)
	}
	return out
}

// Encode returns Kenkaku EF 0002: FF20 { DF21 offsets of the nine objects
// that follow, DF22 birth date, DF23 sex, DF24 public key, DF25 name
// image, DF26 address image, DF27 photo, DF28 signature, DF29 expiry, DF2A
// security-code image }, where DF28 is signer's PKCS#1 v1.5 signature over
// FaceDigestInfo of the three groups (docs/card.md §8.2). Signature and
// Groups are ignored.
func (f Face) Encode(signer *rsa.PrivateKey) ([]byte, error) {
	if err := checkDate("birth date", f.BirthDate); err != nil {
		return nil, err
	}
	if err := checkDate("expiry", f.Expiry); err != nil {
		return nil, err
	}
	if err := checkSex(f.Sex); err != nil {
		return nil, err
	}
	if len(f.NameImage) == 0 || len(f.AddressImage) == 0 || len(f.Photo) == 0 || len(f.SecurityCode) == 0 {
		return nil, errors.New("cardface: the card face needs its four images")
	}
	key, err := EncodePublicKey(f.PublicKey)
	if err != nil {
		return nil, err
	}
	objs := [][]byte{encode(0xDF22, []byte(f.BirthDate)), encode(0xDF23, []byte(f.Sex)), encode(0xDF24, key),
		encode(0xDF25, f.NameImage), encode(0xDF26, f.AddressImage), encode(0xDF27, f.Photo)}
	groups := [3][]byte{bytes.Join(objs[0:3], nil), bytes.Join(objs[3:5], nil), objs[5]}
	if signer == nil {
		return nil, errors.New("cardface: no signing key")
	}
	sig, err := rsa.SignPKCS1v15(nil, signer, crypto.Hash(0), FaceDigestInfo(groups))
	if err != nil {
		return nil, err
	}
	objs = append(objs, encode(0xDF28, sig), encode(0xDF29, []byte(f.Expiry)), encode(0xDF2A, f.SecurityCode))
	return encodeWithOffsets(0xFF20, 0xDF21, objs...), nil
}

// ParseFace reads Kenkaku EF 0002, checking the offset table.
func ParseFace(file []byte) (*Face, error) {
	cs, err := fieldsWithOffsets(file, 0xFF20, 0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25, 0xDF26, 0xDF27, 0xDF28, 0xDF29, 0xDF2A)
	if err != nil {
		return nil, err
	}
	f := &Face{BirthDate: string(cs[0].value), Sex: string(cs[1].value),
		NameImage: bytes.Clone(cs[3].value), AddressImage: bytes.Clone(cs[4].value), Photo: bytes.Clone(cs[5].value),
		Signature: bytes.Clone(cs[6].value), Expiry: string(cs[7].value), SecurityCode: bytes.Clone(cs[8].value)}
	if err := checkDate("birth date", f.BirthDate); err != nil {
		return nil, malformed("EF 0002: %v", err)
	}
	if err := checkDate("expiry", f.Expiry); err != nil {
		return nil, malformed("EF 0002: %v", err)
	}
	if len(f.Sex) != 1 || !digits(f.Sex, 1) {
		return nil, malformed("EF 0002: sex %q is not one digit", f.Sex)
	}
	if f.PublicKey, err = ParsePublicKey(cs[2].value); err != nil {
		return nil, err
	}
	join := func(ts ...tlv) []byte {
		var b []byte
		for _, t := range ts {
			b = append(b, t.raw...)
		}
		return b
	}
	f.Groups = [3][]byte{join(cs[0], cs[1], cs[2]), join(cs[3], cs[4]), join(cs[5])}
	return f, nil
}

// Verify checks the card-face signature with pub; a mismatch wraps
// ErrSignature. f must come from ParseFace.
func (f *Face) Verify(pub *rsa.PublicKey) error {
	if err := rsa.VerifyPKCS1v15(pub, crypto.Hash(0), FaceDigestInfo(f.Groups), f.Signature); err != nil {
		return ErrSignature
	}
	return nil
}

// KenkakuInfo returns Kenkaku EF 0003, the application information:
// FF30 { DF31 06 03 0E 01, DF32 KenkakuInfoKeyID, DF33 01, DF34 the
// municipality code, DF35 KenkakuInfoKeyID + 256 bytes } (docs/card.md
// §4.3). The 256 bytes, opaque on real cards, are a fixed TEST-ONLY
// pattern here.
func KenkakuInfo(municipalityCode string) ([]byte, error) {
	if !digits(municipalityCode, 5) {
		return nil, errors.New("cardface: a municipality code is 5 ASCII digits")
	}
	df35 := append(bytes.Clone(KenkakuInfoKeyID[:]), pattern("Kenkaku EF 0003 DF35", 256)...)
	return encode(0xFF30, encode(0xDF31, []byte{0x06, 0x03, 0x0E, 0x01}), encode(0xDF32, KenkakuInfoKeyID[:]),
		encode(0xDF33, []byte{0x01}), encode(0xDF34, []byte(municipalityCode)), encode(0xDF35, df35)), nil
}

// ParseKenkakuInfo returns the municipality code of Kenkaku EF 0003.
func ParseKenkakuInfo(file []byte) (string, error) {
	cs, err := fields(file, 0xFF30, 0xDF31, 0xDF32, 0xDF33, 0xDF34, 0xDF35)
	if err != nil {
		return "", err
	}
	if !digits(string(cs[3].value), 5) {
		return "", malformed("EF 0003 DF34 is not a municipality code")
	}
	return string(cs[3].value), nil
}

// ImageRecord is Kenkaku EF 0005, the My Number as an image, opened by
// 照合番号A only.
type ImageRecord struct {
	Image     []byte         // DF41, PNG
	PublicKey *rsa.PublicKey // DF42, the application's own key (EF 001A)
	Signature []byte         // DF43
	Signed    []byte         // the DF41 and DF42 objects
}

// Encode returns Kenkaku EF 0005: FF40 { DF41 image, DF42 public key, DF43
// signer's PKCS#1 v1.5 SHA-256 signature over DF41 and DF42 } (docs/card.md
// §4.3). Signature and Signed are ignored.
func (r ImageRecord) Encode(signer *rsa.PrivateKey) ([]byte, error) {
	if len(r.Image) == 0 {
		return nil, errors.New("cardface: no image")
	}
	key, err := EncodePublicKey(r.PublicKey)
	if err != nil {
		return nil, err
	}
	signed := append(encode(0xDF41, r.Image), encode(0xDF42, key)...)
	sig, err := signSHA256(signer, signed)
	if err != nil {
		return nil, err
	}
	return encode(0xFF40, signed, encode(0xDF43, sig)), nil
}

// ParseImageRecord reads Kenkaku EF 0005.
func ParseImageRecord(file []byte) (*ImageRecord, error) {
	cs, err := fields(file, 0xFF40, 0xDF41, 0xDF42, 0xDF43)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKey(cs[1].value)
	if err != nil {
		return nil, err
	}
	return &ImageRecord{Image: bytes.Clone(cs[0].value), PublicKey: pub, Signature: bytes.Clone(cs[2].value),
		Signed: append(bytes.Clone(cs[0].raw), cs[1].raw...)}, nil
}
