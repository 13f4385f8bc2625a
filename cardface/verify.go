package cardface

import (
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
)

// Issuer is the key a relying party trusts for the CV certificates of one
// card-face application: its ID (the certificate's 証明者鍵ID must match)
// and its public key. It does not come from the card.
type Issuer struct {
	ID  KeyID
	Key *rsa.PublicKey
}

// certified reads EF 0004 of files and checks it against issuer; it
// returns the key it certifies.
func certified(files map[uint16][]byte, issuer Issuer) (*rsa.PublicKey, error) {
	cv, err := ParseCV(files[0x0004])
	if err != nil {
		return nil, fmt.Errorf("EF 0004: %w", err)
	}
	if cv.Certifier != issuer.ID {
		return nil, fmt.Errorf("EF 0004 is certified by %v, not by %v: %w", cv.Certifier, issuer.ID, ErrSignature)
	}
	if err := cv.Verify(issuer.Key); err != nil {
		return nil, fmt.Errorf("EF 0004: %w", err)
	}
	return cv.PublicKey, nil
}

// VerifyKenhojo checks a Kenhojo application's files (by FID, as read off
// the card, filler included) as a relying party does: EF 0004's CV
// certificate with the issuer's key; then, with the key it certifies, the
// integrity record EF 0003 — DF31 against the SHA-256 of the whole EF
// 0001, DF32 against that of EF 0002 from DF22 on, the signature over both
// — and the signed public key of EF 0007 (docs/card.md §8.1). A digest or
// signature that does not match wraps ErrSignature; a file that does not
// parse wraps ErrMalformed. The error names the file.
func VerifyKenhojo(files map[uint16][]byte, issuer Issuer) error {
	key, err := certified(files, issuer)
	if err != nil {
		return err
	}
	rec, err := ParseIntegrity(files[0x0003])
	if err != nil {
		return fmt.Errorf("EF 0003: %w", err)
	}
	if err := verifySHA256(key, rec.Signed, rec.Signature); err != nil {
		return fmt.Errorf("EF 0003: %w", err)
	}
	if _, err := ParseMyNumberFile(files[0x0001]); err != nil {
		return fmt.Errorf("EF 0001: %w", err)
	}
	if sha256.Sum256(files[0x0001]) != rec.MyNumberDigest {
		return fmt.Errorf("EF 0001 does not match DF31 of EF 0003: %w", ErrSignature)
	}
	if _, err := ParseBasic4(files[0x0002]); err != nil {
		return fmt.Errorf("EF 0002: %w", err)
	}
	src, err := Basic4DigestSource(files[0x0002])
	if err != nil {
		return fmt.Errorf("EF 0002: %w", err)
	}
	if sha256.Sum256(src) != rec.Basic4Digest {
		return fmt.Errorf("EF 0002 does not match DF32 of EF 0003: %w", ErrSignature)
	}
	pk, err := ParseSignedPublicKey(files[0x0007])
	if err != nil {
		return fmt.Errorf("EF 0007: %w", err)
	}
	if err := verifySHA256(key, pk.Signed, pk.Signature); err != nil {
		return fmt.Errorf("EF 0007: %w", err)
	}
	return nil
}

// VerifyKenkaku checks a Kenkaku application's files as a relying party
// does: EF 0004's CV certificate with the issuer's key; then, with the key
// it certifies, the card-face signature of EF 0002 (over the three digest
// groups), the age record EF 0001 and the My Number image record EF 0005
// when files hold them (a terminal that presented only 照合番号B has no EF
// 0005, one with only the 生年月日 key only EF 0001). The public key and
// the birth date the records carry must agree with EF 0002's. DF29 and
// DF2A of EF 0002 are not covered by any signature (docs/card.md §8.2).
// Errors as VerifyKenhojo.
func VerifyKenkaku(files map[uint16][]byte, issuer Issuer) error {
	key, err := certified(files, issuer)
	if err != nil {
		return err
	}
	var face *Face
	if b, ok := files[0x0002]; ok {
		if face, err = ParseFace(b); err != nil {
			return fmt.Errorf("EF 0002: %w", err)
		}
		if err := face.Verify(key); err != nil {
			return fmt.Errorf("EF 0002: %w", err)
		}
	}
	if b, ok := files[0x0001]; ok {
		age, err := ParseAgeRecord(b)
		if err != nil {
			return fmt.Errorf("EF 0001: %w", err)
		}
		if err := verifySHA256(key, age.Signed, age.Signature); err != nil {
			return fmt.Errorf("EF 0001: %w", err)
		}
		if face != nil && (age.BirthDate != face.BirthDate || !samePublicKey(age.PublicKey, face.PublicKey)) {
			return fmt.Errorf("EF 0001 and EF 0002 disagree on the birth date or the card's key: %w", ErrSignature)
		}
	}
	if b, ok := files[0x0005]; ok {
		img, err := ParseImageRecord(b)
		if err != nil {
			return fmt.Errorf("EF 0005: %w", err)
		}
		if err := verifySHA256(key, img.Signed, img.Signature); err != nil {
			return fmt.Errorf("EF 0005: %w", err)
		}
		if face != nil && !samePublicKey(img.PublicKey, face.PublicKey) {
			return fmt.Errorf("EF 0005 and EF 0002 disagree on the card's key: %w", ErrSignature)
		}
	}
	if face == nil && files[0x0001] == nil && files[0x0005] == nil {
		return fmt.Errorf("no signed file to verify: %w", ErrMalformed)
	}
	return nil
}
