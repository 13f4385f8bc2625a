package harness_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
)

// appAttacker draws C-APDUs an adversary would try against the guard on a
// card with every application: each application selected by its AID, a
// prefix or the next occurrence; every EF and reference selected, and read
// by SFI; VERIFY, CHANGE REFERENCE DATA, CHANGE KEY and the other commands
// that carry a PIN, by P2 80, by SFI and other P2, with every reference's
// value, the configured JPKI PINs, wrong and random values; other classes,
// ENVELOPE, malformed lengths, resets, the commands a session also sends.
type appAttacker struct {
	rng *rand.Rand
}

var (
	appAttackFIDs = []uint16{0x0001, 0x0002, 0x0003, 0x0005, 0x0008, 0x000A, 0x0011, 0x0012, 0x0013, 0x0014, 0x0015,
		0x0017, 0x0018, 0x0019, 0x001A, 0x001B, 0x001C, 0x001E, 0x1234}
	appAttackValues [][]byte
)

func init() {
	seen := map[string]bool{}
	for _, r := range appCardRefs {
		if !seen[r.value] {
			seen[r.value] = true
			appAttackValues = append(appAttackValues, []byte(r.value))
		}
	}
	appAttackValues = append(appAttackValues, []byte("9999"), []byte("ZZZ999"), []byte("999999999999"))
}

func (a appAttacker) value() []byte {
	if a.rng.Intn(6) == 0 {
		v := make([]byte, 1+a.rng.Intn(17))
		a.rng.Read(v)
		return v
	}
	return appAttackValues[a.rng.Intn(len(appAttackValues))]
}

func (a appAttacker) fid() uint16 { return appAttackFIDs[a.rng.Intn(len(appAttackFIDs))] }

func (a appAttacker) p2() byte {
	switch a.rng.Intn(5) {
	case 0, 1:
		return 0x80
	case 2, 3:
		return 0x80 | byte(a.fid()&0x1F)
	}
	return byte(a.rng.Intn(256))
}

func (a appAttacker) app() jpki.App { return jpki.Apps[a.rng.Intn(len(jpki.Apps))] }

func (a appAttacker) secret() []byte {
	r := a.rng
	v := a.value()
	switch r.Intn(8) {
	case 0, 1, 2:
		return apdu.Command{INS: 0x20, P2: a.p2(), Data: v}.MustEncode()
	case 3:
		return apdu.Command{INS: 0x24, P1: byte(r.Intn(2)), P2: a.p2(), Data: append(bytes.Clone(v), a.value()...)}.MustEncode()
	case 4: // the new value alone, or the old value then a new one
		nv := a.value()
		return apdu.Command{CLA: 0x80, INS: 0x32, P2: a.p2(), Data: append(bytes.Clone(v), nv[:r.Intn(2)*len(nv)]...)}.MustEncode()
	case 5:
		ins := []byte{0x21, 0x25, 0x26, 0x28, 0x2C, 0x2D}
		return apdu.Command{INS: ins[r.Intn(len(ins))], P1: byte(r.Intn(2)), P2: a.p2(), Data: v}.MustEncode()
	case 6:
		cls := []byte{0x0C, 0x04, 0x01, 0x03, 0x10, 0x80, 0x84, 0x90, 0x41, 0xFF}
		ins := []byte{0x20, 0x24, 0x32, 0x2C}
		b := apdu.Command{INS: ins[r.Intn(len(ins))], P2: a.p2(), Data: v}.MustEncode()
		b[0] = cls[r.Intn(len(cls))]
		return b
	}
	inner := apdu.Command{INS: 0x20, P2: a.p2(), Data: v}.MustEncode()
	return apdu.Command{INS: 0xC2 + byte(r.Intn(2)), Data: inner}.MustEncode()
}

func (a appAttacker) next() []byte {
	r := a.rng
	switch r.Intn(16) {
	case 0, 1:
		return selectAppCmd(a.app())
	case 2:
		aid := a.app().AID()
		return apdu.Command{INS: 0xA4, P1: 0x04, P2: []byte{0x0C, 0x02, 0x00}[r.Intn(3)], Data: aid[:1+r.Intn(len(aid))]}.MustEncode()
	case 3, 4:
		return selectEFCmd(a.fid())
	case 5:
		return []byte{0x00, 0xB0, 0x80 | byte(a.fid()&0x1F), 0x00, byte(r.Intn(3))}[:4+r.Intn(2)]
	case 6:
		return []byte{0x00, 0xB2, 0x01, byte(a.fid()&0x1F)<<3 | 4, 0x00}
	case 7, 8, 9, 10:
		return a.secret()
	case 11:
		return []byte{0x00, 0x20, 0x00, a.p2()} // the counter query
	case 12:
		b := a.secret()
		return b[:2+r.Intn(len(b)-1)] // truncated
	case 13:
		cmds := [][]byte{{0x80, 0x2A, 0x00, 0x00, 0x01, 0x00, 0x00}, {0x00, 0x88, 0x00, 0x99, 0x01, 0x00, 0x00}, {0x80, 0xAE, 0x00, 0x00, 0x01, 0x00}, {0x00, 0x84, 0x00, 0x00, 0x08}, {0x00, 0xCA, 0xDF, 0x6A, 0x00}}
		return cmds[r.Intn(len(cmds))]
	case 14:
		return apdu.Command{INS: 0xA4, P1: byte(r.Intn(3)), P2: 0x0C, Data: []byte{0x3F, 0x00}}.MustEncode()
	}
	return nil // a reset
}

// appAttack runs sequences of appAttacker's C-APDUs through the guard with
// policy against appCards whose counters start anywhere from 1 to their
// limit, another program selecting an application and EF before any
// transaction. After every C-APDU it compares every counter with its value
// before: holds reports whether a change is allowed. It returns the number
// of counters that broke it, and the C-APDUs sent and refused.
func appAttack(t *testing.T, seed int64, sequences int, policy harness.GuardPolicy, holds func(before, after int) bool) (broken, sent, refusedN int) {
	byRef, spent, locked := map[string]int{}, map[string]int{}, 0
	defer func() {
		t.Logf("tries spent, by reference: %v; counters locked (to 0): %d", spent, locked)
		if broken > 0 {
			t.Logf("counters that broke the rule, by reference: %v", byRef)
		}
	}()
	rng := rand.New(rand.NewSource(seed))
	a := appAttacker{rng: rng}
	policy.Secrets = right
	for seq := 0; seq < sequences; seq++ {
		c := newAppCard()
		for _, ref := range c.refs() {
			if ref.tries > 0 {
				ref.tries = 1 + rng.Intn(ref.max)
			}
		}
		other := rng.Intn(3)
		shared := &sharedAppCard{appCard: c, intruder: func() {
			if rng.Intn(3) == other {
				c.answer(selectAppCmd(jpki.Apps[rng.Intn(len(jpki.Apps))]))
				c.answer(selectEFCmd(appAttackFIDs[rng.Intn(len(appAttackFIDs))]))
			}
		}}
		g := harness.NewGuard(shared, policy)
		var log []string
		for i, n := 0, 1+rng.Intn(30); i < n; i++ {
			b := a.next()
			before := c.counters()
			at := len(c.got)
			if b == nil {
				_ = g.Reset()
				log = append(log, "reset")
				continue
			}
			_, err := g.Transmit(b)
			log = append(log, fmt.Sprintf("%s → %v", apdu.MaskedHex(b), err))
			switch {
			case err == nil:
				sent++
			case errors.Is(err, harness.ErrRefused):
				refusedN++
			default:
				t.Fatalf("seed %d, sequence %d: %v", seed, seq, err)
			}
			for k, ref := range c.refs() {
				if ref.tries < before[k] {
					spent[ref.String()] += before[k] - ref.tries
					if ref.tries == 0 {
						locked++
					}
				}
				if !holds(before[k], ref.tries) {
					broken++
					byRef[ref.String()]++
					if broken <= 3 {
						t.Errorf("seed %d, sequence %d: %v went from %d to %d of %d tries after:\n%v\ncard saw (last command's part): %v",
							seed, seq, ref, before[k], ref.tries, ref.max, log, lastCommands(c, len(c.got)-at))
					}
				}
			}
		}
		g.Close()
	}
	return broken, sent, refusedN
}

// Without any flag, on a card with every application, no counter of any
// application moves, whatever an adversary sends.
func TestGuardAttacksOnEveryApplicationSpendNoTry(t *testing.T) {
	broken, sent, refusedN := appAttack(t, *attackSeed, *attackSequences, harness.GuardPolicy{}, func(b, a int) bool { return a == b })
	t.Logf("seed %d: %d sequences, %d C-APDUs sent, %d refused; %d counters moved", *attackSeed, *attackSequences, sent, refusedN, broken)
}

// With --allow-destructive but not --allow-lockout, no counter of any
// application reaches its last try: one at two or more stays at two or
// more, one already at its last try does not move down.
func TestGuardAttacksOnEveryApplicationNeverReachTheLastTry(t *testing.T) {
	broken, sent, refusedN := appAttack(t, *attackSeed, *attackSequences, harness.GuardPolicy{AllowDestructive: true}, func(b, a int) bool { return a >= min(b, 2) })
	t.Logf("seed %d: %d sequences, %d C-APDUs sent, %d refused; %d counters reached their last try", *attackSeed, *attackSequences, sent, refusedN, broken)
}
