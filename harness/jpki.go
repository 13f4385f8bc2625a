package harness

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
)

// Client speaks the JPKI application's protocol over a Card, as the public
// clients do (card.md §12, §13). Non-9000 answers come back as
// apdu.StatusWord errors, so callers can compare them: as is from the
// commands of one C-APDU and for the answer to the command an operation is
// named for (VERIFY, CHANGE REFERENCE DATA, COMPUTE DIGITAL SIGNATURE);
// wrapped, for errors.As, with the step and the EF ("selecting EF 0018: ",
// "reading EF 0001 at offset 0: ") when an earlier step of an operation of
// several commands failed. A PIN or key pair that is not the JPKI
// application's is refused before anything is sent (ErrNotJPKIPIN,
// ErrNotJPKIKey).
type Client struct {
	Card Card
	// Last is the last R-APDU received.
	Last apdu.Response
}

// NewClient returns a client over c.
func NewClient(c Card) *Client { return &Client{Card: c} }

// Send transmits one command and returns its response; err is only a
// transport or encoding error.
func (c *Client) Send(cmd apdu.Command) (apdu.Response, error) {
	b, err := cmd.Encode()
	if err != nil {
		return apdu.Response{}, err
	}
	return c.SendRaw(b)
}

// SendRaw transmits raw C-APDU bytes.
func (c *Client) SendRaw(b []byte) (apdu.Response, error) {
	r, err := c.Card.Transmit(b)
	if err != nil {
		return apdu.Response{}, err
	}
	resp, err := apdu.ParseResponse(r)
	if err != nil {
		return apdu.Response{}, fmt.Errorf("card gave %d bytes: %w", len(r), err)
	}
	c.Last = resp
	return resp, nil
}

// expectOK sends cmd and turns a non-9000 answer into its StatusWord error.
func (c *Client) expectOK(cmd apdu.Command) (apdu.Response, error) {
	r, err := c.Send(cmd)
	if err != nil {
		return r, err
	}
	if r.SW != apdu.SWOK {
		return r, r.SW
	}
	return r, nil
}

// SelectJPKI selects the JPKI application by DF name without FCI
// (00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01).
func (c *Client) SelectJPKI() error {
	_, err := c.expectOK(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()})
	return err
}

// SelectEF selects an EF of the current application (00 A4 02 0C 02 FID).
func (c *Client) SelectEF(fid uint16) error {
	_, err := c.expectOK(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	return err
}

// ReadBinary reads up to ne bytes at offset (0..32767, the 15-bit offset
// form) of the current EF.
func (c *Client) ReadBinary(offset, ne int) ([]byte, error) {
	if offset < 0 || offset > 0x7FFF {
		return nil, fmt.Errorf("READ BINARY offset %d outside 0..32767", offset)
	}
	r, err := c.expectOK(apdu.Command{INS: 0xB0, P1: byte(offset >> 8), P2: byte(offset), Ne: ne})
	return r.Data, err
}

// ReadCertificate selects a certificate EF and reads the DER certificate as
// OpenSC does (card.md §12): 4 bytes, size = (b[2]<<8 | b[3]) + 4 from the
// 30 82 LL LL header, then chunks of 256 (Le = 00), the last chunk exact.
func (c *Client) ReadCertificate(fid uint16) (der []byte, err error) {
	err = inTransaction(c.Card, func() error {
		der, err = c.readCertificate(fid)
		return err
	})
	return der, err
}

func (c *Client) readCertificate(fid uint16) ([]byte, error) {
	if err := c.SelectEF(fid); err != nil {
		return nil, fmt.Errorf("selecting EF %04X: %w", fid, err)
	}
	head, err := c.ReadBinary(0, 4)
	if err != nil {
		return nil, fmt.Errorf("reading EF %04X at offset 0: %w", fid, err)
	}
	if len(head) != 4 || head[0] != 0x30 || head[1] != 0x82 {
		return nil, fmt.Errorf("EF %04X does not start with a DER SEQUENCE of long length: % X", fid, head)
	}
	size := int(head[2])<<8 | int(head[3]) + 4
	der := append(make([]byte, 0, size), head...)
	for len(der) < size {
		n := min(size-len(der), 256)
		chunk, err := c.ReadBinary(len(der), n)
		if err != nil {
			return nil, fmt.Errorf("reading EF %04X at offset %d: %w", fid, len(der), err)
		}
		if len(chunk) == 0 {
			return nil, fmt.Errorf("EF %04X: empty chunk at offset %d", fid, len(der))
		}
		der = append(der, chunk...)
	}
	return der, nil
}

// Certificate reads and parses a certificate EF.
func (c *Client) Certificate(fid uint16) (*x509.Certificate, error) {
	der, err := c.ReadCertificate(fid)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("EF %04X: %w", fid, err)
	}
	return cert, nil
}

// ErrNotJPKIPIN is wrapped by Verify, ChangePIN and RetriesLeft, which send
// nothing then, for a jpki.PIN other than the JPKI application's two
// (jpki.JPKIPINs: jpki.AuthPIN, jpki.SigningPIN).
var ErrNotJPKIPIN = errors.New("not a PIN of the JPKI application (the auth PIN or the signing password)")

// ErrNotJPKIKey is wrapped by NewSigner and SignRaw, which send nothing
// then, for a jpki.Kind that names no key pair (jpki.Kind.Valid).
var ErrNotJPKIKey = errors.New("not a key pair of the JPKI application (signing or auth)")

// jpkiPIN refuses a PIN the JPKI application does not hold.
func jpkiPIN(p jpki.PIN) error {
	if slices.Contains(jpki.JPKIPINs, p) {
		return nil
	}
	return fmt.Errorf("%v: %w", p, ErrNotJPKIPIN)
}

// jpkiKey refuses a kind that names no key pair.
func jpkiKey(k jpki.Kind) error {
	if k.Valid() {
		return nil
	}
	return fmt.Errorf("%v: %w", k, ErrNotJPKIKey)
}

// ErrNotTries is returned by RetriesLeft when the empty VERIFY does not
// answer 63Cx.
var ErrNotTries = errors.New("empty VERIFY did not answer 63Cx")

// RetriesLeft selects the PIN's EF and sends the empty VERIFY
// (00 20 00 80), which reports the retry counter as 63Cx without using a try
// (card.md §5.4), and returns x. An answer to the empty VERIFY other than
// 63Cx is an error wrapping ErrNotTries and the answer's apdu.StatusWord; a
// SELECT of the PIN's EF that fails is its StatusWord wrapped with
// "selecting EF FID" (not ErrNotTries: no VERIFY was sent). A PIN other than
// the JPKI application's two wraps ErrNotJPKIPIN, and nothing is sent.
func (c *Client) RetriesLeft(p jpki.PIN) (int, error) {
	if err := jpkiPIN(p); err != nil {
		return 0, err
	}
	var r apdu.Response
	err := inTransaction(c.Card, func() error {
		if err := c.SelectEF(p.FID()); err != nil {
			return fmt.Errorf("the %v: selecting EF %04X: %w", p, p.FID(), err)
		}
		var err error
		if r, err = c.Send(apdu.Command{INS: 0x20, P2: 0x80}); err != nil {
			return fmt.Errorf("the %v: empty VERIFY: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n, ok := r.SW.Tries()
	if !ok {
		return 0, fmt.Errorf("the %v: %w: %w", p, ErrNotTries, r.SW)
	}
	return n, nil
}

// Verify selects the PIN's EF and presents value (00 20 00 80 Lc value). It
// returns nil on 9000, otherwise the VERIFY's StatusWord as is (63Cx, 6984,
// ...), or a failed SELECT's wrapped with "selecting EF FID". An empty value
// is refused without sending anything, so that a verify can never turn into
// the counter query (as OpenSC does since 2023), and so is a PIN other than
// the JPKI application's two (ErrNotJPKIPIN).
func (c *Client) Verify(p jpki.PIN, value []byte) error {
	if err := jpkiPIN(p); err != nil {
		return err
	}
	if len(value) == 0 {
		return errors.New("refusing to VERIFY an empty value")
	}
	return inTransaction(c.Card, func() error {
		if err := c.SelectEF(p.FID()); err != nil {
			return fmt.Errorf("the %v: selecting EF %04X: %w", p, p.FID(), err)
		}
		_, err := c.expectOK(apdu.Command{INS: 0x20, P2: 0x80, Data: value})
		return err
	})
}

// ChangePIN sends CHANGE REFERENCE DATA (00 24 01 80 Lc new) on the PIN's EF;
// the PIN must have been verified. Errors are as Verify's.
func (c *Client) ChangePIN(p jpki.PIN, newValue []byte) error {
	if err := jpkiPIN(p); err != nil {
		return err
	}
	return inTransaction(c.Card, func() error {
		if err := c.SelectEF(p.FID()); err != nil {
			return fmt.Errorf("the %v: selecting EF %04X: %w", p, p.FID(), err)
		}
		_, err := c.expectOK(apdu.Command{INS: 0x24, P1: 0x01, P2: 0x80, Data: newValue})
		return err
	})
}

// SignRaw selects the key EF and sends COMPUTE DIGITAL SIGNATURE
// (80 2A P1 80 Lc data 00), returning the signature. Its StatusWord comes
// back as is, a failed SELECT's wrapped with "selecting EF FID"; a kind that
// names no key pair wraps ErrNotJPKIKey, and nothing is sent.
func (c *Client) SignRaw(k jpki.Kind, p1 byte, data []byte) (sig []byte, err error) {
	if err := jpkiKey(k); err != nil {
		return nil, err
	}
	err = inTransaction(c.Card, func() error {
		if err := c.SelectEF(k.KeyFID()); err != nil {
			return fmt.Errorf("the %v key: selecting EF %04X: %w", k, k.KeyFID(), err)
		}
		r, err := c.expectOK(apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: 0x80, Data: data, Ne: 256})
		sig = r.Data
		return err
	})
	return sig, err
}

// DigestInfo prefixes (RFC 8017 §9.2 note 1) for the hashes clients use.
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// DigestInfo returns the DER DigestInfo of a digest (with the NULL
// parameter), what the host sends with P1 = 00.
func DigestInfo(h crypto.Hash, digest []byte) ([]byte, error) {
	prefix, ok := digestInfoPrefix[h]
	if !ok {
		return nil, fmt.Errorf("no DigestInfo for hash %v", h)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("digest of %d bytes for %v, want %d", len(digest), h, h.Size())
	}
	return append(append([]byte(nil), prefix...), digest...), nil
}

// Signer is a crypto.Signer over a card key; the card must already hold the
// key's PIN verified. Public comes from the matching certificate.
type Signer struct {
	Client *Client
	Key    jpki.Kind
	Pub    *rsa.PublicKey
}

// NewSigner reads the certificate matching k (the signing certificate needs
// the signing password verified: 6982 until then, wrapped with "reading EF
// 0001 at offset 0") and returns a signer for k. A kind that names no key
// pair wraps ErrNotJPKIKey, and nothing is sent.
func (c *Client) NewSigner(k jpki.Kind) (*Signer, error) {
	if err := jpkiKey(k); err != nil {
		return nil, err
	}
	cert, err := c.Certificate(k.CertFID())
	if err != nil {
		return nil, fmt.Errorf("the %v certificate: %w", k, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%v certificate has a %T key", k, cert.PublicKey)
	}
	return &Signer{Client: c, Key: k, Pub: pub}, nil
}

// Public implements crypto.Signer.
func (s *Signer) Public() crypto.PublicKey { return s.Pub }

// Sign implements crypto.Signer: PKCS#1 v1.5 with a host-built DigestInfo and
// P1 = 00 (what OpenSC, jpki/myna and jpki-rs send), or RSASSA-PSS with
// SHA-256 through P1 = 04 when opts is *rsa.PSSOptions.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss {
		if opts.HashFunc() != crypto.SHA256 || len(digest) != 32 {
			return nil, errors.New("the card signs PSS only over SHA-256")
		}
		return s.Client.SignRaw(s.Key, 0x04, digest)
	}
	di, err := DigestInfo(opts.HashFunc(), digest)
	if err != nil {
		return nil, err
	}
	return s.Client.SignRaw(s.Key, 0x00, di)
}
