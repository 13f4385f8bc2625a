package simulator

import (
	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// computeOwnSignature is COMPUTE DIGITAL SIGNATURE (80 2A P1 P2) in the
// Kenhojo and Kenkaku applications (docs/card.md §5.6): P2 = 00 names the
// application's own key (Kenhojo EF 0013, Kenkaku EF 001A), P2 = 80 the
// key of the current EF and 80|SFI the key with that SFI, as in the JPKI
// application. The own key signs without a credential, with every scheme
// of the P1 table (80 2A 00 00 + a DigestInfo: PKCS#1 v1.5; 80 2A 05 00:
// SHA-256 and RSASSA-PSS); the answers are computeSignature's.
func (c *Card) computeOwnSignature(cmd apdu.Command) ([]byte, error) {
	if cmd.P2 != 0x00 {
		return c.computeSignature(cmd)
	}
	if cmd.P1 > 0x05 {
		return nil, apdu.SWIncorrectP1P2
	}
	e := c.ownKey()
	if e == nil {
		return nil, apdu.SWReferenceNotFound // not reached: both applications hold their key
	}
	return c.sign(cmd, e)
}

// ownKey is the current application's own key EF (Kenhojo 0013, Kenkaku
// 001A), or nil.
func (c *Card) ownKey() *EF {
	switch c.app {
	case jpki.Kenhojo:
		return c.df.EF(kenhojoKey)
	case jpki.Kenkaku:
		return c.df.EF(kenkakuKey)
	}
	return nil
}
