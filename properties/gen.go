package properties

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/leanovate/gopter"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/model"
)

// keyset holds the public keys of the two certificates.
type keyset struct{ pub [2]*rsa.PublicKey }

func newKeyset(authCert, signCert []byte) (*keyset, error) {
	var k keyset
	for i, der := range [][]byte{authCert, signCert} {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		pub, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("not an RSA certificate")
		}
		k.pub[i] = pub
	}
	return &k, nil
}

// verify checks a signature for scheme P1 over the data field sent
// (card.md §5.6).
func (k *keyset) verify(key model.PIN, p1 byte, input, sig []byte) error {
	return verifySignature(k.pub[key], p1, input, sig)
}

// verifySignature checks a signature by pub for scheme P1 over the data
// field sent (card.md §5.6; INTERNAL AUTHENTICATE is scheme 03).
func verifySignature(pub *rsa.PublicKey, p1 byte, input, sig []byte) error {
	h := sha256.Sum256(input)
	switch p1 {
	case 0x00:
		return rsa.VerifyPKCS1v15(pub, crypto.Hash(0), input, sig)
	case 0x01:
		return rsa.VerifyPKCS1v15(pub, crypto.Hash(0), h[:], sig)
	case 0x02:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, input, sig)
	case 0x03:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	case 0x04:
		return rsa.VerifyPSS(pub, crypto.SHA256, input, sig, nil)
	case 0x05:
		return rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, nil)
	}
	return fmt.Errorf("no scheme %02X", p1)
}

var (
	aidJPKI = jpki.JPKI.AID()
	aidISD  = jpki.ISD.AID()
	// EFs the generator picks: every JPKI EF, the ISD's 001E, and some that
	// no DF holds (0003, the MF's FID, EF.DIR).
	fids = []uint16{jpki.EFSigningCert, jpki.EFSigningCACert, jpki.EFTokenInfo, jpki.EFCertPresence, jpki.EFUnknown09,
		jpki.EFAuthCert, jpki.EFAuthCACert, jpki.EFKeyRef10, jpki.EFTerminalCAKey, jpki.EFAuthKey, jpki.EFAuthPIN,
		jpki.EFSigningKey, jpki.EFSigningPIN, jpki.EFISDInternal, 0x0003, jpki.FIDMF, jpki.EFDIR}
)

// appFIDs are the EFs the generator picks inside the other applications:
// each one's EFs (card.md §4.2–§4.4) and a few it lacks.
var appFIDs = map[model.Where][]uint16{
	model.AtKenhojo: {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0009, 0x0018},
	model.AtKenkaku: {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0011, 0x0012, 0x0013, 0x001A, 0x0007, 0x0014},
	model.AtCommon:  {0x0001, 0x0002, 0x0019, 0x001C, 0x0003, 0x0011},
	model.AtJuki:    {0x0002, 0x001C, 0x0001, 0x0019},
}

// fidsOf are the EFs the generator picks in state s.
func fidsOf(s model.State) []uint16 {
	if f, ok := appFIDs[s.DF]; ok {
		return f
	}
	return fids
}

// aidsOther are the DF names of the four applications beside JPKI.
var aidsOther = [][]byte{jpki.Kenhojo.AID(), jpki.Kenkaku.AID(), jpki.Common.AID(), jpki.Juki.AID()}

// pinFID is the FID of the EF of the model's PIN p.
func pinFID(p model.PIN) uint16 {
	for _, r := range keyRefs {
		if r.pin == p {
			return r.fid
		}
	}
	return 0
}

// pinsOf are the key references of the current DF (the JPKI PINs at the
// ISD, where none is found).
func pinsOf(s model.State) []model.PIN {
	var out []model.PIN
	for _, r := range keyRefs {
		if r.df == s.DF {
			out = append(out, r.pin)
		}
	}
	if len(out) == 0 {
		return []model.PIN{model.Auth, model.Sign}
	}
	return out
}

func enc(c apdu.Command) []byte { return c.MustEncode() }

func pick[T any](g *gopter.GenParameters, xs ...T) T { return xs[g.Rng.Intn(len(xs))] }

// generator makes the commands of a sequence. The values of VERIFY and
// CHANGE REFERENCE DATA are drawn in the generator, from the state the model
// is in, so that "the correct PIN" is correct when the command is generated.
type generator struct {
	destructive bool // wrong VERIFYs and PIN changes
	restore     bool // the virtual card's restore command (never to another card)
	// readOnly: only what the real-card guard lets reach a card that is not
	// virtual without --allow-destructive (readOnlyCommand): no VERIFY with
	// data, no C-APDU under 4 bytes or that does not parse, only read-only
	// classes and instructions, and no marker GET DATA, which only the
	// virtual card answers.
	readOnly bool
	// minLen is the shortest raw C-APDU; 2 through PC/SC, where a 1-byte
	// command is never sent (vpcd would take it for a control byte).
	minLen int
}

// gen returns the command generator for a state. The weights lean on the
// model's state so that sequences of up to 50 commands reach the deep states
// — blocked PINs, signatures, the signing certificate read — and not only
// refusals.
func (g generator) gen(st *runState) gopter.Gen {
	s := st.st.s
	return func(p *gopter.GenParameters) *gopter.GenResult {
		if p == gopter.MinGenParams {
			// gopter's SuchThat calls a generator once with the shared
			// MinGenParams only to learn its result type: answer without
			// touching that shared random source.
			return gopter.NewGenResult(&op{}, gopter.NoShrinker)
		}
		var o *op
		r := p.Rng.Intn(1000)
		face := st.model.HasCardFace()
		switch {
		case s.DF == model.AtISD && r < 400:
			o = g.home(p, face)
		case r < 60:
			o = g.selectApp(p, face)
		case r < 170:
			o = g.selectEF(p, s)
		case r < 330:
			o = g.read(p, s)
		case r < 600:
			o = g.verify(p, s)
		case r < 650:
			o = g.change(p, s)
		case r < 790 && s.DF == model.AtKenhojo && s.Verified[model.KenhojoPIN] && r >= 700:
			o = g.sessionKey(p, st.model)
		case r < 790 && (s.DF == model.AtJPKI || s.DF == model.AtISD || r < 700):
			o = g.sign(p, s)
		case r < 730:
			o = g.readRecord(p)
		case r < 760:
			o = g.internalAuthenticate(p, s)
		case r < 790:
			o = g.sessionKey(p, st.model)
		case r < 820:
			o = &op{}
		case r < 850:
			o = &op{cycle: true}
		case r < 860 && face:
			o = g.getData(p)
		case r < 870:
			o = &op{name: "GET CHALLENGE", capdu: enc(apdu.Command{INS: 0x84, Ne: 1 + p.Rng.Intn(256)})}
		case r < 873 && g.destructive && g.restore:
			o = &op{name: "RESTORE", capdu: enc(apdu.Command{CLA: 0x80, INS: jpki.RestoreINS, Data: []byte(jpki.RestoreData)})}
		case g.readOnly:
			o = g.oddReadOnly(p)
		default:
			o = g.malformed(p)
		}
		if (!g.destructive && unsafe(o.capdu)) || (g.readOnly && o.capdu != nil && !readOnlyCommand(o.capdu)) {
			o = &op{name: "SELECT", capdu: enc(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: aidJPKI})}
		}
		return gopter.NewGenResult(o, gopter.NoShrinker)
	}
}

// unsafe reports a command that could spend a try or change a PIN.
func unsafe(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	if b[0] == 0x80 && b[1] == 0xEE {
		return true
	}
	if !apdu.CarriesSecret(b[0], b[1]) {
		return false
	}
	c, err := apdu.Parse(b)
	return err != nil || len(c.Data) > 0 || len(b) > 4
}

// readOnlyCommand reports a C-APDU that the real-card guard lets reach a
// card that is not virtual without --allow-destructive and that can spend
// nothing (harness.Guard, README "Real cards"): a whole header at least, a
// command that parses, and a read-only class and instruction
// (harness.ReadOnly) or the empty VERIFY that reads a retry counter. The
// marker GET DATA is left out: only the virtual card answers it.
func readOnlyCommand(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	c, err := apdu.Parse(b)
	switch {
	case err != nil:
		return false
	case c.CLA == 0x00 && c.INS == 0x20:
		return len(c.Data) == 0 && c.Ne == 0
	case c.CLA == 0x00 && c.INS == 0xCA && c.P1P2() == jpki.MarkerTag:
		return false
	}
	return harness.ReadOnly(c.CLA, c.INS)
}

// oddReadOnly stands in for malformed on a card that is not virtual: a
// read-only instruction with parameters, data and Le drawn at random, every
// one a well-formed C-APDU.
func (g generator) oddReadOnly(p *gopter.GenParameters) *op {
	c := apdu.Command{INS: pick[byte](p, 0xA4, 0xB0, 0xB2, 0xCA, 0x84, 0xC0), P1: byte(p.Rng.Intn(256)), P2: byte(p.Rng.Intn(256))}
	if c.INS == 0xCA && p.Rng.Intn(2) == 0 {
		c.P1, c.P2 = 0x5F, 0x51 // the ATR object
	}
	if c.INS == 0xCA && c.P1P2() == jpki.MarkerTag {
		c.P2++
	}
	if p.Rng.Intn(3) == 0 {
		c.Data = make([]byte, 1+p.Rng.Intn(8))
		p.Rng.Read(c.Data)
	}
	if p.Rng.Intn(2) == 0 {
		c.Ne = 1 + p.Rng.Intn(256)
	}
	return &op{name: "ODD", capdu: enc(c)}
}

// home selects the application a sequence works in after a reset: JPKI,
// or on a card with a card face as often one of the four others.
func (g generator) home(p *gopter.GenParameters, face bool) *op {
	aid := aidJPKI
	if face && p.Rng.Intn(2) == 0 {
		aid = pick(p, aidsOther...)
	}
	return &op{name: "SELECT", capdu: enc(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: aid})}
}

func (g generator) selectApp(p *gopter.GenParameters, face bool) *op {
	data := pick(p, aidJPKI, aidJPKI, aidJPKI[:5], aidISD, []byte{0xD3}, []byte{0xA0, 0x00, 0x00, 0x03, 0x08}, append(append([]byte(nil), aidJPKI[:9]...), 0x99))
	if face && p.Rng.Intn(2) == 0 {
		aid := pick(p, aidsOther...)
		data = pick(p, aid, aid, aid[:9], aid[:3], append(append([]byte(nil), aid[:9]...), 0x03))
	}
	p2 := pick[byte](p, 0x0C, 0x0C, 0x00, 0x02, 0x0E, 0x04)
	c := apdu.Command{INS: 0xA4, P1: 0x04, P2: p2, Data: data}
	if p2&0x0C == 0 && p.Rng.Intn(2) == 0 {
		c.Ne = 256
	}
	return &op{name: "SELECT", capdu: enc(c)}
}

func (g generator) selectEF(p *gopter.GenParameters, s model.State) *op {
	fid := pick(p, fidsOf(s)...)
	if p.Rng.Intn(20) == 0 {
		return &op{name: "SELECT MF", capdu: []byte{0x00, 0xA4, 0x00, 0x00}}
	}
	c := apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}
	if p.Rng.Intn(8) == 0 {
		c.P2, c.Ne = 0x00, 256
	}
	return &op{name: "SELECT EF", capdu: enc(c)}
}

func (g generator) read(p *gopter.GenParameters, s model.State) *op {
	ne := pick(p, 4, 7, 32, 256, 256, 1+p.Rng.Intn(300), 65536)
	c := apdu.Command{INS: 0xB0, Ne: ne}
	switch p.Rng.Intn(3) {
	case 0: // by SFI; the signing certificate more often once it is open
		fid := pick(p, fidsOf(s)...)
		if s.DF == model.AtJPKI && s.Verified[model.Sign] && p.Rng.Intn(2) == 0 {
			fid = jpki.EFSigningCert
		}
		if by, ok := protected[s.DF]; ok && p.Rng.Intn(2) == 0 {
			// the EFs a credential opens, more often in a card-face application
			fid = pick[uint16](p, 0x0001, 0x0001, 0x0002, 0x0002, 0x0005, 0x0006)
			for by[fid] == nil {
				fid = 0x0001
			}
			if s.DF == model.AtKenkaku && s.Verified[model.KenkakuA] && p.Rng.Intn(2) == 0 {
				fid = 0x0005 // A only
			}
		}
		c.P1, c.P2 = 0x80|byte(fid&0x1F), byte(pick(p, 0, 0, 4, p.Rng.Intn(256)))
	default:
		off := pick(p, 0, 0, 4, 7, 256, 512, 1500, 2047, 2048, 3000, p.Rng.Intn(0x8000))
		if _, other := appFIDs[s.DF]; other && p.Rng.Intn(2) == 0 {
			off = pick(p, 0, 0, 7, 16, 17, 336, 568, 1024)
		}
		c.P1, c.P2 = byte(off>>8), byte(off)
	}
	return &op{name: "READ BINARY", capdu: enc(c)}
}

// pinP2 is P2 = 80 (current EF) or 80|SFI for a PIN or key EF.
func pinP2(p *gopter.GenParameters, fid uint16) byte {
	if p.Rng.Intn(2) == 0 {
		return 0x80
	}
	return 0x80 | byte(fid)
}

func (g generator) verify(p *gopter.GenParameters, s model.State) *op {
	pin := pick(p, pinsOf(s)...)
	if s.DF == model.AtKenhojo && p.Rng.Intn(2) == 0 {
		pin = model.KenhojoPIN // the one of four that blocks and changes
	}
	for _, q := range pinsOf(s) { // keep at a counter that has dropped, to reach the blocked key
		if s.Tries[q] > 0 && s.Tries[q] < model.MaxTries[q] && p.Rng.Intn(2) == 0 {
			pin = q
		}
	}
	c := apdu.Command{INS: 0x20, P2: 0x80 | byte(pinFID(pin))}
	if p.Rng.Intn(3) == 0 {
		c.P2 = 0x80 // the current EF, whatever it is
	}
	label := "empty"
	if g.destructive {
		// Once a counter has dropped, keep going more often than not, so
		// that sequences reach the blocked PIN.
		wrongShare := 4
		switch {
		case s.Tries[pin] < model.MaxTries[pin] && s.DF > model.AtJPKI:
			wrongShare = 8 // sequences stay in these applications less long
		case s.Tries[pin] < model.MaxTries[pin]:
			wrongShare = 6
		}
		switch r := p.Rng.Intn(12); {
		case model.MaxTries[pin] == 10:
			// ten tries: as often correct as wrong, or they block before
			// their files are read
			if r < 3 {
				c.Data, label = wrong(s.Values[pin]), "wrong "+pinName(pin)
			} else if r < 9 {
				c.Data, label = []byte(s.Values[pin]), "correct "+pinName(pin)
			} else {
				c.Data, label = bytes.Repeat([]byte{'7'}, 17), "17 bytes"
			}
		case r < wrongShare:
			c.Data, label = wrong(s.Values[pin]), "wrong "+pinName(pin)
		case r < 9:
			c.Data, label = []byte(s.Values[pin]), "correct "+pinName(pin)
		case r == 9:
			c.Data, label = bytes.Repeat([]byte{'7'}, 17), "17 bytes"
		case r == 10:
			c.Data, label = []byte(strings.ToLower(s.Values[pin])), "lower-cased "+pinName(pin)
		}
	}
	return &op{name: "VERIFY", capdu: enc(c), label: label}
}

// wrong changes the first character of a value, keeping its format.
func wrong(v string) []byte {
	b := []byte(v)
	if len(b) == 0 {
		return []byte("0")
	}
	switch {
	case b[0] == '9':
		b[0] = '0'
	case b[0] == 'Z':
		b[0] = 'A'
	default:
		b[0]++
	}
	return b
}

func (g generator) change(p *gopter.GenParameters, s model.State) *op {
	if !g.destructive {
		return g.verify(p, s)
	}
	pin := pick(p, pinsOf(s)...)
	if s.DF == model.AtKenhojo && p.Rng.Intn(3) != 0 {
		pin = model.KenhojoPIN // the one it changes
	}
	fid := pinFID(pin)
	value := pick(p, "4321", "0000", "12345", "12A4")
	if pin == model.Sign {
		value = pick(p, "NEWPASS1", "ABC123", "ABCDE", "lower123", "A-1234")
	}
	c := apdu.Command{INS: 0x24, P1: 0x01, P2: pinP2(p, fid), Data: []byte(value)}
	name := "CHANGE REFERENCE DATA"
	if s.DF == model.AtCommon || s.DF == model.AtJuki || p.Rng.Intn(10) == 0 {
		// CHANGE KEY (card.md §5.5), now and then with a P1 it refuses
		c.CLA, c.INS, c.P1, name = 0x80, 0x32, pick[byte](p, 0, 0, 0, 0, 1), "CHANGE KEY"
	}
	return &op{name: name, capdu: enc(c), label: "new " + pinName(pin)}
}

func (g generator) sign(p *gopter.GenParameters, s model.State) *op {
	fid := pick(p, jpki.EFAuthKey, jpki.EFSigningKey, jpki.EFAuthKey, jpki.EFSigningKey, jpki.EFAuthCert)
	switch { // often the key whose PIN is open, when one is
	case s.Verified[model.Auth] && p.Rng.Intn(3) == 0:
		fid = jpki.EFAuthKey
	case s.Verified[model.Sign] && p.Rng.Intn(3) == 0:
		fid = jpki.EFSigningKey
	}
	p1 := pick[byte](p, 0, 0, 0, 1, 2, 3, 4, 5, 6)
	n := pick(p, 32, 51, 35, 1, 245, 246, 255, 31)
	data := make([]byte, n)
	p.Rng.Read(data)
	p2 := pinP2(p, fid)
	if _, other := appFIDs[s.DF]; other {
		// the own key by P2 = 00 (card.md §5.6) or by its FID, else
		// another EF of the application
		own := map[model.Where]uint16{model.AtKenhojo: 0x0013, model.AtKenkaku: 0x001A}[s.DF]
		p2 = pick(p, 0x00, 0x00, 0x80|byte(own), 0x80, 0x80|byte(pick(p, appFIDs[s.DF]...)), 0x01)
	}
	c := apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: p2, Data: data, Ne: pick(p, 256, 256, 256, 0, 128)}
	return &op{name: "SIGN", capdu: enc(c)}
}

// readRecord is READ RECORD (card.md §5.3): mostly the common card's record
// by SFI 1, else the current EF, another SFI, another mode, record 0 or
// past the last.
func (g generator) readRecord(p *gopter.GenParameters) *op {
	c := apdu.Command{INS: 0xB2, P1: pick[byte](p, 1, 1, 1, 2, 0, 0xFF),
		P2: pick[byte](p, 0x0C, 0x0C, 0x0D, 0x04, 0x05, 0x0E, 0x14, 0x06, 0x00), Ne: pick(p, 256, 256, 10, 65536, 0)}
	return &op{name: "READ RECORD", capdu: enc(c)}
}

// internalAuthenticate is 00 88 00 P2 (card.md §5.7): mostly the common
// card's key 0019 by SFI, else the current EF or another; challenges of
// 0 to 255 bytes, Le 256 or not.
func (g generator) internalAuthenticate(p *gopter.GenParameters, s model.State) *op {
	data := make([]byte, pick(p, 8, 32, 32, 1, 255, 0))
	p.Rng.Read(data)
	c := apdu.Command{INS: 0x88, P1: pick[byte](p, 0, 0, 0, 0, 0, 1), P2: pick(p, 0x99, 0x99, 0x80, 0x80|byte(pick(p, fidsOf(s)...))),
		Data: data, Ne: pick(p, 256, 256, 256, 0, 128, 65536)}
	return &op{name: "INTERNAL AUTHENTICATE", capdu: enc(c)}
}

// sessionKey is SET SESSION KEY 80 AE 00 00 (card.md §5.10): a session key
// encrypted to Kenhojo EF 0006's public key as myna-card's client sends it
// (RSA-OAEP SHA-256: A0 22 80 20 and 32 bytes), or the form with 81, or
// bytes that decrypt to nothing; now and then a P1-P2 or an Le it refuses.
func (g generator) sessionKey(p *gopter.GenParameters, m *model.Model) *op {
	key := make([]byte, 32)
	p.Rng.Read(key)
	msg := append([]byte{0xA0, 0x22, pick[byte](p, 0x80, 0x80, 0x80, 0x81), 0x20}, key...)
	data := make([]byte, 256)
	p.Rng.Read(data)
	if pub := m.SessionKeyPublic(); pub != nil && p.Rng.Intn(4) != 0 {
		if d, err := rsa.EncryptOAEP(sha256.New(), p.Rng, pub, msg, nil); err == nil {
			data = d
		}
	}
	c := apdu.Command{CLA: 0x80, INS: 0xAE, Data: data}
	switch p.Rng.Intn(10) {
	case 0:
		c.P2 = 1
	case 1:
		c.Ne = 256
	case 2:
		c.Data = nil
	}
	return &op{name: "SET SESSION KEY", capdu: enc(c)}
}

// getData is GET DATA of the card-level objects (card.md §5.9) and of some
// the card lacks, with short and extended Le.
func (g generator) getData(p *gopter.GenParameters) *op {
	tag := pick(p, 0x0042, 0x0045, 0x0066, 0x00F0, 0x00F2, 0x00F7, 0x00F8, 0x7F21, 0x5F51, 0x0099)
	c := apdu.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: pick(p, 256, 256, 65536, 16)}
	return &op{name: "GET DATA", capdu: enc(c)}
}

func (g generator) malformed(p *gopter.GenParameters) *op {
	switch p.Rng.Intn(3) {
	case 0: // any bytes
		b := make([]byte, g.minLen+p.Rng.Intn(12-g.minLen))
		p.Rng.Read(b)
		return &op{name: "RAW", capdu: b}
	case 1: // a known header with a broken body
		h := pick(p, []byte{0x00, 0xA4, 0x02, 0x0C}, []byte{0x00, 0xB0, 0x00, 0x00}, []byte{0x80, 0x2A, 0x00, 0x80}, []byte{0x00, 0x20, 0x00, 0x80})
		body := make([]byte, 1+p.Rng.Intn(6))
		p.Rng.Read(body)
		return &op{name: "RAW", capdu: append(append([]byte(nil), h...), body...)}
	}
	// a random class and instruction
	c := apdu.Command{CLA: byte(p.Rng.Intn(256)), INS: byte(p.Rng.Intn(256)), P1: byte(p.Rng.Intn(256)), P2: byte(p.Rng.Intn(256))}
	if p.Rng.Intn(2) == 0 {
		c.Ne = 1 + p.Rng.Intn(256)
	}
	return &op{name: "RAW", capdu: enc(c)}
}
