package jpki

import (
	"errors"
	"fmt"
)

// PIN names a PIN of the card by its role (docs/card.md §6). The zero value
// names none. Its text form (MarshalText, ParsePIN) is the short name used
// in profiles, state files, JSON and the CLI: "auth", "signing", "kenhojo",
// "juki".
type PIN int

// The PINs of the card (docs/card.md §6).
const (
	AuthPIN    PIN = iota + 1 // 利用者証明用暗証番号: JPKI EF 0018, 4 digits, 3 tries
	SigningPIN                // 署名用パスワード: JPKI EF 001B, 6-16 of A-Z 0-9, 5 tries
	KenhojoPIN                // 券面事項入力補助用暗証番号: Kenhojo EF 0011, 4 digits, 3 tries
	JukiPIN                   // 住民基本台帳用暗証番号: Juki and Common EF 001C, 4 digits, 3 tries
)

// PINs lists every PIN role, in the order of the constants.
var PINs = []PIN{AuthPIN, SigningPIN, KenhojoPIN, JukiPIN}

// JPKIPINs lists the two PINs of the JPKI application.
var JPKIPINs = []PIN{AuthPIN, SigningPIN}

// Format is what the card enforces on new reference data of a PIN in
// CHANGE REFERENCE DATA, and whose maximum length bounds VERIFY data
// (docs/card.md §6; docs/rules.md PIN-01, PIN-06).
type Format struct {
	MinLen, MaxLen int // in bytes
	// Alphabet lists the allowed bytes.
	Alphabet string
}

// The formats of the card's PINs (PIN.Format). The letter-and-digit mix of
// PIN-02 is a registration rule of the issuing office, not checked by the
// chip (docs/card-behaviour.md, open questions).
var (
	fourDigits      = Format{MinLen: 4, MaxLen: 4, Alphabet: "0123456789"}
	signingPassword = Format{MinLen: 6, MaxLen: 16, Alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}
)

// The other key references of the card-face applications (docs/card.md
// §4.2, §4.3, §6): 照合番号A, 照合番号B and the 生年月日 (birth-date)
// key. They are not PIN roles: their values are the holder's My Number and
// what is printed on the card, not chosen by the holder, and the office
// resets none of them.
var (
	// VerificationAFormat is 照合番号A (Kenhojo EF 0014, Kenkaku EF 0013):
	// the 12-digit My Number.
	VerificationAFormat = Format{MinLen: 12, MaxLen: 12, Alphabet: "0123456789"}
	// VerificationBFormat is 照合番号B (Kenhojo EF 0015, Kenkaku EF 0012):
	// 14 digits, the era birth date YYMMDD, the expiry year and the 4-digit
	// security code.
	VerificationBFormat = Format{MinLen: 14, MaxLen: 14, Alphabet: "0123456789"}
	// BirthDateKeyFormat is the birth-date key (Kenkaku EF 0011): 6 digits,
	// the era birth date YYMMDD.
	BirthDateKeyFormat = Format{MinLen: 6, MaxLen: 6, Alphabet: "0123456789"}
)

// VerificationTries is the retry limit of 照合番号A, 照合番号B and the
// birth-date key, each key reference with its own counter. No source gives
// one (docs/card.md §6, Q8); this is the virtual card's choice
// (docs/card-behaviour.md, "The card-face, common card and Juki
// applications").
const VerificationTries = 10

// ErrPINFormat is wrapped by Format.Check.
var ErrPINFormat = errors.New("value outside the PIN format")

// Check reports whether v has an allowed length and only allowed bytes. The
// error wraps ErrPINFormat and never contains the value.
func (f Format) Check(v []byte) error {
	if len(v) < f.MinLen || len(v) > f.MaxLen {
		if f.MinLen == f.MaxLen {
			return fmt.Errorf("%w: length %d, want %d", ErrPINFormat, len(v), f.MinLen)
		}
		return fmt.Errorf("%w: length %d, want %d to %d", ErrPINFormat, len(v), f.MinLen, f.MaxLen)
	}
	for _, b := range v {
		if !f.Allows(b) {
			return fmt.Errorf("%w: a character outside the allowed set", ErrPINFormat)
		}
	}
	return nil
}

// Allows reports whether b is in the format's alphabet.
func (f Format) Allows(b byte) bool {
	for i := 0; i < len(f.Alphabet); i++ {
		if f.Alphabet[i] == b {
			return true
		}
	}
	return false
}

type pinFacts struct {
	app         App
	fid         uint16
	tries       int
	format      Format
	name, title string
}

var pinTable = map[PIN]pinFacts{
	AuthPIN:    {JPKI, EFAuthPIN, 3, fourDigits, "auth", "auth PIN"},
	SigningPIN: {JPKI, EFSigningPIN, 5, signingPassword, "signing", "signing password"},
	KenhojoPIN: {Kenhojo, 0x0011, 3, fourDigits, "kenhojo", "Kenhojo PIN"},
	JukiPIN:    {Juki, 0x001C, 3, fourDigits, "juki", "Juki PIN"},
}

// App returns the application that holds the PIN's EF (for JukiPIN the Juki
// AP; the Common AP holds its own EF 001C).
func (p PIN) App() App { return pinTable[p].app }

// FID returns the FID of the PIN's EF in its application; 0 for none.
func (p PIN) FID() uint16 { return pinTable[p].fid }

// MaxTries returns the retry limit, the retry counter of a new card
// (docs/rules.md RETRY-01, RETRY-02); 0 for none.
func (p PIN) MaxTries() int { return pinTable[p].tries }

// Format returns the PIN's format.
func (p PIN) Format() Format { return pinTable[p].format }

// Other returns the JPKI PIN whose proof resets this one at a kiosk
// (docs/rules.md UNLOCK-02): the signing password for the auth PIN and the
// auth PIN for the signing password; false for the other PINs.
func (p PIN) Other() (PIN, bool) {
	switch p {
	case AuthPIN:
		return SigningPIN, true
	case SigningPIN:
		return AuthPIN, true
	}
	return 0, false
}

// Name returns the PIN's short name: "auth", "signing", "kenhojo", "juki";
// "" for none.
func (p PIN) Name() string { return pinTable[p].name }

// String returns the PIN's name in prose: "auth PIN", "signing password",
// "Kenhojo PIN", "Juki PIN"; "PIN(n)" for none.
func (p PIN) String() string {
	if f, ok := pinTable[p]; ok {
		return f.title
	}
	return fmt.Sprintf("PIN(%d)", int(p))
}

// ParsePIN returns the PIN whose Name is s. The error lists the names.
func ParsePIN(s string) (PIN, error) {
	for _, p := range PINs {
		if p.Name() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown PIN %q; PINs: auth, signing, kenhojo, juki", s)
}

// PINByFID returns the JPKI PIN whose EF has this FID, or false.
func PINByFID(fid uint16) (PIN, bool) {
	for _, p := range JPKIPINs {
		if p.FID() == fid {
			return p, true
		}
	}
	return 0, false
}

// MarshalText returns Name; an error for a PIN that names none.
func (p PIN) MarshalText() ([]byte, error) {
	if p.Name() == "" {
		return nil, fmt.Errorf("jpki: invalid PIN %d", int(p))
	}
	return []byte(p.Name()), nil
}

// UnmarshalText is ParsePIN.
func (p *PIN) UnmarshalText(b []byte) error {
	v, err := ParsePIN(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
