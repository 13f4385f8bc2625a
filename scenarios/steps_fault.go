package scenarios

import (
	"errors"
	"fmt"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// sim is the embedded card under the scenario's session, for the steps that
// switch faults on.
func (w *world) sim() (*simulator.Card, error) {
	s, ok := sim.Of(w.card)
	if !ok {
		return nil, fmt.Errorf("faults need the embedded card, not %s (@embedded scenarios are left out elsewhere)", w.target.Name())
	}
	return s, nil
}

func (w *world) addFault(f func(*simulator.Faults)) error {
	c, err := w.sim()
	if err != nil {
		return err
	}
	w.faults.Latency = mapOr(w.faults.Latency)
	f(&w.faults)
	c.SetFaults(&w.faults)
	w.faults.RemoveNext, w.faults.TearNext = false, false // one-shot: the card keeps its own copy
	return nil
}

func mapOr(m map[byte]time.Duration) map[byte]time.Duration {
	if m == nil {
		return map[byte]time.Duration{}
	}
	return m
}

var insByName = map[string]byte{"SELECT": 0xA4, "READ BINARY": 0xB0, "VERIFY": 0x20, "signature": 0x2A}

// faultSteps are the steps that switch faults of the embedded card on
// (@embedded): canned status words, latency, T=0, a card pulled out, a
// power cut after a write; and the checks of what the fault did.
type faultSteps struct{ *world }

func (s faultSteps) register(sc stepper) {
	sc.Step(`^the card answers ([0-9A-Fa-f]{4}) to "([0-9A-Fa-f ]+)"$`, s.cardAnswers)
	sc.Step(`^the card answers ([0-9A-Fa-f]{4}) to exactly "([0-9A-Fa-f ]+)"$`, s.cardAnswersExactly)
	sc.Step(`^the card takes (\d+) ms to answer (?:a |an )?(SELECT|READ BINARY|VERIFY|signature)$`, s.cardTakes)
	sc.Step(`^the card speaks T=0$`, s.cardSpeaksT0)
	sc.Step(`^the card is pulled out at the next (SELECT|READ BINARY|VERIFY|signature)$`, s.cardPulledOut)
	sc.Step(`^the power fails after the next write to the card's memory$`, s.powerFailsAfterWrite)
	sc.Step(`^the exchange fails: (card removed|power lost)$`, s.exchangeFails)
	sc.Step(`^the card is inserted again$`, s.cardInsertedAgain)
	sc.Step(`^the last exchange took at least (\d+) ms$`, s.lastExchangeTook)
}

func (s faultSteps) cardAnswers(swHex, prefix string) error {
	return s.forceAnswer(swHex, prefix, false)
}

func (s faultSteps) cardAnswersExactly(swHex, capdu string) error {
	return s.forceAnswer(swHex, capdu, true)
}

func (s faultSteps) forceAnswer(swHex, prefix string, exact bool) error {
	b, err := apdu.ParseHex(prefix)
	if err != nil {
		return err
	}
	sw, err := apdu.ParseHex(swHex)
	if err != nil {
		return err
	}
	return s.addFault(func(f *simulator.Faults) {
		f.Answers = append(f.Answers, simulator.Answer{Prefix: b, SW: uint16(sw[0])<<8 | uint16(sw[1]), Exact: exact})
	})
}

func (s faultSteps) cardTakes(ms int, what string) error {
	return s.addFault(func(f *simulator.Faults) { f.Latency[insByName[what]] = time.Duration(ms) * time.Millisecond })
}

func (s faultSteps) cardSpeaksT0() error {
	return s.addFault(func(f *simulator.Faults) { f.T0 = true })
}

func (s faultSteps) cardPulledOut(what string) error {
	return s.addFault(func(f *simulator.Faults) { f.RemoveNext, f.RemoveINS = true, insByName[what] })
}

func (s faultSteps) powerFailsAfterWrite() error {
	return s.addFault(func(f *simulator.Faults) { f.TearNext = true })
}

func (s faultSteps) exchangeFails(what string) error {
	want := simulator.ErrRemoved
	if what == "power lost" {
		want = simulator.ErrPowerLost
	}
	if !errors.Is(s.lastErr, want) {
		return s.failf("last exchange: %v, want %v", s.lastErr, want)
	}
	return nil
}

func (s faultSteps) cardInsertedAgain() error {
	c, err := s.sim()
	if err != nil {
		return err
	}
	c.PowerOn()
	return nil
}

func (s faultSteps) lastExchangeTook(ms int) error {
	ex := s.rec.Since(0)
	for i := len(ex) - 1; i >= 0; i-- {
		if ex[i].Kind != transcript.Exchange {
			continue
		}
		if ex[i].Elapsed.Duration() < time.Duration(ms)*time.Millisecond {
			return s.failf("the last exchange took %v", ex[i].Elapsed.Duration())
		}
		return nil
	}
	return s.failf("the card saw no exchange")
}
