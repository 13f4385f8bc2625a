package harness_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
)

// The fake card the guard's tests of the other applications run on answers
// as docs/card.md says a card does: a test that it does, unguarded.
func TestAppCardAnswersAsACardWithTheApplications(t *testing.T) {
	c := newAppCard()
	steps := []struct{ capdu, want string }{
		{"00A4020C020011", "6A82"}, // the ISD after reset
		{"00A4040C05D392100032", "6A82"},
		{"00A4040C0AD3921000310001010408", "9000"},
		{"00200091", "63C3"},
		{"002000910439393939", "63C2"},
		{"00A4020C020011", "9000"},
		{"00200080", "63C2"},
		{"002000800435363738", "9000"},
		{"00200080", "63C3"},
		{"00200092", "63C0"}, // blocked as issued
		{"002000920430303030", "6984"},
		{"00B09400", "6981"}, // by SFI: 0014 current all the same
		{"00200080", "63C5"},
		{"00240080083939393935363738", "63C4"}, // old value, new value
		{"00A4040C0AD3921000310001010401", "9000"},
		{"8032009C0439393939", "6982"}, // the new value alone needs the PIN verified
		{"0020009C0431333537", "9000"},
		{"803200800431313131", "9000"},
		{"0020009C0431333537", "63C2"},
		{"0C20009C0431313131", "9000"}, // the class is ignored
		{"00C20000090020009C0439393939", "63C2"},
		{"00A4040C03D39210", "9000"}, // the first application with the prefix: Kenhojo
		{"00200091", "63C3"},
		{"00A4040203D39210", "9000"}, // the next: Kenkaku
		{"00200091", "63C3"},
		{"002000910439393939", "63C2"},
	}
	for i, s := range steps {
		r, _ := c.Transmit(hexCmd(t, s.capdu))
		if got := fmt.Sprintf("%X", r[len(r)-2:]); got != s.want {
			t.Fatalf("step %d, %s: %s, want %s", i, apdu.MaskedHex(hexCmd(t, s.capdu)), got, s.want)
		}
	}
}

// newGuardedAppCard returns the guard over a fresh appCard, traced.
func newGuardedAppCard(p harness.GuardPolicy) (*appCard, *harness.Guard) {
	c := newAppCard()
	p.Secrets = right
	return c, harness.NewGuard(c, p)
}

func selectAppCmd(a jpki.App) []byte {
	return apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: a.AID()}.MustEncode()
}

func selectEFCmd(fid uint16) []byte {
	return apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}.MustEncode()
}

// secretsSent counts the C-APDUs c received that can carry a secret and
// have a body (the empty VERIFY has none).
func secretsSent(c *appCard, since int) int {
	n := 0
	for _, b := range c.got[since:] {
		if len(b) > 4 && apdu.CarriesSecret(b[0], b[1]) {
			n++
		}
	}
	return n
}

// Without any flag, no VERIFY, CHANGE REFERENCE DATA or CHANGE KEY with data
// reaches a reference of the other applications, by P2 80 with the EF
// selected or by SFI, with the configured JPKI PINs, the reference's own
// value or a wrong one; and from the JPKI application, an SFI naming another
// application's FID reaches nothing.
func TestGuardWithoutFlagsSendsNoSecretToTheOtherApplications(t *testing.T) {
	for _, r := range appCardRefs {
		if r.app == jpki.JPKI {
			continue
		}
		t.Run(fmt.Sprintf("%v_%04X", r.app, r.fid), func(t *testing.T) {
			c, g := newGuardedAppCard(harness.GuardPolicy{})
			before := c.counters()
			sfi := 0x80 | byte(r.fid)
			for _, v := range [][]byte{right.AuthPIN, right.SigningPIN, []byte(r.value), bytes.Repeat([]byte("9"), len(r.value))} {
				for _, tc := range []struct {
					app     jpki.App
					ef      uint16
					command apdu.Command
				}{
					{r.app, r.fid, apdu.Command{INS: 0x20, P2: 0x80, Data: v}},
					{r.app, 0, apdu.Command{INS: 0x20, P2: sfi, Data: v}},
					{r.app, r.fid, apdu.Command{INS: 0x24, P1: 0x01, P2: 0x80, Data: v}},
					{r.app, r.fid, apdu.Command{INS: 0x24, P2: 0x80, Data: append(bytes.Clone(v), v...)}},
					{r.app, r.fid, apdu.Command{CLA: 0x80, INS: 0x32, P2: 0x80, Data: v}},
					{r.app, 0, apdu.Command{CLA: 0x80, INS: 0x32, P2: sfi, Data: v}},
					{jpki.JPKI, 0, apdu.Command{INS: 0x20, P2: sfi, Data: v}},
					{jpki.JPKI, jpki.EFAuthPIN, apdu.Command{INS: 0x20, P2: sfi, Data: v}},
				} {
					for _, s := range [][]byte{selectAppCmd(tc.app), selectEFCmd(tc.ef)} {
						if tc.ef == 0 && s[2] == 0x02 {
							continue
						}
						if _, err := g.Transmit(s); err != nil {
							t.Fatal(err)
						}
					}
					at := len(c.got)
					b := tc.command.MustEncode()
					if _, err := g.Transmit(b); !errors.Is(err, harness.ErrRefused) {
						t.Errorf("%s in %v: %v, want a refusal", apdu.MaskedHex(b), tc.app, err)
					}
					if n := secretsSent(c, at); n != 0 {
						t.Errorf("%s in %v: %d C-APDUs carrying a secret reached the card", apdu.MaskedHex(b), tc.app, n)
					}
				}
			}
			if after := c.counters(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("counters %v, were %v", after, before)
			}
		})
	}
}

// wrongForms are the ways a C-APDU can compare a wrong value with the
// reference data in EF fid of the current application, on the lenient
// appCard: VERIFY, CHANGE REFERENCE DATA and CHANGE KEY by P2 80 and by SFI,
// the other instructions that carry a PIN, other classes, ENVELOPE,
// malformed lengths, a P2 that names no EF.
func wrongForms(fid uint16, w []byte) []struct {
	name  string
	capdu []byte
} {
	sfi := 0x80 | byte(fid)
	ww := append(bytes.Clone(w), w...)
	inner := apdu.Command{INS: 0x20, P2: 0x80, Data: w}.MustEncode()
	malformed := apdu.Command{INS: 0x20, P2: 0x80, Data: w}.MustEncode()
	malformed[4] += 2
	return []struct {
		name  string
		capdu []byte
	}{
		{"VERIFY 80", apdu.Command{INS: 0x20, P2: 0x80, Data: w}.MustEncode()},
		{"VERIFY by SFI", apdu.Command{INS: 0x20, P2: sfi, Data: w}.MustEncode()},
		{"VERIFY P1 01", apdu.Command{INS: 0x20, P1: 0x01, P2: 0x80, Data: w}.MustEncode()},
		{"VERIFY P2 00", apdu.Command{INS: 0x20, P2: 0x00, Data: w}.MustEncode()},
		{"CHANGE REFERENCE DATA old new", apdu.Command{INS: 0x24, P2: 0x80, Data: ww}.MustEncode()},
		{"CHANGE REFERENCE DATA by SFI", apdu.Command{INS: 0x24, P2: sfi, Data: ww}.MustEncode()},
		{"CHANGE KEY old new", apdu.Command{CLA: 0x80, INS: 0x32, P2: 0x80, Data: ww}.MustEncode()},
		{"CHANGE KEY by SFI", apdu.Command{CLA: 0x80, INS: 0x32, P2: sfi, Data: ww}.MustEncode()},
		{"RESET RETRY COUNTER", apdu.Command{INS: 0x2C, P2: 0x80, Data: w}.MustEncode()},
		{"DISABLE VERIFICATION REQUIREMENT", apdu.Command{INS: 0x26, P2: 0x80, Data: w}.MustEncode()},
		{"VERIFY INS 21", apdu.Command{INS: 0x21, P2: 0x80, Data: w}.MustEncode()},
		{"VERIFY CLA 0C", apdu.Command{CLA: 0x0C, INS: 0x20, P2: 0x80, Data: w}.MustEncode()},
		{"VERIFY CLA 80", apdu.Command{CLA: 0x80, INS: 0x20, P2: 0x80, Data: w}.MustEncode()},
		{"VERIFY CLA 01", apdu.Command{CLA: 0x01, INS: 0x20, P2: 0x80, Data: w}.MustEncode()},
		{"ENVELOPE", apdu.Command{INS: 0xC2, Data: inner}.MustEncode()},
		{"VERIFY Lc too long", malformed},
	}
}

// With --allow-destructive but not --allow-lockout, no C-APDU that can
// compare a value with reference data of any application takes its counter
// to its last try, sent again and again with a wrong value: the guard reads
// the counter of what the command can reach before it (docs/guard.md).
// Before this test, only the two JPKI counters were read: CHANGE REFERENCE
// DATA, CHANGE KEY, RESET RETRY COUNTER, the other classes and INS and
// ENVELOPE spent the Kenhojo PIN, the Juki PIN and the 照合番号 down to 0, and
// the JPKI PINs down to 1.
func TestGuardDestructiveKeepsTheLastTriesOfEveryApplication(t *testing.T) {
	for _, r := range appCardRefs {
		if r.tries == 0 {
			continue // blocked as issued: nothing left to spend
		}
		w := bytes.Repeat([]byte("9"), len(r.value))
		for _, f := range wrongForms(r.fid, w) {
			name := fmt.Sprintf("%v_%04X/%s", r.app, r.fid, f.name)
			c, g := newGuardedAppCard(harness.GuardPolicy{AllowDestructive: true})
			start := c.counters()
			sent := 0
			for i := 0; i < 12; i++ {
				// As a client would: the application and the EF, then the command.
				for _, s := range [][]byte{selectAppCmd(r.app), selectEFCmd(r.fid)} {
					if _, err := g.Transmit(s); err != nil {
						t.Fatal(err)
					}
				}
				at := len(c.got)
				_, err := g.Transmit(f.capdu)
				if err != nil && !errors.Is(err, harness.ErrRefused) {
					t.Fatalf("%s: %v", name, err)
				}
				for _, b := range c.got[at:] {
					if bytes.Equal(b, f.capdu) {
						sent++
					}
				}
			}
			for i, ref := range c.refs() {
				if ref.tries < min(start[i], 2) {
					t.Errorf("%s: sent %d times, %v left at %d of %d tries (started at %d)", name, sent, ref, ref.tries, ref.max, start[i])
				}
			}
		}
	}
}

// lastCommands returns the last n C-APDUs c received, as masked hex.
func lastCommands(c *appCard, n int) []string {
	var out []string
	for _, b := range c.got[max(0, len(c.got)-n):] {
		out = append(out, apdu.MaskedHex(b))
	}
	return out
}

// The rule, C-APDU by C-APDU: a command whose reference the guard is sure
// of goes out after the guard's SELECT of the application and of the EF and
// the empty VERIFY with the command's own P2, in the same transaction; one
// it is not sure of after the counters of every reference of the
// application; and neither when a counter shows two tries or fewer.
func TestGuardReadsTheCountersOfWhatASecretCanReach(t *testing.T) {
	hx := func(b []byte) string { return apdu.MaskedHex(b) }
	newPIN := []byte("1111")
	t.Run("CHANGE KEY in the Juki application", func(t *testing.T) {
		c, g := newGuardedAppCard(harness.GuardPolicy{AllowDestructive: true})
		for _, s := range [][]byte{selectAppCmd(jpki.Juki), selectEFCmd(0x001C), apdu.Command{INS: 0x20, P2: 0x80, Data: []byte("1357")}.MustEncode()} {
			if _, err := g.Transmit(s); err != nil {
				t.Fatal(err)
			}
		}
		change := apdu.Command{CLA: 0x80, INS: 0x32, P2: 0x80, Data: newPIN}.MustEncode()
		r, err := g.Transmit(change)
		if err != nil || !bytes.Equal(r, []byte{0x90, 0x00}) {
			t.Fatalf("CHANGE KEY: %X %v", r, err)
		}
		want := []string{hx(selectAppCmd(jpki.Juki)), hx(selectEFCmd(0x001C)), "00200080", hx(change)}
		if got := lastCommands(c, 4); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("the card saw %v, want %v", got, want)
		}
	})
	t.Run("CHANGE REFERENCE DATA by SFI in Kenhojo", func(t *testing.T) {
		c, g := newGuardedAppCard(harness.GuardPolicy{AllowDestructive: true})
		for _, s := range [][]byte{selectAppCmd(jpki.Kenhojo), selectEFCmd(0x0005)} {
			if _, err := g.Transmit(s); err != nil {
				t.Fatal(err)
			}
		}
		change := apdu.Command{INS: 0x24, P2: 0x91, Data: []byte("56781111")}.MustEncode()
		if _, err := g.Transmit(change); err != nil {
			t.Fatal(err)
		}
		want := []string{hx(selectAppCmd(jpki.Kenhojo)), hx(selectEFCmd(0x0005)), "00200091", hx(change)}
		if got := lastCommands(c, 4); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("the card saw %v, want %v", got, want)
		}
		// Two wrong values: 3 -> 2, then refused at two.
		bad := apdu.Command{INS: 0x24, P2: 0x91, Data: []byte("99992222")}.MustEncode()
		if _, err := g.Transmit(bad); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Transmit(bad); !errors.Is(err, harness.ErrRefused) || !strings.Contains(err.Error(), "2 tries") {
			t.Fatalf("at two tries: %v", err)
		}
		if n := c.app(jpki.Kenhojo).refs[0x0011].tries; n != 2 {
			t.Fatalf("the Kenhojo PIN has %d tries", n)
		}
	})
	t.Run("an unsure form in Kenkaku", func(t *testing.T) {
		c, g := newGuardedAppCard(harness.GuardPolicy{AllowDestructive: true})
		for _, s := range [][]byte{selectAppCmd(jpki.Kenkaku), selectEFCmd(0x0011)} {
			if _, err := g.Transmit(s); err != nil {
				t.Fatal(err)
			}
		}
		sm := apdu.Command{CLA: 0x0C, INS: 0x20, P2: 0x80, Data: []byte("550217")}.MustEncode()
		if _, err := g.Transmit(sm); err != nil {
			t.Fatal(err)
		}
		want := []string{
			hx(selectAppCmd(jpki.Kenkaku)), hx(selectEFCmd(0x0011)), "00200080", hx(selectEFCmd(0x0012)), "00200080", hx(selectEFCmd(0x0013)), "00200080",
			hx(selectAppCmd(jpki.Kenkaku)), hx(selectEFCmd(0x0011)), "00200080", hx(sm),
		}
		if got := lastCommands(c, len(want)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("the card saw %v, want %v", got, want)
		}
	})
	// Another program selects the common card AP before every transaction
	// of ours: the counters read are still the Juki application's.
	t.Run("another program between our SELECT and an unsure form", func(t *testing.T) {
		c := newAppCard()
		c.app(jpki.Juki).refs[0x001C].tries = 2
		shared := &sharedAppCard{appCard: c, intruder: func() { c.answer(selectAppCmd(jpki.Common)) }}
		g := harness.NewGuard(shared, harness.GuardPolicy{Secrets: right, AllowDestructive: true})
		for _, s := range [][]byte{selectAppCmd(jpki.Juki), selectEFCmd(0x001C)} {
			if _, err := g.Transmit(s); err != nil {
				t.Fatal(err)
			}
		}
		reset := apdu.Command{INS: 0x2C, P2: 0x80, Data: []byte("9999")}.MustEncode()
		if _, err := g.Transmit(reset); !errors.Is(err, harness.ErrRefused) || !strings.Contains(err.Error(), "Juki EF 001C") {
			t.Fatalf("%v, want a refusal naming Juki EF 001C", err)
		}
		if n := c.app(jpki.Juki).refs[0x001C].tries; n != 2 {
			t.Fatalf("the Juki PIN has %d tries left", n)
		}
	})
	for _, tc := range []struct {
		name  string
		setup [][]byte
		capdu []byte
		why   string
	}{
		{"an unsure form in Kenhojo, whose EF 0012 is blocked as issued",
			[][]byte{selectAppCmd(jpki.Kenhojo), selectEFCmd(0x0011)},
			apdu.Command{INS: 0x2C, P2: 0x80, Data: []byte("5678")}.MustEncode(), "EF 0012"},
		{"an unsure form naming a current EF that holds no reference data",
			[][]byte{selectAppCmd(jpki.Kenkaku), selectEFCmd(0x0002)},
			apdu.Command{CLA: 0x0C, INS: 0x20, P2: 0x80, Data: []byte("550217")}.MustEncode(), "EF 0002 of the Kenkaku application"},
		{"another logical channel",
			[][]byte{selectAppCmd(jpki.Juki), selectEFCmd(0x001C)},
			apdu.Command{CLA: 0x01, INS: 0x20, P2: 0x80, Data: []byte("1357")}.MustEncode(), "logical channel"},
		{"an unsure form in the ISD",
			[][]byte{selectAppCmd(jpki.ISD)},
			apdu.Command{INS: 0x2C, P2: 0x80, Data: []byte("1357")}.MustEncode(), "ISD"},
		{"a CHANGE KEY after a reset",
			[][]byte{nil},
			apdu.Command{CLA: 0x80, INS: 0x32, P2: 0x80, Data: []byte("1357")}.MustEncode(), "no application"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, g := newGuardedAppCard(harness.GuardPolicy{AllowDestructive: true})
			for _, s := range tc.setup {
				if s == nil {
					_ = g.Reset()
					continue
				}
				if _, err := g.Transmit(s); err != nil {
					t.Fatal(err)
				}
			}
			at := len(c.got)
			if _, err := g.Transmit(tc.capdu); !errors.Is(err, harness.ErrRefused) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("%v, want a refusal naming %q", err, tc.why)
			}
			if n := secretsSent(c, at); n != 0 {
				t.Fatalf("%d C-APDUs carrying a secret reached the card", n)
			}
		})
	}
}
