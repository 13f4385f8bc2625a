package simulator

import "github.com/jpkisim/jpkisim/apdu"

// readBinary is READ BINARY (00 B0), ISO/IEC 7816-4 §11.3.3; card.md §5.2.
// P1 bit 8 clear: 15-bit offset P1P2 in the current EF. P1 = 80|SFI: the EF
// with that short identifier becomes current, offset P2. Returns min(Ne,
// bytes to the end) with 9000; an offset at or past the end gives 6B00. A
// key or PIN EF answers 6981, a transparent EF whose condition is not met
// (or can never be) 6982.
func (c *Card) readBinary(cmd apdu.Command) ([]byte, error) {
	var offset int
	if cmd.P1&0x80 != 0 {
		if cmd.P1&0x60 != 0 || cmd.P1&0x1F == 0 {
			return nil, apdu.SWIncorrectP1P2
		}
		e := c.df.EFBySFI(cmd.P1 & 0x1F)
		if e == nil {
			return nil, apdu.SWFileNotFound
		}
		c.ef = e
		offset = int(cmd.P2)
	} else {
		offset = int(cmd.P1P2())
	}
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	e := c.ef
	if e == nil {
		return nil, apdu.SWNoCurrentEF
	}
	if e.Kind != Transparent {
		return nil, apdu.SWIncompatibleFile
	}
	if !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	if offset >= len(e.Data) {
		if c.profile.Behaviour.ReadPastEndEmptyOK {
			return nil, nil
		}
		return nil, apdu.SWWrongP1P2
	}
	return e.Data[offset:], nil
}
