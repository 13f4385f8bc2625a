package simulator

import "github.com/jpkisim/jpkisim/apdu"

// getData is GET DATA (00 CA P1 P2 Le) at card level, card.md §2, §5.9.
// The card answers tag 5F51 with its contact ATR without TS (§3); every
// other object is absent here (6A88). The virtual card's marker (tag DF6A)
// is answered by the test-control layer before the OS (control.go).
func (c *Card) getData(cmd apdu.Command) ([]byte, error) {
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	if cmd.P1P2() == 0x5F51 {
		return c.profile.atr()[1:], nil
	}
	return nil, apdu.SWReferenceNotFound
}
