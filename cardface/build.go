package cardface

import (
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/jpkisim/jpkisim/pki"
)

// Keys are the keys a card's card-face content is made with. All are
// TEST-ONLY keys committed under fixtures/pki.
type Keys struct {
	// KenhojoIssuer and KenkakuIssuer sign the CV certificates of Kenhojo
	// and Kenkaku EF 0004 (they stand for the test hierarchy's 6000033 and
	// 6000023: KenhojoIssuerID, KenkakuIssuerID).
	KenhojoIssuer, KenkakuIssuer *rsa.PrivateKey
	// Signer is the municipality's card-face key: both EF 0004 certify it
	// under SignerID(MunicipalityCode), and it signs Kenhojo EF 0003 and
	// 0007 and Kenkaku EF 0001, 0002 and 0005 (docs/card.md §8.1, §8.2).
	Signer *rsa.PrivateKey
	// Kenhojo and Kenkaku are the public halves of the applications' own
	// keys (Kenhojo EF 0013, Kenkaku EF 001A), which the signed records
	// carry; Session is that of the key of Kenhojo EF 0006.
	Kenhojo, Kenkaku, Session *rsa.PublicKey
}

// Content is what a card's applications beside JPKI hold for one holder:
// the files as the card stores them and the secrets that open them.
type Content struct {
	// Kenhojo and Kenkaku are the transparent EFs by FID, filler included:
	// Kenhojo 0001–0008, Kenkaku 0001–0006.
	Kenhojo, Kenkaku map[uint16][]byte
	// CommonRecords are the records of the common card AP's EF 0001 (one);
	// CommonKeyRef is its EF 0002 (and the Juki AP's).
	CommonRecords [][]byte
	CommonKeyRef  []byte
	// MFData are the card-level GET DATA objects by tag (the Tag constants).
	MFData map[uint16][]byte
	// VerificationA is 照合番号A (the My Number), VerificationB 照合番号B
	// (era birth date YYMMDD, expiry year, security code), BirthDateKey the
	// 生年月日 key (era YYMMDD), all ASCII (docs/card.md §6).
	VerificationA, VerificationB, BirthDateKey []byte
}

// VerificationB returns 照合番号B of a holder: the date of birth as era
// YYMMDD (pki.EraYYMMDD), the card's expiry year YYYY and the 4-digit
// security code, 14 ASCII digits; the test card of docs/card.md §6, born
// 1980-02-17 with a card expiring in 2035 and the code 2285, has
// 55021720352285.
func VerificationB(h pki.Holder) (string, error) {
	era, err := h.BirthEra()
	if err != nil {
		return "", err
	}
	if !digits(h.SecurityCode, 4) {
		return "", errors.New("cardface: the security code is 4 ASCII digits")
	}
	if y := h.CardExpiry.Year(); y < 1000 || y > 9999 {
		return "", fmt.Errorf("cardface: card expiry year %d", y)
	}
	return era + h.CardExpiryDate()[:4] + h.SecurityCode, nil
}

// Build makes the content of a card's Kenhojo, Kenkaku, common card and
// Juki applications and its card-level GET DATA objects for holder h, as
// docs/card.md §8 lays them out and §8.4 fills what the sources leave
// open:
//
//   - Kenhojo: 0001 MyNumberFile, 0002 Basic4 (name, address, Gregorian
//     birth date, sex), 0003 IntegrityRecord, 0004 the CV certificate of
//     the signer by the Kenhojo issuer, 0005 KenhojoInfo, 0006
//     SessionKeyFile, 0007 SignedPublicKey of the Kenhojo key, 0008
//     Unknown16FF;
//   - Kenkaku: 0001 AgeRecord, 0002 Face (birth date, sex, the Kenkaku
//     key, TextPNG of name and address, PhotoJP2, card expiry,
//     DigitsPNG of the security code), 0003 KenkakuInfo, 0004 the CV
//     certificate of the signer by the Kenkaku issuer, 0005 ImageRecord of
//     DigitsPNG(My Number), 0006 Unknown16FF;
//   - the common card record (CommonRecord), CommonKeyRefID, and the
//     card-level objects (TagIssuerID … TagCVCertificate, the certificate
//     being Kenhojo's EF 0004 without its template);
//   - the secrets 照合番号A, 照合番号B and the 生年月日 key.
//
// It fails for a holder field out of its format (a My Number with a wrong
// check digit, a security code that is not 4 digits, a serial that is not
// 15 …) and for a missing or non-RSA-2048 key.
func Build(h pki.Holder, k Keys) (*Content, error) {
	if k.KenhojoIssuer == nil || k.KenkakuIssuer == nil || k.Signer == nil {
		return nil, errors.New("cardface: the issuers' keys and the signer's are needed")
	}
	signerID, err := SignerID(h.MunicipalityCode)
	if err != nil {
		return nil, err
	}
	if !digits(h.CardSerial, 15) {
		return nil, fmt.Errorf("cardface: card serial %q: want 15 ASCII digits", h.CardSerial)
	}
	era, err := h.BirthEra()
	if err != nil {
		return nil, err
	}
	vb, err := VerificationB(h)
	if err != nil {
		return nil, err
	}
	birth, expiry := h.BirthGregorian(), h.CardExpiryDate()

	// Kenhojo.
	ef1, err := MyNumberFile(h.MyNumber)
	if err != nil {
		return nil, err
	}
	ef2, err := Basic4{Name: h.Name, Address: h.Address, BirthDate: birth, Sex: h.Sex}.Encode()
	if err != nil {
		return nil, err
	}
	ef3, err := IntegrityRecord(ef1, ef2, k.Signer)
	if err != nil {
		return nil, err
	}
	cvHojo, err := IssueCV(KenhojoIssuerID, k.KenhojoIssuer, signerID, &k.Signer.PublicKey)
	if err != nil {
		return nil, err
	}
	ef6, err := SessionKeyFile(k.Session)
	if err != nil {
		return nil, fmt.Errorf("cardface: Kenhojo EF 0006: %w", err)
	}
	ef7, err := SignedPublicKey(k.Kenhojo, k.Signer)
	if err != nil {
		return nil, fmt.Errorf("cardface: Kenhojo EF 0007: %w", err)
	}

	// Kenkaku.
	age, err := AgeRecord{BirthDate: birth, PublicKey: k.Kenkaku}.Encode(k.Signer)
	if err != nil {
		return nil, fmt.Errorf("cardface: Kenkaku EF 0001: %w", err)
	}
	name, err := TextPNG(h.Name)
	if err != nil {
		return nil, err
	}
	addr, err := TextPNG(h.Address)
	if err != nil {
		return nil, err
	}
	code, err := DigitsPNG(h.SecurityCode)
	if err != nil {
		return nil, err
	}
	face, err := Face{BirthDate: birth, Sex: h.Sex, PublicKey: k.Kenkaku, NameImage: name, AddressImage: addr,
		Photo: PhotoJP2(), Expiry: expiry, SecurityCode: code}.Encode(k.Signer)
	if err != nil {
		return nil, fmt.Errorf("cardface: Kenkaku EF 0002: %w", err)
	}
	info, err := KenkakuInfo(h.MunicipalityCode)
	if err != nil {
		return nil, err
	}
	cvKaku, err := IssueCV(KenkakuIssuerID, k.KenkakuIssuer, signerID, &k.Signer.PublicKey)
	if err != nil {
		return nil, err
	}
	numberImage, err := DigitsPNG(h.MyNumber)
	if err != nil {
		return nil, err
	}
	ef5, err := ImageRecord{Image: numberImage, PublicKey: k.Kenkaku}.Encode(k.Signer)
	if err != nil {
		return nil, err
	}

	// The common card AP and the card level.
	rec, err := CommonRecord(h.CardSerial, h.MunicipalityCode, expiry)
	if err != nil {
		return nil, err
	}
	mf, err := mfData(h.CardSerial, h.MunicipalityCode, expiry, cvHojo)
	if err != nil {
		return nil, err
	}
	return &Content{
		Kenhojo: map[uint16][]byte{0x0001: ef1, 0x0002: ef2, 0x0003: ef3, 0x0004: cvHojo, 0x0005: KenhojoInfo(),
			0x0006: ef6, 0x0007: ef7, 0x0008: Unknown16FF()},
		Kenkaku:       map[uint16][]byte{0x0001: age, 0x0002: face, 0x0003: info, 0x0004: cvKaku, 0x0005: ef5, 0x0006: Unknown16FF()},
		CommonRecords: [][]byte{rec},
		CommonKeyRef:  append([]byte(nil), CommonKeyRefID[:]...),
		MFData:        mf,
		VerificationA: []byte(h.MyNumber),
		VerificationB: []byte(vb),
		BirthDateKey:  []byte(era),
	}, nil
}
