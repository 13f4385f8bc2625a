package simulator

import (
	"bytes"
	"errors"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
)

// Faults are the misbehaviours of real cards and readers that a tester can
// switch on, per profile (`faults:` in the profile file) or per scenario step
// (Card.SetFaults): how software under test copes with them is the test.
type Faults struct {
	// Latency delays the answer to every command with this INS (for example
	// 2 s for 2A, a signature over NFC, field-reports.md B13).
	Latency map[byte]time.Duration
	// Answers replaces the answer to every C-APDU that starts with Prefix
	// (or is exactly Prefix, Answer.Exact) by SW (for example 6A80 to the
	// empty VERIFY 00 20 00 80, which breaks clients that expect 63Cx, B12).
	// The card does not run the command.
	Answers []Answer
	// T0 makes the card behave as a T=0 card: an answer with data comes as
	// 61xx and is fetched with GET RESPONSE (00 C0 00 00 xx); a READ BINARY
	// asking for more than the file holds is answered 6Cxx with the length
	// left (ISO/IEC 7816-3 §10.3.4).
	T0 bool
	// RemoveNext pulls the card out when the next command arrives (the next
	// with instruction RemoveINS, when that is not 0): the command is not
	// run, Transmit fails with ErrRemoved and the card is unpowered.
	RemoveNext bool
	RemoveINS  byte
	// TearNext cuts the power right after the next write of the persistent
	// state (a retry counter, say), before the answer: the write is durable,
	// Transmit fails with ErrPowerLost and the card is unpowered.
	TearNext bool
}

// Answer is a forced status word for the C-APDUs that start with Prefix,
// or, with Exact, for the C-APDU that is exactly Prefix (the counter query
// 00 20 00 80, and not every VERIFY of the current EF that starts so).
type Answer struct {
	Prefix []byte
	SW     uint16
	Exact  bool
}

func (a Answer) matches(capdu []byte) bool {
	if a.Exact {
		return bytes.Equal(capdu, a.Prefix)
	}
	return bytes.HasPrefix(capdu, a.Prefix)
}

// Errors of a faulty exchange.
var (
	ErrRemoved   = errors.New("card removed during the command")
	ErrPowerLost = errors.New("card lost power before it answered (the state written before stays)")
)

// SetFaults replaces the card's faults (nil: none). Safe while the card runs.
func (c *Card) SetFaults(f *Faults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f == nil {
		c.faults = Faults{}
		return
	}
	c.faults = *f
	c.faults.Latency = map[byte]time.Duration{}
	for k, v := range f.Latency {
		c.faults.Latency[k] = v
	}
	c.faults.Answers = append([]Answer(nil), f.Answers...)
}

// faulty runs one exchange with the faults applied; it is called with the
// card locked and powered, and returns the answer or an error.
func (c *Card) faulty(capdu []byte) ([]byte, error) {
	f := &c.faults
	if f.RemoveNext && (f.RemoveINS == 0 || len(capdu) >= 2 && capdu[1] == f.RemoveINS) {
		f.RemoveNext = false
		c.powered = false
		c.clearVolatile()
		return nil, ErrRemoved
	}
	if len(capdu) >= 2 {
		if d := f.Latency[capdu[1]]; d > 0 {
			time.Sleep(d) // the card is busy: it takes no other command meanwhile
		}
	}
	for _, a := range f.Answers {
		if a.matches(capdu) {
			return sw(apdu.StatusWord(a.SW)), nil
		}
	}
	if f.T0 {
		capdu = t0Command(capdu)
		if r, ok := c.t0(capdu); ok {
			return r, nil
		}
	}
	resp := c.process(capdu)
	if c.torn {
		c.torn = false
		c.powered = false
		c.clearVolatile()
		return nil, ErrPowerLost
	}
	return resp, nil
}
