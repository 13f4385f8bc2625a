package simulator

import (
	"bytes"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// selectFile is SELECT (00 A4), ISO/IEC 7816-4 §11.2.2; card.md §2, §5.1.
//
//	P1=04: by DF name, exact or prefix (JICSAP 4.2 (1)); P2 low bits 00 first
//	       occurrence, 02 next; P2 0C no data, 00 a minimal FCI (6F {84 AID}).
//	P1=02: EF by FID in the current DF; P2 0C no data, 00/04 a minimal FCP
//	       (fcp).
//	P1=00: 6A86 while the ISD is current (after reset); 9000 with the DF
//	       unchanged when an application is current.
func (c *Card) selectFile(cmd apdu.Command) ([]byte, error) {
	switch cmd.P1 {
	case 0x04:
		return c.selectByName(cmd)
	case 0x02:
		return c.selectEF(cmd)
	case 0x00:
		if c.app == jpki.ISD {
			return nil, apdu.SWIncorrectP1P2
		}
		return nil, nil
	}
	return nil, apdu.SWIncorrectP1P2
}

func (c *Card) selectByName(cmd apdu.Command) ([]byte, error) {
	occurrence, answer := cmd.P2&0x03, cmd.P2&0xFC
	if (occurrence != 0x00 && occurrence != 0x02) || (answer != 0x00 && answer != 0x0C) {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) == 0 || len(cmd.Data) > 16 {
		return nil, apdu.SWWrongLength
	}
	var found *Application
	passedCurrent := false
	for _, a := range c.state.Apps {
		if occurrence == 0x02 && !passedCurrent {
			passedCurrent = a == c.df
			continue
		}
		if bytes.HasPrefix(a.AID, cmd.Data) {
			found = a
			break
		}
	}
	if found == nil {
		return nil, apdu.SWFileNotFound
	}
	c.enter(found)
	if c.profile.Behaviour.SelectDFClearsSecurity {
		c.verified = c.verified[:0]
	}
	if answer == 0x0C {
		return nil, nil
	}
	fci := make([]byte, 0, 4+len(found.AID))
	fci = append(fci, 0x6F, byte(2+len(found.AID)), 0x84, byte(len(found.AID)))
	return append(fci, found.AID...), nil
}

func (c *Card) selectEF(cmd apdu.Command) ([]byte, error) {
	if cmd.P2 != 0x0C && cmd.P2 != 0x00 && cmd.P2 != 0x04 {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) != 2 {
		return nil, apdu.SWWrongLength
	}
	fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
	e := c.df.EF(fid)
	if e == nil {
		return nil, apdu.SWFileNotFound
	}
	if c.profile.Behaviour.SelectChecksReadAccess && e.Kind == Transparent && !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	c.ef = e
	if cmd.P2 == 0x0C {
		return nil, nil
	}
	return fcp(e), nil
}

// fcp is a minimal FCP template (ISO/IEC 7816-4 §7.4): size (transparent EFs
// only), file descriptor, FID.
func fcp(e *EF) []byte {
	inner := make([]byte, 0, 13)
	fd := byte(0x01) // working EF, transparent
	switch e.Kind {
	case Transparent:
		n := len(e.Data)
		inner = append(inner, 0x80, 0x02, byte(n>>8), byte(n))
	case Record:
		fd = 0x04 // working EF, linear, records of variable size
	default:
		fd = 0x09 // internal EF
	}
	inner = append(inner, 0x82, 0x01, fd, 0x83, 0x02, byte(e.FID>>8), byte(e.FID))
	return append([]byte{0x62, byte(len(inner))}, inner...)
}
