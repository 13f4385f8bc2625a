package apdu

import (
	"encoding/hex"
	"strings"
)

// CarriesSecret reports whether a C-APDU with this CLA and INS carries a PIN
// or password in its data field: VERIFY (20, 21), CHANGE REFERENCE DATA (24,
// 25) and RESET RETRY COUNTER (2C, 2D) of ISO/IEC 7816-4 §11.5, and the
// proprietary CHANGE KEY (CLA 80, INS 32) that JICSAP cards use for the Juki
// PIN (card.md §5.5).
func CarriesSecret(cla, ins byte) bool {
	switch ins {
	case 0x20, 0x21, 0x24, 0x25, 0x2C, 0x2D:
		return true
	case 0x32:
		return cla&0x80 != 0
	}
	return false
}

// MaskedHex renders a C-APDU as uppercase hex without spaces. When the command
// carries a secret (see CarriesSecret) every byte of its data field is shown
// as "XX", so that the value never reaches a log, trace or report; the header,
// Lc and Le stay readable. A command that has a body but no data field (a
// client that left out Lc sends the PIN where Le would be), or one too
// malformed to locate its data field, has everything after the header masked.
func MaskedHex(b []byte) string {
	if len(b) < 4 || !CarriesSecret(b[0], b[1]) {
		return strings.ToUpper(hex.EncodeToString(b))
	}
	c, err := Parse(b)
	var sb strings.Builder
	sb.WriteString(strings.ToUpper(hex.EncodeToString(b[:4])))
	if err != nil {
		sb.WriteString(strings.Repeat("XX", len(b)-4))
		return sb.String()
	}
	if len(c.Data) == 0 {
		sb.WriteString(strings.Repeat("XX", len(b)-4))
		return sb.String()
	}
	lcLen := 1
	if c.Extended {
		lcLen = 3
	}
	sb.WriteString(strings.ToUpper(hex.EncodeToString(b[4 : 4+lcLen])))
	sb.WriteString(strings.Repeat("XX", len(c.Data)))
	sb.WriteString(strings.ToUpper(hex.EncodeToString(b[4+lcLen+len(c.Data):])))
	return sb.String()
}
