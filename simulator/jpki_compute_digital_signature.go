package simulator

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"

	"github.com/jpkisim/jpkisim/apdu"
)

// Input limits of COMPUTE DIGITAL SIGNATURE for RSA-2048 (card.md §5.6).
const (
	maxPKCS1Input = 256 - 11 // k - 11
	maxHashInput  = 255
)

// computeSignature is COMPUTE DIGITAL SIGNATURE (80 2A P1 P2), card.md §5.6.
// P2 = 80 signs with the key of the current EF, 80|SFI names the key (97
// auth, 9A signing). P1 chooses the scheme:
//
//	00  PKCS#1 v1.5 over the data as given (a DigestInfo), 1..245 bytes
//	01  SHA-256 of the data, PKCS#1 v1.5 over the bare hash, 1..255 bytes
//	02  a SHA-256 hash, wrapped in DigestInfo, PKCS#1 v1.5, exactly 32 bytes
//	03  SHA-256 of the data, DigestInfo, PKCS#1 v1.5, 1..255 bytes
//	04  a SHA-256 hash, RSASSA-PSS with a random salt, exactly 32 bytes
//	05  SHA-256 of the data, RSASSA-PSS, 1..255 bytes
//
// Other P1 6A86; the key's PIN not verified since the last reset 6982; a bad
// input length 6700; no Le, or a short Le under 256, 6700 (the command is
// case 4). Answer: 256 bytes and 9000.
func (c *Card) computeSignature(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 > 0x05 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, KeyObject)
	if err != nil {
		return nil, err
	}
	return c.sign(cmd, e)
}

// sign answers COMPUTE DIGITAL SIGNATURE with the key of e, P1 checked.
func (c *Card) sign(cmd apdu.Command, e *EF) ([]byte, error) {
	if e.Key == nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	if !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	n := len(cmd.Data)
	k := e.Key.Size()
	if cmd.Ne < k {
		return nil, apdu.SWWrongLength
	}
	var (
		sig []byte
		err error
	)
	switch cmd.P1 {
	case 0x00:
		if n < 1 || n > k-11 {
			return nil, apdu.SWWrongLength
		}
		sig, err = rsa.SignPKCS1v15(nil, e.Key, crypto.Hash(0), cmd.Data)
	case 0x01, 0x03, 0x05:
		if n < 1 || n > maxHashInput {
			return nil, apdu.SWWrongLength
		}
		h := sha256.Sum256(cmd.Data)
		sig, err = signHash(e.Key, cmd.P1, h[:])
	case 0x02, 0x04:
		if n != sha256.Size {
			return nil, apdu.SWWrongLength
		}
		sig, err = signHash(e.Key, cmd.P1, cmd.Data)
	}
	if err != nil {
		return nil, apdu.SWUnknown
	}
	if c.profile.Behaviour.SigningConsumesSecurity {
		for _, fid := range e.Read.PINs() {
			if pe := c.df.EF(fid); pe != nil && pe.PIN != nil {
				c.setVerified(pe.PIN, false)
			}
		}
	}
	return sig, nil
}

func signHash(key *rsa.PrivateKey, p1 byte, h []byte) ([]byte, error) {
	switch p1 {
	case 0x01:
		return rsa.SignPKCS1v15(nil, key, crypto.Hash(0), h)
	case 0x02, 0x03:
		return rsa.SignPKCS1v15(nil, key, crypto.SHA256, h)
	default: // 04, 05
		return rsa.SignPSS(rand.Reader, key, crypto.SHA256, h, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
}
