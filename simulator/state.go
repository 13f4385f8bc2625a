package simulator

import (
	"bytes"
	"crypto/rsa"
	"encoding/binary"

	"github.com/jpkisim/jpkisim/jpki"
)

// EFKind is the structure of an elementary file as the card OS sees it.
type EFKind int

// Kinds of EF. Key and PIN EFs are internal EFs: never readable (6981).
const (
	Transparent EFKind = iota // working EF, read with READ BINARY
	PINObject                 // reference data with a retry counter
	KeyObject                 // RSA private key
	Record                    // working EF of records, read with READ RECORD (docs/card.md §4.4, §5.3)
)

// Access is a read or use condition: free, never, or after any one of up
// to three PIN EFs of the same application was verified — PIN, or one of
// Or (docs/card.md §4.2: Kenhojo EF 0003 opens after the PIN 0011,
// 照合番号A 0014 or 照合番号B 0015). A JPKI condition names one PIN and
// leaves Or empty. Access is comparable: two conditions are the same when
// they are ==, so Or lists its FIDs in the order AnyOf was given them.
type Access struct {
	Never bool
	PIN   uint16    // 0: no PIN needed
	Or    [2]uint16 // further PIN EFs, any of which opens as PIN does; 0: none
}

// Free is the access condition of a file anyone may read.
var Free = Access{}

// AnyOf is the condition "after any one of these PIN EFs was verified",
// for one to three FIDs, none of them 0; it panics otherwise (a table of
// the card names them).
func AnyOf(fids ...uint16) Access {
	if len(fids) == 0 || len(fids) > 3 {
		panic("simulator.AnyOf: one to three PIN EFs")
	}
	var a Access
	a.PIN = fids[0]
	copy(a.Or[:], fids[1:])
	for _, f := range fids {
		if f == 0 {
			panic("simulator.AnyOf: FID 0")
		}
	}
	return a
}

// PINs returns the FIDs of the PIN EFs that open the condition, PIN
// first; none for a free or a never condition.
func (a Access) PINs() []uint16 {
	if a.Never || a.PIN == 0 {
		return nil
	}
	out := []uint16{a.PIN}
	for _, f := range a.Or {
		if f != 0 {
			out = append(out, f)
		}
	}
	return out
}

// PIN is reference data with its retry counter (persistent; card.md §6).
type PIN struct {
	Value     []byte
	MaxTries  int
	Remaining int
	Format    jpki.Format
}

// Blocked reports whether the retry counter is exhausted.
func (p *PIN) Blocked() bool { return p.Remaining <= 0 }

// EF is one elementary file of an application.
type EF struct {
	FID  uint16
	Kind EFKind
	// Read is the READ BINARY condition of a transparent EF and the READ
	// RECORD condition of a record EF; for a key EF it is the condition to
	// use the key.
	Read Access
	Data []byte // transparent content
	// Records are the records of a Record EF, record 1 first, each as READ
	// RECORD returns it (docs/card.md §5.3, §8.3).
	Records [][]byte
	PIN     *PIN
	// Key is the RSA key of a key EF; on a transparent EF, the private half
	// of the public key it holds, which the card keeps with it (Kenhojo EF
	// 0006, for SET SESSION KEY), nil on every other.
	Key *rsa.PrivateKey
}

// SFI returns the short EF identifier (1..30) of EFs 0001..001E, or 0.
func (e *EF) SFI() byte {
	sfi, _ := jpki.SFI(e.FID)
	return sfi
}

// Application is a DF selected by name, with its EFs.
type Application struct {
	Name string
	AID  []byte
	EFs  []*EF
}

// EF returns the EF with that FID, or nil.
func (a *Application) EF(fid uint16) *EF {
	for _, e := range a.EFs {
		if e.FID == fid {
			return e
		}
	}
	return nil
}

// EFBySFI returns the EF with that short identifier, or nil.
func (a *Application) EFBySFI(sfi byte) *EF {
	if sfi == 0 {
		return nil
	}
	for _, e := range a.EFs {
		if e.SFI() == sfi {
			return e
		}
	}
	return nil
}

// State is the persistent part of a card, its EEPROM: applications, files,
// keys, reference data and retry counters. It survives power-off and reset;
// writing it to disk is the job of a Persister.
type State struct {
	Apps []*Application
	// MFData are the card-level data objects GET DATA answers while the ISD
	// is current, by tag (docs/card.md §5.9; CardFace.MFData); nil on a
	// card without the card-face applications.
	MFData map[uint16][]byte
}

// App returns the application with exactly this AID, or nil.
func (s *State) App(aid []byte) *Application {
	for _, a := range s.Apps {
		if bytes.Equal(a.AID, aid) {
			return a
		}
	}
	return nil
}

// NewState builds the persistent state of a fresh card from a profile: the
// ISD with its one internal EF, the JPKI application with the EFs of
// card.md §4.1 and, when the profile has a CardFace, the Kenhojo, Kenkaku,
// common card and Juki applications of card.md §4.2–§4.4, in that order,
// and the card-level GET DATA objects (docs/card-behaviour.md, "The
// card-face, common card and Juki applications"). Mutable content is
// copied, keys are shared.
func NewState(p *Profile) (*State, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	isd := &Application{Name: "ISD", AID: jpki.ISD.AID(), EFs: []*EF{
		{FID: jpki.EFISDInternal, Kind: KeyObject, Read: Access{Never: true}},
	}}
	presence := p.CertPresence
	if presence == nil {
		presence = []byte{0x8F, 0x8F, 0x00}
	}
	authCertRead := Free
	if p.AuthCertNeedsPIN {
		authCertRead = Access{PIN: jpki.EFAuthPIN}
	}
	size := p.certEFSize()
	signingCert, signingKey := p.SigningCert, p.SigningKey
	if p.NoSigningCert {
		signingCert, signingKey = nil, nil
	}
	tries := func(n *int, max int) int {
		if n == nil {
			return max
		}
		return *n
	}
	japp := &Application{Name: "JPKI", AID: jpki.JPKI.AID(), EFs: []*EF{
		{FID: jpki.EFSigningCert, Read: Access{PIN: jpki.EFSigningPIN}, Data: padded(signingCert, size, p.CertFiller)},
		{FID: jpki.EFSigningCACert, Read: Free, Data: padded(p.SigningCACert, size, p.CertFiller)},
		{FID: jpki.EFTokenInfo, Read: Free, Data: TokenInfo(p.TokenLabel, p.TokenSerial)},
		{FID: jpki.EFCertPresence, Read: Free, Data: clone(presence)},
		{FID: jpki.EFUnknown09, Read: Access{Never: true}, Data: make([]byte, 32)},
		{FID: jpki.EFAuthCert, Read: authCertRead, Data: padded(p.AuthCert, size, p.CertFiller)},
		{FID: jpki.EFAuthCACert, Read: Free, Data: padded(p.AuthCACert, size, p.CertFiller)},
		{FID: jpki.EFKeyRef10, Kind: KeyObject, Read: Access{Never: true}},
		{FID: jpki.EFTerminalCAKey, Kind: KeyObject, Read: Access{Never: true}},
		{FID: jpki.EFAuthKey, Kind: KeyObject, Read: Access{PIN: jpki.EFAuthPIN}, Key: p.AuthKey},
		{FID: jpki.EFAuthPIN, Kind: PINObject, PIN: &PIN{Value: clone(p.AuthPIN), MaxTries: jpki.AuthPIN.MaxTries(), Remaining: tries(p.AuthTriesLeft, jpki.AuthPIN.MaxTries()), Format: jpki.AuthPIN.Format()}},
		{FID: jpki.EFSigningKey, Kind: KeyObject, Read: Access{PIN: jpki.EFSigningPIN}, Key: signingKey},
		{FID: jpki.EFSigningPIN, Kind: PINObject, PIN: &PIN{Value: clone(p.SigningPIN), MaxTries: jpki.SigningPIN.MaxTries(), Remaining: tries(p.SigningTriesLeft, jpki.SigningPIN.MaxTries()), Format: jpki.SigningPIN.Format()}},
	}}
	st := &State{Apps: []*Application{isd, japp}}
	if f := p.CardFace; f != nil {
		st.Apps = append(st.Apps, kenhojoApp(f), kenkakuApp(f), commonApp(f), jukiApp(f))
		st.MFData = cloneFiles(f.MFData)
	}
	return st, nil
}

// fileSpec is one transparent EF of a card-face application: its FID, what
// opens it, and its exact size (0: any, 1 to MaxEFSize bytes).
type fileSpec struct {
	fid  uint16
	read Access
	size int
}

// MaxEFSize is the largest transparent EF or GET DATA object of the
// card-face, common card and Juki applications, in bytes: the last offset
// READ BINARY can address (P1-P2, 15 bits).
const MaxEFSize = 0x7FFF

// transparentEFs builds the EFs of specs with their content from files.
func transparentEFs(specs []fileSpec, files map[uint16][]byte) []*EF {
	out := make([]*EF, len(specs))
	for i, s := range specs {
		out[i] = &EF{FID: s.fid, Read: s.read, Data: clone(files[s.fid])}
	}
	return out
}

// pinEF builds a PIN object with its retry counter at max, or at *left.
func pinEF(fid uint16, value []byte, max int, left *int, format jpki.Format) *EF {
	n := max
	if left != nil {
		n = *left
	}
	return &EF{FID: fid, Kind: PINObject, PIN: &PIN{Value: clone(value), MaxTries: max, Remaining: n, Format: format}}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func padded(der []byte, size int, filler byte) []byte {
	out := make([]byte, size)
	n := copy(out, der)
	for i := n; i < size; i++ {
		out[i] = filler
	}
	return out
}

// TokenInfo builds the 160-byte EF 0006, a serialised PKCS#11 CK_TOKEN_INFO
// (card.md §7): text fields space-padded, integers 32-bit big-endian. An
// empty label means JPKIAPICCTOKEN2 (physical card); an empty serial means
// 0000000000000000. The other values follow myna-card's test layout.
func TokenInfo(label, serial string) []byte {
	if label == "" {
		label = "JPKIAPICCTOKEN2"
	}
	if serial == "" {
		serial = "0000000000000000"
	}
	b := make([]byte, 0, 160)
	b = appendPadded(b, label, 32)
	b = appendPadded(b, "00000000000000000000000000000001", 32) // manufacturerID
	b = appendPadded(b, "E16R01NJ", 16)                         // model
	b = appendPadded(b, serial, 16)                             // serialNumber
	for _, v := range []uint32{
		0x0000040D, // flags: RNG, LOGIN_REQUIRED, USER_PIN_INITIALIZED, TOKEN_INITIALIZED
		1, 0, 1, 0, // max sessions, sessions, max RW sessions, RW sessions
		16, 6, // max / min PIN length
		0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, // memory fields
	} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = append(b, "0301"...)    // hardware "03", firmware "01"
	b = appendPadded(b, "", 16) // utcTime
	return b
}

func appendPadded(b []byte, s string, n int) []byte {
	start := len(b)
	b = append(b, s...)
	for len(b)-start < n {
		b = append(b, ' ')
	}
	return b[:start+n]
}

// Clone returns a deep copy of the state: files, PIN objects and counters
// copied, keys shared (they are immutable).
func (s *State) Clone() *State {
	out := &State{MFData: cloneFiles(s.MFData)}
	for _, a := range s.Apps {
		ca := &Application{Name: a.Name, AID: clone(a.AID)}
		for _, e := range a.EFs {
			ce := *e
			ce.Data = clone(e.Data)
			if e.Records != nil {
				ce.Records = make([][]byte, len(e.Records))
				for i, r := range e.Records {
					ce.Records[i] = clone(r)
				}
			}
			if e.PIN != nil {
				p := *e.PIN
				p.Value = clone(e.PIN.Value)
				ce.PIN = &p
			}
			ca.EFs = append(ca.EFs, &ce)
		}
		out.Apps = append(out.Apps, ca)
	}
	return out
}
