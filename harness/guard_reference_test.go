package harness_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
)

func hexCmd(t *testing.T, h string) []byte {
	t.Helper()
	b, err := apdu.ParseHex(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	selectAP   = "00A4040C0AD392F000260100000001"
	selectAuth = "00A4020C020018"
)

// A command that failed may still have changed the current EF: READ RECORD
// and READ BINARY by SFI 1B answer 6981 or 6700 on the card and make EF 001B
// current all the same. The configured auth PIN sent to "the current EF"
// then is refused, naming the signing password, and no try is spent.
func TestGuardForgetsTheEFAfterAFailedCommandBySFI(t *testing.T) {
	for _, between := range []string{"00B201DC00", "00B09B0001", "00B09B00"} {
		t.Run(between, func(t *testing.T) {
			vc, err := simulator.New(fixtures.MustProfile("default"))
			if err != nil {
				t.Fatal(err)
			}
			c := sim.NewCard(vc)
			defer c.Close()
			g := harness.NewGuard(c, harness.GuardPolicy{Secrets: right})
			for _, h := range []string{selectAP, selectAuth, between} {
				if _, err := g.Transmit(hexCmd(t, h)); err != nil {
					t.Fatalf("%s: %v", h, err)
				}
			}
			_, err = g.Transmit(append(hexCmd(t, "0020008004"), right.AuthPIN...))
			if !errors.Is(err, harness.ErrRefused) {
				t.Fatalf("VERIFY after %s: %v, want a refusal", between, err)
			}
			if !strings.Contains(err.Error(), "EF 001B (the signing password)") || strings.Contains(err.Error(), string(right.AuthPIN)) {
				t.Fatalf("the refusal does not name the signing password, or shows the PIN: %v", err)
			}
			if a, s := countersOf(t, c); a != 3 || s != 5 {
				t.Fatalf("tries left: auth %d of 3, signing %d of 5", a, s)
			}
			// Selecting the EF again makes the reference sure.
			if _, err := g.Transmit(hexCmd(t, selectAuth)); err != nil {
				t.Fatal(err)
			}
			r, err := g.Transmit(append(hexCmd(t, "0020008004"), right.AuthPIN...))
			if err != nil || apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]) != apdu.SWOK {
				t.Fatalf("VERIFY after selecting 0018 again: %X %v", r, err)
			}
		})
	}
}

// sharedCard is one card behind several connections, as PC/SC's shared mode
// gives it: a transaction keeps the other connections out; between
// transactions, the intruder runs first (the worst interleaving).
type sharedCard struct {
	*sim.Card
	depth    int
	intruder func()
}

func (s *sharedCard) Transaction(f func() error) error {
	if s.depth == 0 && s.intruder != nil {
		s.intruder()
	}
	s.depth++
	defer func() { s.depth-- }()
	return f()
}

func (s *sharedCard) Transmit(capdu []byte) ([]byte, error) {
	var r []byte
	err := s.Transaction(func() error {
		var err error
		r, err = s.Card.Transmit(capdu)
		return err
	})
	return r, err
}

// Another program sharing the reader selects EF 001B between our SELECT and
// our VERIFY: the guard names the reference itself, inside the VERIFY's
// transaction, so the configured auth PIN still reaches EF 0018.
func TestGuardVerifyNamesItsReferenceInsideOneTransaction(t *testing.T) {
	vc, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	sc := &sharedCard{Card: sim.NewCard(vc)}
	other := harness.NewClient(sc.Card)
	sc.intruder = func() { // the other program's own session: it selects 001B
		_ = other.SelectJPKI()
		_ = other.SelectEF(jpki.EFSigningPIN)
	}
	g := harness.NewGuard(sc, harness.GuardPolicy{Secrets: right})
	for i := 0; i < 50; i++ {
		for _, ref := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
			pin := right.AuthPIN
			if ref == jpki.SigningPIN {
				pin = right.SigningPIN
			}
			// Each C-APDU on its own, as `jpkisim apdu` sends them.
			for _, c := range [][]byte{hexCmd(t, selectAP), apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(ref.FID() >> 8), byte(ref.FID())}}.MustEncode()} {
				if _, err := g.Transmit(c); err != nil {
					t.Fatal(err)
				}
			}
			verify := append(hexCmd(t, "00200080"), byte(len(pin)))
			r, err := g.Transmit(append(verify, pin...))
			if err != nil || apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]) != apdu.SWOK {
				t.Fatalf("round %d, %v: %X %v", i, ref, r, err)
			}
		}
	}
	if a, s := countersOf(t, sc.Card); a != 3 || s != 5 {
		t.Fatalf("tries left: auth %d of 3, signing %d of 5", a, s)
	}
}

// With --allow-destructive but not --allow-lockout, a C-APDU that could
// compare a value with reference data goes out only while the counters it
// could reach show more than two tries, read in its own transaction: a
// CHANGE REFERENCE DATA or CHANGE KEY naming its reference by P2 (EF 0018
// here), that counter after the guard's SELECT of the application and EF;
// any other form, both JPKI counters, then the caller's application and EF
// selected again and the counter its P2 names. One on another logical
// channel never goes out.
func TestGuardOtherVerifyFormsNeedTheJPKICounters(t *testing.T) {
	const sure, unsure, channel = "sure", "unsure", "channel"
	forms := []struct{ h, kind string }{
		{"0C2000800C" + "3132333435363738393031", unsure}, // secure messaging (Lc 0C, 11 bytes: malformed too)
		{"0C20008004313233343536", unsure},                // secure messaging
		{"012000800431323334", channel},                   // logical channel 1
		{"032000800431323334", channel},                   // logical channel 3
		{"412000800431323334", channel},                   // logical channel 5
		{"102000800431323334", unsure},                    // chaining
		{"802000800431323334", unsure},                    // proprietary class
		{"002100800431323334", unsure},                    // odd INS
		{"002400800431323334", sure},                      // CHANGE REFERENCE DATA with the old value
		{"002C00800431323334", unsure},                    // RESET RETRY COUNTER
		{"002600800431323334", unsure},                    // DISABLE VERIFICATION REQUIREMENT
		{"002800800431323334", unsure},                    // ENABLE VERIFICATION REQUIREMENT
		{"803200800431323334", sure},                      // CHANGE KEY (JICSAP)
		{"00C2000009002000800431323334", unsure},          // ENVELOPE around a VERIFY
		{"002000800931", unsure},                          // malformed lengths
		{"002001800431323334", unsure},                    // VERIFY with P1 01
		{"002000", unsure},                                // under 4 bytes
	}
	one, two := 1, 2
	for _, tc := range []struct {
		name    string
		profile func(p *simulator.Profile)
		send    map[string]bool
	}{
		{"counters full", func(*simulator.Profile) {}, map[string]bool{sure: true, unsure: true}},
		{"signing password at 1", func(p *simulator.Profile) { p.SigningTriesLeft = &one }, map[string]bool{sure: true}},
		{"signing password at 2", func(p *simulator.Profile) { p.SigningTriesLeft = &two }, map[string]bool{sure: true}},
		{"auth PIN at 2", func(p *simulator.Profile) { p.AuthTriesLeft = &two }, nil},
		{"auth PIN at 1", func(p *simulator.Profile) { p.AuthTriesLeft = &one }, nil},
		{"counters unreadable", func(p *simulator.Profile) { p.Faults = fixtures.MustProfile("counter-query-6a80").Faults }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range forms {
				p := *fixtures.MustProfile("default")
				tc.profile(&p)
				vc, err := simulator.New(&p)
				if err != nil {
					t.Fatal(err)
				}
				tr := transcript.NewRecorder("test", transcript.Complete, nil)
				c := sim.NewCard(vc)
				g := harness.NewGuard(harness.NewRecorded(c, tr), harness.GuardPolicy{Secrets: right, AllowDestructive: true})
				for _, s := range []string{selectAP, selectAuth} {
					if _, err := g.Transmit(hexCmd(t, s)); err != nil {
						t.Fatal(err)
					}
				}
				b := hexCmd(t, f.h)
				_, err = g.Transmit(b)
				ex := tr.Since(0)
				sent := len(ex) > 0 && ex[len(ex)-1].Command == apdu.MaskedHex(b)
				var got []string
				for _, e := range ex {
					got = append(got, e.Command)
				}
				if tc.send[f.kind] {
					if err != nil || !sent {
						t.Errorf("%s: not sent (%v)", f.h, err)
						continue
					}
					// The caller's application and EF were selected again
					// (and, for a sure form, its counter read) just before.
					want := []string{selectAP, selectAuth, "00200080", apdu.MaskedHex(b)}
					if len(b) < 4 || f.h[:4] == "00C2" {
						want = []string{selectAP, selectAuth, apdu.MaskedHex(b)} // no P2 that names an EF
					}
					if len(got) < len(want) || fmt.Sprint(got[len(got)-len(want):]) != fmt.Sprint(want) {
						t.Errorf("%s: the card saw %v, want it to end %v", f.h, got, want)
					}
				} else if !errors.Is(err, harness.ErrRefused) || sent {
					t.Errorf("%s: %v, sent %v; want a refusal", f.h, err, sent)
				}
				c.Close()
			}
		})
	}
	// --allow-lockout lets them go without a look at the counters.
	vc, _ := simulator.New(fixtures.MustProfile("default"))
	tr := transcript.NewRecorder("test", transcript.Complete, nil)
	g := harness.NewGuard(harness.NewRecorded(sim.NewCard(vc), tr), harness.GuardPolicy{AllowDestructive: true, AllowLockout: true})
	if _, err := g.Transmit(hexCmd(t, "0C20008004313233343536")); err != nil || tr.Len() != 1 {
		t.Fatalf("with --allow-lockout: %v, %d C-APDUs", err, tr.Len())
	}
}

// BenchmarkGuardedVerify is a VERIFY of the configured auth PIN through the
// guard on a card that is not virtual: the guard's SELECT of the
// application, SELECT of EF 0018 and counter query, then the VERIFY.
func BenchmarkGuardedVerify(b *testing.B) { benchVerify(b, true) }

// BenchmarkUnguardedVerify is the same VERIFY straight to the card.
func BenchmarkUnguardedVerify(b *testing.B) { benchVerify(b, false) }

func benchVerify(b *testing.B, guarded bool) {
	vc, err := simulator.New(fixtures.MustProfile("default"))
	if err != nil {
		b.Fatal(err)
	}
	var c harness.Card = sim.NewCard(vc)
	if guarded {
		c = harness.NewGuard(c, harness.GuardPolicy{Secrets: right})
	}
	for _, h := range []string{selectAP, selectAuth} {
		cmd, _ := apdu.ParseHex(h)
		if _, err := c.Transmit(cmd); err != nil {
			b.Fatal(err)
		}
	}
	verify := append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(right.AuthPIN))}, right.AuthPIN...)
	b.ReportAllocs()
	for b.Loop() {
		if r, err := c.Transmit(verify); err != nil || r[0] != 0x90 {
			b.Fatalf("%X %v", r, err)
		}
	}
}

// The try the guard keeps at two is for the owner's PIN of that very PIN, or
// a value a CHANGE REFERENCE DATA gave that very PIN: a value given to the
// auth PIN does not pass the signing password's (found by review).
func TestGuardKeepsTwoTriesPerPIN(t *testing.T) {
	cl, _ := guarded(t, harness.GuardPolicy{Secrets: right, AllowDestructive: true})
	if err := cl.Verify(jpki.AuthPIN, right.AuthPIN); err != nil {
		t.Fatal(err)
	}
	if err := cl.ChangePIN(jpki.AuthPIN, []byte("2345")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // signing 5 -> 2
		_ = cl.Verify(jpki.SigningPIN, []byte("WRONG9"))
	}
	for _, v := range [][]byte{[]byte("2345"), []byte("WRONG9"), right.AuthPIN} {
		if err := cl.Verify(jpki.SigningPIN, v); !errors.Is(err, harness.ErrRefused) {
			t.Fatalf("a value that is not the signing password's, at 2 tries: %v", err)
		}
	}
	if n, _ := cl.RetriesLeft(jpki.SigningPIN); n != 2 {
		t.Fatalf("signing password: %d tries left, want 2", n)
	}
	// The auth PIN's new value passes the auth PIN at two tries (the put-back).
	for i := 0; i < 1; i++ {
		_ = cl.Verify(jpki.AuthPIN, []byte("9999")) // 3 -> 2
	}
	if err := cl.Verify(jpki.AuthPIN, []byte("2345")); err != nil {
		t.Fatalf("the value the change gave the auth PIN, at 2 tries: %v", err)
	}
	if err := cl.Verify(jpki.SigningPIN, right.SigningPIN); err != nil {
		t.Fatalf("the owner's signing password at 2 tries: %v", err)
	}
}

// A configured PIN the card refused (a mistyped JPKISIM_AUTH_PIN) does not
// get the try the guard keeps at two.
func TestGuardKeptTryIsNotForARefusedValue(t *testing.T) {
	mistyped := harness.Secrets{AuthPIN: []byte("1235"), SigningPIN: right.SigningPIN}
	cl, _ := guarded(t, harness.GuardPolicy{Secrets: mistyped, AllowDestructive: true})
	_ = cl.Verify(jpki.AuthPIN, mistyped.AuthPIN) // 3 -> 2, remembered as refused
	if err := cl.Verify(jpki.AuthPIN, mistyped.AuthPIN); !errors.Is(err, harness.ErrRefused) {
		t.Fatalf("the refused configured PIN at two tries: %v", err)
	}
	if n, _ := cl.RetriesLeft(jpki.AuthPIN); n != 2 {
		t.Fatalf("%d tries left, want 2", n)
	}
}
