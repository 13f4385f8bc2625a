package simulator

import "github.com/jpkisim/jpkisim/apdu"

// readRecord is READ RECORD (00 B2 rec P2), ISO/IEC 7816-4 §11.3.5. The
// JPKI application has no record-structured EF, so a transparent, key or
// PIN EF answers 6981 (card.md §2 for EF 001E); P2 = SFI<<3|4 names the EF.
func (c *Card) readRecord(cmd apdu.Command) ([]byte, error) {
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	e := c.ef
	if sfi := cmd.P2 >> 3; sfi != 0 {
		if e = c.df.EFBySFI(sfi); e == nil {
			return nil, apdu.SWFileNotFound
		}
		c.ef = e
	}
	if e == nil {
		return nil, apdu.SWNoCurrentEF
	}
	return nil, apdu.SWIncompatibleFile
}
