// Package model is an independent model of the JPKI card: what each C-APDU
// must answer in each state, written from the card reference (card.md) and
// the project's decisions (docs/card-behaviour.md), not from the
// simulator's code. The property tests run random command sequences against
// a card and the model side by side; two implementations that must agree.
//
// The model is deliberately shaped differently from the simulator: one
// value type for the whole state, one table of files, and one function,
// Step, from a state and the bytes of a C-APDU to the next state and the
// expected answer.
package model

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/jpkisim/jpkisim/apdu"
)

// Where is the current DF.
type Where int

// The DFs a card session can be in.
const (
	AtISD  Where = iota // the security domain, current after reset
	AtJPKI              // the JPKI application
)

// PIN indexes the two JPKI PINs.
type PIN int

// The two PINs.
const (
	Auth PIN = iota // EF 0018, 4 digits, 3 tries
	Sign            // EF 001B, 6-16 of A-Z 0-9, 5 tries
)

// MaxTries of each PIN (rules.md RETRY-01, RETRY-02).
var MaxTries = [2]int{3, 5}

// State is everything the model tracks. It is a value: Step returns a new
// one and never changes its input.
type State struct {
	Powered  bool
	DF       Where
	EF       uint16 // 0: no current EF
	Verified [2]bool
	Tries    [2]int
	Values   [2]string
}

// Fresh is the state of a new card with the given PINs, powered, after reset.
func Fresh(authPIN, signPIN string) State {
	return State{Powered: true, DF: AtISD, Tries: MaxTries, Values: [2]string{authPIN, signPIN}}
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
	Key    PIN
	Scheme byte
	Input  []byte
}

// file is one EF of the model's table.
type file struct {
	kind    byte   // 't' transparent, 'p' PIN, 'k' key, 'x' protected forever
	data    []byte // transparent content
	readPIN int    // -1 free, else the PIN that opens it
	pin     PIN    // for 'p' files, and for 'k' files the PIN that unlocks the key
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
	// Tries a new card starts with; zero values mean the maximum.
	InitialTries *[2]int
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
	c    Content
	jpki map[uint16]file
}

// New builds the model of a card with this content (card.md §4.1).
func New(c Content) *Model {
	pad := func(der []byte) []byte {
		out := bytes.Repeat([]byte{c.CertFiller}, c.CertEFSize)
		copy(out, der)
		return out
	}
	authRead := -1
	if c.AuthCertNeedsPIN {
		authRead = int(Auth)
	}
	signingCert, signingKeyPIN := c.SigningCert, Sign
	if c.NoSigningCert {
		signingCert, signingKeyPIN = nil, -1
	}
	m := &Model{c: c, jpki: map[uint16]file{
		0x0001: {kind: 't', data: pad(signingCert), readPIN: int(Sign)},
		0x0002: {kind: 't', data: pad(c.SigningCACert), readPIN: -1},
		0x0006: {kind: 't', data: tokenInfo(c.TokenLabel, c.TokenSerial), readPIN: -1},
		0x0008: {kind: 't', data: append([]byte(nil), c.CertPresence...), readPIN: -1},
		0x0009: {kind: 'x', data: make([]byte, 32)},
		0x000A: {kind: 't', data: pad(c.AuthCert), readPIN: authRead},
		0x000B: {kind: 't', data: pad(c.AuthCACert), readPIN: -1},
		0x0010: {kind: 'k', pin: -1},
		0x0016: {kind: 'k', pin: -1},
		0x0017: {kind: 'k', pin: Auth},
		0x0018: {kind: 'p', pin: Auth},
		0x001A: {kind: 'k', pin: signingKeyPIN},
		0x001B: {kind: 'p', pin: Sign},
	}}
	return m
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
	if m.c.InitialTries != nil {
		s.Tries = *m.c.InitialTries
	}
	return s
}

// Settings returns the card's open-question settings (Content.Settings).
func (m *Model) Settings() Settings { return m.c.Settings }

// FileData returns the content of a JPKI EF, for checks of what was read.
func (m *Model) FileData(fid uint16) []byte { return m.jpki[fid].data }

func ok(data []byte) Expect { return Expect{SW: apdu.SWOK, Kind: Exact, Data: data} }

func status(s apdu.StatusWord) Expect { return Expect{SW: s} }

// Step is the card's behaviour: from state s and the bytes of one C-APDU,
// the next state and the answer the card must give. An unpowered card
// answers nothing; callers power it first.
func (m *Model) Step(s State, b []byte) (State, Expect) {
	if len(b) < 4 {
		return s, status(apdu.SWWrongLength)
	}
	cla, ins := b[0], b[1]
	inJPKI := s.DF == AtJPKI
	// Class and instruction first, as the card OS checks the header.
	switch cla {
	case 0x00:
		switch ins {
		case 0xA4, 0xB0, 0x20, 0x24, 0x84, 0xB2, 0x88, 0xCA:
		default:
			return s, status(apdu.SWINSNotSupported)
		}
	case 0x80:
		switch {
		case ins == 0x2A:
		case ins == 0xAE && inJPKI:
			return s, status(apdu.SWSecurityNotSatisfied)
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
		if ins == 0xB0 && inJPKI {
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
		if c.P1 != 0 {
			return s, status(apdu.SWIncorrectP1P2)
		}
		if _, _, e := m.ref(s, c.P2, 'k'); e != 0 {
			return s, status(e)
		}
		return s, status(apdu.SWSecurityNotSatisfied)
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

// files of the current DF: the ISD holds only the internal EF 001E.
func (m *Model) lookup(s State, fid uint16) (file, bool) {
	if s.DF == AtISD {
		if fid == 0x001E {
			return file{kind: 'k', pin: -1}, true
		}
		return file{}, false
	}
	f, ok := m.jpki[fid]
	return f, ok
}

var aids = [][]byte{
	{0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00},                   // ISD
	{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}, // JPKI
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
		if f.kind == 't' || f.kind == 'x' {
			fcp = []byte{0x80, 0x02, byte(len(f.data) >> 8), byte(len(f.data)), 0x82, 0x01, 0x01}
		} else {
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
	for i, aid := range aids {
		if next == 2 && Where(i) <= s.DF {
			continue
		}
		if bytes.HasPrefix(aid, c.Data) {
			s.DF, s.EF = Where(i), 0
			if m.c.Settings.SelectDFClearsSecurity {
				s.Verified = [2]bool{}
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
	case f.kind == 'p' || f.kind == 'k':
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

// readable reports whether the read condition of a transparent EF is met:
// EF 0009 never, a protected EF once its PIN is verified. Key and PIN EFs
// are not transparent (READ BINARY answers 6981, whatever the PIN).
func readable(s State, f file) bool {
	switch {
	case f.kind == 'x':
		return false
	case f.kind == 't' && f.readPIN >= 0:
		return s.Verified[f.readPIN]
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

var maxLen = [2]int{4, 16}

// ValidPIN is the format the chip checks on a new value (rules.md PIN-01,
// PIN-06; the letter-and-digit mix is the office's rule).
func ValidPIN(p PIN, v []byte) bool {
	if p == Auth {
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

func (m *Model) change(s State, c apdu.Command) (State, Expect) {
	if c.P1 != 0x01 {
		return s, status(apdu.SWIncorrectP1P2)
	}
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
	case !s.Verified[p]:
		return s, status(apdu.SWSecurityNotSatisfied)
	case !ValidPIN(p, c.Data):
		return s, status(apdu.SWWrongData)
	}
	s.Values[p], s.Tries[p] = string(c.Data), MaxTries[p]
	return s, ok(nil)
}

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
	return s, status(apdu.SWIncompatibleFile) // no record-structured EF
}

func (m *Model) sign(s State, c apdu.Command) (State, Expect) {
	if c.P1 > 5 {
		return s, status(apdu.SWIncorrectP1P2)
	}
	_, f, e := m.ref(s, c.P2, 'k')
	if e != 0 {
		return s, status(e)
	}
	if f.pin < 0 {
		return s, status(apdu.SWConditionsNotSatisfied) // a key reference with no key
	}
	if !s.Verified[f.pin] {
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
	if m.c.Settings.SigningConsumesSecurity {
		s.Verified[f.pin] = false
	}
	return s, Expect{SW: apdu.SWOK, Kind: Signature, N: 256, Key: f.pin, Scheme: c.P1, Input: append([]byte(nil), c.Data...)}
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
