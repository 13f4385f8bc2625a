package cardface

import (
	"errors"
	"fmt"
)

// CommonRecord returns record 1 of the common card AP's EF 0001: the
// simple-TLV 01 1C + serial (15 ASCII digits) + municipality code (5) +
// expiry YYYYMMDD (docs/card.md §8.3).
func CommonRecord(serial, municipalityCode, expiry string) ([]byte, error) {
	if !digits(serial, 15) || !digits(municipalityCode, 5) {
		return nil, fmt.Errorf("cardface: card serial %q and municipality code %q: want 15 and 5 ASCII digits", serial, municipalityCode)
	}
	if err := checkDate("expiry", expiry); err != nil {
		return nil, err
	}
	return simpleRecord(0x01, []byte(serial+municipalityCode+expiry)), nil
}

// CardInfo is what the common card AP's record 1 says.
type CardInfo struct {
	Serial, MunicipalityCode, Expiry string
}

// ParseCommonRecord reads record 1 of the common card AP's EF 0001.
func ParseCommonRecord(rec []byte) (CardInfo, error) {
	if len(rec) != 30 || rec[0] != 0x01 || rec[1] != 0x1C || !digits(string(rec[2:]), 28) {
		return CardInfo{}, malformed("the common card record is 01 1C + 28 ASCII digits")
	}
	v := string(rec[2:])
	c := CardInfo{Serial: v[:15], MunicipalityCode: v[15:20], Expiry: v[20:]}
	if err := checkDate("expiry", c.Expiry); err != nil {
		return CardInfo{}, malformed("common card record: %v", err)
	}
	return c, nil
}

// The card-level GET DATA tags jpkisim fills (docs/card.md §5.9, §8.4).
const (
	TagIssuerID         = 0x0042 // 16-byte key ID: the certifier of the 00F8 certificate
	TagCardID           = 0x0045 // ASCII: the card serial
	TagCardRecognition  = 0x0066 // GlobalPlatform card recognition data
	TagMunicipalityCode = 0x00F0 // 5 ASCII digits
	TagExpiry           = 0x00F2 // 8 ASCII digits YYYYMMDD
	TagIntermediateID   = 0x00F7 // 16-byte key ID: the key 00F8 certifies
	TagCVCertificate    = 0x00F8 // a CV certificate without its 7F21 template
)

// cardRecognition is GlobalPlatform card recognition data, as the
// GlobalPlatform Card Specification defines it: 66 { 73 { 06 the OID
// 1.2.840.114283.1 (card recognition data), 60 { 06 1.2.840.114283.2.2.1.1
// (GP 2.1.1 card management) }, 63 { 06 1.2.840.114283.3 (card
// identification scheme) } } }. Which values a real card has is not in
// the sources (docs/card.md §8.4).
var cardRecognition = encode(0x66, encode(0x73,
	encode(0x06, []byte{0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01}),
	encode(0x60, encode(0x06, []byte{0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x01, 0x01})),
	encode(0x63, encode(0x06, []byte{0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x03}))))

// mfData returns the card-level GET DATA objects: cv is the CV certificate
// (with its template) whose content 00F8 holds.
func mfData(serial, municipalityCode, expiry string, cv []byte) (map[uint16][]byte, error) {
	c, err := ParseCV(cv)
	if err != nil {
		return nil, err
	}
	o, err := outer(cv, 0x7F21)
	if err != nil {
		return nil, err
	}
	if !digits(serial, 15) || !digits(municipalityCode, 5) || checkDate("expiry", expiry) != nil {
		return nil, errors.New("cardface: card-level objects need a 15-digit serial, a 5-digit municipality code and an expiry")
	}
	return map[uint16][]byte{
		TagIssuerID:         c.Certifier[:],
		TagCardID:           []byte(serial),
		TagCardRecognition:  append([]byte(nil), cardRecognition...),
		TagMunicipalityCode: []byte(municipalityCode),
		TagExpiry:           []byte(expiry),
		TagIntermediateID:   c.Subject[:],
		TagCVCertificate:    append([]byte(nil), o.value...),
	}, nil
}
