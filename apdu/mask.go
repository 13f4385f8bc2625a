package apdu

import (
	"encoding/hex"
	"strings"
)

// CarriesSecret reports whether a C-APDU with this CLA and INS can carry a
// PIN or password in its data field: VERIFY (20, 21), CHANGE REFERENCE DATA
// (24, 25), DISABLE and ENABLE VERIFICATION REQUIREMENT (26-29) and RESET
// RETRY COUNTER (2C, 2D) of ISO/IEC 7816-4 §11.5, ENVELOPE (C2, C3), which
// can wrap any of them, and the proprietary CHANGE KEY (CLA 80, INS 32) that
// JICSAP cards use for the Juki PIN (docs/card.md §5.5).
func CarriesSecret(cla, ins byte) bool {
	switch ins {
	case 0x20, 0x21, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2C, 0x2D, 0xC2, 0xC3:
		return true
	case 0x32:
		return cla&0x80 != 0
	}
	return false
}

// carriesKey reports SET SESSION KEY (CLA 80, INS AE), whose data is a
// session key encrypted to Kenhojo EF 0006 (docs/card.md §5.10, §8.1): it
// spends no try, but a trace of a virtual card, whose EF 0006 private key
// is published, would give the session key away.
func carriesKey(cla, ins byte) bool { return ins == 0xAE && cla&0x80 != 0 }

// MaskedHex renders a C-APDU as uppercase hex without spaces. When the command
// can carry a secret (see CarriesSecret) or a session key (SET SESSION KEY,
// 80 AE) everything after the header and Lc
// is shown as "XX" — the data field and any Le, since a client that gets Lc
// wrong sends PIN bytes where Le would be — so that the value never reaches a
// log, trace or report. A body without a data field, or one too malformed to
// locate it, is masked whole.
func MaskedHex(b []byte) string {
	if len(b) < 4 || !CarriesSecret(b[0], b[1]) && !carriesKey(b[0], b[1]) {
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
	sb.WriteString(strings.Repeat("XX", len(b)-4-lcLen))
	return sb.String()
}
