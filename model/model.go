// Package model is an independent model of the My Number card — the JPKI
// application and, on a card with a card face, the Kenhojo, Kenkaku, common
// card and Juki applications: what each C-APDU must answer in each state,
// written from the card reference (card.md) and the project's decisions
// (docs/card-behaviour.md, "The card-face, common card and Juki
// applications" for the other four), not from the simulator's code. The property tests run random command sequences against
// a card and the model side by side; two implementations that must agree.
//
// The model is deliberately shaped differently from the simulator: one
// value type for the whole state, one table of files, and one function,
// Step, from a state and the bytes of a C-APDU to the next state and the
// expected answer.
package model

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/jpkisim/jpkisim/apdu"
)

// Where is the current DF.
type Where int

// The DFs a card session can be in, in card order (docs/card-behaviour.md:
// SELECT by a prefix of a DF name finds the first in this order).
const (
	AtISD     Where = iota // the security domain, current after reset
	AtJPKI                 // the JPKI application
	AtKenhojo              // 券面事項入力補助AP, on a card with a card face
	AtKenkaku              // 券面事項確認AP
	AtCommon               // the common card application
	AtJuki                 // the Juki application
	numDFs
)

// PIN indexes the key references a VERIFY compares: the two JPKI PINs, and
// on a card with a card face the PINs and other key references of the four
// other applications, each with its own retry counter and security status.
type PIN int

// The key references.
const (
	Auth           PIN = iota // JPKI EF 0018, 4 digits, 3 tries
	Sign                      // JPKI EF 001B, 6-16 of A-Z 0-9, 5 tries
	KenhojoPIN                // Kenhojo EF 0011, 4 digits, 3 tries
	KenhojoA                  // Kenhojo EF 0014, 照合番号A (12 digits)
	KenhojoB                  // Kenhojo EF 0015, 照合番号B (14 digits)
	KenhojoBlocked            // Kenhojo EF 0012, no value, blocked as issued
	KenkakuBirth              // Kenkaku EF 0011, the birth-date key (6 digits)
	KenkakuB                  // Kenkaku EF 0012, 照合番号B
	KenkakuA                  // Kenkaku EF 0013, 照合番号A
	CommonPIN                 // common card EF 001C, 4 digits, 3 tries
	JukiPIN                   // Juki EF 001C, 4 digits, 3 tries
	NumPINs
)

// MaxTries of each key reference (rules.md RETRY-01, RETRY-02; card.md §6;
// the retry limit of 照合番号A and B and the birth-date key is the virtual
// card's choice, docs/card-behaviour.md). The blocked Kenhojo 0012 has none.
var MaxTries = [NumPINs]int{3, 5, 3, 10, 10, 0, 10, 10, 10, 3, 3}

// maxLen is the longest value of each key reference's format: VERIFY data
// longer answers 6700 (Q4).
var maxLen = [NumPINs]int{4, 16, 4, 12, 14, 16, 6, 14, 12, 4, 4}

// State is everything the model tracks. It is a value: Step returns a new
// one and never changes its input.
type State struct {
	Powered  bool
	DF       Where
	EF       uint16 // 0: no current EF
	Verified [NumPINs]bool
	Tries    [NumPINs]int
	Values   [NumPINs]string
}

// Fresh is the state of a new card with the given JPKI PINs, powered, after
// reset; the other key references at their maximum with no value.
func Fresh(authPIN, signPIN string) State {
	s := State{Powered: true, DF: AtISD, Tries: MaxTries}
	s.Values[Auth], s.Values[Sign] = authPIN, signPIN
	return s
}

// Kind of an expected answer.
type Kind int

// What the data of an answer must be.
const (
	Exact     Kind = iota // Data exactly
	Random                // N bytes, any value (GET CHALLENGE)
	Signature             // N bytes that verify under Key's certificate for Scheme over Input
)

// Expect is the answer the card must give.
type Expect struct {
	SW   apdu.StatusWord
	Kind Kind
	Data []byte
	N    int
	// For signatures: which key, the P1 scheme, and the data field sent.
	// Pub, when set, is the public key the signature verifies with (the
	// own keys of the card-face applications, the common card's 0019);
	// else Key names the JPKI key by its PIN, checked with its certificate.
	Key    PIN
	Pub    *rsa.PublicKey
	Scheme byte
	Input  []byte
}

// file is one EF of the model's table.
type file struct {
	kind    byte     // 't' transparent, 'r' records, 'p' PIN, 'k' key, 'x' protected forever
	data    []byte   // transparent content
	records [][]byte // record content
	readBy  []PIN    // nil: free; else any one of these verified opens it
	pin     PIN      // for 'p' files, and for JPKI 'k' files the PIN that unlocks the key (-1: none)
	// For 'k' files: own is a card-face application's own key, which signs
	// without a credential; auth the common card's INTERNAL AUTHENTICATE
	// key; pub the public key of either.
	own, auth bool
	pub       *rsa.PublicKey
}

// CardFace is what the model needs of the four applications beside the
// JPKI application (card.md §4.2–§4.4, §8; docs/card-behaviour.md): the
// bytes of their EFs, the initial values of their key references, and the
// public keys their signatures verify with.
type CardFace struct {
	// Kenhojo and Kenkaku hold the transparent EFs by FID, filler included.
	Kenhojo, Kenkaku map[uint16][]byte
	// CommonRecords are the records of the common card's EF 0001, record 1
	// first; CommonKeyRef the 16 bytes of EF 0002 of the common card and
	// Juki applications.
	CommonRecords [][]byte
	CommonKeyRef  []byte
	// The values: the Kenhojo PIN, the Juki/common PIN (one value, two key
	// references), 照合番号A and B, the birth-date key (ASCII digits).
	KenhojoPIN, JukiPIN, VerificationA, VerificationB, BirthDateKey string
	// The public halves of Kenhojo 0013, Kenkaku 001A and common card 0019.
	KenhojoKey, KenkakuKey, CommonKey *rsa.PublicKey
	// KenhojoSessionKey decrypts SET SESSION KEY in Kenhojo; nil: every
	// delivery answers 6A80.
	KenhojoSessionKey *rsa.PrivateKey
	// MFData are the card-level GET DATA objects by tag, answered at the ISD.
	MFData map[uint16][]byte
}

// Content is the data of a card the model needs: its files' bytes.
type Content struct {
	ATR                              []byte
	Profile                          string
	SigningCert, SigningCACert       []byte
	AuthCert, AuthCACert             []byte
	CertEFSize                       int
	CertFiller                       byte
	TokenLabel, TokenSerial          string
	CertPresence                     []byte
	AuthCertNeedsPIN, PoseAsRealCard bool
	// The PINs the card was issued with (a restore returns to them).
	AuthPIN, SigningPIN string
	// NoSigningCert: EF 0001 holds filler only, EF 001A no key (AGE-01).
	NoSigningCert bool
	// LastCommandIndicator: 80 FC 00 00 answers 9000 (iPhone token).
	LastCommandIndicator bool
	// T0: the card speaks T=0 (profile t0). The transport fetches every
	// 61xx with GET RESPONSE itself, so a GET RESPONSE the model sees finds
	// nothing to fetch: 6985 (docs/card-behaviour.md); a T=1 card has no
	// GET RESPONSE (6D00).
	T0 bool
	// CardFace: the Kenhojo, Kenkaku, common card and Juki applications;
	// nil for a card without them (a phone token), whose SELECT of their
	// DF names answers 6A82.
	CardFace *CardFace
	// Tries a new card starts with, by key reference; nil means the maximum.
	InitialTries *[NumPINs]int
	// Settings are the card's answers where the public record is silent.
	Settings Settings
}

// Settings are the profile settings of docs/card-behaviour.md, "Open
// questions: defaults and settings", as the model reads that table: each
// says what the card answers instead of the default. The zero value is the
// default of every one.
type Settings struct {
	// BlockedVerifySW is the answer to a VERIFY with data on a blocked PIN
	// (Q2); zero means 6984. The try that blocks the PIN answers 63C0, and
	// the empty VERIFY 63C0, whatever it is.
	BlockedVerifySW apdu.StatusWord
	// EmptyVerifyOKWhenVerified: the empty VERIFY answers 9000 while its PIN
	// is verified (Q1); by default it answers 63Cx even then.
	EmptyVerifyOKWhenVerified bool
	// OverlongVerifyCounts: VERIFY data longer than the PIN's maximum (4, 16)
	// is compared like any other, a wrong try (Q4); by default 6700, the
	// counter unchanged.
	OverlongVerifyCounts bool
	// SelectChecksReadAccess: SELECT of an EF by FID answers 6982, and the
	// current EF stays what it was, when READ BINARY of that EF would answer
	// 6982 (Q3): EF 0001 before the signing password, EF 000A of a card that
	// protects it before the auth PIN, EF 0009 always. By default the SELECT
	// answers 9000 and the READ BINARY 6982.
	SelectChecksReadAccess bool
	// SelectDFClearsSecurity: an application selected by DF name starts with
	// no PIN verified (Q6); by default the security status is kept.
	SelectDFClearsSecurity bool
	// SigningConsumesSecurity: a signature made with a key leaves that key's
	// PIN no longer verified (Q6); by default it stays verified.
	SigningConsumesSecurity bool
	// ReadPastEndEmptyOK: READ BINARY at an offset at or past the end of the
	// EF answers 9000 with no data (Q7); by default 6B00.
	ReadPastEndEmptyOK bool
}

// Model holds a card's content; Step gives the behaviour.
type Model struct {
	c     Content
	files [numDFs]map[uint16]file
	apps  []Where // the DFs on the card, in card order
}

// New builds the model of a card with this content (card.md §4).
func New(c Content) *Model {
	pad := func(der []byte) []byte {
		out := bytes.Repeat([]byte{c.CertFiller}, c.CertEFSize)
		copy(out, der)
		return out
	}
	var authRead []PIN
	if c.AuthCertNeedsPIN {
		authRead = []PIN{Auth}
	}
	signingCert, signingKeyPIN := c.SigningCert, Sign
	if c.NoSigningCert {
		signingCert, signingKeyPIN = nil, -1
	}
	m := &Model{c: c, apps: []Where{AtISD, AtJPKI}}
	m.files[AtISD] = map[uint16]file{0x001E: {kind: 'k', pin: -1}}
	m.files[AtJPKI] = map[uint16]file{
		0x0001: {kind: 't', data: pad(signingCert), readBy: []PIN{Sign}},
		0x0002: {kind: 't', data: pad(c.SigningCACert)},
		0x0006: {kind: 't', data: tokenInfo(c.TokenLabel, c.TokenSerial)},
		0x0008: {kind: 't', data: append([]byte(nil), c.CertPresence...)},
		0x0009: {kind: 'x', data: make([]byte, 32)},
		0x000A: {kind: 't', data: pad(c.AuthCert), readBy: authRead},
		0x000B: {kind: 't', data: pad(c.AuthCACert)},
		0x0010: {kind: 'k', pin: -1},
		0x0016: {kind: 'k', pin: -1},
		0x0017: {kind: 'k', pin: Auth},
		0x0018: {kind: 'p', pin: Auth},
		0x001A: {kind: 'k', pin: signingKeyPIN},
		0x001B: {kind: 'p', pin: Sign},
	}
	if f := c.CardFace; f != nil {
		m.apps = append(m.apps, AtKenhojo, AtKenkaku, AtCommon, AtJuki)
		m.files[AtKenhojo], m.files[AtKenkaku] = cardFaceFiles(f)
		m.files[AtCommon] = map[uint16]file{
			0x0001: {kind: 'r', records: f.CommonRecords},
			0x0002: {kind: 't', data: f.CommonKeyRef},
			0x0019: {kind: 'k', pin: -1, auth: true, pub: f.CommonKey},
			0x001C: {kind: 'p', pin: CommonPIN},
		}
		m.files[AtJuki] = map[uint16]file{
			0x0002: {kind: 't', data: f.CommonKeyRef},
			0x001C: {kind: 'p', pin: JukiPIN},
		}
	}
	return m
}

// cardFaceFiles are the EFs of Kenhojo (card.md §4.2) and Kenkaku (§4.3),
// with what opens each (docs/card-behaviour.md, "The card-face, common card
// and Juki applications").
func cardFaceFiles(f *CardFace) (kenhojo, kenkaku map[uint16]file) {
	t := func(d []byte, by ...PIN) file { return file{kind: 't', data: d, readBy: by} }
	h := f.Kenhojo
	kenhojo = map[uint16]file{
		0x0001: t(h[0x0001], KenhojoPIN, KenhojoA),
		0x0002: t(h[0x0002], KenhojoPIN, KenhojoB),
		0x0003: t(h[0x0003], KenhojoPIN, KenhojoA, KenhojoB),
		0x0004: t(h[0x0004]),
		0x0005: t(h[0x0005]),
		0x0006: t(h[0x0006], KenhojoPIN, KenhojoA, KenhojoB),
		0x0007: t(h[0x0007], KenhojoPIN, KenhojoA, KenhojoB),
		0x0008: t(h[0x0008]),
		0x0011: {kind: 'p', pin: KenhojoPIN},
		0x0012: {kind: 'p', pin: KenhojoBlocked},
		0x0013: {kind: 'k', pin: -1, own: true, pub: f.KenhojoKey},
		0x0014: {kind: 'p', pin: KenhojoA},
		0x0015: {kind: 'p', pin: KenhojoB},
	}
	k := f.Kenkaku
	kenkaku = map[uint16]file{
		0x0001: t(k[0x0001], KenkakuBirth),
		0x0002: t(k[0x0002], KenkakuA, KenkakuB),
		0x0003: t(k[0x0003]),
		0x0004: t(k[0x0004]),
		0x0005: t(k[0x0005], KenkakuA),
		0x0006: t(k[0x0006], KenkakuA, KenkakuB),
		0x0011: {kind: 'p', pin: KenkakuBirth},
		0x0012: {kind: 'p', pin: KenkakuB},
		0x0013: {kind: 'p', pin: KenkakuA},
		0x001A: {kind: 'k', pin: -1, own: true, pub: f.KenkakuKey},
	}
	return kenhojo, kenkaku
}

// tokenInfo is EF 0006 from card.md §7's table: label (32), manufacturer
// (32), model (16), serial (16), then 32-bit fields, versions, time.
func tokenInfo(label, serial string) []byte {
	if label == "" {
		label = "JPKIAPICCTOKEN2"
	}
	if serial == "" {
		serial = "0000000000000000"
	}
	field := func(s string, n int) []byte {
		b := []byte(s + string(bytes.Repeat([]byte{' '}, n)))
		return b[:n]
	}
	out := field(label, 32)
	out = append(out, field("00000000000000000000000000000001", 32)...)
	out = append(out, field("E16R01NJ", 16)...)
	out = append(out, field(serial, 16)...)
	for _, v := range []uint32{0x040D, 1, 0, 1, 0, 16, 6, ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)} {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	out = append(out, "03"...)
	out = append(out, "01"...)
	return append(out, field("", 16)...)
}

// Fresh is the state of this card as issued: counters as the content says.
func (m *Model) Fresh() State {
	s := Fresh(m.c.AuthPIN, m.c.SigningPIN)
	if f := m.c.CardFace; f != nil {
		s.Values[KenhojoPIN], s.Values[KenhojoA], s.Values[KenhojoB] = f.KenhojoPIN, f.VerificationA, f.VerificationB
		s.Values[KenkakuBirth], s.Values[KenkakuB], s.Values[KenkakuA] = f.BirthDateKey, f.VerificationB, f.VerificationA
		s.Values[CommonPIN], s.Values[JukiPIN] = f.JukiPIN, f.JukiPIN
	}
	if m.c.InitialTries != nil {
		s.Tries = *m.c.InitialTries
	}
	return s
}

// Settings returns the card's open-question settings (Content.Settings).
func (m *Model) Settings() Settings { return m.c.Settings }

// FileData returns the content of a JPKI EF, for checks of what was read.
func (m *Model) FileData(fid uint16) []byte { return m.files[AtJPKI][fid].data }

// HasCardFace reports whether the card holds the four applications beside
// the JPKI application.
func (m *Model) HasCardFace() bool { return m.c.CardFace != nil }

// SessionKeyPublic is the public key of Kenhojo's SET SESSION KEY (nil when
// the card has none), for generators that encrypt a delivery.
func (m *Model) SessionKeyPublic() *rsa.PublicKey {
	if f := m.c.CardFace; f != nil && f.KenhojoSessionKey != nil {
		return &f.KenhojoSessionKey.PublicKey
	}
	return nil
}

func ok(data []byte) Expect { return Expect{SW: apdu.SWOK, Kind: Exact, Data: data} }

func status(s apdu.StatusWord) Expect { return Expect{SW: s} }

// Step is the card's behaviour: from state s and the bytes of one C-APDU,
// the next state and the answer the card must give. An unpowered card
// answers nothing; callers power it first.
func (m *Model) Step(s State, b []byte) (State, Expect) {
	if len(b) < 4 {
		return s, status(apdu.SWWrongLength)
	}
	// T=0 sends a case 1 command with P3 = 00 (ISO/IEC 7816-3 §12.2.2):
	// for the commands that never take Le it is the case 1 command.
	if m.c.T0 && len(b) == 5 && b[4] == 0 {
		switch b[1] {
		case 0x20, 0x22, 0x24, 0x2C:
			b = b[:4]
		}
	}
	cla, ins := b[0], b[1]
	df := s.DF
	inJPKI := df == AtJPKI
	cardFace := df == AtKenhojo || df == AtKenkaku
	commonOrJuki := df == AtCommon || df == AtJuki
	// Class and instruction first, as the card OS checks the header.
	switch cla {
	case 0x00:
		switch ins {
		case 0xC0:
			if m.c.T0 {
				return s, status(apdu.SWConditionsNotSatisfied)
			}
			return s, status(apdu.SWINSNotSupported)
		case 0x24:
			if df == AtKenkaku || commonOrJuki {
				return s, status(apdu.SWINSNotSupported)
			}
		case 0xA4, 0xB0, 0x20, 0x84, 0xB2, 0x88, 0xCA:
		default:
			return s, status(apdu.SWINSNotSupported)
		}
	case 0x80:
		switch {
		case ins == 0x2A && !commonOrJuki:
		case ins == 0xAE && (inJPKI || df == AtJuki):
			return s, status(apdu.SWSecurityNotSatisfied)
		case ins == 0xAE && (df == AtKenkaku || df == AtCommon):
			return s, status(apdu.SWSecureMessagingFault)
		case ins == 0xAE && df == AtKenhojo:
		case ins == 0x32 && commonOrJuki:
		case ins == 0xFC && m.c.LastCommandIndicator:
			return s, ok(nil)
		case ins == 0xFC:
			return s, status(apdu.SWWrongLength)
		case ins == 0xA2 && inJPKI:
		case ins == 0xEE && !m.c.PoseAsRealCard:
		default:
			return s, status(apdu.SWINSNotSupported)
		}
	case 0x08, 0x0C:
		if ins == 0xB0 && inJPKI || (ins == 0xB0 || ins == 0x20) && (cardFace || commonOrJuki) {
			return s, status(apdu.SWSecureMessagingRefused)
		}
		return s, status(apdu.SWSecureMessagingUnsupp)
	case 0x10, 0x11, 0x12, 0x13:
		return s, status(apdu.SWChainingUnsupported)
	case 0x01, 0x02, 0x03:
		return s, status(apdu.SWLogicalChannelUnsupported)
	default:
		return s, status(apdu.SWCLANotSupported)
	}
	c, err := apdu.Parse(b)
	if err != nil {
		return s, status(apdu.SWWrongLength)
	}
	switch {
	case cla == 0x80 && ins == 0x2A:
		return m.sign(s, c)
	case cla == 0x80 && ins == 0xEE:
		return m.control(s, c)
	case cla == 0x80 && ins == 0xAE:
		return m.sessionKey(s, c)
	case cla == 0x80 && ins == 0x32:
		if c.P1 != 0 {
			return s, status(apdu.SWIncorrectP1P2)
		}
		return m.change(s, c)
	case cla == 0x80 && ins == 0xA2:
		// No terminal certificate verifies: 6700 for the data-bearing
		// 80 A2 00 C1, 6A86 for every other form (docs/card-behaviour.md).
		if c.P1P2() == 0x00C1 && len(c.Data) > 0 {
			return s, status(apdu.SWWrongLength)
		}
		return s, status(apdu.SWIncorrectP1P2)
	}
	switch ins {
	case 0xA4:
		return m.sel(s, c)
	case 0xB0:
		return m.read(s, c)
	case 0x20:
		return m.verify(s, c)
	case 0x24:
		if c.P1 != 0x01 {
			return s, status(apdu.SWIncorrectP1P2)
		}
		return m.change(s, c)
	case 0x84:
		switch {
		case c.P1P2() != 0:
			return s, status(apdu.SWIncorrectP1P2)
		case len(c.Data) > 0 || c.Ne == 0:
			return s, status(apdu.SWWrongLength)
		case c.Extended:
			return s, status(apdu.SWConditionsNotSatisfied)
		}
		return s, Expect{SW: apdu.SWOK, Kind: Random, N: c.Ne}
	case 0xB2:
		return m.readRecord(s, c)
	case 0x88:
		return m.internalAuthenticate(s, c)
	case 0xCA:
		if len(c.Data) > 0 || c.Ne == 0 {
			return s, status(apdu.SWWrongLength)
		}
		switch {
		case c.P1P2() == 0x5F51:
			return s, ok(trunc(m.c.ATR[1:], c.Ne))
		case c.P1P2() == 0xDF6A && !m.c.PoseAsRealCard:
			return s, ok(trunc([]byte("JPKISIM-VIRTUAL-CARD TEST-ONLY profile="+m.c.Profile), c.Ne))
		}
		if f := m.c.CardFace; f != nil && df == AtISD {
			if d, found := f.MFData[c.P1P2()]; found {
				if len(d) > 256 && !c.Extended {
					return s, status(apdu.SWWrongLength)
				}
				return s, ok(trunc(d, c.Ne))
			}
		}
		return s, status(apdu.SWReferenceNotFound)
	}
	return s, status(apdu.SWINSNotSupported)
}

func trunc(b []byte, n int) []byte {
	if n < len(b) {
		return b[:n]
	}
	return b
}

// lookup finds an EF of the current DF: the ISD holds only the internal EF
// 001E.
func (m *Model) lookup(s State, fid uint16) (file, bool) {
	f, ok := m.files[s.DF][fid]
	return f, ok
}

// aids are the DF names by Where (card.md §1).
var aids = [numDFs][]byte{
	AtISD:     {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00},
	AtJPKI:    {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01},
	AtKenhojo: {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08},
	AtKenkaku: {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02},
	AtCommon:  {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00},
	AtJuki:    {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01},
}

func (m *Model) sel(s State, c apdu.Command) (State, Expect) {
	switch c.P1 {
	case 0x00:
		if s.DF == AtISD {
			return s, status(apdu.SWIncorrectP1P2)
		}
		return s, ok(nil)
	case 0x02:
		if c.P2 != 0x0C && c.P2 != 0x00 && c.P2 != 0x04 {
			return s, status(apdu.SWIncorrectP1P2)
		}
		if len(c.Data) != 2 {
			return s, status(apdu.SWWrongLength)
		}
		fid := uint16(c.Data[0])<<8 | uint16(c.Data[1])
		f, found := m.lookup(s, fid)
		if !found {
			return s, status(apdu.SWFileNotFound)
		}
		if m.c.Settings.SelectChecksReadAccess && !readable(s, f) {
			return s, status(apdu.SWSecurityNotSatisfied)
		}
		s.EF = fid
		if c.P2 == 0x0C || c.Ne == 0 {
			return s, ok(nil)
		}
		var fcp []byte
		switch f.kind {
		case 't', 'x':
			fcp = []byte{0x80, 0x02, byte(len(f.data) >> 8), byte(len(f.data)), 0x82, 0x01, 0x01}
		case 'r':
			fcp = []byte{0x82, 0x01, 0x04}
		default:
			fcp = []byte{0x82, 0x01, 0x09}
		}
		fcp = append(fcp, 0x83, 0x02, byte(fid>>8), byte(fid))
		return s, ok(trunc(append([]byte{0x62, byte(len(fcp))}, fcp...), c.Ne))
	case 0x04:
	default:
		return s, status(apdu.SWIncorrectP1P2)
	}
	next := c.P2 & 0x03
	if (next != 0 && next != 2) || (c.P2&0xFC != 0 && c.P2&0xFC != 0x0C) {
		return s, status(apdu.SWIncorrectP1P2)
	}
	if len(c.Data) < 1 || len(c.Data) > 16 {
		return s, status(apdu.SWWrongLength)
	}
	for _, w := range m.apps {
		if next == 2 && w <= s.DF {
			continue
		}
		aid := aids[w]
		if bytes.HasPrefix(aid, c.Data) {
			s.DF, s.EF = w, 0
			if m.c.Settings.SelectDFClearsSecurity {
				s.Verified = [NumPINs]bool{}
			}
			if c.P2&0x0C == 0x0C || c.Ne == 0 {
				return s, ok(nil)
			}
			fci := append([]byte{0x6F, byte(len(aid) + 2), 0x84, byte(len(aid))}, aid...)
			return s, ok(trunc(fci, c.Ne))
		}
	}
	return s, status(apdu.SWFileNotFound)
}

func (m *Model) read(s State, c apdu.Command) (State, Expect) {
	off := int(c.P1)<<8 | int(c.P2)
	if c.P1&0x80 != 0 {
		sfi := c.P1 & 0x1F
		if c.P1&0x60 != 0 || sfi == 0 {
			return s, status(apdu.SWIncorrectP1P2)
		}
		if _, found := m.lookup(s, uint16(sfi)); !found {
			return s, status(apdu.SWFileNotFound)
		}
		s.EF, off = uint16(sfi), int(c.P2)
	}
	if len(c.Data) > 0 || c.Ne == 0 {
		return s, status(apdu.SWWrongLength)
	}
	if s.EF == 0 {
		return s, status(apdu.SWNoCurrentEF)
	}
	f, _ := m.lookup(s, s.EF)
	switch {
	case f.kind == 'p' || f.kind == 'k' || f.kind == 'r':
		return s, status(apdu.SWIncompatibleFile)
	case !readable(s, f):
		return s, status(apdu.SWSecurityNotSatisfied)
	case off >= len(f.data) && m.c.Settings.ReadPastEndEmptyOK:
		return s, ok(nil)
	case off >= len(f.data):
		return s, status(apdu.SWWrongP1P2)
	}
	return s, ok(trunc(f.data[off:], c.Ne))
}

// readable reports whether the read condition of a transparent or record
// EF is met: EF 0009 never, a protected EF once any one of the key
// references that open it is verified. Key and PIN EFs are not read (READ
// BINARY answers 6981, whatever the PIN).
func readable(s State, f file) bool {
	switch {
	case f.kind == 'x':
		return false
	case (f.kind == 't' || f.kind == 'r') && f.readBy != nil:
		for _, p := range f.readBy {
			if s.Verified[p] {
				return true
			}
		}
		return false
	}
	return true
}

// ref resolves P2 = 80 (current EF) or 80|SFI for VERIFY, CHANGE REFERENCE
// DATA, signatures and INTERNAL AUTHENTICATE.
func (m *Model) ref(s State, p2 byte, kind byte) (uint16, file, apdu.StatusWord) {
	if p2&0xE0 != 0x80 {
		return 0, file{}, apdu.SWIncorrectP1P2
	}
	fid := s.EF
	if sfi := p2 & 0x1F; sfi != 0 {
		fid = uint16(sfi)
	} else if fid == 0 {
		return 0, file{}, apdu.SWNoCurrentEF
	}
	f, found := m.lookup(s, fid)
	if !found || f.kind != kind {
		return 0, file{}, apdu.SWReferenceNotFound
	}
	return fid, f, 0
}

func (m *Model) verify(s State, c apdu.Command) (State, Expect) {
	if c.P1 != 0 {
		return s, status(apdu.SWIncorrectP1P2)
	}
	_, f, e := m.ref(s, c.P2, 'p')
	if e != 0 {
		return s, status(e)
	}
	if c.Ne != 0 {
		return s, status(apdu.SWWrongLength)
	}
	p := f.pin
	switch {
	case len(c.Data) == 0 && s.Verified[p] && m.c.Settings.EmptyVerifyOKWhenVerified:
		return s, ok(nil)
	case len(c.Data) == 0:
		return s, status(apdu.VerifyFailed(s.Tries[p]))
	case s.Tries[p] == 0 && m.c.Settings.BlockedVerifySW != 0:
		return s, status(m.c.Settings.BlockedVerifySW)
	case s.Tries[p] == 0:
		return s, status(apdu.SWReferenceDataUnusable)
	case len(c.Data) > maxLen[p] && !m.c.Settings.OverlongVerifyCounts:
		return s, status(apdu.SWWrongLength)
	case string(c.Data) == s.Values[p]:
		s.Tries[p], s.Verified[p] = MaxTries[p], true
		return s, ok(nil)
	}
	s.Tries[p]--
	s.Verified[p] = false
	return s, status(apdu.VerifyFailed(s.Tries[p]))
}

// ValidPIN is the format the chip checks on a new value (rules.md PIN-01,
// PIN-06; the letter-and-digit mix is the office's rule): the signing
// password 6-16 of A-Z 0-9, every other PIN 4 digits.
func ValidPIN(p PIN, v []byte) bool {
	if p != Sign {
		if len(v) != 4 {
			return false
		}
		for _, ch := range v {
			if ch < '0' || ch > '9' {
				return false
			}
		}
		return true
	}
	if len(v) < 6 || len(v) > 16 {
		return false
	}
	for _, ch := range v {
		if !(ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z') {
			return false
		}
	}
	return true
}

// change is CHANGE REFERENCE DATA (00 24 01, the JPKI and Kenhojo PINs) and
// CHANGE KEY (80 32 00, the common card and Juki PINs), P1 checked by the
// caller: after a VERIFY of the old value. 照合番号A and B are the card
// face's, which the holder cannot change (6982).
func (m *Model) change(s State, c apdu.Command) (State, Expect) {
	_, f, e := m.ref(s, c.P2, 'p')
	if e != 0 {
		return s, status(e)
	}
	p := f.pin
	switch {
	case len(c.Data) == 0 || c.Ne != 0:
		return s, status(apdu.SWWrongLength)
	case s.Tries[p] == 0:
		return s, status(apdu.SWReferenceDataUnusable)
	case p == KenhojoA || p == KenhojoB:
		return s, status(apdu.SWSecurityNotSatisfied)
	case !s.Verified[p]:
		return s, status(apdu.SWSecurityNotSatisfied)
	case !ValidPIN(p, c.Data):
		return s, status(apdu.SWWrongData)
	}
	s.Values[p], s.Tries[p] = string(c.Data), MaxTries[p]
	return s, ok(nil)
}

// readRecord is READ RECORD 00 B2 P1 P2: P2 = SFI<<3 | mode, mode 04 the
// record P1, 05 the records from P1 to the last (card.md §5.3).
func (m *Model) readRecord(s State, c apdu.Command) (State, Expect) {
	if len(c.Data) > 0 || c.Ne == 0 {
		return s, status(apdu.SWWrongLength)
	}
	if sfi := c.P2 >> 3; sfi != 0 {
		if _, found := m.lookup(s, uint16(sfi)); !found {
			return s, status(apdu.SWFileNotFound)
		}
		s.EF = uint16(sfi)
	}
	if s.EF == 0 {
		return s, status(apdu.SWNoCurrentEF)
	}
	f, _ := m.lookup(s, s.EF)
	mode := c.P2 & 0x07
	switch {
	case f.kind != 'r':
		return s, status(apdu.SWIncompatibleFile)
	case !readable(s, f):
		return s, status(apdu.SWSecurityNotSatisfied)
	case mode != 4 && mode != 5:
		return s, status(apdu.SWIncorrectP1P2)
	case c.P1 == 0 || int(c.P1) > len(f.records):
		return s, status(apdu.SWRecordNotFound)
	}
	data := f.records[c.P1-1]
	if mode == 5 {
		data = bytes.Join(f.records[c.P1-1:], nil)
	}
	return s, ok(trunc(data, c.Ne))
}

func (m *Model) sign(s State, c apdu.Command) (State, Expect) {
	if c.P1 > 5 {
		return s, status(apdu.SWIncorrectP1P2)
	}
	var f file
	if c.P2 == 0 && (s.DF == AtKenhojo || s.DF == AtKenkaku) {
		// P2 = 00 names the application's own key (card.md §5.6).
		for _, g := range m.files[s.DF] {
			if g.own {
				f = g
			}
		}
	} else {
		var e apdu.StatusWord
		if _, f, e = m.ref(s, c.P2, 'k'); e != 0 {
			return s, status(e)
		}
	}
	switch {
	case f.own:
	case f.pin < 0:
		return s, status(apdu.SWConditionsNotSatisfied) // a key reference with no key
	case !s.Verified[f.pin]:
		return s, status(apdu.SWSecurityNotSatisfied)
	}
	n := len(c.Data)
	switch {
	case c.Ne < 256:
		return s, status(apdu.SWWrongLength)
	case c.P1 == 0 && (n < 1 || n > 245):
		return s, status(apdu.SWWrongLength)
	case (c.P1 == 1 || c.P1 == 3 || c.P1 == 5) && (n < 1 || n > 255):
		return s, status(apdu.SWWrongLength)
	case (c.P1 == 2 || c.P1 == 4) && n != 32:
		return s, status(apdu.SWWrongLength)
	}
	e := Expect{SW: apdu.SWOK, Kind: Signature, N: 256, Scheme: c.P1, Input: append([]byte(nil), c.Data...)}
	if f.own {
		e.Pub = f.pub
		return s, e
	}
	if m.c.Settings.SigningConsumesSecurity {
		s.Verified[f.pin] = false
	}
	e.Key = f.pin
	return s, e
}

// internalAuthenticate is 00 88 00 P2 (card.md §5.7): the common card's key
// 0019 signs the challenge (sha256WithRSAEncryption) without a credential;
// the own keys of the card-face applications answer 6985, the JPKI keys
// 6982.
func (m *Model) internalAuthenticate(s State, c apdu.Command) (State, Expect) {
	if c.P1 != 0 {
		return s, status(apdu.SWIncorrectP1P2)
	}
	_, f, e := m.ref(s, c.P2, 'k')
	switch {
	case e != 0:
		return s, status(e)
	case f.own:
		return s, status(apdu.SWConditionsNotSatisfied)
	case !f.auth:
		return s, status(apdu.SWSecurityNotSatisfied)
	case len(c.Data) < 1 || len(c.Data) > 255 || c.Ne < 256:
		return s, status(apdu.SWWrongLength)
	}
	return s, Expect{SW: apdu.SWOK, Kind: Signature, N: 256, Pub: f.pub, Scheme: 0x03, Input: append([]byte(nil), c.Data...)}
}

// sessionKey is SET SESSION KEY 80 AE 00 00 in Kenhojo (card.md §5.10,
// §8.1; the other DFs answer in Step): after the Kenhojo PIN, data that
// decrypts (RSA-OAEP, SHA-256) to A0 22 80 20 and 32 bytes. A delivered key
// changes nothing else: secure messaging is not modelled.
func (m *Model) sessionKey(s State, c apdu.Command) (State, Expect) {
	switch {
	case c.P1P2() != 0:
		return s, status(apdu.SWIncorrectP1P2)
	case len(c.Data) == 0 || c.Ne != 0:
		return s, status(apdu.SWWrongLength)
	case !s.Verified[KenhojoPIN]:
		return s, status(apdu.SWSecurityNotSatisfied)
	}
	k := m.c.CardFace.KenhojoSessionKey
	if k == nil {
		return s, status(apdu.SWWrongData)
	}
	msg, err := rsa.DecryptOAEP(sha256.New(), nil, k, c.Data, nil)
	if err != nil || len(msg) != 36 || !bytes.HasPrefix(msg, []byte{0xA0, 0x22, 0x80, 0x20}) {
		return s, status(apdu.SWWrongData)
	}
	return s, ok(nil)
}

// Reset is a warm reset or a power cycle: the volatile state goes, the
// counters and values stay (card.md §5.11).
func Reset(s State) State {
	return State{Powered: true, DF: AtISD, Tries: s.Tries, Values: s.Values}
}

// control is the virtual card's test-control commands (80 EE,
// docs/card-behaviour.md "Commands only the virtual card has") on a card
// whose snapshot no run holds, the one a sequence starts from: the restore
// without a run token returns to it (Fresh); a restore or release with a
// token is refused (6985) and changes nothing. The snapshot command answers
// 9000 and is not followed further: what a later restore returns to is
// outside the model, and the generators never send it.
func (m *Model) control(s State, c apdu.Command) (State, Expect) {
	if c.P2 != 0 || c.P1 > 0x02 {
		return s, status(apdu.SWIncorrectP1P2)
	}
	const data, maxToken = "JPKISIM-RESTORE", 32
	d := string(c.Data)
	if !strings.HasPrefix(d, data) || len(d) > len(data)+maxToken || c.Ne != 0 {
		return s, status(apdu.SWWrongData)
	}
	token := d[len(data):]
	switch {
	case c.P1 == 0x01:
		return s, ok(nil)
	case c.P1 == 0x02 && token == "":
		return s, status(apdu.SWWrongData)
	case token != "":
		return s, status(apdu.SWConditionsNotSatisfied)
	}
	return m.Fresh(), ok(nil)
}
