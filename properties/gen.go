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

// pinFID is the FID of the EF of the model's PIN p.
func pinFID(p model.PIN) uint16 {
	if p == model.Sign {
		return jpki.SigningPIN.FID()
	}
	return jpki.AuthPIN.FID()
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
		switch {
		case s.DF != model.AtJPKI && r < 400:
			o = &op{name: "SELECT", capdu: enc(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: aidJPKI})}
		case r < 60:
			o = g.selectApp(p)
		case r < 170:
			o = g.selectEF(p)
		case r < 330:
			o = g.read(p, s)
		case r < 600:
			o = g.verify(p, s)
		case r < 650:
			o = g.change(p, s)
		case r < 790:
			o = g.sign(p, s)
		case r < 820:
			o = &op{}
		case r < 850:
			o = &op{cycle: true}
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

func (g generator) selectApp(p *gopter.GenParameters) *op {
	data := pick(p, aidJPKI, aidJPKI, aidJPKI[:5], aidISD, []byte{0xD3}, []byte{0xA0, 0x00, 0x00, 0x03, 0x08}, append(append([]byte(nil), aidJPKI[:9]...), 0x99))
	p2 := pick[byte](p, 0x0C, 0x0C, 0x00, 0x02, 0x0E, 0x04)
	c := apdu.Command{INS: 0xA4, P1: 0x04, P2: p2, Data: data}
	if p2&0x0C == 0 && p.Rng.Intn(2) == 0 {
		c.Ne = 256
	}
	return &op{name: "SELECT", capdu: enc(c)}
}

func (g generator) selectEF(p *gopter.GenParameters) *op {
	fid := pick(p, fids...)
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
		fid := pick(p, fids...)
		if s.Verified[model.Sign] && p.Rng.Intn(2) == 0 {
			fid = jpki.EFSigningCert
		}
		c.P1, c.P2 = 0x80|byte(fid&0x1F), byte(pick(p, 0, 0, 4, p.Rng.Intn(256)))
	default:
		off := pick(p, 0, 0, 4, 7, 256, 512, 1500, 2047, 2048, 3000, p.Rng.Intn(0x8000))
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
	pin := model.PIN(p.Rng.Intn(2))
	c := apdu.Command{INS: 0x20, P2: 0x80 | byte(pinFID(pin))}
	if p.Rng.Intn(3) == 0 {
		c.P2 = 0x80 // the current EF, whatever it is
	}
	label := "empty"
	if g.destructive {
		// Once a counter has dropped, keep going more often than not, so
		// that sequences reach the blocked PIN.
		wrongShare := 4
		if s.Tries[pin] < model.MaxTries[pin] {
			wrongShare = 6
		}
		switch r := p.Rng.Intn(12); {
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
	pin := model.PIN(p.Rng.Intn(2))
	fid := pinFID(pin)
	value := pick(p, "4321", "0000", "12345", "12A4")
	if pin == model.Sign {
		value = pick(p, "NEWPASS1", "ABC123", "ABCDE", "lower123", "A-1234")
	}
	return &op{name: "CHANGE REFERENCE DATA", capdu: enc(apdu.Command{INS: 0x24, P1: 0x01, P2: pinP2(p, fid), Data: []byte(value)}), label: "new " + pinName(pin)}
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
	c := apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: pinP2(p, fid), Data: data, Ne: pick(p, 256, 256, 256, 0, 128)}
	return &op{name: "SIGN", capdu: enc(c)}
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
