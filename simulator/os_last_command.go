package simulator

import "github.com/jpkisim/jpkisim/apdu"

// lastCommand is 80 FC 00 00, the iPhone token's last-command indicator
// (card.md §5.10): 9000 on a profile with LastCommandIndicator; a physical
// card answers 6700. It is answered from CLA and INS alone.
func (c *Card) lastCommand() error {
	if c.profile.LastCommandIndicator {
		return nil
	}
	return apdu.SWWrongLength
}
