package scenarios

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"strconv"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
)

// signSteps are the steps of COMPUTE DIGITAL SIGNATURE: what is signed, with
// which key and scheme (P1), and the checks of the signature against the
// certificate on the card.
type signSteps struct{ *world }

func (s signSteps) register(sc stepper) {
	sc.Step(`^I sign a (SHA-1|SHA-256|SHA-384|SHA-512) DigestInfo of "([^"]*)" with the `+keyRole+`$`, s.signDigestInfo)
	sc.Step(`^I sign a SHA-256 DigestInfo of "([^"]*)" with the `+keyRole+` by SFI$`, s.signDigestInfoBySFI)
	sc.Step(`^I sign "([^"]*)" with the `+keyRole+` using P1 ([0-9A-Fa-f]{2})$`, s.signWithP1)
	sc.Step(`^I sign (\d+) bytes of data with the `+keyRole+` using P1 ([0-9A-Fa-f]{2})$`, s.signBytesWithP1)
	sc.Step(`^I sign a DigestInfo without the NULL parameter with the `+keyRole+`$`, s.signDigestInfoWithoutNULL)
	sc.Step(`^the signature is (\d+) bytes long$`, s.signatureLength)
	sc.Step(`^the signature verifies with the (auth|signing) certificate$`, s.signatureVerifies)
	sc.Step(`^the signature opens with the (auth|signing) certificate to PKCS#1 v1\.5 padding of the data sent$`, s.signatureOpensToPadding)
}

func (s signSteps) signDigestInfo(hash, msg, role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	return s.sign(k, 0x00, hashByName(hash), []byte(msg), false)
}

func (s signSteps) signDigestInfoBySFI(msg, role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	return s.sign(k, 0x00, crypto.SHA256, []byte(msg), true)
}

func (s signSteps) signWithP1(msg, role, p1 string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	v, _ := strconv.ParseUint(p1, 16, 8)
	return s.sign(k, byte(v), crypto.SHA256, []byte(msg), false)
}

func (s signSteps) signBytesWithP1(n int, role, p1 string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	v, _ := strconv.ParseUint(p1, 16, 8)
	data := bytes.Repeat([]byte{0x5A}, n)
	s.resetSignature()
	s.sigInput, s.sigKey, s.sigP1 = data, k, byte(v)
	sig, err := s.client.SignRaw(s.sigKey, s.sigP1, data)
	s.sig = sig
	return s.record(err)
}

// signDigestInfoWithoutNULL sends pyjpki's SHA-256 DigestInfo with the
// parameters omitted (49 bytes).
func (s signSteps) signDigestInfoWithoutNULL(role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	d := sha256.Sum256([]byte("pyjpki"))
	di := append([]byte{0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20}, d[:]...)
	s.resetSignature()
	s.sigInput, s.sigKey, s.sigP1 = di, k, 0
	sig, err := s.client.SignRaw(s.sigKey, 0, di)
	s.sig = sig
	return s.record(err)
}

func (s signSteps) signatureLength(n int) error {
	if len(s.sig) != n {
		return s.failf("signature is %d bytes, want %d", len(s.sig), n)
	}
	return nil
}

func (s signSteps) signatureVerifies(role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	pub, err := s.publicKey(k)
	if err != nil {
		return err
	}
	if err := s.verifySignature(pub); err != nil {
		return s.failf("signature does not verify with the %v certificate: %w", k, err)
	}
	return nil
}

func (s signSteps) signatureOpensToPadding(role string) error {
	k, err := jpki.ParseKind(role)
	if err != nil {
		return err
	}
	pub, err := s.publicKey(k)
	if err != nil {
		return err
	}
	if len(s.sig) != pub.Size() {
		return s.failf("no %d-byte signature to open (last status word %s)", pub.Size(), s.last.SW.String())
	}
	pad := pub.Size() - 3 - len(s.sigInput)
	if pad < 8 {
		return s.failf("%d bytes of data cannot be PKCS#1 v1.5 padded to %d bytes", len(s.sigInput), pub.Size())
	}
	em := new(big.Int).Exp(new(big.Int).SetBytes(s.sig), big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, pub.Size()))
	want := append(append(append([]byte{0x00, 0x01}, bytes.Repeat([]byte{0xFF}, pad)...), 0x00), s.sigInput...)
	if !bytes.Equal(em, want) {
		return s.failf("the opened signature is not 00 01 FF..FF 00 followed by the %d bytes sent", len(s.sigInput))
	}
	return nil
}

// publicKey reads the public key of the certificate of kind k from the card.
func (w *world) publicKey(k jpki.Kind) (*rsa.PublicKey, error) {
	c, err := w.client.Certificate(k.CertFID())
	if err != nil {
		return nil, w.failf("reading the %v certificate: %w", k, err)
	}
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, w.failf("the %v certificate holds a %T key", k, c.PublicKey)
	}
	return pub, nil
}

// sign prepares the data field for scheme p1 (card.md §5.6) from msg, sends
// COMPUTE DIGITAL SIGNATURE and records what the signature must cover.
func (w *world) sign(k jpki.Kind, p1 byte, h crypto.Hash, msg []byte, bySFI bool) error {
	w.resetSignature()
	w.sigKey, w.sigP1, w.sigHash, w.sigMsg = k, p1, h, msg
	hh := h.New()
	hh.Write(msg)
	w.sigDigest = hh.Sum(nil)
	switch p1 {
	case 0x00:
		di, err := harness.DigestInfo(h, w.sigDigest)
		if err != nil {
			return err
		}
		w.sigInput = di
	case 0x02, 0x04:
		w.sigInput = w.sigDigest
	default:
		w.sigInput = msg
	}
	if bySFI {
		r, err := w.client.Send(apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: 0x80 | byte(k.KeyFID()), Data: w.sigInput, Ne: 256})
		if err == nil && r.SW == apdu.SWOK {
			w.sig = r.Data
		}
		return w.record(err)
	}
	sig, err := w.client.SignRaw(k, p1, w.sigInput)
	w.sig = sig
	return w.record(err)
}

// resetSignature forgets the last signature and what it was meant to cover,
// so that a check never runs against an earlier step's values.
func (w *world) resetSignature() {
	w.sig, w.sigInput, w.sigDigest, w.sigMsg, w.sigHash, w.sigP1 = nil, nil, nil, nil, 0, 0
}

func (w *world) verifySignature(pub *rsa.PublicKey) error {
	if len(w.sig) == 0 {
		return fmt.Errorf("no signature (last status word %s)", w.last.SW.String())
	}
	sum := sha256.Sum256(w.sigMsg)
	switch w.sigP1 {
	case 0x00:
		if w.sigHash == 0 {
			return errors.New("the data sent was not a DigestInfo built by this step")
		}
		return rsa.VerifyPKCS1v15(pub, w.sigHash, w.sigDigest, w.sig)
	case 0x01: // the bare hash, no DigestInfo
		return rsa.VerifyPKCS1v15(pub, crypto.Hash(0), sum[:], w.sig)
	case 0x02, 0x03:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], w.sig)
	case 0x04, 0x05:
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], w.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	return fmt.Errorf("no verification rule for P1 %02X", w.sigP1)
}

func hashByName(s string) crypto.Hash {
	switch s {
	case "SHA-1":
		return crypto.SHA1
	case "SHA-384":
		return crypto.SHA384
	case "SHA-512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

var _ = sha1.New   // registers SHA-1 for crypto.Hash.New
var _ = sha512.New // registers SHA-384 and SHA-512
