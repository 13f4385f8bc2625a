package simulator

import (
	"crypto/rand"

	"github.com/jpkisim/jpkisim/apdu"
)

// getChallenge is GET CHALLENGE (00 84 00 00 Le): exactly Ne random bytes
// for a short Le; the extended form gives 6985 (card.md §5.8).
func (c *Card) getChallenge(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	if cmd.Extended {
		return nil, apdu.SWConditionsNotSatisfied
	}
	out := make([]byte, cmd.Ne)
	_, _ = rand.Read(out)
	return out, nil
}
