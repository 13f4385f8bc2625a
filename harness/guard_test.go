package harness_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
)

// guarded returns a client over a virtual card treated as a real one: the
// guard in front, a trace behind it showing what reached the card.
func guarded(t *testing.T, p harness.GuardPolicy) (*harness.Client, *transcript.Recorder) {
	t.Helper()
	c, err := sim.Target{Profile: fixtures.MustProfile("default")}.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tr := transcript.NewRecorder("test", transcript.Complete, nil)
	cl := harness.NewClient(harness.NewGuard(harness.NewRecorded(c, tr), p))
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	return cl, tr
}

var right = harness.Secrets{AuthPIN: []byte("1234"), SigningPIN: []byte("ABC123")}

func sentVerifies(tr *transcript.Recorder) int {
	n := 0
	for _, e := range tr.Since(0) {
		if strings.HasPrefix(e.Command, "002000") && len(e.Command) > 8 {
			n++
		}
	}
	return n
}

func TestGuardRefusesWrongValuesWithoutAllowDestructive(t *testing.T) {
	cl, tr := guarded(t, harness.GuardPolicy{Secrets: right})
	err := cl.Verify(jpki.AuthPIN, []byte("9999"))
	if !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("wrong value: %v", err)
	}
	if n := sentVerifies(tr); n != 0 {
		t.Fatalf("%d VERIFYs with data reached the card", n)
	}
	if err := cl.ChangePIN(jpki.AuthPIN, []byte("4321")); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("CHANGE REFERENCE DATA: %v", err)
	}
	if _, err := cl.Send(apdu.Command{INS: 0x2C, P1: 0x03, P2: 0x98}); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("RESET RETRY COUNTER: %v", err)
	}
	// The configured PINs pass, and the counter query is never stopped.
	if err := cl.Verify(jpki.AuthPIN, right.AuthPIN); err != nil {
		t.Fatal(err)
	}
	if err := cl.Verify(jpki.SigningPIN, right.SigningPIN); err != nil {
		t.Fatal(err)
	}
	if n, err := cl.RetriesLeft(jpki.AuthPIN); err != nil || n != 3 {
		t.Fatalf("RetriesLeft %d %v", n, err)
	}
}

func TestGuardMistypedPINCostsOneTryAtMost(t *testing.T) {
	wrong := harness.Secrets{AuthPIN: []byte("1235"), SigningPIN: []byte("ABC124")}
	cl, tr := guarded(t, harness.GuardPolicy{Secrets: wrong})
	err := cl.Verify(jpki.AuthPIN, wrong.AuthPIN)
	var sw apdu.StatusWord
	if !errors.As(err, &sw) || sw != 0x63C2 {
		t.Fatalf("first VERIFY of a mistyped PIN: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := cl.Verify(jpki.AuthPIN, wrong.AuthPIN); !errors.Is(err, harness.ErrRefused) {
			t.Fatalf("VERIFY %d after the failure: %v", i+2, err)
		}
	}
	if n, _ := cl.RetriesLeft(jpki.AuthPIN); n != 2 {
		t.Fatalf("%d tries left, want 2", n)
	}
	if n := sentVerifies(tr); n != 1 {
		t.Fatalf("%d VERIFYs reached the card, want 1", n)
	}
	// A counter that is not full stops even the right PIN without
	// --allow-destructive.
	cl2, _ := guarded(t, harness.GuardPolicy{Secrets: right, AllowDestructive: true})
	_ = cl2.Verify(jpki.AuthPIN, []byte("0000"))
	cl2.Card.(*harness.Guard).Policy.AllowDestructive = false
	if err := cl2.Verify(jpki.AuthPIN, right.AuthPIN); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("right PIN on a counter at 2 of 3: %v", err)
	}
}

// With --allow-destructive but not --allow-lockout the guard keeps two
// tries: the last, and one for the owner's PIN, which fills the counter
// again (found by a new user: a destructive run left both counters at 1, and
// the owner's next typo locks the card).
func TestGuardNeverSpendsTheLastTry(t *testing.T) {
	cl, tr := guarded(t, harness.GuardPolicy{Secrets: right, AllowDestructive: true})
	err := cl.Verify(jpki.AuthPIN, []byte("0000"))
	var sw apdu.StatusWord
	if !errors.As(err, &sw) || sw != apdu.VerifyFailed(2) {
		t.Fatalf("wrong VERIFY: %v, want 63C2", err)
	}
	before := sentVerifies(tr)
	if err := cl.Verify(jpki.AuthPIN, []byte("0000")); !errors.Is(err, harness.ErrRefused) || !strings.Contains(err.Error(), "2 tries left") {
		t.Fatalf("wrong VERIFY with two tries left: %v", err)
	}
	if sentVerifies(tr) != before {
		t.Fatal("a wrong VERIFY reached the card with two tries left")
	}
	// The owner's PIN goes on, and fills the counter.
	if err := cl.Verify(jpki.AuthPIN, right.AuthPIN); err != nil {
		t.Fatalf("the owner's PIN with two tries left: %v", err)
	}
	if n, _ := cl.RetriesLeft(jpki.AuthPIN); n != 3 {
		t.Fatalf("%d tries left after the owner's PIN", n)
	}
	// With --allow-lockout everything goes, the last try too.
	cl.Card.(*harness.Guard).Policy.AllowLockout = true
	for want := 2; want >= 0; want-- {
		err := cl.Verify(jpki.AuthPIN, []byte("0000"))
		if !errors.As(err, &sw) || sw != apdu.VerifyFailed(want) {
			t.Fatalf("with --allow-lockout: %v, want 63C%d", err, want)
		}
	}
}

func TestGuardErrorsNeverShowPINs(t *testing.T) {
	cl, _ := guarded(t, harness.GuardPolicy{Secrets: right})
	for _, v := range []string{"9876", "SECRET99"} {
		err := cl.Verify(jpki.SigningPIN, []byte(v))
		if err == nil || strings.Contains(err.Error(), v) {
			t.Fatalf("%v", err)
		}
	}
	_, err := cl.SendRaw([]byte{0x00, 0x20, 0x00, 0x80, 0x09, 0x31})
	if !errors.Is(err, harness.ErrRefused) || !strings.Contains(err.Error(), "00200080XXXX") {
		t.Fatalf("malformed VERIFY: %v", err)
	}
}

func TestGuardChecksTheReferenceNotTheValue(t *testing.T) {
	cl, tr := guarded(t, harness.GuardPolicy{Secrets: right})
	// The auth PIN presented to the signing password's EF, by SFI and as the
	// current EF: refused, nothing sent.
	for _, c := range []apdu.Command{
		{INS: 0x20, P2: 0x9B, Data: right.AuthPIN},
		{INS: 0x20, P2: 0x98, Data: right.SigningPIN},
	} {
		if _, err := cl.Send(c); !errors.Is(err, harness.ErrRefused) {
			t.Fatalf("%v: %v", c, err)
		}
	}
	if err := cl.SelectEF(0x001B); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Send(apdu.Command{INS: 0x20, P2: 0x80, Data: right.AuthPIN}); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("auth PIN to the current EF 001B: %v", err)
	}
	if n := sentVerifies(tr); n != 0 {
		t.Fatalf("%d VERIFYs with data reached the card", n)
	}
	// The right value to the right reference goes through.
	if r, err := cl.Send(apdu.Command{INS: 0x20, P2: 0x80, Data: right.SigningPIN}); err != nil || r.SW != apdu.SWOK {
		t.Fatalf("signing password to 001B: %v %v", r.SW, err)
	}
}

func TestGuardUnknownReference(t *testing.T) {
	c, err := sim.Target{Profile: fixtures.MustProfile("default")}.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := harness.NewGuard(c, harness.GuardPolicy{Secrets: right})
	// P2=80 before any SELECT the guard saw: the reference is unknown.
	if _, err := g.Transmit([]byte{0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'}); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("%v", err)
	}
}

func TestGuardAllowsOnlyReadOnlyCommands(t *testing.T) {
	cl, tr := guarded(t, harness.GuardPolicy{Secrets: right})
	for _, h := range []string{
		"00260080043132333400",         // DISABLE VERIFICATION REQUIREMENT
		"00280080043132333400",         // ENABLE VERIFICATION REQUIREMENT
		"00C2000009002000800431323334", // ENVELOPE around a VERIFY
		"00210080043132333400",         // VERIFY, odd INS
		"0C20008004313233343500",       // secure-messaging VERIFY
		"80EE00000F4A504B4953494D2D524553544F5245",
		"00E0000000",
	} {
		b, _ := apdu.ParseHex(h)
		before := tr.Len()
		if _, err := cl.SendRaw(b); !errors.Is(err, harness.ErrRefused) {
			t.Errorf("%s: %v", h, err)
		}
		if tr.Len() != before {
			t.Errorf("%s reached the card", h)
		}
	}
	for _, h := range []string{"00A4040C0AD392F000260100000001", "00B08A0004", "00CADF6A00", "0084000008", "00200098"} {
		b, _ := apdu.ParseHex(h)
		if _, err := cl.SendRaw(b); err != nil {
			t.Errorf("%s refused: %v", h, err)
		}
	}
}

func TestGuardUnknownCounterNeedsBothFlags(t *testing.T) {
	p := *fixtures.MustProfile("default")
	p.Behaviour.EmptyVerifyOKWhenVerified = true // the counter query answers 9000 while verified
	c, err := sim.Target{Profile: &p}.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := harness.NewClient(c)
	_ = cl.SelectJPKI()
	_ = cl.Verify(jpki.AuthPIN, right.AuthPIN)
	g := harness.NewGuard(c, harness.GuardPolicy{Secrets: right, AllowLockout: true})
	gcl := harness.NewClient(g)
	_ = gcl.SelectJPKI()
	if err := gcl.Verify(jpki.AuthPIN, right.AuthPIN); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("unknown counter with --allow-lockout alone: %v", err)
	}
}
