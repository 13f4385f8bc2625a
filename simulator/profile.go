package simulator

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/record"
)

// Behaviour holds the settings for the points where the public record does
// not settle what a real card answers (docs/card-behaviour.md, open questions; card.md
// §17). The zero value is the project's default for each.
type Behaviour struct {
	// BlockedVerifySW is the answer to a VERIFY with data on a blocked PIN.
	// Zero means 6984 (myna-card's survey); 63C0 matches jpki/myna's dummy
	// card; 6983 is ISO's "authentication method blocked". card.md §5.4, Q2.
	BlockedVerifySW uint16
	// EmptyVerifyOKWhenVerified makes the empty VERIFY answer 9000 while the
	// PIN is verified, as myna-card says some cards do. Default: 63Cx, as
	// OpenSC's driver author observed and OpenSC's bind needs. Q1.
	EmptyVerifyOKWhenVerified bool
	// OverlongVerifyCounts compares VERIFY data longer than the PIN's maximum
	// length and counts it as a wrong try. Default: 6700, counter unchanged. Q4.
	OverlongVerifyCounts bool
	// SelectDFClearsSecurity makes SELECT by DF name clear the security
	// status (as OpenSC's logout assumes). Default: it is kept. Q6.
	SelectDFClearsSecurity bool
	// SigningConsumesSecurity makes each signature with a key clear that
	// key's verified PIN (OpenSC's user_consent reading). Default: kept. Q6.
	SigningConsumesSecurity bool
	// SelectChecksReadAccess makes SELECT of an EF whose read condition is not
	// met answer 6982. Default: 9000, and READ BINARY answers 6982. Q3.
	SelectChecksReadAccess bool
	// PoseAsRealCard hides what only the virtual card has: the marker GET
	// DATA (jpki.MarkerTag) answers 6A88 and the restore command 6D00, as on a
	// real card. It exists to test how the harness treats a card that is not
	// virtual (jpkisim serve --as-real-card).
	PoseAsRealCard bool
	// ReadPastEndEmptyOK makes READ BINARY at an offset at or past the end
	// answer an empty 9000 (jpki/myna's dummy card). Default: 6B00 (JICSAP
	// 7.3.1 as cited by myna-card). Q7.
	ReadPastEndEmptyOK bool
}

// Profile describes one virtual card: its ATR, the content of its JPKI
// application, the test PINs, the behaviour settings and the office's
// record of its certificates. It is a value to copy: Clone makes a variant
// that shares nothing mutable with the original (package fixtures hands
// out a fresh copy on every call). A card made from a profile copies what
// it changes into its own State, and shares the keys, which nothing
// changes.
type Profile struct {
	Name        string
	Description string
	// ATR presented at power-on and reset; nil means jpki.DefaultATR.
	ATR []byte
	// TokenLabel is the label in EF 0006 (card.md §7): JPKIAPICCTOKEN2 for a
	// physical card; empty means that.
	TokenLabel string
	// TokenSerial is the 16-character serialNumber field of EF 0006.
	TokenSerial string
	// CertPresence is the 3 bytes of EF 0008; nil means 8F 8F 00.
	CertPresence []byte
	// CertEFSize is the physical size of each certificate EF; the DER
	// certificate is followed by CertFiller up to it. Zero means 2048.
	CertEFSize int
	CertFiller byte
	// DER certificates for EFs 0001, 0002, 000A, 000B.
	SigningCert, SigningCACert, AuthCert, AuthCACert []byte
	// Private keys for EFs 001A and 0017 (RSA-2048).
	SigningKey, AuthKey *rsa.PrivateKey
	// Initial reference data of EFs 0018 and 001B (ASCII).
	AuthPIN, SigningPIN []byte
	// AuthCertNeedsPIN protects EF 000A with the auth PIN, as on the Android
	// token (card.md §14.1).
	AuthCertNeedsPIN bool
	// NoSigningCert is a card without a signing certificate (an under-15
	// holder, AGE-01): EF 0001 holds filler only and EF 001A no key, so a
	// signature with it answers 6985. card.md does not say more; the PIN
	// object stays.
	NoSigningCert bool
	// LastCommandIndicator answers the iPhone token's 80 FC 00 00 with 9000
	// (card.md §5.10); a physical card answers 6700.
	LastCommandIndicator bool
	// AuthTriesLeft and SigningTriesLeft set a new card's retry counters;
	// nil means the maximum, 0 a locked PIN.
	AuthTriesLeft, SigningTriesLeft *int
	// Faults switched on from power-on (see Faults); nil: none.
	Faults    *Faults
	Behaviour Behaviour
	// Office is the office's record of the card's certificates (the
	// profile file's pki: block): what `serve --pki` publishes for a card
	// of this profile and what a new state file starts from. The card
	// itself never reads it: a revoked certificate stays in its EF, as on a
	// real card.
	Office record.Certificates
	// CardFace is the content of the Kenhojo, Kenkaku, common card and Juki
	// applications; nil: a card without them (a phone token).
	CardFace *CardFace
}

// Clone returns a deep copy of p: every slice, map and pointer it holds is
// copied, the office's record and the faults included, except the two
// private keys, which nothing changes and which stay shared. nil for nil.
func (p *Profile) Clone() *Profile {
	if p == nil {
		return nil
	}
	q := *p
	for _, b := range []*[]byte{&q.ATR, &q.CertPresence, &q.SigningCert, &q.SigningCACert, &q.AuthCert, &q.AuthCACert, &q.AuthPIN, &q.SigningPIN} {
		*b = bytes.Clone(*b)
	}
	for _, n := range []**int{&q.AuthTriesLeft, &q.SigningTriesLeft} {
		if *n != nil {
			v := **n
			*n = &v
		}
	}
	if p.Faults != nil {
		f := *p.Faults
		f.Latency = maps.Clone(f.Latency)
		if f.Answers != nil {
			f.Answers = slices.Clone(f.Answers)
			for i := range f.Answers {
				f.Answers[i].Prefix = bytes.Clone(f.Answers[i].Prefix)
			}
		}
		q.Faults = &f
	}
	q.Office = p.Office.Clone()
	q.CardFace = p.CardFace.Clone()
	return &q
}

// Cert returns the DER end-entity certificate of kind k (SigningCert or
// AuthCert, as the profile holds it); nil for a kind that names neither.
func (p *Profile) Cert(k jpki.Kind) []byte {
	switch k {
	case jpki.Signing:
		return p.SigningCert
	case jpki.Auth:
		return p.AuthCert
	}
	return nil
}

// CACert returns the DER CA certificate of kind k (SigningCACert or
// AuthCACert); nil for a kind that names neither.
func (p *Profile) CACert(k jpki.Kind) []byte {
	switch k {
	case jpki.Signing:
		return p.SigningCACert
	case jpki.Auth:
		return p.AuthCACert
	}
	return nil
}

// Validate checks that the profile can make a card: keys present, PINs of
// the right format, certificates that fit their EFs.
func (p *Profile) Validate() error {
	if p == nil {
		return errors.New("nil profile")
	}
	if p.SigningKey == nil || p.AuthKey == nil {
		return fmt.Errorf("profile %q: both private keys are needed", p.Name)
	}
	if p.SigningKey.N.BitLen() != 2048 || p.AuthKey.N.BitLen() != 2048 {
		return fmt.Errorf("profile %q: JPKI keys are RSA-2048 (card.md §4.1)", p.Name)
	}
	switch p.Behaviour.BlockedVerifySW {
	case 0, 0x6984, 0x63C0, 0x6983:
	default:
		return fmt.Errorf("profile %q: blocked_verify_sw %04X is not 6984, 63C0 or 6983", p.Name, p.Behaviour.BlockedVerifySW)
	}
	if err := jpki.AuthPIN.Format().Check(p.AuthPIN); err != nil {
		return fmt.Errorf("profile %q: auth PIN: %w", p.Name, err)
	}
	if err := jpki.SigningPIN.Format().Check(p.SigningPIN); err != nil {
		return fmt.Errorf("profile %q: signing password: %w", p.Name, err)
	}
	size := p.certEFSize()
	for _, c := range [][]byte{p.SigningCert, p.SigningCACert, p.AuthCert, p.AuthCACert} {
		if len(c) > size {
			return fmt.Errorf("profile %q: a certificate of %d bytes does not fit a %d-byte EF", p.Name, len(c), size)
		}
	}
	for _, t := range []struct {
		pin jpki.PIN
		n   *int
	}{{jpki.AuthPIN, p.AuthTriesLeft}, {jpki.SigningPIN, p.SigningTriesLeft}} {
		if t.n != nil && (*t.n < 0 || *t.n > t.pin.MaxTries()) {
			return fmt.Errorf("profile %q: %v: %d tries left is outside 0..%d", p.Name, t.pin, *t.n, t.pin.MaxTries())
		}
	}
	if err := p.CardFace.validate(); err != nil {
		return fmt.Errorf("profile %q: %w", p.Name, err)
	}
	if p.CertPresence != nil && len(p.CertPresence) != 3 {
		return fmt.Errorf("profile %q: EF 0008 must be 3 bytes", p.Name)
	}
	if len(p.TokenLabel) > 32 || len(p.TokenSerial) > 16 {
		return fmt.Errorf("profile %q: token label over 32 or serial over 16 characters", p.Name)
	}
	return nil
}

func (p *Profile) certEFSize() int {
	if p.CertEFSize > 0 {
		return p.CertEFSize
	}
	return 2048
}

func (p *Profile) atr() []byte {
	if len(p.ATR) > 0 {
		return p.ATR
	}
	return jpki.DefaultATR()
}
