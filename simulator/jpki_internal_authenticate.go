package simulator

import "github.com/jpkisim/jpkisim/apdu"

// internalAuthenticate is INTERNAL AUTHENTICATE (00 88 00 80|SFI). On the
// card only the common-card application's key 0019 answers it; the JPKI
// keys are behind a PIN and answer 6982 (card.md §5.7).
func (c *Card) internalAuthenticate(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x00 {
		return nil, apdu.SWIncorrectP1P2
	}
	if _, err := c.referencedEF(cmd.P2, KeyObject); err != nil {
		return nil, err
	}
	return nil, apdu.SWSecurityNotSatisfied
}
