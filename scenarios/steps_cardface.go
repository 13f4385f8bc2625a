package scenarios

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/cardface"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

// cardfaceSteps are the steps of the applications beside JPKI: Kenhojo,
// Kenkaku, the common card and Juki applications (docs/card.md §4.2–§4.4,
// §8; docs/card-behaviour.md, "The card-face, common card and Juki
// applications"). A step names a key reference by role (faceKeyRole), in the
// application its steps selected last; the values come from the virtual
// card's profile (its CardFace) and never appear in a step's text or
// message. On a card that is not virtual no value is known, so the scenarios
// that present one are @embedded.
type cardfaceSteps struct{ *world }

// faceWorld is the state of the cardface steps in a scenario.
type faceWorld struct {
	app jpki.App // the application the cardface steps selected last
}

// The role words of the key references of these applications.
const (
	faceAppRole = `(Kenhojo|Kenkaku|common card|Juki)`
	faceKeyRole = `(?:the )?(Kenhojo PIN|Juki PIN|照合番号A|照合番号B|birth-date key)`
	fourHex     = `([0-9A-Fa-f]{4})`
)

func (s cardfaceSteps) register(sc stepper) {
	sc.Step(`^the `+faceAppRole+` application is selected$`, s.appSelected)
	sc.Step(`^I select the `+faceAppRole+` application$`, s.selectApp)

	sc.Step(`^`+faceKeyRole+` has been verified$`, s.keyVerified)
	sc.Step(`^I verify `+faceKeyRole+` with the correct value$`, s.verifyCorrect)
	sc.Step(`^I verify `+faceKeyRole+` by SFI with the correct value$`, s.verifyCorrectBySFI)
	sc.Step(`^I verify `+faceKeyRole+` with a wrong value$`, s.verifyWrong)
	sc.Step(`^I enter a wrong `+faceKeyRole+` (\d+) times$`, s.enterWrongTimes)
	sc.Step(`^I query the retry counter of `+faceKeyRole+`$`, s.queryRetryCounter)
	sc.Step(`^`+faceKeyRole+` has (\d+) (?:try|tries) left$`, s.triesLeft)
	sc.Step(`^`+faceKeyRole+` has all its tries left$`, s.allTriesLeft)
	sc.Step(`^I change the (Kenhojo PIN|Juki PIN) to a new valid value with "([0-9A-Fa-f ]{11})"$`, s.changePIN)
	sc.Step(`^the new (Kenhojo PIN|Juki PIN) verifies$`, s.newPINVerifies)
	sc.Step(`^the (Kenhojo PIN|Juki PIN) is unchanged$`, s.pinUnchanged)

	sc.Step(`^the response data is (Kenhojo|Kenkaku) EF `+fourHex+`$`, s.responseIsEF)
	sc.Step(`^the response data is the first (\d+) bytes of (Kenhojo|Kenkaku) EF `+fourHex+`$`, s.responseIsEFPrefix)
	sc.Step(`^the response data starts with "([0-9A-Fa-f ]+)"$`, s.responseStartsWith)
	sc.Step(`^the response data is a common card record$`, s.responseIsCommonRecordShape)
	sc.Step(`^the response data is record (\d+) of the common card application's EF 0001$`, s.responseIsCommonRecord)
	sc.Step(`^the record holds the card's serial, municipality code and expiry$`, s.recordHoldsCardInfo)
	sc.Step(`^the response data is the card-level object `+fourHex+`$`, s.responseIsMFObject)

	sc.Step(`^I sign a SHA-256 DigestInfo of "([^"]*)" with the application's own key$`, s.signDigestInfo)
	sc.Step(`^I sign "([^"]*)" with the application's own key using P1 (0[135])$`, s.signWithP1)
	sc.Step(`^the signature verifies with the application's own public key read from the card$`, s.signatureVerifies)
	sc.Step(`^the record of the own public key verifies with the key of the application's CV certificate$`, s.keyRecordVerifies)
	sc.Step(`^I deliver a session key (with an 80 object|with an 81 object) encrypted to the key of EF 0006 with SET SESSION KEY$`, s.deliverSessionKey)
	sc.Step(`^the response data is a sha256WithRSAEncryption signature over "([0-9A-Fa-f ]+)" by the common card application's key$`, s.internalAuthVerifies)
}

// faceApps maps the role words of an application to it.
var faceApps = map[string]jpki.App{"Kenhojo": jpki.Kenhojo, "Kenkaku": jpki.Kenkaku, "common card": jpki.Common, "Juki": jpki.Juki}

func (s cardfaceSteps) appSelected(words string) error {
	a := faceApps[words]
	if _, err := s.client.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: a.AID()}); err != nil {
		return s.failf("SELECT of the %v application: %w", a, err)
	}
	s.last = s.client.Last
	if s.last.SW != apdu.SWOK {
		return s.failf("SELECT of the %v application answered %s", a, s.last.SW.String())
	}
	s.face.app = a
	return nil
}

func (s cardfaceSteps) selectApp(words string) error {
	a := faceApps[words]
	_, err := s.client.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: a.AID()})
	if err := s.record(err); err != nil {
		return err
	}
	if s.last.SW == apdu.SWOK {
		s.face.app = a
	}
	return nil
}

// faceKey is a key reference of a card-face, common card or Juki
// application in one application: its FID and retry limit.
type faceKey struct {
	role  string
	fid   uint16
	tries int
}

// faceKeyFIDs are the FIDs of each role in each application (docs/card.md
// §4.2–§4.4, §6).
var faceKeyFIDs = map[jpki.App]map[string]uint16{
	jpki.Kenhojo: {"Kenhojo PIN": 0x0011, "照合番号A": 0x0014, "照合番号B": 0x0015},
	jpki.Kenkaku: {"birth-date key": 0x0011, "照合番号B": 0x0012, "照合番号A": 0x0013},
	jpki.Common:  {"Juki PIN": 0x001C},
	jpki.Juki:    {"Juki PIN": 0x001C},
}

// key returns the key reference the role words name in the application
// the steps selected last.
func (s cardfaceSteps) key(role string) (faceKey, error) {
	fid, ok := faceKeyFIDs[s.face.app][role]
	if !ok {
		return faceKey{}, fmt.Errorf("the %v application (selected last by a step) has no %s", s.face.app, role)
	}
	tries := jpki.VerificationTries
	switch role {
	case "Kenhojo PIN":
		tries = jpki.KenhojoPIN.MaxTries()
	case "Juki PIN":
		tries = jpki.JukiPIN.MaxTries()
	}
	return faceKey{role, fid, tries}, nil
}

// cardFace returns the card-face content of the card under test: the
// profile of the embedded card, or that a virtual card in a reader names.
// A card that is not virtual has none the run knows.
func (w *world) cardFace() (*simulator.CardFace, error) {
	if !w.target.Virtual() {
		return nil, errors.New("the values of the card-face key references are known only for the virtual card (@embedded scenarios are left out elsewhere)")
	}
	var p *simulator.Profile
	if t, ok := w.target.(sim.Profiled); ok {
		p = t.SimProfile()
	} else {
		var err error
		if p, err = fixtures.Profile(w.target.Capabilities().Profile); err != nil {
			return nil, err
		}
	}
	if p.CardFace == nil {
		return nil, fmt.Errorf("the card of profile %q has no card-face applications", p.Name)
	}
	return p.CardFace, nil
}

// value returns the correct value of the key reference of role.
func (s cardfaceSteps) value(role string) ([]byte, error) {
	f, err := s.cardFace()
	if err != nil {
		return nil, err
	}
	switch role {
	case "Kenhojo PIN":
		return f.KenhojoPIN, nil
	case "Juki PIN":
		return f.JukiPIN, nil
	case "照合番号A":
		return f.VerificationA, nil
	case "照合番号B":
		return f.VerificationB, nil
	}
	return f.BirthDateKey, nil
}

// verify selects the key's EF and sends VERIFY with v (nil: the empty
// VERIFY), recording the answer.
func (s cardfaceSteps) verify(k faceKey, v []byte) error {
	if err := s.client.SelectEF(k.fid); err != nil {
		return s.failf("the %s: selecting EF %04X: %w", k.role, k.fid, err)
	}
	_, err := s.client.Send(apdu.Command{INS: 0x20, P2: 0x80, Data: v})
	return s.record(err)
}

// present verifies the key of role with its correct value (wrong: a value
// of its format that differs in the first digit).
func (s cardfaceSteps) present(role string, wrong bool) (faceKey, error) {
	k, err := s.key(role)
	if err != nil {
		return k, err
	}
	v, err := s.value(role)
	if err != nil {
		return k, err
	}
	if wrong {
		v = append([]byte(nil), v...)
		v[0] = nextChar(v[0])
	}
	return k, s.verify(k, v)
}

func (s cardfaceSteps) keyVerified(role string) error {
	k, err := s.present(role, false)
	if err != nil {
		return err
	}
	if s.last.SW != apdu.SWOK {
		return s.failf("VERIFY of the correct %s (EF %04X) answered %s", k.role, k.fid, s.last.SW.String())
	}
	return nil
}

func (s cardfaceSteps) verifyCorrect(role string) error {
	_, err := s.present(role, false)
	return err
}

// verifyCorrectBySFI is jsapdu's VERIFY: 00 20 00 (80|SFI) without a SELECT
// of the key's EF (docs/card.md §5.4, §13).
func (s cardfaceSteps) verifyCorrectBySFI(role string) error {
	k, err := s.key(role)
	if err != nil {
		return err
	}
	v, err := s.value(role)
	if err != nil {
		return err
	}
	_, err = s.client.Send(apdu.Command{INS: 0x20, P2: 0x80 | byte(k.fid), Data: v})
	return s.record(err)
}

func (s cardfaceSteps) verifyWrong(role string) error {
	_, err := s.present(role, true)
	return err
}

func (s cardfaceSteps) enterWrongTimes(role string, n int) error {
	for i := 0; i < n; i++ {
		if _, err := s.present(role, true); err != nil {
			return err
		}
	}
	return nil
}

func (s cardfaceSteps) queryRetryCounter(role string) error {
	k, err := s.key(role)
	if err != nil {
		return err
	}
	return s.verify(k, nil)
}

func (s cardfaceSteps) triesLeft(role string, n int) error {
	k, err := s.key(role)
	if err != nil {
		return err
	}
	return s.expectFaceTries(k, n)
}

func (s cardfaceSteps) allTriesLeft(role string) error {
	k, err := s.key(role)
	if err != nil {
		return err
	}
	return s.expectFaceTries(k, k.tries)
}

// expectFaceTries checks the key's counter by the empty VERIFY, which
// spends no try (docs/card.md §5.4).
func (s cardfaceSteps) expectFaceTries(k faceKey, n int) error {
	if err := s.client.SelectEF(k.fid); err != nil {
		return s.failf("the %s: selecting EF %04X: %w", k.role, k.fid, err)
	}
	r, err := s.client.Send(apdu.Command{INS: 0x20, P2: 0x80})
	if err != nil {
		return s.fail(err)
	}
	got, ok := r.SW.Tries()
	if !ok {
		return s.failf("the empty VERIFY of the %s answered %s, not 63Cx", k.role, r.SW.String())
	}
	if got != n {
		return s.failf("the %s has %d tries left, want %d", k.role, got, n)
	}
	return nil
}

// changePIN sends the change command whose 4-byte header the feature gives
// (00 24 01 80, CHANGE REFERENCE DATA; 80 32 00 80, CHANGE KEY) with a new
// 4-digit value to the PIN's EF.
func (s cardfaceSteps) changePIN(role, header string) error {
	k, err := s.key(role)
	if err != nil {
		return err
	}
	h, err := parseHexArg(header)
	if err != nil {
		return err
	}
	if len(h) != 4 || !apdu.CarriesSecret(h[0], h[1]) {
		return fmt.Errorf("%d bytes given: give the 4-byte header of a command that carries a PIN", len(h)) // not what: it may hold a PIN
	}
	v, err := s.value(role)
	if err != nil {
		return err
	}
	s.newPIN = wrongValue(v, jpki.KenhojoPIN) // another 4-digit value
	if err := s.client.SelectEF(k.fid); err != nil {
		return s.failf("the %s: selecting EF %04X: %w", k.role, k.fid, err)
	}
	_, err = s.client.SendRaw(append(append(h, byte(len(s.newPIN))), s.newPIN...))
	return s.record(err)
}

func (s cardfaceSteps) newPINVerifies(role string) error {
	k, err := s.key(role)
	if err != nil {
		return err
	}
	if err := s.verify(k, s.newPIN); err != nil {
		return err
	}
	if s.last.SW != apdu.SWOK {
		return s.failf("VERIFY of the new %s answered %s", k.role, s.last.SW.String())
	}
	return nil
}

func (s cardfaceSteps) pinUnchanged(role string) error {
	return s.keyVerified(role)
}

// files returns the card-face files of the application words name.
func (s cardfaceSteps) files(words string) (map[uint16][]byte, error) {
	f, err := s.cardFace()
	if err != nil {
		return nil, err
	}
	if words == "Kenhojo" {
		return f.Kenhojo, nil
	}
	return f.Kenkaku, nil
}

func (s cardfaceSteps) responseIsEF(words, fid string) error {
	files, err := s.files(words)
	if err != nil {
		return err
	}
	v, _ := strconv.ParseUint(fid, 16, 16)
	want, ok := files[uint16(v)]
	if !ok {
		return fmt.Errorf("the %s application has no EF %s", words, fid)
	}
	if !bytes.Equal(s.last.Data, want) {
		return s.failf("response data (%d bytes) is not %s EF %s (%d bytes)", len(s.last.Data), words, fid, len(want))
	}
	return nil
}

func (s cardfaceSteps) responseIsEFPrefix(n int, words, fid string) error {
	files, err := s.files(words)
	if err != nil {
		return err
	}
	v, _ := strconv.ParseUint(fid, 16, 16)
	want := files[uint16(v)]
	if n > len(want) {
		return fmt.Errorf("%s EF %s has only %d bytes", words, fid, len(want))
	}
	if !bytes.Equal(s.last.Data, want[:n]) {
		return s.failf("response data (%d bytes) is not the first %d bytes of %s EF %s", len(s.last.Data), n, words, fid)
	}
	return nil
}

func (s cardfaceSteps) responseStartsWith(h string) error {
	want, err := parseHexArg(h)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(s.last.Data, want) {
		return s.failf("response data (%d bytes) does not start with %X", len(s.last.Data), want)
	}
	return nil
}

// responseIsCommonRecordShape checks the common card record's form, 01 1C
// and 28 ASCII digits with a valid expiry date (docs/card.md §8.3), on any
// card.
func (s cardfaceSteps) responseIsCommonRecordShape() error {
	if _, err := cardface.ParseCommonRecord(s.last.Data); err != nil {
		return s.failf("the record: %w", err)
	}
	return nil
}

func (s cardfaceSteps) responseIsCommonRecord(n int) error {
	f, err := s.cardFace()
	if err != nil {
		return err
	}
	if n < 1 || n > len(f.CommonRecords) {
		return fmt.Errorf("the common card application's EF 0001 has %d records", len(f.CommonRecords))
	}
	if want := f.CommonRecords[n-1]; !bytes.Equal(s.last.Data, want) {
		return s.failf("response data is %X, want record %d %X", s.last.Data, n, want)
	}
	return nil
}

// recordHoldsCardInfo checks the common record against what the card says
// elsewhere: the serial (GET DATA 0045), the municipality code (00F0) and
// the expiry (00F2), which GET DATA answers with the ISD current (after a
// reset).
func (s cardfaceSteps) recordHoldsCardInfo() error {
	info, err := cardface.ParseCommonRecord(s.last.Data)
	if err != nil {
		return s.failf("the record: %w", err)
	}
	if err := s.card.Reset(); err != nil {
		return s.failf("reset: %w", err)
	}
	s.face.app = 0
	for _, o := range []struct {
		tag  uint16
		want string
	}{{0x0045, info.Serial}, {0x00F0, info.MunicipalityCode}, {0x00F2, info.Expiry}} {
		r, err := s.client.Send(apdu.Command{INS: 0xCA, P1: byte(o.tag >> 8), P2: byte(o.tag), Ne: 256})
		if err != nil {
			return s.fail(err)
		}
		if r.SW != apdu.SWOK || string(r.Data) != o.want {
			return s.failf("GET DATA %04X answered %q %s; the record says %q", o.tag, r.Data, r.SW.String(), o.want)
		}
	}
	return nil
}

func (s cardfaceSteps) responseIsMFObject(tag string) error {
	f, err := s.cardFace()
	if err != nil {
		return err
	}
	v, _ := strconv.ParseUint(tag, 16, 16)
	want, ok := f.MFData[uint16(v)]
	if !ok {
		return fmt.Errorf("the card has no card-level object %s", tag)
	}
	if !bytes.Equal(s.last.Data, want) {
		return s.failf("response data (%d bytes) is not the card-level object %s (%d bytes)", len(s.last.Data), tag, len(want))
	}
	return nil
}

// signOwn sends COMPUTE DIGITAL SIGNATURE with P2 00, the application's own
// key, without a credential (docs/card.md §5.6).
func (s cardfaceSteps) signOwn(p1 byte, data, msg []byte) error {
	s.sig, s.sigP1, s.sigInput, s.sigMsg = nil, p1, data, msg
	r, err := s.client.Send(apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: 0x00, Data: data, Ne: 256})
	if err := s.record(err); err != nil {
		return err
	}
	if r.SW == apdu.SWOK {
		s.sig = r.Data
	}
	return nil
}

func (s cardfaceSteps) signDigestInfo(msg string) error {
	sum := sha256.Sum256([]byte(msg))
	di, err := harness.DigestInfo(crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	return s.signOwn(0x00, di, []byte(msg))
}

func (s cardfaceSteps) signWithP1(msg, p1 string) error {
	v, _ := strconv.ParseUint(p1, 16, 8)
	return s.signOwn(byte(v), []byte(msg), []byte(msg))
}

// readEF selects an EF of the current application and reads all of it, in
// chunks of 256 from offset 0 (as jpki-rs does, docs/card.md §12), until a
// short chunk or 6B00 at the end.
func (s cardfaceSteps) readEF(fid uint16) ([]byte, error) {
	if err := s.client.SelectEF(fid); err != nil {
		return nil, s.failf("selecting EF %04X: %w", fid, err)
	}
	var out []byte
	for {
		r, err := s.client.Send(apdu.Command{INS: 0xB0, P1: byte(len(out) >> 8), P2: byte(len(out)), Ne: 256})
		if err != nil {
			return nil, s.fail(err)
		}
		if r.SW == apdu.SWWrongP1P2 && len(out) > 0 {
			return out, nil
		}
		if r.SW != apdu.SWOK {
			return nil, s.failf("reading EF %04X at offset %d: %s", fid, len(out), r.SW.String())
		}
		out = append(out, r.Data...)
		if len(r.Data) < 256 {
			return out, nil
		}
	}
}

// ownKeyRecord reads the record of the application's own public key from
// the card — Kenhojo EF 0007, Kenkaku EF 0002 (DF24) — and returns the key,
// the signed bytes and the signature (docs/card.md §8.1, §8.2).
func (s cardfaceSteps) ownKeyRecord() (pub *rsa.PublicKey, verify func(*rsa.PublicKey) error, err error) {
	switch s.face.app {
	case jpki.Kenhojo:
		b, err := s.readEF(0x0007)
		if err != nil {
			return nil, nil, err
		}
		rec, err := cardface.ParseSignedPublicKey(b)
		if err != nil {
			return nil, nil, s.failf("Kenhojo EF 0007: %w", err)
		}
		return rec.PublicKey, func(k *rsa.PublicKey) error {
			sum := sha256.Sum256(rec.Signed)
			return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], rec.Signature)
		}, nil
	case jpki.Kenkaku:
		b, err := s.readEF(0x0002)
		if err != nil {
			return nil, nil, err
		}
		face, err := cardface.ParseFace(b)
		if err != nil {
			return nil, nil, s.failf("Kenkaku EF 0002: %w", err)
		}
		return face.PublicKey, face.Verify, nil
	}
	return nil, nil, fmt.Errorf("the %v application has no own key with a record on the card", s.face.app)
}

func (s cardfaceSteps) signatureVerifies() error {
	if s.sig == nil {
		return s.failf("no signature to verify (the last signing answered %s)", s.last.SW.String())
	}
	sig, p1, msg := s.sig, s.sigP1, s.sigMsg
	pub, _, err := s.ownKeyRecord()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(msg)
	switch p1 {
	case 0x00, 0x03:
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	case 0x01:
		err = rsa.VerifyPKCS1v15(pub, 0, sum[:], sig)
	case 0x05:
		err = rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	if err != nil {
		return s.failf("the signature (P1 %02X) does not verify with the own public key read from the card: %v", p1, err)
	}
	return nil
}

// keyRecordVerifies checks the record of the own public key with the key
// of the application's CV certificate (EF 0004), and that certificate with
// the TEST-ONLY issuer key of fixtures (cardface.Issuer).
func (s cardfaceSteps) keyRecordVerifies() error {
	_, verify, err := s.ownKeyRecord()
	if err != nil {
		return err
	}
	b, err := s.readEF(0x0004)
	if err != nil {
		return err
	}
	cv, err := cardface.ParseCV(b)
	if err != nil {
		return s.failf("EF 0004: %w", err)
	}
	kenhojo, kenkaku, err := fixtures.CardFaceIssuers()
	if err != nil {
		return err
	}
	issuer := kenhojo
	if s.face.app == jpki.Kenkaku {
		issuer = kenkaku
	}
	if cv.Certifier != issuer.ID {
		return s.failf("EF 0004 is certified by %v, not by the TEST-ONLY issuer %v", cv.Certifier, issuer.ID)
	}
	if err := cv.Verify(issuer.Key); err != nil {
		return s.failf("EF 0004 does not verify with the TEST-ONLY issuer key: %v", err)
	}
	if err := verify(cv.PublicKey); err != nil {
		return s.failf("the own key's record does not verify with the key of EF 0004: %v", err)
	}
	return nil
}

// deliverSessionKey reads Kenhojo EF 0006 (which needs a credential), and
// sends SET SESSION KEY (80 AE 00 00 Lc data) with the message A0 22 {80 or
// 81} 20 and 32 bytes encrypted to its key with RSA-OAEP SHA-256, as
// myna-card's client does (docs/card.md §5.10, §8.1).
func (s cardfaceSteps) deliverSessionKey(form string) error {
	b, err := s.readEF(0x0006)
	if err != nil {
		return err
	}
	pub, err := cardface.ParseSessionKeyFile(b)
	if err != nil {
		return s.failf("Kenhojo EF 0006: %w", err)
	}
	tag := byte(0x80)
	if form == "with an 81 object" {
		tag = 0x81
	}
	msg := append([]byte{0xA0, 0x22, tag, 0x20}, bytes.Repeat([]byte{0x5A}, 32)...)
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, msg, nil)
	if err != nil {
		return err
	}
	_, err = s.client.Send(apdu.Command{CLA: 0x80, INS: 0xAE, Data: ct})
	return s.record(err)
}

// internalAuthVerifies checks the answer to INTERNAL AUTHENTICATE with the
// common card application's key 0019, whose public key is not on the card
// (docs/card.md §4.4): the profile's.
func (s cardfaceSteps) internalAuthVerifies(challenge string) error {
	c, err := parseHexArg(challenge)
	if err != nil {
		return err
	}
	f, err := s.cardFace()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(c)
	if err := rsa.VerifyPKCS1v15(&f.CommonKey.PublicKey, crypto.SHA256, sum[:], s.last.Data); err != nil {
		return s.failf("the answer (%d bytes) is not a sha256WithRSAEncryption signature over the challenge by key 0019: %v", len(s.last.Data), err)
	}
	return nil
}
