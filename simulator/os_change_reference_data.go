package simulator

import "github.com/jpkisim/jpkisim/apdu"

// changeReferenceData is CHANGE REFERENCE DATA (00 24 01 P2), ISO/IEC 7816-4
// §11.5.7; card.md §5.5. P1=01: the data is the new value alone, allowed only
// while the PIN is verified (6982 otherwise, 6984 when blocked). A new value
// outside the PIN's format answers 6A80 and changes nothing.
func (c *Card) changeReferenceData(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x01 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, PINObject)
	if err != nil {
		return nil, err
	}
	if len(cmd.Data) == 0 || cmd.Ne != 0 {
		return nil, apdu.SWWrongLength
	}
	p := e.PIN
	if p.Blocked() {
		return nil, apdu.SWReferenceDataUnusable
	}
	if !c.isVerified(p) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	if p.Format.Check(cmd.Data) != nil {
		return nil, apdu.SWWrongData
	}
	oldValue, oldRemaining := p.Value, p.Remaining
	p.Value = clone(cmd.Data)
	p.Remaining = p.MaxTries
	return nil, c.commit(func() { p.Value, p.Remaining = oldValue, oldRemaining })
}
