package conformance

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/transcript"
)

// step is one event of a transcript as the judges read it: for an exchange
// the parsed C-APDU (masked data read as zero bytes: the judges never look
// at a PIN's bytes, only at its marker), the R-APDU, and the application
// and EF that were current when the card received it.
type step struct {
	ev       transcript.Event
	cmd      apdu.Command
	parsed   bool
	sw       apdu.StatusWord
	data     []byte // the R-APDU's data, without SW1-SW2
	app      jpki.App
	hasApp   bool
	ef       uint16
	hasEF    bool
	idx      int // index in the walk
	answered bool
}

// walk reads a transcript's events in order, following SELECT as the card
// does (docs/card.md §5.1): by AID for an application, by FID for an EF, a
// SELECT counted once it answered 9000 or 61xx; power, reset and reconnect
// events return to the MF.
func walk(t transcript.Transcript) []step {
	out := make([]step, 0, len(t.Events))
	var app jpki.App
	var hasApp, hasEF bool
	var ef uint16
	for _, e := range t.Events {
		s := step{ev: e, idx: len(out), app: app, hasApp: hasApp, ef: ef, hasEF: hasEF}
		switch e.Kind {
		case transcript.Exchange:
			if b, ok := unmask(e.Command); ok {
				if c, err := apdu.Parse(b); err == nil {
					s.cmd, s.parsed = c, true
				}
			}
			if r, err := hex.DecodeString(e.Response); err == nil && len(r) >= 2 && e.Error == "" {
				s.answered = true
				s.sw = apdu.NewStatusWord(r[len(r)-2], r[len(r)-1])
				s.data = r[:len(r)-2]
			}
			if s.parsed && s.answered && s.cmd.INS == 0xA4 && s.cmd.CLA == 0x00 && (s.sw == apdu.SWOK || s.sw.SW1() == 0x61) {
				switch {
				case s.cmd.P1 == 0x04:
					app, hasApp = jpki.AppByAID(s.cmd.Data)
					hasEF = false
				case s.cmd.P1 == 0x02 && len(s.cmd.Data) == 2:
					fid := uint16(s.cmd.Data[0])<<8 | uint16(s.cmd.Data[1])
					if fid == jpki.FIDMF {
						hasApp, hasEF = false, false
					} else {
						ef, hasEF = fid, true
					}
				case s.cmd.P1 == 0x00:
					hasEF = false
				}
			}
		case transcript.PowerOn, transcript.PowerOff, transcript.Reset, transcript.Reconnect:
			hasApp, hasEF = false, false
		}
		out = append(out, s)
	}
	return out
}

// unmask decodes a recorded C-APDU, reading XX as 00.
func unmask(cmd string) ([]byte, bool) {
	b, err := hex.DecodeString(strings.ReplaceAll(strings.ToUpper(cmd), "XX", "00"))
	return b, err == nil
}

func (s step) exchange() bool { return s.ev.Kind == transcript.Exchange && s.parsed }

// is reports an exchange of the basic logical channel with this CLA and INS.
func (s step) is(cla, ins byte) bool { return s.exchange() && s.cmd.CLA == cla && s.cmd.INS == ins }

// verify returns the marker of a VERIFY (INS 20) the transcript marked.
func (s step) verify() (*transcript.Secret, bool) {
	if !s.exchange() || s.cmd.INS != 0x20 || s.ev.Secret == nil {
		return nil, false
	}
	return s.ev.Secret, true
}

// verifyOf reports a VERIFY of PIN p; withData says whether it carried a
// value (a try at the PIN) rather than being the empty counter query.
func (s step) verifyOf(p jpki.PIN) (withData, ok bool) {
	m, ok := s.verify()
	if !ok || m.PIN != p.Name() {
		return false, false
	}
	return m.Value != transcript.Empty, true
}

// pinOf returns the PIN role a VERIFY was for.
func (s step) pinOf() (jpki.PIN, bool) {
	m, ok := s.verify()
	if !ok || m.PIN == "" {
		return 0, false
	}
	p, err := jpki.ParsePIN(m.PIN)
	return p, err == nil
}

// signKey returns the key of a JPKI COMPUTE DIGITAL SIGNATURE (80 2A): the
// key EF P2 names by SFI, or the current EF for P2 80 (docs/card.md §5.6).
func (s step) signKey() (jpki.Kind, bool) {
	if !s.is(0x80, 0x2A) || !s.hasApp || s.app != jpki.JPKI {
		return 0, false
	}
	fid, ok := s.ef, s.hasEF
	if sfi, sok := jpki.EFRef(s.cmd.P2); sok && sfi != 0 {
		fid, ok = uint16(sfi), true
	} else if !sok {
		return 0, false
	}
	if !ok {
		return 0, false
	}
	return jpki.KindByKeyFID(fid)
}

// signature reports a COMPUTE DIGITAL SIGNATURE of any application.
func (s step) signature() bool { return s.is(0x80, 0x2A) }

// readEF returns the EF and offset of a READ BINARY (00 B0): the EF P1
// names by SFI (P2 the offset), or the current EF (P1-P2 a 15-bit offset),
// docs/card.md §5.2.
func (s step) readEF() (fid uint16, offset int, ok bool) {
	if !s.is(0x00, 0xB0) {
		return 0, 0, false
	}
	if s.cmd.P1&0x80 != 0 {
		return uint16(s.cmd.P1 & 0x1F), int(s.cmd.P2), true
	}
	if !s.hasEF {
		return 0, 0, false
	}
	return s.ef, int(s.cmd.P1P2()), true
}

// readsCert returns the certificate kind a READ BINARY of the JPKI
// application reads.
func (s step) readsCert() (jpki.Kind, bool) {
	fid, _, ok := s.readEF()
	if !ok || !s.hasApp || s.app != jpki.JPKI {
		return 0, false
	}
	for _, k := range jpki.Kinds {
		if k.CertFID() == fid {
			return k, true
		}
	}
	return 0, false
}

// uses returns the key or certificate a step puts to use: a signature
// with a JPKI key, or a read of an end-entity certificate.
func (s step) uses() (jpki.Kind, bool) {
	if k, ok := s.signKey(); ok {
		return k, true
	}
	return s.readsCert()
}

// protects reports whether a step uses what PIN p opens: a signature with
// its key, or (the signing password) a read of the signing certificate,
// which the card answers only after it (docs/rules.md CERT-10).
func (s step) protects(p jpki.PIN) bool {
	if k, ok := s.signKey(); ok && k.PIN() == p {
		return true
	}
	k, ok := s.readsCert()
	return ok && k == jpki.Signing && p == jpki.SigningPIN
}

// revocationCheck returns the kind of certificate an HTTP event of the
// test PKI's responder was about: an OCSP request (POST /ocsp/sign, GET
// /ocsp/sign/BASE64, and auth) or a CRL fetch (/crl/sign.crl,
// /crl/auth.crl), the paths of pki.Responder, that the responder answered
// with a 2xx status — not a mistyped path it answered 404, nor a request
// it refused. The event's Detail ("OCSP POST /ocsp/sign 200") is read for
// the path and the status.
func (s step) revocationCheck() (jpki.Kind, bool) {
	if s.ev.Kind != transcript.HTTP {
		return 0, false
	}
	// "OCSP POST /ocsp/sign 200 successful", "CRL GET /crl/auth.crl 200":
	// what, method, path, HTTP status and, for OCSP, the response's status.
	fields := strings.Fields(s.ev.Detail)
	if len(fields) < 4 {
		return 0, false
	}
	if status, err := strconv.Atoi(fields[3]); err != nil || status < 200 || status > 299 {
		return 0, false
	}
	if fields[0] == "OCSP" && len(fields) > 4 && fields[4] != "successful" {
		return 0, false // an OCSP error (malformedRequest, …) says nothing of the certificate
	}
	for _, f := range fields[2:3] {
		for _, k := range jpki.Kinds {
			a := pki.Abbrev(k)
			if f == "/ocsp/"+a || strings.HasPrefix(f, "/ocsp/"+a+"/") || f == "/crl/"+a+".crl" {
				return k, true
			}
		}
	}
	return 0, false
}

// powerEnds reports a reset or power-off: the events after which the card
// holds no PIN verified (docs/card.md §5.11).
func (s step) powerEnds() bool {
	return s.ev.Kind == transcript.Reset || s.ev.Kind == transcript.PowerOff
}

// ne returns the number of bytes a C-APDU asks for (Le, 256 for 00).
func (s step) ne() int { return s.cmd.Ne }

func seqs(steps []step) []int {
	out := make([]int, len(steps))
	for i, s := range steps {
		out[i] = s.ev.Seq
	}
	return out
}
