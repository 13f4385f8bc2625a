package simulator

import "github.com/jpkisim/jpkisim/apdu"

// changeKey is CHANGE KEY (80 32 00 P2), the JICSAP command by which the
// common card and Juki applications change their PIN 001C (docs/card.md
// §4.4, §5.5): after a VERIFY of the old value, the data is the new value
// alone. It answers as CHANGE REFERENCE DATA does (changePIN) with P1 00:
// 9000 changed; 6982 not verified; 6984 blocked; 6A80 a value outside the
// 4-digit format. The two applications' PINs change separately.
func (c *Card) changeKey(cmd apdu.Command) ([]byte, error) {
	return c.changePIN(cmd, 0x00, func(fid uint16) bool { return fid == jukiPIN })
}
