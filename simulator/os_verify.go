package simulator

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/jpkisim/jpkisim/apdu"
)

// verify is VERIFY (00 20 00 P2), ISO/IEC 7816-4 §11.5.6; card.md §5.4, §6.
//
//	no data        the retry counter as 63Cx (63C0 when blocked); no try used.
//	blocked PIN    6984 (Behaviour.BlockedVerifySW).
//	too long       6700, counter unchanged (Behaviour.OverlongVerifyCounts).
//	otherwise      PIN.Verify: the counter is decremented and committed
//	               first; a match restores it to the maximum and answers
//	               9000, a mismatch answers 63Cx with x tries left and
//	               clears the PIN's verified state; a failed write 6581.
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
	switch err := p.Verify(cmd.Data, c.write); err.(type) {
	case nil:
		c.setVerified(p, true)
		return nil, nil
	case apdu.StatusWord: // 63Cx: a mismatch
		c.setVerified(p, false)
		return nil, err
	}
	// A write failed: nothing was compared, or the try stays spent; memory
	// is what the store holds.
	return nil, apdu.SWMemoryFailure
}

// Verify compares value with the PIN's reference data as the card compares
// the data of a VERIFY, and as the kiosk has the card compare the other
// PIN's proof (docs/card-behaviour.md, "Command by command (JPKI
// application)", and "Choices the sources do not make" on a state that
// cannot be committed; card.md §5.4, §6). It spends one try of the retry counter and has commit make
// that durable before it compares, in constant time; on a match the counter
// returns to MaxTries, made durable by commit again. A try is never given
// back.
//
// commit makes the state that holds p durable, with the contract of a
// Persister: nil when it is; an error wrapping ErrNotDurable when the store
// took the state without confirming it; any other error when the store
// still holds the state before the change. Memory follows the store: on
// any other error Verify puts the counter back to what the store holds.
//
// It returns nil on a match, and these errors:
//
//	apdu.SWReferenceDataUnusable   6984: the PIN is blocked; nothing spent, commit not called
//	apdu.VerifyFailed(n)           63Cx: a mismatch, n tries left; the try stays spent
//	anything else                  a write failed, wrapping commit's error: after the first
//	                               write nothing was compared; after the second the try
//	                               stays spent and the PIN is not proved
//
// The status words are returned as apdu.StatusWord values, never wrapped.
// Verify does not check the value's length or format: VERIFY and the kiosk
// do that first, each by its own rule. Its errors never hold the value.
func (p *PIN) Verify(value []byte, commit func() error) error {
	if p.Blocked() {
		return apdu.SWReferenceDataUnusable
	}
	p.Remaining--
	if err := commit(); err != nil {
		// Never compare with a decrement that is not durable.
		if !errors.Is(err, ErrNotDurable) {
			p.Remaining++
		}
		return fmt.Errorf("the retry counter could not be written: %w", err)
	}
	if subtle.ConstantTimeCompare(value, p.Value) != 1 {
		return verifyFailed(p.Remaining)
	}
	decremented := p.Remaining
	p.Remaining = p.MaxTries
	if err := commit(); err != nil {
		// The decremented counter is what is durable: a try is never
		// given back, and memory agrees with the store.
		if !errors.Is(err, ErrNotDurable) {
			p.Remaining = decremented
		}
		return fmt.Errorf("the retry counter could not be written: %w", err)
	}
	return nil
}
