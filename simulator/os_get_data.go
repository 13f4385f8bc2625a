package simulator

import (
	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// getData is GET DATA (00 CA P1 P2 Le) at card level, card.md §2, §5.9.
// The card answers tag 5F51 with its contact ATR without TS (§3) in every
// DF. The card-level data objects of State.MFData (issuer and card IDs,
// municipality code, expiry, CV certificates) answer only while the ISD is
// current, as after reset (docs/card-behaviour.md, "The card-face, common
// card and Juki applications"); one of more than 256 bytes needs an
// extended Le (a short Le 6700). Every other object is absent (6A88). The
// virtual card's marker (tag DF6A) is answered by the test-control layer
// before the OS (control.go).
func (c *Card) getData(cmd apdu.Command) ([]byte, error) {
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	tag := cmd.P1P2()
	if tag == 0x5F51 {
		return c.profile.atr()[1:], nil
	}
	if c.app == jpki.ISD {
		if d, ok := c.state.MFData[tag]; ok {
			if len(d) > 256 && !cmd.Extended {
				return nil, apdu.SWWrongLength
			}
			return d, nil
		}
	}
	return nil, apdu.SWReferenceNotFound
}
