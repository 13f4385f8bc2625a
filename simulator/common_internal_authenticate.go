package simulator

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"

	"github.com/jpkisim/jpkisim/apdu"
)

// internalAuthenticateFree is INTERNAL AUTHENTICATE (00 88 00 P2 Lc
// challenge Le) in the common card application (docs/card.md §4.4, §5.7):
// the key P2 names (80 the current EF, 80|SFI, 99 for EF 0019) signs the
// challenge without a credential, sha256WithRSAEncryption (PKCS#1 v1.5
// over the DigestInfo of its SHA-256): 256 bytes and 9000. P1 other than
// 00 6A86; a P2 naming no key 6A86, 6986 or 6A88 (referencedEF); a
// challenge outside 1..255 bytes, no Le or a short Le under 256 6700.
func (c *Card) internalAuthenticateFree(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x00 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, KeyObject)
	if err != nil {
		return nil, err
	}
	if e.Key == nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	if !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	if n := len(cmd.Data); n < 1 || n > maxHashInput || cmd.Ne < e.Key.Size() {
		return nil, apdu.SWWrongLength
	}
	h := sha256.Sum256(cmd.Data)
	sig, err := rsa.SignPKCS1v15(nil, e.Key, crypto.SHA256, h[:])
	if err != nil {
		return nil, apdu.SWUnknown
	}
	return sig, nil
}

// internalAuthenticateOwnKey is INTERNAL AUTHENTICATE in the Kenhojo and
// Kenkaku applications (docs/card.md §5.7): their own keys sign only with
// COMPUTE DIGITAL SIGNATURE, and answer 6985; a P2 naming no key answers
// as in the JPKI application (6A86, 6986, 6A88).
func (c *Card) internalAuthenticateOwnKey(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x00 {
		return nil, apdu.SWIncorrectP1P2
	}
	if _, err := c.referencedEF(cmd.P2, KeyObject); err != nil {
		return nil, err
	}
	return nil, apdu.SWConditionsNotSatisfied
}
