package properties

import (
	"flag"
	"fmt"
	"sync"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/model"
)

var (
	seed      = flag.Int64("seed", 0, "replay the property with this gopter seed (0: from the clock; always printed)")
	sequences = flag.Int("sequences", 1000, "random command sequences to run")
	shards    = flag.Int("shards", 0, "shards of the run (0: one per CPU); replay a seed with the shards it printed")
)

// writer sends gopter's report to the test log.
type writer struct{ t *testing.T }

func (w writer) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

// TestCardAgreesWithModel is the stateful property against the embedded
// card: at least 1,000 random sequences of up to 50 commands.
func TestCardAgreesWithModel(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	out, err := Run(Config{Target: target, Seed: *seed, Sequences: *sequences, Shards: *shards, Output: writer{t}})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Passed {
		t.Fatalf("the card and the model disagree; replay with -seed %d -shards %d", out.Seed, out.Shards)
	}
	t.Logf("%d sequences in %v (%.0f sequences/s), seed %d", out.Sequences, out.Elapsed, float64(out.Sequences)/out.Elapsed.Seconds(), out.Seed)
}

// TestGeneratorReachesTheInterestingStates runs a fixed seed and counts what
// the sequences reached, so that a generator that stopped producing, say,
// successful signatures or blocked PINs cannot pass silently.
func TestGeneratorReachesTheInterestingStates(t *testing.T) {
	counts := map[string]int{}
	var mu sync.Mutex
	observe = func(st state, resp []byte) {
		if len(resp) < 2 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		sw := uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])
		b := st.sent
		if df := st.prev.DF; df > model.AtJPKI && len(b) >= 4 {
			countOther(counts, st, b, sw)
			return
		}
		switch {
		case len(b) >= 4 && b[0] == 0x80 && b[1] == 0x2A && sw == 0x9000:
			counts["signature"]++
		case len(b) >= 4 && b[1] == 0x2A && sw == 0x6982:
			counts["signature refused"]++
		case len(b) >= 5 && b[1] == 0xB0 && sw == 0x9000 && st.prev.DF == model.AtJPKI && readEF(st.prev, b) == jpki.EFSigningCert:
			counts["signing certificate read"]++
		case len(b) >= 4 && b[1] == 0xB0 && sw == 0x6982:
			counts["read refused"]++
		case sw == 0x6984:
			counts["blocked PIN"]++
		case len(b) >= 4 && b[1] == 0x24 && sw == 0x9000:
			counts["PIN changed"]++
		case len(b) >= 4 && b[1] == 0x20 && sw == 0x9000:
			counts["correct VERIFY"]++
		case len(b) >= 4 && b[1] == 0xEE && sw == 0x9000:
			counts["restore"]++
		case sw == 0x6B00:
			counts["read past the end"]++
		case sw == 0x6E00 || sw == 0x6D00 || sw == 0x6700:
			counts["malformed refused"]++
		}
	}
	defer func() { observe = nil }()
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	out, err := Run(Config{Target: target, Seed: 20261129, Sequences: 1000, Output: writer{t}})
	if err != nil || !out.Passed {
		t.Fatalf("property failed: %v", err)
	}
	for _, k := range []string{"signature", "signature refused", "signing certificate read", "read refused", "blocked PIN", "PIN changed", "correct VERIFY", "restore", "read past the end", "malformed refused",
		"Kenhojo 0001 read", "Kenhojo 0002 read", "Kenkaku 0001 read", "Kenkaku 0002 read", "Kenkaku 0005 read", "card-face read refused",
		"Kenhojo PIN verified", "照合番号A verified", "照合番号B verified", "birth-date key verified", "common card or Juki PIN verified",
		"Kenhojo PIN changed", "CHANGE KEY", "Kenhojo PIN blocked", "0012 refused", "own-key signature", "INTERNAL AUTHENTICATE",
		"READ RECORD", "session key delivered", "session key refused"} {
		if counts[k] < 5 {
			t.Errorf("%q reached %d times in 1,000 sequences", k, counts[k])
		}
	}
	t.Log(counts)
}

// TestEveryProfileAgreesWithModel runs the property on every embedded
// profile: locked PINs, no signing certificate, the phone tokens...
func TestEveryProfileAgreesWithModel(t *testing.T) {
	for _, name := range fixtures.ProfileNames() {
		p := fixtures.MustProfile(name)
		if p.Faults != nil {
			continue // forced answers and T=0 are faults the model does not have, on purpose
		}
		t.Run(name, func(t *testing.T) {
			target := sim.Target{Profile: p}
			out, err := Run(Config{Target: target, Seed: 11, Sequences: 150, Output: writer{t}})
			if err != nil || !out.Passed {
				t.Fatalf("profile %s: %v", name, err)
			}
		})
	}
}

// countOther counts what a command reached in the four applications beside
// JPKI (st.prev.DF is one of them).
func countOther(counts map[string]int, st state, b []byte, sw uint16) {
	df := st.prev.DF
	name := map[model.Where]string{model.AtKenhojo: "Kenhojo", model.AtKenkaku: "Kenkaku"}[df]
	switch {
	case b[0] == 0x00 && b[1] == 0xB0 && sw == 0x9000 && name != "":
		counts[fmt.Sprintf("%s %04X read", name, readEF(st.prev, b))]++
	case b[0] == 0x00 && b[1] == 0xB0 && sw == 0x6982:
		counts["card-face read refused"]++
	case b[0] == 0x00 && b[1] == 0x20 && len(b) > 4 && sw == 0x9000:
		switch st.pinOf {
		case model.KenhojoPIN:
			counts["Kenhojo PIN verified"]++
		case model.KenhojoA, model.KenkakuA:
			counts["照合番号A verified"]++
		case model.KenhojoB, model.KenkakuB:
			counts["照合番号B verified"]++
		case model.KenkakuBirth:
			counts["birth-date key verified"]++
		case model.CommonPIN, model.JukiPIN:
			counts["common card or Juki PIN verified"]++
		}
	case b[0] == 0x00 && b[1] == 0x20 && sw == 0x6984 && st.pinOf == model.KenhojoBlocked:
		counts["0012 refused"]++
	case b[0] == 0x00 && b[1] == 0x20 && (sw == 0x6984 || sw == 0x63C0) && st.pinOf == model.KenhojoPIN:
		counts["Kenhojo PIN blocked"]++
	case b[0] == 0x00 && b[1] == 0x24 && sw == 0x9000:
		counts["Kenhojo PIN changed"]++
	case b[0] == 0x80 && b[1] == 0x32 && sw == 0x9000:
		counts["CHANGE KEY"]++
	case b[0] == 0x80 && b[1] == 0x2A && sw == 0x9000:
		counts["own-key signature"]++
	case b[0] == 0x00 && b[1] == 0x88 && sw == 0x9000:
		counts["INTERNAL AUTHENTICATE"]++
	case b[0] == 0x00 && b[1] == 0xB2 && sw == 0x9000:
		counts["READ RECORD"]++
	case b[0] == 0x80 && b[1] == 0xAE && sw == 0x9000:
		counts["session key delivered"]++
	case b[0] == 0x80 && b[1] == 0xAE && sw == 0x6A80:
		counts["session key refused"]++
	}
}
