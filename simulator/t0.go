package simulator

import "github.com/jpkisim/jpkisim/apdu"

// The T=0 transport of a card with Faults.T0, beside the OS: before the
// OS, GET RESPONSE (00 C0) fetches held response data and a READ BINARY
// asking for more than the EF holds gets 6Cxx (t0, from faulty); after it,
// respond holds the data of an answer and sends 61xx (hold). ISO/IEC 7816-3
// §10.3.4; docs/card-behaviour.md, "Open questions: defaults and settings".

// t0 handles GET RESPONSE and the 6Cxx answer of a T=0 card; false: the
// command runs as usual.
func (c *Card) t0(capdu []byte) ([]byte, bool) {
	cmd, err := apdu.Parse(capdu)
	if err != nil {
		return nil, false
	}
	if cmd.CLA == 0x00 && cmd.INS == 0xC0 {
		if len(c.pending) == 0 {
			return sw(apdu.SWConditionsNotSatisfied), true
		}
		n := min(cmd.Ne, len(c.pending))
		if cmd.Ne == 0 {
			n = min(256, len(c.pending))
		}
		data := c.pending[:n]
		c.pending = c.pending[n:]
		s := apdu.SWOK
		if len(c.pending) > 0 {
			s = moreData(len(c.pending))
		}
		out := make([]byte, len(data)+2)
		copy(out, data)
		out[n], out[n+1] = s.SW1(), s.SW2()
		return out, true
	}
	c.pending = nil
	if cmd.CLA == 0x00 && cmd.INS == 0xB0 && cmd.P1&0x80 == 0 && c.ef != nil && c.ef.Kind == Transparent && c.satisfied(c.ef.Read) {
		off := int(cmd.P1P2())
		if left := len(c.ef.Data) - off; left > 0 && cmd.Ne > left && left < 256 {
			return sw(apdu.NewStatusWord(0x6C, byte(left))), true
		}
	}
	return nil, false
}

// t0Case1 are the instructions this card takes without data and never with
// Le: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and MANAGE
// SECURITY ENVIRONMENT (docs/card.md §5).
var t0Case1 = [256]bool{0x20: true, 0x22: true, 0x24: true, 0x2C: true}

// t0Command is the C-APDU a T=0 command header stands for: on T=0 a case
// 1 command goes as CLA INS P1 P2 with P3 = 00 (ISO/IEC 7816-3 §12.2.2),
// which for the instructions of t0Case1 is that case 1 command, not a case
// 2 asking for 256 bytes. OpenSC sends its empty VERIFY so.
func t0Command(capdu []byte) []byte {
	if len(capdu) == 5 && capdu[4] == 0 && t0Case1[capdu[1]] {
		return capdu[:4]
	}
	return capdu
}

// hold keeps response data for GET RESPONSE, as a T=0 card does: the
// answer is 61xx with the length waiting.
func (c *Card) hold(data []byte) []byte {
	c.pending = clone(data)
	return sw(moreData(len(c.pending)))
}

// moreData is 61xx: n bytes wait for GET RESPONSE (xx 00 for 256 or more).
func moreData(n int) apdu.StatusWord { return apdu.NewStatusWord(0x61, byte(min(n, 256))) }
