package simulator

import "github.com/jpkisim/jpkisim/apdu"

// readRecord is READ RECORD (00 B2 P1 P2 Le), ISO/IEC 7816-4 §11.3.5;
// card.md §5.3. P2 = SFI<<3|mode names the EF by its SFI (which becomes
// the current EF), P2 = mode alone the current EF. Mode 4 reads record P1
// (00 B2 01 0C 00: record 1 of SFI 1, the common card application's
// serial), mode 5 records P1 to the last, one after the other.
//
//	data or no Le                          6700
//	an SFI the application lacks           6A82
//	no current EF                          6986
//	an EF that is not a record EF          6981 (every JPKI EF, MF-level 001E)
//	a record EF whose condition is not met 6982
//	another mode                           6A86
//	record 00 (no current record), or one past the last   6A83
//
// The answer is cut to Le, as READ BINARY's.
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
	if e.Kind != Record {
		return nil, apdu.SWIncompatibleFile
	}
	if !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	mode, n := cmd.P2&0x07, int(cmd.P1)
	if mode != 0x04 && mode != 0x05 {
		return nil, apdu.SWIncorrectP1P2
	}
	if n == 0 || n > len(e.Records) {
		return nil, apdu.SWRecordNotFound
	}
	if mode == 0x04 {
		return e.Records[n-1], nil
	}
	var out []byte
	for _, r := range e.Records[n-1:] {
		out = append(out, r...)
	}
	return out, nil
}
