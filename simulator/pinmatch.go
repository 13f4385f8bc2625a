package simulator

import (
	"bytes"

	"github.com/jpkisim/jpkisim/jpki"
)

// MatchesPIN compares data with the current value of the reference data
// ref (the PIN object of ref.App's EF ref.FID): whole, as VERIFY does, or,
// with prefix, as the start of data. known is false when the card has no
// such PIN object. The value never leaves the card: a recorder of the
// virtual card's sessions (serve --transcript) marks a masked C-APDU as the
// configured PIN or not with it (docs/reports.md, "Recording"). The
// comparison spends no try and changes no state.
func (c *Card) MatchesPIN(ref jpki.Reference, data []byte, prefix bool) (match, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.state.App(ref.App.AID())
	if a == nil {
		return false, false
	}
	e := a.EF(ref.FID)
	if e == nil || e.Kind != PINObject || e.PIN == nil {
		return false, false
	}
	if prefix {
		return bytes.HasPrefix(data, e.PIN.Value), true
	}
	return bytes.Equal(data, e.PIN.Value), true
}
