package simulator

import "github.com/jpkisim/jpkisim/apdu"

// verifyCertificate is the JPKI application's proprietary 80 A2, by which
// a terminal submits a CV certificate to be checked against the
// terminal-CA key reference EF 0016 (docs/card.md §5.10; the answers and
// their sources: docs/card-behaviour.md, "Command by command (JPKI
// application)"). The virtual card holds no terminal CA, so no certificate
// verifies: 80 A2 00 C1 with a body answers 6700, as a physical card did
// to a body of meaningless bytes in jsapdu's end-to-end tests; every other
// form — without a body, as myna-card's probe sent it, or with another
// P1-P2 — answers 6A86.
func (c *Card) verifyCertificate(cmd apdu.Command) ([]byte, error) {
	if cmd.P1P2() == 0x00C1 && len(cmd.Data) > 0 {
		return nil, apdu.SWWrongLength
	}
	return nil, apdu.SWIncorrectP1P2
}
