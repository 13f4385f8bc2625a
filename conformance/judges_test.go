package conformance

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"
)

var msg = []byte("a document to sign")

// signed runs a client that verifies the signing password and signs
// input with P1 00 and returns the client and the signature bytes.
func signed(t *testing.T, state string, input []byte) (*client, []byte) {
	c := newClient(t, state)
	c.given(jpki.SigningPIN, Configured)
	c.selectJPKI()
	c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
	r := c.sign(jpki.Signing, 0x00, input)
	return c, r[:len(r)-2]
}

// readAll reads EF fid in 256-byte chunks until the card ends it.
func readAll(c *client, fid uint16) {
	c.selectEF(fid)
	for off := 0; ; off += 256 {
		r := c.send(hexOf(0x00, 0xB0, byte(off>>8), byte(off), 0x00))
		if sw(r) != "9000" || len(r)-2 < 256 {
			return
		}
	}
}

func hexOf(b ...byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

type judgeCase struct {
	check string
	name  string
	want  Outcome
	run   func(t *testing.T) Session
}

var judgeCases = []judgeCase{
	// CLIENT-01
	{"CLIENT-01", "empty entry refused, counter only queried", Passed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.AuthPIN, Empty)
		c.query(jpki.AuthPIN)
		return c.session(1, "PIN must not be empty")
	}},
	{"CLIENT-01", "empty entry padded into a VERIFY", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.AuthPIN, Empty)
		c.verify(jpki.AuthPIN, []byte{0xFF, 0xFF, 0xFF, 0xFF})
		return c.session(1, "wrong PIN")
	}},
	{"CLIENT-01", "empty VERIFY taken for a login", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.AuthPIN, Empty)
		c.query(jpki.AuthPIN)
		c.sign(jpki.Auth, 0, digestInfo256(msg))
		return c.session(1, "")
	}},
	{"CLIENT-01", "empty entry; the signing certificate's read refused while the client enumerates the card", Passed, func(t *testing.T) Session {
		// OpenSC reads every certificate EF when it binds, before any
		// PIN: the card refuses EF 0001 with 6982, and nothing is used.
		c := newClient(t, Fresh)
		c.given(jpki.SigningPIN, Empty)
		c.selectJPKI()
		c.selectEF(jpki.EFSigningCert)
		c.send("00B0000004")
		c.query(jpki.SigningPIN)
		return c.session(1, "no PIN entered")
	}},
	{"CLIENT-01", "empty entry; the signing certificate read after the counter was taken for a login", Failed, func(t *testing.T) Session {
		// A card that answers the empty VERIFY 9000 while the password is
		// verified: the previous program left it verified, and the client
		// reads what the password protects without an entry of its own.
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		c.entry(jpki.SigningPIN, Empty)
		c.query(jpki.SigningPIN)
		c.selectEF(jpki.EFSigningCert)
		c.send("00B0000004")
		return c.session(0, "")
	}},
	{"CLIENT-01", "no empty entry", NotApplicable, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		return c.session(0, "")
	}},
	// CLIENT-02
	{"CLIENT-02", "one VERIFY per entry", Passed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.AuthPIN, Wrong)
		c.verify(jpki.AuthPIN, []byte("9999"))
		c.entry(jpki.AuthPIN, Configured)
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		return c.session(0, "")
	}},
	{"CLIENT-02", "a wrong entry presented twice", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.AuthPIN, Wrong)
		c.verify(jpki.AuthPIN, []byte("9999"))
		c.verify(jpki.AuthPIN, []byte("9999"))
		return c.session(1, "")
	}},
	{"CLIENT-02", "a PIN nobody gave", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.verify(jpki.SigningPIN, []byte("PASS1234"))
		return c.session(1, "")
	}},
	{"CLIENT-02", "an accepted entry presented again before the signature", Passed, func(t *testing.T) Session {
		// OpenSC's pkcs11-tool: C_Login, then the same value again before
		// COMPUTE DIGITAL SIGNATURE. A value the card accepted spends no
		// try; the entry was presented once for the user's purposes.
		c := verified(t, Fresh, jpki.SigningPIN)
		c.query(jpki.SigningPIN)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(0, "")
	}},
	{"CLIENT-02", "a refused entry presented again", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.given(jpki.SigningPIN, Wrong)
		c.selectJPKI()
		c.verify(jpki.SigningPIN, []byte("WRONG9"))
		c.query(jpki.SigningPIN)
		c.verify(jpki.SigningPIN, []byte("WRONG9"))
		return c.session(1, "")
	}},
	{"CLIENT-02", "an accepted entry followed by a value of the client's own", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.verify(jpki.SigningPIN, []byte("OTHER1"))
		return c.session(1, "")
	}},
	{"CLIENT-02", "no entry, no VERIFY", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	// CLIENT-03
	{"CLIENT-03", "lower case folded", Passed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.SigningPIN, ConfiguredLowercase)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(0, "")
	}},
	{"CLIENT-03", "lower case sent as typed", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.SigningPIN, ConfiguredLowercase)
		c.verify(jpki.SigningPIN, bytes.ToLower(c.pin(jpki.SigningPIN)))
		return c.session(1, "wrong password")
	}},
	{"CLIENT-03", "lower case never presented", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.entry(jpki.SigningPIN, ConfiguredLowercase)
		return c.session(1, "invalid character")
	}},
	{"CLIENT-03", "no lower-case entry", NotApplicable, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		return c.session(0, "")
	}},
	// CLIENT-04
	{"CLIENT-04", "counter read and one try announced", Passed, func(t *testing.T) Session {
		c := newClient(t, SigningOneTryLeft)
		c.selectJPKI()
		c.query(jpki.SigningPIN)
		c.entry(jpki.SigningPIN, Configured)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(0, "Warning: 1 try left before the password locks.\nSigned.")
	}},
	{"CLIENT-04", "counter never read", Failed, func(t *testing.T) Session {
		c := verified(t, AuthOneTryLeft, jpki.AuthPIN)
		return c.session(0, "Logged in, 1 try left")
	}},
	{"CLIENT-04", "counter read, user not told", Failed, func(t *testing.T) Session {
		c := newClient(t, AuthOneTryLeft)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		c.entry(jpki.AuthPIN, Configured)
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		return c.session(0, "Enter PIN: \nLogged in")
	}},
	{"CLIENT-04", "the PIN never touched", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, AuthOneTryLeft)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	{"CLIENT-04", "another state", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		return c.session(0, "3 tries left")
	}},
	// CLIENT-05
	{"CLIENT-05", "stops and says locked", Passed, func(t *testing.T) Session {
		c := verified(t, SigningLocked, jpki.SigningPIN)
		c.query(jpki.SigningPIN)
		return c.session(1, "The signing password is locked. Reset it at a kiosk or the municipal office.")
	}},
	{"CLIENT-05", "no tries left shown for the blocked password beside the other PIN's count (pkcs15-tool --list-pins, seen)", Passed, func(t *testing.T) Session {
		c := entered(t, SigningLocked, jpki.SigningPIN)
		c.query(jpki.AuthPIN)
		c.query(jpki.SigningPIN)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(1, "PIN [User Authentication PIN]\n\tTries left     : 3\n\nPIN [Digital Signature PIN]\n\tTries left     : 0\n\nOperation failed: Reference data not usable\n")
	}},
	{"CLIENT-05", "the misread count of the blocked password beside a help text's \"no tries left\"", Failed, func(t *testing.T) Session {
		c := verified(t, SigningLocked, jpki.SigningPIN)
		return c.session(1, "Wrong password: 4 tries left (with no tries left the password is locked)")
	}},
	{"CLIENT-05", "a PIN listing with the blocked password misread as 4 beside a 0 the card never showed", Failed, func(t *testing.T) Session {
		c := entered(t, SigningLocked, jpki.SigningPIN)
		c.query(jpki.AuthPIN)
		c.query(jpki.SigningPIN)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(1, "PIN [User Authentication PIN]\n\tTries left     : 0\n\nPIN [Digital Signature PIN]\n\tTries left     : 4\n")
	}},
	{"CLIENT-05", "a count beside the word locked (OpenSC's JPKI driver reading 6984 as 4 tries)", Failed, func(t *testing.T) Session {
		c := verified(t, SigningLocked, jpki.SigningPIN)
		return c.session(1, "PIN locked? 4 tries left")
	}},
	{"CLIENT-05", "says locked, then hangs until the harness kills it", Failed, func(t *testing.T) Session {
		c := verified(t, SigningLocked, jpki.SigningPIN)
		s := c.session(-1, "The signing password is locked.")
		s.TimedOut = true
		return s
	}},
	{"CLIENT-05", "reads the certificate after 6984 (jpki/myna)", Failed, func(t *testing.T) Session {
		c := verified(t, SigningLocked, jpki.SigningPIN)
		c.selectEF(jpki.EFSigningCert)
		c.send("00B0000004")
		return c.session(1, "invalid length")
	}},
	{"CLIENT-05", "6984 read as 4 tries left (OpenSC)", Failed, func(t *testing.T) Session {
		c := verified(t, SigningLocked, jpki.SigningPIN)
		return c.session(1, "error: PIN incorrect, 4 tries left")
	}},
	{"CLIENT-05", "presents the PIN again", Failed, func(t *testing.T) Session {
		c := verified(t, AuthLocked, jpki.AuthPIN)
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		return c.session(1, "locked")
	}},
	{"CLIENT-05", "exits 0 on a locked PIN", Failed, func(t *testing.T) Session {
		c := verified(t, AuthLocked, jpki.AuthPIN)
		return c.session(0, "PIN blocked")
	}},
	{"CLIENT-05", "no 6984", NotApplicable, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		return c.session(0, "")
	}},
	// CLIENT-06
	{"CLIENT-06", "chunks until the end", Passed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		readAll(c, jpki.EFAuthCACert)
		return c.session(0, "")
	}},
	{"CLIENT-06", "reads on after 6B00", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		c.send("00B0090000")
		return c.session(0, "")
	}},
	{"CLIENT-06", "reads on after a short read", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.selectEF(jpki.EFAuthCert)
		c.send("00B0076C00", "00B0080000")
		return c.session(0, "")
	}},
	{"CLIENT-06", "reads on after 6Cxx told the end (T=0)", Failed, func(t *testing.T) Session {
		c := newClient(t, T0)
		c.selectJPKI()
		c.selectEF(jpki.EFAuthCert)
		c.send("00B007F000", "00B0080000")
		return c.session(0, "")
	}},
	{"CLIENT-06", "no READ BINARY", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		return c.session(0, "")
	}},
	// CLIENT-07
	{"CLIENT-07", "61xx fetched, 6Cxx re-sent", Passed, func(t *testing.T) Session {
		c := newClient(t, T0)
		c.selectJPKI()
		c.selectEF(jpki.EFAuthCert)
		c.send("00B0000000", "00C0000000", "00B007F000", "00B007F010", "00C0000010")
		return c.session(0, "")
	}},
	{"CLIENT-07", "61 00 after a signature left unfetched (pkcs11-tool)", Failed, func(t *testing.T) Session {
		c := verified(t, T0, jpki.AuthPIN)
		c.sign(jpki.Auth, 0, digestInfo256(msg))
		c.event(transcript.Reset)
		return c.session(0, "")
	}},
	{"CLIENT-07", "GET RESPONSE with the wrong Le", Failed, func(t *testing.T) Session {
		c := newClient(t, T0)
		c.selectJPKI()
		c.selectEF(jpki.EFAuthCert)
		c.send("00B007F010", "00C0000008")
		return c.session(0, "")
	}},
	{"CLIENT-07", "6Cxx followed by another command", Failed, func(t *testing.T) Session {
		c := newClient(t, T0)
		c.selectJPKI()
		c.selectEF(jpki.EFAuthCert)
		c.send("00B007F000", "00B0000010")
		return c.session(0, "")
	}},
	{"CLIENT-07", "a T=1 card", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	// CLIENT-08
	{"CLIENT-08", "DigestInfo with NULL", Passed, func(t *testing.T) Session {
		c, _ := signed(t, Fresh, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-08", "DigestInfo without NULL (pyjpki)", Failed, func(t *testing.T) Session {
		c, _ := signed(t, Fresh, noNull(msg))
		return c.session(0, "")
	}},
	{"CLIENT-08", "a bare hash", Failed, func(t *testing.T) Session {
		c, _ := signed(t, Fresh, digestInfo256(msg)[19:])
		return c.session(0, "")
	}},
	{"CLIENT-08", "P1 01: the card hashes and signs the bare hash", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		c.sign(jpki.Auth, 0x01, msg)
		return c.session(0, "")
	}},
	{"CLIENT-08", "P1 03: the card builds the DigestInfo", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		c.sign(jpki.Auth, 0x03, msg)
		return c.session(0, "")
	}},
	{"CLIENT-08", "no signature", NotApplicable, func(t *testing.T) Session {
		return newClient(t, Fresh).session(0, "")
	}},
	// CLIENT-09
	{"CLIENT-09", "the card's signature, written out", Passed, func(t *testing.T) Session {
		c, sig := signed(t, Fresh, digestInfo256(msg))
		c.s.Artefacts = []Artefact{{Kind: SignatureFile, Path: "out.sig", Message: msg, Content: sig, Certificate: c.profile.SigningCert}}
		return c.session(0, "")
	}},
	{"CLIENT-09", "zero bytes written for the signature", Failed, func(t *testing.T) Session {
		c, _ := signed(t, Fresh, digestInfo256(msg))
		c.s.Artefacts = []Artefact{{Kind: SignatureFile, Path: "out.sig", Message: msg, Content: make([]byte, 256), Certificate: c.profile.SigningCert}}
		return c.session(0, "")
	}},
	{"CLIENT-09", "a signature over a DigestInfo without NULL", Failed, func(t *testing.T) Session {
		c, sig := signed(t, Fresh, noNull(msg))
		c.s.Artefacts = []Artefact{{Kind: SignatureFile, Path: "out.sig", Message: msg, Content: sig, Certificate: c.profile.SigningCert}}
		return c.session(0, "")
	}},
	{"CLIENT-09", "no signature file written", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.s.Artefacts = []Artefact{{Kind: SignatureFile, Path: "out.sig", Message: msg, Certificate: c.profile.SigningCert}}
		return c.session(1, "")
	}},
	{"CLIENT-09", "no artefact", NotApplicable, func(t *testing.T) Session {
		c, _ := signed(t, Fresh, digestInfo256(msg))
		return c.session(0, "")
	}},
	// CLIENT-10
	{"CLIENT-10", "OCSP asked before signing", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		readAll(c, jpki.EFSigningCert)
		c.http("OCSP POST /ocsp/sign 200")
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "a mistyped OCSP path the responder answered 404, before signing", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		readAll(c, jpki.EFSigningCert)
		c.http("OCSP GET /ocsp/signature 404")
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "an OCSP GET without a request, refused 405, before signing", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		readAll(c, jpki.EFSigningCert)
		c.http("OCSP GET /ocsp/sign 405")
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "a garbage OCSP body, answered 200 malformedRequest, before signing", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.http("OCSP POST /ocsp/sign 200 malformedRequest")
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "an OCSP request answered successful before signing", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.http("OCSP POST /ocsp/sign 200 successful")
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "an OCSP GET request (RFC 6960 A.1) before signing", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		readAll(c, jpki.EFSigningCert)
		c.http("OCSP GET /ocsp/sign/MEMwQTA/MD0wOzAJBgUrDgMCGgUABBQ= 200")
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "signs without asking", Failed, func(t *testing.T) Session {
		c, _ := signed(t, Revoked, digestInfo256(msg))
		c.http("OCSP POST /ocsp/sign 200")
		return c.session(0, "")
	}},
	{"CLIENT-10", "asks about the other certificate", Failed, func(t *testing.T) Session {
		c := newClient(t, OnHold)
		c.given(jpki.SigningPIN, Configured)
		c.http("CRL GET /crl/auth.crl 200")
		c.selectJPKI()
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-10", "fetches the CRL before a login that succeeds", Passed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		c.http("CRL GET /crl/auth.crl 200")
		return c.session(0, "")
	}},
	{"CLIENT-10", "succeeds without asking", Failed, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	{"CLIENT-10", "accepted nothing", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Revoked)
		c.selectJPKI()
		return c.session(1, "")
	}},
	// CLIENT-11
	{"CLIENT-11", "revoked certificate refused", Passed, func(t *testing.T) Session {
		c := verified(t, Revoked, jpki.SigningPIN)
		readAll(c, jpki.EFSigningCert)
		c.http("OCSP POST /ocsp/sign 200")
		return c.session(1, "the signing certificate is revoked")
	}},
	{"CLIENT-11", "revoked certificate used, exit 0", Failed, func(t *testing.T) Session {
		c, _ := signed(t, Revoked, digestInfo256(msg))
		return c.session(0, "signed")
	}},
	{"CLIENT-11", "signs after learning the hold", Failed, func(t *testing.T) Session {
		c := entered(t, OnHold, jpki.AuthPIN)
		c.http("OCSP POST /ocsp/auth 200")
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		c.sign(jpki.Auth, 0, digestInfo256(msg))
		return c.session(1, "")
	}},
	{"CLIENT-11", "only the valid auth certificate used", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Revoked)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	// CLIENT-12
	{"CLIENT-12", "expired certificate refused", Passed, func(t *testing.T) Session {
		c := newClient(t, Expired)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(1, "certificate expired")
	}},
	{"CLIENT-12", "signs with the expired certificate's key", Failed, func(t *testing.T) Session {
		c := entered(t, Expired, jpki.AuthPIN)
		readAll(c, jpki.EFAuthCert)
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		c.sign(jpki.Auth, 0, digestInfo256(msg))
		return c.session(1, "")
	}},
	{"CLIENT-12", "expired certificate used, exit 0", Failed, func(t *testing.T) Session {
		c := newClient(t, Expired)
		c.selectJPKI()
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	{"CLIENT-12", "no certificate used", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Expired)
		c.selectJPKI()
		return c.session(1, "")
	}},
	// CLIENT-13
	{"CLIENT-13", "waits for the signature", Passed, func(t *testing.T) Session {
		c, _ := signed(t, SlowSignature, digestInfo256(msg))
		c.event(transcript.Reset)
		return c.session(0, "")
	}},
	{"CLIENT-13", "times out", Failed, func(t *testing.T) Session {
		c, _ := signed(t, SlowSignature, digestInfo256(msg))
		c.s.TimedOut = true
		return c.session(-1, "")
	}},
	{"CLIENT-13", "gives up, resets and signs again", Failed, func(t *testing.T) Session {
		c, _ := signed(t, SlowSignature, digestInfo256(msg))
		c.event(transcript.Reset)
		c.selectJPKI()
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		c.sign(jpki.Signing, 0, digestInfo256(msg))
		return c.session(0, "")
	}},
	{"CLIENT-13", "the link lost under the signature", Failed, func(t *testing.T) Session {
		c := newClient(t, SlowSignature)
		c.rec.Exchange([]byte{0x80, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00}, nil, errors.New("tag was lost"), c.rec.Transcript().Started, 0)
		return c.session(1, "")
	}},
	{"CLIENT-13", "another state", NotApplicable, func(t *testing.T) Session {
		c, _ := signed(t, Fresh, digestInfo256(msg))
		return c.session(0, "")
	}},
	// CLIENT-14
	{"CLIENT-14", "ends with a reset", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		c.event(transcript.Reset)
		c.event(transcript.Disconnect)
		return c.session(0, "")
	}},
	{"CLIENT-14", "ends with a power-off", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		c.event(transcript.PowerOff)
		return c.session(0, "")
	}},
	{"CLIENT-14", "left to pcscd's idle power-off (pkcs15-tool, seen: 0.8 s after the VERIFY)", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.event(transcript.PowerOff)
		s := c.session(0, "")
		last := &s.Transcript.Events[len(s.Transcript.Events)-1]
		last.At += transcript.MicrosOf(800 * time.Millisecond) // pcscd powers an unused card off after its grace period
		return s
	}},
	{"CLIENT-14", "pcscd's idle power-off, then the client's own reset (a slow client that resets from another process)", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.event(transcript.PowerOff)
		c.event(transcript.PowerOn)
		c.event(transcript.Reset)
		s := c.session(0, "")
		for i := len(s.Transcript.Events) - 3; i < len(s.Transcript.Events); i++ {
			s.Transcript.Events[i].At += transcript.MicrosOf(800 * time.Millisecond)
		}
		return s
	}},
	{"CLIENT-14", "a reset however late (SCARD_RESET_CARD: pcscd never resets an idle card)", Passed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.event(transcript.Reset)
		s := c.session(0, "")
		last := &s.Transcript.Events[len(s.Transcript.Events)-1]
		last.At += transcript.MicrosOf(2 * time.Second)
		return s
	}},
	{"CLIENT-14", "SCARD_LEAVE_CARD", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.SigningPIN)
		c.event(transcript.Disconnect)
		return c.session(0, "")
	}},
	{"CLIENT-14", "a reset before the last VERIFY only", Failed, func(t *testing.T) Session {
		c := verified(t, Fresh, jpki.AuthPIN)
		c.event(transcript.Reset)
		c.selectJPKI()
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		return c.session(0, "")
	}},
	{"CLIENT-14", "nothing verified", NotApplicable, func(t *testing.T) Session {
		c := newClient(t, Fresh)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		c.verify(jpki.AuthPIN, []byte("9999"))
		return c.session(1, "")
	}},
	// CLIENT-15
	{"CLIENT-15", "goes on after the 6A80", Passed, func(t *testing.T) Session {
		c := entered(t, CounterQuery6A80, jpki.AuthPIN)
		c.query(jpki.AuthPIN)
		c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
		return c.session(0, "tries left: unknown")
	}},
	{"CLIENT-15", "gives up at the 6A80 (OpenSC's bind)", Failed, func(t *testing.T) Session {
		c := entered(t, CounterQuery6A80, jpki.AuthPIN)
		c.query(jpki.AuthPIN)
		return c.session(1, "C_Login failed")
	}},
	{"CLIENT-15", "the auth PIN's 6A80 aborts a client given the signing password (OpenSC's bind, seen)", Failed, func(t *testing.T) Session {
		c := entered(t, CounterQuery6A80, jpki.SigningPIN)
		c.query(jpki.AuthPIN)
		return c.session(1, "No slot with token found")
	}},
	{"CLIENT-15", "the auth PIN's 6A80, then the signing password given presented", Passed, func(t *testing.T) Session {
		c := entered(t, CounterQuery6A80, jpki.SigningPIN)
		c.query(jpki.AuthPIN)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(0, "")
	}},
	{"CLIENT-15", "a program given no PIN stops at the 6A80 (ssh-keygen -D over OpenSC, seen)", Failed, func(t *testing.T) Session {
		c := newClient(t, CounterQuery6A80)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		return c.session(255, "cannot read public key from pkcs11")
	}},
	{"CLIENT-15", "a program given no PIN goes on after the 6A80", Passed, func(t *testing.T) Session {
		c := newClient(t, CounterQuery6A80)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		readAll(c, jpki.EFAuthCert)
		return c.session(0, "")
	}},
	{"CLIENT-15", "a program given no PIN exits 0 having read nothing after the 6A80 (pkcs11-tool --list-objects over OpenSC, seen)", Failed, func(t *testing.T) Session {
		c := newClient(t, CounterQuery6A80)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		c.selectJPKI()
		c.query(jpki.AuthPIN)
		return c.session(0, "Using slot 0 with a present token (0x0)")
	}},
	{"CLIENT-15", "verifies but fails", Failed, func(t *testing.T) Session {
		c := entered(t, CounterQuery6A80, jpki.SigningPIN)
		c.query(jpki.SigningPIN)
		c.verify(jpki.SigningPIN, c.pin(jpki.SigningPIN))
		return c.session(1, "")
	}},
	{"CLIENT-15", "no counter query", NotApplicable, func(t *testing.T) Session {
		c := verified(t, CounterQuery6A80, jpki.AuthPIN)
		return c.session(0, "")
	}},
	// CLIENT-16
	{"CLIENT-16", "reports the missing certificate", Passed, func(t *testing.T) Session {
		c := newClient(t, Under15)
		c.selectJPKI()
		c.selectEF(jpki.EFCertPresence)
		c.send("00B0000003")
		return c.session(1, "this card has no signing certificate")
	}},
	{"CLIENT-16", "a nil-pointer panic", Failed, func(t *testing.T) Session {
		c := verified(t, Under15, jpki.SigningPIN)
		readAll(c, jpki.EFSigningCert)
		return c.session(2, "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation]\n\ngoroutine 1 [running]:")
	}},
	{"CLIENT-16", "signs with the missing key", Failed, func(t *testing.T) Session {
		c, _ := signed(t, Under15, digestInfo256(msg))
		return c.session(1, "card error 6985")
	}},
	{"CLIENT-16", "killed by a signal", Failed, func(t *testing.T) Session {
		c := newClient(t, Under15)
		c.selectJPKI()
		return c.session(139, "")
	}},
	{"CLIENT-16", "another state", NotApplicable, func(t *testing.T) Session {
		return newClient(t, Fresh).session(0, "")
	}},
}

// TestJudges runs every case against its check's judge.
func TestJudges(t *testing.T) {
	for _, jc := range judgeCases {
		t.Run(jc.check+"/"+jc.name, func(t *testing.T) {
			c, ok := Lookup(jc.check)
			if !ok {
				t.Fatalf("no check %s", jc.check)
			}
			s := jc.run(t)
			v := c.Judge(s)
			if v.Outcome != jc.want {
				t.Fatalf("%s: %s (%s), want %s\n%s", jc.check, v.Outcome, v.Reason, jc.want, transcript.Text(s.Transcript.Events, "  "))
			}
			if v.Reason == "" {
				t.Error("a verdict without a reason")
			}
			seen := map[int]bool{}
			for _, e := range s.Transcript.Events {
				seen[e.Seq] = true
			}
			for _, q := range v.Seqs {
				if !seen[q] {
					t.Errorf("evidence seq %d is not an event of the transcript", q)
				}
			}
			if v.Outcome == Failed && len(v.Seqs) == 0 && s.ExitStatus == 0 && !s.TimedOut && len(s.Artefacts) == 0 && s.Output == "" {
				t.Errorf("a failure that names no evidence: %s", v.Reason)
			}
		})
	}
}

// TestEveryCheckCanPassAndFail: each check of the catalogue is shown able
// to pass and able to fail, and able to stand aside.
func TestEveryCheckCanPassAndFail(t *testing.T) {
	have := map[string]map[Outcome]bool{}
	for _, jc := range judgeCases {
		if have[jc.check] == nil {
			have[jc.check] = map[Outcome]bool{}
		}
		have[jc.check][jc.want] = true
	}
	for _, c := range Checks() {
		for _, o := range []Outcome{Passed, Failed, NotApplicable} {
			if !have[c.ID][o] {
				t.Errorf("%s has no case in which it is %s", c.ID, o)
			}
		}
	}
}

// TestPassesNameTheirEvidence: a pass that rests on what the card saw
// names the events — the VERIFYs counted (CLIENT-02), the answers that
// showed an EF's end (CLIENT-06).
func TestPassesNameTheirEvidence(t *testing.T) {
	c := newClient(t, Fresh)
	c.given(jpki.AuthPIN, Configured)
	c.selectJPKI()
	c.verify(jpki.AuthPIN, c.pin(jpki.AuthPIN))
	readAll(c, jpki.EFAuthCert)
	s := c.session(0, "")
	for _, id := range []string{"CLIENT-02", "CLIENT-06"} {
		ck, _ := Lookup(id)
		if v := ck.Judge(s); v.Outcome != Passed || len(v.Seqs) == 0 {
			t.Errorf("%s: %s with evidence %v", id, v.Outcome, v.Seqs)
		}
	}
}
