package simulator

import "github.com/jpkisim/jpkisim/apdu"

// changeReferenceData is CHANGE REFERENCE DATA (00 24 01 P2), ISO/IEC 7816-4
// §11.5.7; card.md §5.5. P1=01: the data is the new value alone, allowed only
// while the PIN is verified (6982 otherwise, 6984 when blocked). A new value
// outside the PIN's format answers 6A80 and changes nothing.
func (c *Card) changeReferenceData(cmd apdu.Command) ([]byte, error) {
	return c.changePIN(cmd, 0x01, func(uint16) bool { return true })
}

// changePIN replaces the reference data of the PIN EF that P2 names
// (jpki.EFRef), for CHANGE REFERENCE DATA and CHANGE KEY: P1 other than p1
// 6A86; a P2 that names no PIN EF 6A86, 6986 or 6A88 (referencedEF); no
// data, or an Le, 6700; a blocked PIN 6984; a PIN changeable does not
// allow (its reference data is fixed) 6982; a PIN not verified 6982; a new
// value outside the PIN's format 6A80. A change sets the new value, fills
// the retry counter and keeps the PIN verified; a failed write undoes it
// and answers 6581.
func (c *Card) changePIN(cmd apdu.Command, p1 byte, changeable func(fid uint16) bool) ([]byte, error) {
	if cmd.P1 != p1 {
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
	if !changeable(e.FID) || !c.isVerified(p) {
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
