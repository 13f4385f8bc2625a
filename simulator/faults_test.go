package simulator_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

func TestForcedAnswers(t *testing.T) {
	c := newCard(t, nil)
	c.SetFaults(&simulator.Faults{Answers: []simulator.Answer{{Prefix: mustHex("00200080"), SW: 0x6A80}}})
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", "00200080", "6A80", "00200098", "63C3")
	c.SetFaults(nil)
	expectSWs(t, c, "00200080", "63C3")
}

func TestLatency(t *testing.T) {
	c := newCard(t, nil)
	c.SetFaults(&simulator.Faults{Latency: map[byte]time.Duration{0xA4: 30 * time.Millisecond}})
	start := time.Now()
	exchange(t, c, selJPKI)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("SELECT answered after %v, want at least 30ms", d)
	}
}

func TestRemovalMidCommand(t *testing.T) {
	c := newCard(t, nil)
	exchange(t, c, selJPKI, selAuthP)
	c.SetFaults(&simulator.Faults{RemoveNext: true})
	if _, err := c.Transmit(mustHex(authBad)); !errors.Is(err, simulator.ErrRemoved) {
		t.Fatalf("%v", err)
	}
	if c.Powered() {
		t.Fatal("still powered after removal")
	}
	c.PowerOn()
	expectSWs(t, c, selJPKI, "9000", "00200098", "63C3") // the command never ran
}

// TestTearing: power is cut right after the retry counter was written.
func TestTearing(t *testing.T) {
	p := profile(t, nil)
	st, _ := simulator.NewState(p)
	path := t.TempDir() + "/card.json"
	if err := store.Create(path, st, store.Meta{Profile: p.Name}); err != nil {
		t.Fatal(err)
	}
	s, st, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := simulator.NewWithState(p, st, s)
	c.PowerOn()
	exchange(t, c, selJPKI, selAuthP)
	for _, pin := range []string{authBad, authOK} { // a wrong and a right value: both spend the try
		c.SetFaults(&simulator.Faults{TearNext: true})
		if _, err := c.Transmit(mustHex(pin)); !errors.Is(err, simulator.ErrPowerLost) {
			t.Fatalf("%v", err)
		}
		c.PowerOn()
		exchange(t, c, selJPKI, selAuthP)
	}
	// Both decrements were durable; the right PIN's restore never happened.
	loaded, _, err := store.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := loaded.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN.Remaining; n != 1 {
		t.Fatalf("durable counter %d, want 1", n)
	}
	expectSWs(t, c, "00200098", "63C1")
}

func TestT0(t *testing.T) {
	c := newCard(t, nil)
	c.SetFaults(&simulator.Faults{T0: true})
	r := exchange(t, c, selJPKI, "00A4020C020008", "00B0000003", "00C0000003", "00B0000010", "00B0000002", "00C0000002")
	if r[2] != "6103" || r[3] != "8F8F009000" || r[4] != "6C03" || r[5] != "6102" || r[6] != "8F8F9000" {
		t.Fatalf("T=0 exchanges: %v", r)
	}
	// A long answer comes in pieces.
	r = exchange(t, c, "00B08A0000", "00C0000000")
	if r[0] != "6100" || !strings.HasSuffix(r[1], "9000") || len(r[1]) != 2*258 {
		t.Fatalf("256 bytes: %v", r[:1])
	}
	if got := exchange(t, c, "00C0000004")[0]; got != "6985" {
		t.Fatalf("GET RESPONSE with nothing pending: %s", got)
	}
}

// TestT0Case1WithP3: on T=0 a case 1 command goes with P3 = 00 (ISO/IEC
// 7816-3 §12.2.2; OpenSC sends its empty VERIFY so): the card answers it as
// the case 1 command it is, not as a case 2 asking for 256 bytes.
func TestT0Case1WithP3(t *testing.T) {
	c := newCard(t, nil)
	c.SetFaults(&simulator.Faults{T0: true})
	r := exchange(t, c, selJPKI, "00A4020C020018", "0020008000", "00200080", "00A4020C02001B", "0020008000")
	if r[2] != "63C3" || r[3] != "63C3" || r[5] != "63C5" {
		t.Fatalf("T=0 empty VERIFY with P3 00: %v", r)
	}
	// A case 2 command keeps P3 00 as Le = 256.
	r = exchange(t, c, "00A4020C02000A", "00B0000000")
	if r[1] != "6100" {
		t.Fatalf("READ BINARY with P3 00 on T=0: %v", r)
	}
}
