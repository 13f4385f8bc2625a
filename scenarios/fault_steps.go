package scenarios

import (
	"errors"
	"fmt"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/simulator"
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

func faultSteps(w *world, add func(string, any)) {
	add(`^the card answers ([0-9A-Fa-f]{4}) to "([0-9A-Fa-f ]+)"$`, func(swHex, prefix string) error {
		b, err := apdu.ParseHex(prefix)
		if err != nil {
			return err
		}
		s, err := apdu.ParseHex(swHex)
		if err != nil {
			return err
		}
		return w.addFault(func(f *simulator.Faults) {
			f.Answers = append(f.Answers, simulator.Answer{Prefix: b, SW: uint16(s[0])<<8 | uint16(s[1])})
		})
	})
	add(`^the card takes (\d+) ms to answer (?:a |an )?(SELECT|READ BINARY|VERIFY|signature)$`, func(ms int, what string) error {
		return w.addFault(func(f *simulator.Faults) { f.Latency[insByName[what]] = time.Duration(ms) * time.Millisecond })
	})
	add(`^the card speaks T=0$`, func() error { return w.addFault(func(f *simulator.Faults) { f.T0 = true }) })
	add(`^the card is pulled out at the next (SELECT|READ BINARY|VERIFY|signature)$`, func(what string) error {
		return w.addFault(func(f *simulator.Faults) { f.RemoveNext, f.RemoveINS = true, insByName[what] })
	})
	add(`^the power fails after the next write to the card's memory$`, func() error {
		return w.addFault(func(f *simulator.Faults) { f.TearNext = true })
	})
	add(`^the exchange fails: (card removed|power lost)$`, func(what string) error {
		want := simulator.ErrRemoved
		if what == "power lost" {
			want = simulator.ErrPowerLost
		}
		if !errors.Is(w.lastErr, want) {
			return w.failf("last exchange: %v, want %v", w.lastErr, want)
		}
		return nil
	})
	add(`^the card is inserted again$`, func() error {
		c, err := w.sim()
		if err != nil {
			return err
		}
		c.PowerOn()
		return nil
	})
	add(`^the last exchange took at least (\d+) ms$`, func(ms int) error {
		ex := w.trace.Since(w.trace.Len() - 1)
		if len(ex) == 0 || ex[0].Elapsed < time.Duration(ms)*time.Millisecond {
			return w.failf("the last exchange took %v", ex)
		}
		return nil
	})
}
