package simulator

import (
	"crypto/subtle"

	"github.com/jpkisim/jpkisim/apdu"
)

// verify is VERIFY (00 20 00 P2), ISO/IEC 7816-4 §11.5.6; card.md §5.4, §6.
//
//	no data        the retry counter as 63Cx (63C0 when blocked); no try used.
//	blocked PIN    6984 (Behaviour.BlockedVerifySW).
//	too long       6700, counter unchanged (Behaviour.OverlongVerifyCounts).
//	otherwise      the counter is decremented and committed first; a match
//	               restores it to the maximum and answers 9000, a mismatch
//	               answers 63Cx with x tries left and clears the PIN's
//	               verified state.
func (c *Card) verify(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x00 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, PINObject)
	if err != nil {
		return nil, err
	}
	if cmd.Ne != 0 {
		return nil, apdu.SWWrongLength
	}
	p := e.PIN
	if len(cmd.Data) == 0 {
		if c.profile.Behaviour.EmptyVerifyOKWhenVerified && c.isVerified(p) {
			return nil, nil
		}
		return nil, verifyFailed(p.Remaining)
	}
	if p.Blocked() {
		if s := c.profile.Behaviour.BlockedVerifySW; s != 0 {
			return nil, apdu.StatusWord(s)
		}
		return nil, apdu.SWReferenceDataUnusable
	}
	if len(cmd.Data) > p.Format.MaxLen && !c.profile.Behaviour.OverlongVerifyCounts {
		return nil, apdu.SWWrongLength
	}
	p.Remaining--
	if err := c.commit(func() { p.Remaining++ }); err != nil {
		// Never compare with a decrement that is not durable; memory
		// stays what the store holds.
		return nil, err
	}
	if subtle.ConstantTimeCompare(cmd.Data, p.Value) == 1 {
		decremented := p.Remaining
		p.Remaining = p.MaxTries
		if err := c.commit(func() { p.Remaining = decremented }); err != nil {
			// The decremented counter is what is durable: a try is never
			// given back, and memory agrees with the EEPROM.
			return nil, err
		}
		c.setVerified(p, true)
		return nil, nil
	}
	c.setVerified(p, false)
	return nil, verifyFailed(p.Remaining)
}
