//go:build cgo

package pcsc_test

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/pcsc"
)

func swOf(r []byte) apdu.StatusWord {
	if len(r) < 2 {
		return 0
	}
	return apdu.NewStatusWord(r[len(r)-2], r[len(r)-1])
}

// Another PC/SC program selects EF 001B (the signing password) as fast as it
// can while our guarded session selects EF 0018 and presents the configured
// auth PIN, each C-APDU on its own as `jpkisim apdu` sends them. Before the
// guard named the reference inside the VERIFY's transaction, this lost tries
// of the signing password (2 in about 730 attempts; with a millisecond between the SELECT and the VERIFY, the first in a handful); now every VERIFY reaches
// EF 0018 and no counter moves.
func TestPCSCGuardAgainstAnotherProgram(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_REAL_READER")
	p := fixtures.MustProfile("default") // the card posing as a real one
	tg, err := pcsc.NewTarget(r, harness.GuardPolicy{Secrets: harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Virtual() {
		t.Fatalf("%s answers as the virtual card; the test needs serve --as-real-card", r)
	}
	card, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()

	var stop atomic.Bool
	var wg sync.WaitGroup
	var intrusions atomic.Int64
	var firstErr atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		var other *pcsc.Card
		defer func() {
			if other != nil {
				other.Close()
			}
		}()
		for !stop.Load() {
			if other == nil { // (again, after a reset or a failure: as programs do)
				var err error
				if other, err = pcsc.Open(r); err != nil {
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				_ = harness.NewClient(other).SelectJPKI() // the card has one current DF for every program
			}
			err := harness.NewClient(other).SelectEF(jpki.EFSigningPIN)
			switch {
			case err == nil:
				intrusions.Add(1)
			default:
				firstErr.CompareAndSwap(nil, err)
				other.Close()
				other = nil
			}
		}
	}()
	selAP := apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()}.MustEncode()
	selAuth := apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x18}}.MustEncode()
	verify := apdu.Command{INS: 0x20, P2: 0x80, Data: p.AuthPIN}.MustEncode()
	const attempts = 500
	bad := 0
	for i := 0; i < attempts && bad == 0; i++ {
		for _, c := range [][]byte{selAP, selAuth} {
			if _, err := card.Transmit(c); err != nil {
				t.Fatal(err)
			}
		}
		// A client thinks between its commands (a prompt, a log line): the
		// other program gets its chance.
		time.Sleep(time.Millisecond)
		rv, err := card.Transmit(verify)
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if swOf(rv) != apdu.SWOK {
			bad++
			t.Errorf("attempt %d: the configured auth PIN answered %s: it reached another PIN", i, swOf(rv))
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d attempts against %d SELECTs of EF 001B by another program", attempts, intrusions.Load())
	if intrusions.Load() < attempts/10 {
		t.Errorf("the other program got in only %d times (its first error: %v): the test proves little", intrusions.Load(), firstErr.Load())
	}
	// Both counters are full (read behind the guard).
	other, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	cl := harness.NewClient(other)
	_ = cl.SelectJPKI()
	for _, ref := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		if n, err := cl.RetriesLeft(ref); err != nil || n != ref.MaxTries() {
			t.Errorf("%v: %d tries left (%v), want %d", ref, n, err, ref.MaxTries())
		}
	}
}

// BenchmarkPCSCGuardedVerify is a VERIFY of the configured auth PIN through
// pcscd to the card posing as a real one (JPKISIM_TEST_REAL_READER), behind
// the guard: with its SELECTs and counter query, one transaction.
// BenchmarkPCSCVerify is the same VERIFY on a plain connection. Run by hand
// (docs/benchmarks.md).
func BenchmarkPCSCGuardedVerify(b *testing.B) { benchPCSCVerify(b, true) }

func BenchmarkPCSCVerify(b *testing.B) { benchPCSCVerify(b, false) }

func benchPCSCVerify(b *testing.B, guarded bool) {
	r := os.Getenv("JPKISIM_TEST_REAL_READER")
	if r == "" {
		b.Skip("JPKISIM_TEST_REAL_READER not set")
	}
	p := fixtures.MustProfile("default")
	raw, err := pcsc.Open(r)
	if err != nil {
		b.Fatal(err)
	}
	var card harness.Card = raw
	if guarded {
		card = harness.NewGuard(raw, harness.GuardPolicy{Secrets: harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN}})
	}
	defer card.Close()
	for _, c := range [][]byte{
		apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()}.MustEncode(),
		apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x18}}.MustEncode(),
	} {
		if _, err := card.Transmit(c); err != nil {
			b.Fatal(err)
		}
	}
	verify := apdu.Command{INS: 0x20, P2: 0x80, Data: p.AuthPIN}.MustEncode()
	for b.Loop() {
		if rv, err := card.Transmit(verify); err != nil || swOf(rv) != apdu.SWOK {
			b.Fatalf("%X %v", rv, err)
		}
	}
}
