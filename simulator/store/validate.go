package store

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/cardface"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// Size limits of a state file (docs/state-file.md, "Validation").
const (
	// MaxFileSize bounds a state file in bytes: a larger file is refused
	// before it is read, and a state whose encoding would be larger is never
	// written. The largest card the checks admit (four certificate EFs of
	// MaxCertEFSize, a hundred former certificates, MaxCardFaceSize of
	// card-face content) takes about 376 KiB.
	MaxFileSize = 512 << 10
	// MaxCardFaceSize bounds what the Kenhojo, Kenkaku, common card and
	// Juki applications' EFs and records and the card-level GET DATA
	// objects hold together, in bytes (each EF or object also at most
	// simulator.MaxEFSize).
	MaxCardFaceSize = 128 << 10
	// MaxCertEFSize bounds a certificate EF (0001, 0002, 000A, 000B) in
	// bytes: the last offset P1P2 of READ BINARY can reach (15 bits).
	MaxCertEFSize = 0x7FFF
	// maxSerialHex bounds a certificate serial: 20 octets (RFC 5280 §4.1.2.2).
	maxSerialHex = 40
)

// efShape is what the card holds in one EF: its kind, its access condition
// and the size of its content.
type efShape struct {
	kind  simulator.EFKind
	reads []simulator.Access // the access conditions the card may have
	// size is the exact size of a transparent EF's data; 0: 1..MaxCertEFSize.
	size int
	// key: a key EF that must hold its key (false: it may be empty).
	key bool
	// pin is the rule of a PIN object.
	pin *pinRule
	// sessionKey: a transparent EF that may keep the private half of the
	// public key it holds (Kenhojo 0006, the key of SET SESSION KEY).
	sessionKey bool
}

// pinRule is what a PIN object holds: its retry limit (and where the limit
// comes from), the format the card enforces, and the check of its value.
type pinRule struct {
	rule   string
	tries  int
	format jpki.Format
	check  func(string) error
}

var (
	never      = simulator.Access{Never: true}
	bySigning  = simulator.Access{PIN: jpki.EFSigningPIN}
	byAuth     = simulator.Access{PIN: jpki.EFAuthPIN}
	free       = simulator.Free
	certShape  = efShape{kind: simulator.Transparent, reads: []simulator.Access{free}}
	emptyKeyEF = efShape{kind: simulator.KeyObject, reads: []simulator.Access{never}}
)

// appShape is one application of the card: its name, AID and EFs.
type appShape struct {
	name string
	aid  []byte
	efs  map[uint16]efShape
}

// The applications of the card and their EFs (card.md §4.1, as
// simulator.NewState builds them), in card order: those of every card,
// in a version-1 file alone.
var cardApps = []appShape{
	{"ISD", jpki.ISD.AID(), map[uint16]efShape{jpki.EFISDInternal: emptyKeyEF}},
	{"JPKI", jpki.JPKI.AID(), map[uint16]efShape{
		jpki.EFSigningCert:   {kind: simulator.Transparent, reads: []simulator.Access{bySigning}},
		jpki.EFSigningCACert: certShape,
		jpki.EFTokenInfo:     {kind: simulator.Transparent, reads: []simulator.Access{free}, size: len(simulator.TokenInfo("", ""))},
		jpki.EFCertPresence:  {kind: simulator.Transparent, reads: []simulator.Access{free}, size: 3},
		jpki.EFUnknown09:     {kind: simulator.Transparent, reads: []simulator.Access{never}, size: 32},
		jpki.EFAuthCert:      {kind: simulator.Transparent, reads: []simulator.Access{free, byAuth}},
		jpki.EFAuthCACert:    certShape,
		jpki.EFKeyRef10:      emptyKeyEF,
		jpki.EFTerminalCAKey: emptyKeyEF,
		jpki.EFAuthKey:       {kind: simulator.KeyObject, reads: []simulator.Access{byAuth}, key: true},
		jpki.EFAuthPIN:       {kind: simulator.PINObject, pin: &pinRule{"RETRY-02", jpki.AuthPIN.MaxTries(), jpki.AuthPIN.Format(), rules.CheckFourDigitPIN}},
		jpki.EFSigningKey:    {kind: simulator.KeyObject, reads: []simulator.Access{bySigning}}, // none under 15 (AGE-01)
		// The chip does not check PIN-02's letter and digit: a value changed
		// with CHANGE REFERENCE DATA need not have both.
		jpki.EFSigningPIN: {kind: simulator.PINObject, pin: &pinRule{"RETRY-01", jpki.SigningPIN.MaxTries(), jpki.SigningPIN.Format(),
			func(v string) error { return rules.CheckSigningPassword(v, false) }}},
	}},
}

// The key references of the card-face applications (docs/card.md §4.2–§4.4,
// §6): the holder's 4-digit PINs, the values printed on the card (their
// limit the virtual card's, docs/card-behaviour.md, "The card-face, common
// card and Juki applications"), and Kenhojo 0012, blocked as issued: no
// value, no tries.
var (
	fourDigitRule = &pinRule{"RETRY-02", jpki.KenhojoPIN.MaxTries(), jpki.KenhojoPIN.Format(), rules.CheckFourDigitPIN}
	jukiRule      = &pinRule{"RETRY-02", jpki.JukiPIN.MaxTries(), jpki.JukiPIN.Format(), rules.CheckFourDigitPIN}
	aRule         = &pinRule{"docs/card-behaviour.md", jpki.VerificationTries, jpki.VerificationAFormat, noCheck}
	bRule         = &pinRule{"docs/card-behaviour.md", jpki.VerificationTries, jpki.VerificationBFormat, noCheck}
	birthRule     = &pinRule{"docs/card-behaviour.md", jpki.VerificationTries, jpki.BirthDateKeyFormat, noCheck}
	blockedRule   = &pinRule{"docs/card.md §4.2, blocked as issued", 0, jpki.Format{}, noCheck}
)

func noCheck(string) error { return nil }

// anyOf is the access condition after any one of these PINs.
func anyOf(fids ...uint16) []simulator.Access { return []simulator.Access{simulator.AnyOf(fids...)} }

var (
	faceFile   = func(reads []simulator.Access) efShape { return efShape{kind: simulator.Transparent, reads: reads} }
	freeFile   = faceFile([]simulator.Access{free})
	keyRef16   = efShape{kind: simulator.Transparent, reads: []simulator.Access{free}, size: 16}
	ownKey     = efShape{kind: simulator.KeyObject, reads: []simulator.Access{free}, key: true}
	kenhojoAny = anyOf(0x0011, 0x0014, 0x0015)
)

// faceApps are the applications a version-2 file holds after cardApps
// (docs/card.md §4.2–§4.4, as simulator.NewState builds them from a
// CardFace), in card order.
var faceApps = []appShape{
	{"Kenhojo", jpki.Kenhojo.AID(), map[uint16]efShape{
		0x0001: {kind: simulator.Transparent, reads: anyOf(0x0011, 0x0014), size: 17},
		0x0002: faceFile(anyOf(0x0011, 0x0015)),
		0x0003: faceFile(kenhojoAny),
		0x0004: freeFile,
		0x0005: freeFile,
		0x0006: {kind: simulator.Transparent, reads: kenhojoAny, sessionKey: true},
		0x0007: faceFile(kenhojoAny),
		0x0008: freeFile,
		0x0011: {kind: simulator.PINObject, pin: fourDigitRule},
		0x0012: {kind: simulator.PINObject, pin: blockedRule},
		0x0013: ownKey,
		0x0014: {kind: simulator.PINObject, pin: aRule},
		0x0015: {kind: simulator.PINObject, pin: bRule},
	}},
	{"Kenkaku", jpki.Kenkaku.AID(), map[uint16]efShape{
		0x0001: faceFile(anyOf(0x0011)),
		0x0002: faceFile(anyOf(0x0013, 0x0012)),
		0x0003: freeFile,
		0x0004: freeFile,
		0x0005: faceFile(anyOf(0x0013)),
		0x0006: faceFile(anyOf(0x0013, 0x0012)),
		0x0011: {kind: simulator.PINObject, pin: birthRule},
		0x0012: {kind: simulator.PINObject, pin: bRule},
		0x0013: {kind: simulator.PINObject, pin: aRule},
		0x001A: ownKey,
	}},
	{"Common", jpki.Common.AID(), map[uint16]efShape{
		0x0001: {kind: simulator.Record, reads: []simulator.Access{free}},
		0x0002: keyRef16,
		0x0019: ownKey,
		0x001C: {kind: simulator.PINObject, pin: jukiRule},
	}},
	{"Juki", jpki.Juki.AID(), map[uint16]efShape{
		0x0002: keyRef16,
		0x001C: {kind: simulator.PINObject, pin: jukiRule},
	}},
}

// profileName is what a profile name looks like (fixtures/profiles): never
// a path.
var profileName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// fieldError names the field of the file a check refused; it never holds
// the field's value.
type fieldError struct{ field, problem string }

func (e *fieldError) Error() string { return "field " + e.field + ": " + e.problem }

func refuse(field, format string, args ...any) error {
	return &fieldError{field, fmt.Sprintf(format, args...)}
}

// check validates a state and its meta against what the card can hold:
// the applications and EFs of card.md §4.1 with their kinds, access
// conditions and sizes, the PIN objects' formats and retry limits of
// package rules, and the office's record (statuses, reason names, dates).
// Errors name the field and never quote a value.
func check(st *simulator.State, m fileMeta, version int) error {
	if err := checkMeta(m); err != nil {
		return err
	}
	apps := cardApps
	if version == VersionCardFace {
		apps = append(slices.Clip(cardApps), faceApps...)
	}
	if len(st.Apps) != len(apps) {
		names := make([]string, len(apps))
		for i, a := range apps {
			names[i] = a.name
		}
		return refuse("body.apps", "a version-%d file holds %d applications (%s), not %d", version, len(apps), strings.Join(names, ", "), len(st.Apps))
	}
	for i, want := range apps {
		a := st.Apps[i]
		at := fmt.Sprintf("body.apps[%d]", i)
		if a.Name != want.name {
			return refuse(at+".name", "want %s", want.name)
		}
		if !bytes.Equal(a.AID, want.aid) {
			return refuse(at+".aid", "not the AID of the %s application", want.name)
		}
		seen := map[uint16]bool{}
		for j, e := range a.EFs {
			if err := checkEF(e, want.efs, seen, fmt.Sprintf("%s.efs[%d]", at, j)); err != nil {
				return err
			}
		}
		for fid := range want.efs {
			if !seen[fid] {
				return refuse(at+".efs", "EF %04X is missing", fid)
			}
		}
	}
	if err := checkCertificates(st.App(jpki.JPKI.AID())); err != nil {
		return err
	}
	if version != VersionCardFace {
		if len(st.MFData) > 0 {
			return refuse("body.mf_data", "a version-1 file holds no card-level objects")
		}
		return nil
	}
	return checkCardFace(st)
}

// checkCardFace checks what the card-face applications hold together (the
// applications' shapes were checked): the card-level objects, 照合番号A and
// B the same in Kenhojo and Kenkaku, Kenhojo EF 0001 holding the My Number
// of 照合番号A (FF 10 0C, the 12 digits, filler; docs/card.md §8.1), the
// key kept with Kenhojo EF 0006 the private half of the public key it
// holds, and all content within MaxCardFaceSize.
func checkCardFace(st *simulator.State) error {
	total := 0
	for _, tag := range slices.Sorted(maps.Keys(st.MFData)) {
		at := fmt.Sprintf("body.mf_data (object %04X)", tag)
		if !slices.Contains(simulator.MFDataTags, tag) {
			return refuse(at+".tag", "not a card-level object of docs/card.md §5.9")
		}
		n := len(st.MFData[tag])
		if n == 0 || n > simulator.MaxEFSize {
			return refuse(at+".data", "a card-level object holds 1 to %d bytes", simulator.MaxEFSize)
		}
		total += n
	}
	for i, a := range st.Apps[len(cardApps):] {
		for j, e := range a.EFs {
			total += len(e.Data)
			for _, r := range e.Records {
				total += len(r)
			}
			if total > MaxCardFaceSize {
				return refuse(fmt.Sprintf("body.apps[%d].efs[%d] (EF %04X)", len(cardApps)+i, j, e.FID),
					"the card-face applications and card-level objects hold at most %d bytes together", MaxCardFaceSize)
			}
		}
	}
	value := func(aid []byte, fid uint16) []byte { return st.App(aid).EF(fid).PIN.Value }
	kenhojo, kenkaku := jpki.Kenhojo.AID(), jpki.Kenkaku.AID()
	at := func(app int, fid uint16) string {
		for j, e := range st.Apps[app].EFs {
			if e.FID == fid {
				return fmt.Sprintf("body.apps[%d].efs[%d] (EF %04X)", app, j, fid)
			}
		}
		return fmt.Sprintf("EF %04X", fid) // not reached: check found every EF
	}
	kenkakuAt := len(cardApps) + 1
	if !bytes.Equal(value(kenhojo, 0x0014), value(kenkaku, 0x0013)) {
		return refuse(at(kenkakuAt, 0x0013)+".pin.value", "not 照合番号A of the Kenhojo application (EF 0014)")
	}
	if !bytes.Equal(value(kenhojo, 0x0015), value(kenkaku, 0x0012)) {
		return refuse(at(kenkakuAt, 0x0012)+".pin.value", "not 照合番号B of the Kenhojo application (EF 0015)")
	}
	if s := st.App(kenhojo).EF(0x0006); s.Key != nil {
		e, n, ok := faceKeyOf(s.Data)
		if !ok || new(big.Int).SetBytes(n).Cmp(s.Key.N) != 0 || new(big.Int).SetBytes(e).Cmp(big.NewInt(int64(s.Key.E))) != 0 {
			return refuse(at(len(cardApps), 0x0006)+".key", "not the private half of the public key EF 0006 holds (A1 { 90 e, 91 n })")
		}
	}
	myNumber := st.App(kenhojo).EF(0x0001).Data
	if !bytes.HasPrefix(myNumber, []byte{0xFF, 0x10, 0x0C}) || !bytes.Equal(myNumber[3:15], value(kenhojo, 0x0014)) || !filler(myNumber[15:]) {
		return refuse(at(len(cardApps), 0x0001)+".data", "not FF 10 0C, the My Number of 照合番号A (EF 0014) and filler")
	}
	return checkCardFaceSigned(st, at)
}

// cardFaceIssuers are the TEST-ONLY issuers of the card-face CV
// certificates (fixtures/pki), loaded once.
var cardFaceIssuers = sync.OnceValues(func() ([2]cardface.Issuer, error) {
	h, k, err := fixtures.CardFaceIssuers()
	return [2]cardface.Issuer{h, k}, err
})

// checkCardFaceSigned checks what the card-face files say, as a relying
// party would (cardface.VerifyKenhojo, VerifyKenkaku): every file parses,
// every digest and signature verifies under the key the application's CV
// certificate (EF 0004) certifies, which the TEST-ONLY issuer signed; and
// the applications' own keys (Kenhojo EF 0013, Kenkaku EF 001A) are the
// keys the signed records name (Kenhojo EF 0007, Kenkaku EF 0002 DF24), so
// that the card's own signatures verify (docs/state-file.md, "Validation").
func checkCardFaceSigned(st *simulator.State, at func(app int, fid uint16) string) error {
	issuers, err := cardFaceIssuers()
	if err != nil {
		return err
	}
	files := func(a *simulator.Application) map[uint16][]byte {
		m := map[uint16][]byte{}
		for _, e := range a.EFs {
			if e.Kind == simulator.Transparent {
				m[e.FID] = e.Data
			}
		}
		return m
	}
	hi, ki := len(cardApps), len(cardApps)+1
	kenhojo, kenkaku := st.App(jpki.Kenhojo.AID()), st.App(jpki.Kenkaku.AID())
	if err := cardface.VerifyKenhojo(files(kenhojo), issuers[0]); err != nil {
		return refuse(fmt.Sprintf("body.apps[%d]", hi), "the Kenhojo files do not verify: %v", err)
	}
	if err := cardface.VerifyKenkaku(files(kenkaku), issuers[1]); err != nil {
		return refuse(fmt.Sprintf("body.apps[%d]", ki), "the Kenkaku files do not verify: %v", err)
	}
	rec, err := cardface.ParseSignedPublicKey(kenhojo.EF(0x0007).Data)
	if k := kenhojo.EF(0x0013).Key; err != nil || k == nil || !k.PublicKey.Equal(rec.PublicKey) {
		return refuse(at(hi, 0x0013)+".key", "not the key Kenhojo EF 0007 names")
	}
	face, err := cardface.ParseFace(kenkaku.EF(0x0002).Data)
	if k := kenkaku.EF(0x001A).Key; err != nil || k == nil || !k.PublicKey.Equal(face.PublicKey) {
		return refuse(at(ki, 0x001A)+".key", "not the key Kenkaku EF 0002 names (DF24)")
	}
	return nil
}

// profileNames are the profiles this jpkisim has (fixtures/profiles).
var profileNames = sync.OnceValue(fixtures.ProfileNames)

// checkCertificates checks what the certificate EFs hold against the keys:
// each certificate EF holds one X.509 certificate in DER followed only by
// filler (one byte repeated to the EF's end), except EF 0001 of a card
// without a signing certificate (a holder under 15, AGE-01), which holds
// only filler; the auth key (EF 0017) is the key of the auth certificate
// (EF 000A), the signing key (EF 001A) that of the signing certificate
// (EF 0001), and a card without a signing certificate has no signing key
// (card.md §4.1; docs/state-file.md, "Validation").
func checkCertificates(app *simulator.Application) error {
	at := func(fid uint16) string {
		for j, e := range app.EFs {
			if e.FID == fid {
				return fmt.Sprintf("body.apps[1].efs[%d] (EF %04X)", j, fid)
			}
		}
		return fmt.Sprintf("EF %04X", fid) // not reached: check found every EF
	}
	certs := map[uint16]*x509.Certificate{}
	for _, fid := range []uint16{jpki.EFSigningCert, jpki.EFSigningCACert, jpki.EFAuthCert, jpki.EFAuthCACert} {
		data := app.EF(fid).Data
		if fid == jpki.EFSigningCert && filler(data) {
			if app.EF(jpki.EFCertPresence).Data[0] == certPresent {
				return refuse(at(fid)+".data", "EF 0008 says the card has a signing certificate, and this EF holds none")
			}
			continue // no signing certificate (EF 0008 byte 0 says so)
		}
		c, err := parseCertEF(data)
		if err != nil {
			return refuse(at(fid)+".data", "%v", err)
		}
		certs[fid] = c
	}
	for _, kind := range []jpki.Kind{jpki.Auth, jpki.Signing} {
		k, c := app.EF(kind.KeyFID()).Key, certs[kind.CertFID()]
		at := at(kind.KeyFID()) + ".key"
		switch {
		case c == nil && k != nil:
			return refuse(at, "a card without a %v certificate (EF %04X holds only filler) has no %v key", kind, kind.CertFID(), kind)
		case c != nil && k == nil:
			return refuse(at, "the %v certificate (EF %04X) is there but not its key", kind, kind.CertFID())
		case c != nil && !k.PublicKey.Equal(c.PublicKey):
			return refuse(at, "not the key of the %v certificate (EF %04X)", kind, kind.CertFID())
		}
	}
	return nil
}

// certPresent is the byte of EF 0008 that says a certificate is there
// (card.md §4.1: byte 0 the signing certificate).
const certPresent = 0x8F

// filler reports whether data is one byte repeated (or empty).
func filler(data []byte) bool {
	return len(bytes.Trim(data, string(data[:min(1, len(data))]))) == 0
}

var certs parsedCache[*x509.Certificate]

// parseCertEF reads a certificate EF: one X.509 certificate in DER, then
// only filler.
func parseCertEF(data []byte) (*x509.Certificate, error) {
	return certs.get(data, func(data []byte) (*x509.Certificate, error) {
		var raw asn1.RawValue
		rest, err := asn1.Unmarshal(data, &raw)
		if err != nil {
			return nil, errors.New("not an X.509 certificate in DER")
		}
		if !filler(rest) {
			return nil, errors.New("its certificate is followed by more than filler")
		}
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			return nil, errors.New("not an X.509 certificate in DER")
		}
		return c, nil
	})
}

func checkEF(e *simulator.EF, shapes map[uint16]efShape, seen map[uint16]bool, at string) error {
	shape, ok := shapes[e.FID]
	if !ok {
		return refuse(at+".fid", "no such EF in this application")
	}
	if seen[e.FID] {
		return refuse(at+".fid", "EF %04X appears twice", e.FID)
	}
	seen[e.FID] = true
	at = fmt.Sprintf("%s (EF %04X)", at, e.FID)
	if e.Kind != shape.kind {
		return refuse(at+".kind", "EF %04X is a %s EF", e.FID, kinds[shape.kind])
	}
	if e.Kind == simulator.PINObject {
		if e.Read != (simulator.Access{}) {
			return refuse(at, "a PIN object has no read condition")
		}
	} else if !accessAllowed(e.Read, shape.reads) {
		return refuse(at+".read_pin", "not the access condition of EF %04X", e.FID)
	}
	if e.Kind != simulator.Transparent && len(e.Data) > 0 {
		return refuse(at+".data", "only a transparent EF holds data")
	}
	if e.Kind != simulator.PINObject && e.PIN != nil {
		return refuse(at+".pin", "only a PIN EF holds a PIN")
	}
	if e.Kind != simulator.KeyObject && e.Key != nil && !shape.sessionKey {
		return refuse(at+".key", "only a key EF holds a key")
	}
	if shape.sessionKey && e.Key != nil && e.Key.N.BitLen() != 2048 {
		return refuse(at+".key", "not an RSA-2048 key")
	}
	if e.Kind != simulator.Record && e.Records != nil {
		return refuse(at+".records", "only a record EF holds records")
	}
	switch e.Kind {
	case simulator.Record:
		if n := len(e.Records); n < 1 || n > 254 {
			return refuse(at+".records", "a record EF holds 1 to 254 records")
		}
		for i, r := range e.Records {
			if len(r) < 1 || len(r) > 255 {
				return refuse(fmt.Sprintf("%s.records[%d]", at, i), "a record holds 1 to 255 bytes")
			}
		}
	case simulator.Transparent:
		if shape.size != 0 && len(e.Data) != shape.size {
			return refuse(at+".data", "EF %04X holds exactly %d bytes", e.FID, shape.size)
		}
		if shape.size == 0 && (len(e.Data) == 0 || len(e.Data) > MaxCertEFSize) {
			return refuse(at+".data", "EF %04X holds 1 to %d bytes", e.FID, MaxCertEFSize)
		}
	case simulator.KeyObject:
		if shape.key && e.Key == nil {
			return refuse(at+".key", "EF %04X holds its RSA-2048 key", e.FID)
		}
		if e.Key != nil && (len(shape.reads) == 1 && shape.reads[0].Never) {
			return refuse(at+".key", "EF %04X holds no key in this card", e.FID)
		}
		if e.Key != nil && e.Key.N.BitLen() != 2048 {
			return refuse(at+".key", "not an RSA-2048 key")
		}
	case simulator.PINObject:
		return checkPIN(e, shape.pin, at)
	}
	return nil
}

func accessAllowed(a simulator.Access, allowed []simulator.Access) bool {
	for _, x := range allowed {
		if a == x {
			return true
		}
	}
	return false
}

func checkPIN(e *simulator.EF, r *pinRule, at string) error {
	p := e.PIN
	if p == nil {
		return refuse(at+".pin", "a PIN EF holds its PIN object")
	}
	at += ".pin"
	if p.MaxTries != r.tries {
		return refuse(at+".max_tries", "this PIN has %d tries (%s)", r.tries, r.rule)
	}
	if p.Remaining < 0 || p.Remaining > p.MaxTries {
		return refuse(at+".remaining", "outside 0..%d", p.MaxTries)
	}
	if p.Format.MinLen != r.format.MinLen {
		return refuse(at+".min_len", "this PIN's format has %d", r.format.MinLen)
	}
	if p.Format.MaxLen != r.format.MaxLen {
		return refuse(at+".max_len", "this PIN's format has %d", r.format.MaxLen)
	}
	if p.Format.Alphabet != r.format.Alphabet {
		return refuse(at+".alphabet", "not this PIN's alphabet")
	}
	if r.format.Check(p.Value) != nil || r.check(string(p.Value)) != nil {
		return refuse(at+".value", "outside this PIN's format") // never the value itself
	}
	return nil
}

var statuses = []rules.Status{rules.Valid, rules.Revoked, rules.Suspended, rules.Absent}

func checkMeta(m fileMeta) error {
	if !profileName.MatchString(m.Profile) || len(m.Profile) > 64 {
		return refuse("body.profile", "not a profile name (lower-case letters, digits and dashes; never a path)")
	}
	if !slices.Contains(profileNames(), m.Profile) {
		return refuse("body.profile", "not a profile of this jpkisim (jpkisim profiles lists them)")
	}
	for _, c := range []struct {
		kind jpki.Kind
		s    fileCert
	}{{jpki.Signing, m.Certificates.Signing}, {jpki.Auth, m.Certificates.Auth}} {
		at := "body.certificates." + c.kind.String()
		live := c.s.Status == "" // an empty status is valid (record.Cert.State)
		known := live
		for _, s := range statuses {
			known = known || c.s.Status == string(s)
		}
		if !known {
			return refuse(at+".status", "not one of valid, revoked, suspended, absent")
		}
		if c.s.Reason != "" {
			if _, ok := rules.ParseReason(c.s.Reason); !ok {
				return refuse(at+".reason", "not an RFC 5280 reason name")
			}
			if c.s.Status != string(rules.Revoked) && c.s.Status != string(rules.Suspended) {
				return refuse(at+".reason", "only a revoked or suspended certificate has a reason")
			}
		}
		if c.s.Serial != "" && !serialOK(c.s.Serial) {
			return refuse(at+".serial", "not a positive hex serial of at most 20 octets")
		}
		if c.s.Since != "" {
			if _, err := time.Parse(time.RFC3339, c.s.Since); err != nil {
				return refuse(at+".since", "not an RFC 3339 time")
			}
		}
	}
	switch rules.Event(m.Lapsed) {
	case "", rules.Death, rules.Departure:
	default:
		return refuse("body.lapsed", "not %s or %s", rules.Death, rules.Departure)
	}
	for _, d := range []struct{ name, v string }{{"card_expiry", m.CardExpiry}, {"stay_ends", m.StayEnds}} {
		if d.v != "" {
			if _, err := rules.ParseDate(d.v); err != nil {
				return refuse("body."+d.name, "not a YYYY-MM-DD date that exists")
			}
		}
	}
	for i, f := range m.Former {
		at := fmt.Sprintf("body.former[%d]", i)
		if _, err := jpki.ParseKind(f.Kind); err != nil {
			return refuse(at+".certificate", "not signing or auth")
		}
		if !serialOK(f.Serial) {
			return refuse(at+".serial", "not a positive hex serial of at most 20 octets")
		}
		if _, ok := rules.ParseReason(f.Reason); !ok {
			return refuse(at+".reason", "not an RFC 5280 reason name")
		}
		for _, t := range []struct{ name, v string }{{"since", f.Since}, {"not_after", f.NotAfter}} {
			if _, err := time.Parse(time.RFC3339, t.v); err != nil {
				return refuse(at+"."+t.name, "not an RFC 3339 time")
			}
		}
	}
	return nil
}

// serialOK: 1 to 40 hex digits, not zero.
func serialOK(s string) bool {
	if len(s) == 0 || len(s) > maxSerialHex || strings.Trim(s, "0123456789abcdefABCDEF") != "" {
		return false
	}
	return strings.Trim(s, "0") != ""
}

// faceKeyOf reads the RSA public key a card-face record holds,
// A1 { 90 e, 91 n } (docs/card.md §8.1), at the start of data; false when
// data does not start with one.
func faceKeyOf(data []byte) (e, n []byte, ok bool) {
	tag, outer, _, ok := berNext(data)
	if !ok || tag != 0xA1 {
		return nil, nil, false
	}
	tag, e, rest, ok := berNext(outer)
	if !ok || tag != 0x90 {
		return nil, nil, false
	}
	tag, n, rest, ok = berNext(rest)
	if !ok || tag != 0x91 || len(rest) != 0 {
		return nil, nil, false
	}
	return e, n, true
}

// berNext splits off the first BER object with a one-byte tag and a
// definite length of up to two bytes: its tag, its value and what follows.
func berNext(b []byte) (tag byte, value, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag, n, head := b[0], int(b[1]), 2
	switch {
	case n == 0x81 && len(b) >= 3:
		n, head = int(b[2]), 3
	case n == 0x82 && len(b) >= 4:
		n, head = int(b[2])<<8|int(b[3]), 4
	case n >= 0x80:
		return 0, nil, nil, false
	}
	if len(b)-head < n {
		return 0, nil, nil, false
	}
	return tag, b[head : head+n], b[head+n:], true
}
