//go:build cgo

package pcsc_test

import (
	"os"
	"testing"

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

// Another PC/SC program selects EF 001B (the signing password) between our
// guarded session's SELECT of EF 0018 and its VERIFY of the configured auth
// PIN, each C-APDU sent on its own as `jpkisim apdu` sends them. The
// interleaving is made, not hoped for: every attempt hands the card to the
// other program after our SELECT and takes it back when its SELECT answered
// 9000, so every VERIFY follows a foreign SELECT of EF 001B. (A program
// racing freely got in too rarely to prove anything on a loaded machine:
// pcscd makes a program that meets another's transaction wait 100 ms.)
// Before the guard named the reference inside the VERIFY's transaction, this
// lost a try of the signing password on the first attempt;
// now every VERIFY reaches EF 0018 and no counter moves (docs/guard.md).
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
	other, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherClient := harness.NewClient(other)

	selAP := apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()}.MustEncode()
	selAuth := apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x18}}.MustEncode()
	verify := apdu.Command{INS: 0x20, P2: 0x80, Data: p.AuthPIN}.MustEncode()
	const attempts = 200
	for i := 0; i < attempts; i++ {
		for _, c := range [][]byte{selAP, selAuth} {
			if _, err := card.Transmit(c); err != nil {
				t.Fatal(err)
			}
		}
		// The other program takes its turn: the card has one current DF
		// and EF for every program, and now it is EF 001B.
		if err := otherClient.SelectEF(jpki.EFSigningPIN); err != nil {
			t.Fatalf("attempt %d: the other program's SELECT of EF 001B: %v", i, err)
		}
		rv, err := card.Transmit(verify)
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if swOf(rv) != apdu.SWOK {
			t.Fatalf("attempt %d: the VERIFY of the configured auth PIN reached another PIN (%s)", i, swOf(rv))
		}
	}
	// Both counters are full (read behind the guard).
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
