package harness_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/pcsc"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/simulator"
)

var (
	attackSeed      = flag.Int64("guard.seed", 1, "seed of TestGuardAttacksSpendNoTry")
	attackSequences = flag.Int("guard.sequences", 3000, "sequences of TestGuardAttacksSpendNoTry")
)

// attacker draws C-APDUs an adversary would try against the guard without
// any flag: every file selected in every way, commands by SFI that fail,
// the configured PINs and wrong ones in every VERIFY form, other classes,
// malformed lengths, resets; and another program that selects a file
// between our transactions.
type attacker struct {
	rng  *rand.Rand
	pins harness.Secrets
}

var attackFIDs = []uint16{0x0001, 0x0002, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B, 0x0016, 0x1234}

func (a attacker) pin() []byte {
	switch a.rng.Intn(5) {
	case 0:
		return a.pins.AuthPIN
	case 1:
		return a.pins.SigningPIN
	case 2:
		return []byte("9999")
	case 3:
		return []byte("ZZZ999")
	}
	v := make([]byte, 1+a.rng.Intn(17))
	a.rng.Read(v)
	return v
}

func (a attacker) fid() uint16 { return attackFIDs[a.rng.Intn(len(attackFIDs))] }

func (a attacker) p2() byte {
	switch a.rng.Intn(4) {
	case 0:
		return 0x80
	case 1:
		return 0x80 | byte(a.fid()&0x1F)
	case 2:
		return byte(a.rng.Intn(256))
	}
	return 0x98 + byte(a.rng.Intn(2))*3
}

func (a attacker) next() []byte {
	r := a.rng
	switch r.Intn(15) {
	case 13: // CHANGE REFERENCE DATA, the JPKI form
		return apdu.Command{INS: 0x24, P1: 0x01, P2: a.p2(), Data: a.pin()}.MustEncode()
	case 0:
		return apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()[:1+r.Intn(len(jpki.JPKI.AID()))]}.MustEncode()
	case 1, 2:
		f := a.fid()
		return apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(f >> 8), byte(f)}}.MustEncode()
	case 3:
		return []byte{0x00, 0xB0, 0x80 | byte(a.fid()&0x1F), byte(r.Intn(4)), byte(r.Intn(3))}[:4+r.Intn(2)]
	case 4:
		return []byte{0x00, 0xB2, byte(r.Intn(3)), byte(a.fid()&0x1F)<<3 | 4, 0x00}
	case 5, 6, 7:
		return apdu.Command{INS: 0x20, P2: a.p2(), Data: a.pin()}.MustEncode()
	case 8:
		return []byte{0x00, 0x20, 0x00, a.p2()} // the counter query
	case 9: // another class, an odd INS, another PIN command
		cls := []byte{0x0C, 0x01, 0x03, 0x10, 0x80, 0x84, 0xFF}
		ins := []byte{0x20, 0x21, 0x24, 0x2C, 0xC2}
		b := apdu.Command{INS: ins[r.Intn(len(ins))], P1: byte(r.Intn(2)), P2: a.p2(), Data: a.pin()}.MustEncode()
		b[0] = cls[r.Intn(len(cls))]
		return b
	case 10: // malformed lengths
		b := apdu.Command{INS: 0x20, P2: a.p2(), Data: a.pin()}.MustEncode()
		return b[:2+r.Intn(len(b)-1)]
	case 11:
		return []byte{0x80, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00}
	case 12:
		return []byte{0x00, 0xCA, 0xDF, 0x6A, 0x00}
	}
	return nil // a reset
}

// Against a card that is not virtual and no flag, no sequence of C-APDUs
// changes a retry counter: both stay full (a VERIFY of the configured PIN
// on a full counter leaves it full), whatever an adversary sends and
// whatever another program selects between our transactions.
func TestGuardAttacksSpendNoTry(t *testing.T) {
	attack(t, simSessions(t), harness.GuardPolicy{}, *attackSequences, func(au, si int) bool { return au == 3 && si == 5 })
}

// With --allow-destructive but not --allow-lockout, tries may be spent and
// PINs changed, but the guard keeps two tries of each JPKI PIN.
func TestGuardAttacksNeverSpendTheLastTry(t *testing.T) {
	attack(t, simSessions(t), harness.GuardPolicy{AllowDestructive: true}, *attackSequences, func(au, si int) bool { return au >= 2 && si >= 2 })
}

// The same attack through pcscd, against `jpkisim serve --as-real-card`
// (JPKISIM_TEST_REAL_READER, scripts/pcsc-test.sh): a second PC/SC
// connection reads the counters after every C-APDU, and a third selects
// files as fast as it can all along.
func TestGuardAttacksThroughPCSC(t *testing.T) {
	r := os.Getenv("JPKISIM_TEST_REAL_READER")
	if r == "" {
		t.Skip("JPKISIM_TEST_REAL_READER not set: run scripts/pcsc-test.sh (make test) for the PC/SC stack")
	}
	watcher := &reopening{reader: r}
	defer watcher.Close()
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hammer := &reopening{reader: r}
		defer hammer.Close()
		h := harness.NewClient(hammer)
		rng := rand.New(rand.NewSource(*attackSeed))
		for !stop.Load() {
			_ = h.SelectJPKI()
			_ = h.SelectEF(attackFIDs[rng.Intn(len(attackFIDs))])
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()
	open := func() (harness.Card, harness.Card, error) {
		c, err := pcsc.Open(r) // guarded below, as pcsc.Target.Open guards a card that is not virtual
		return c, watcher, err
	}
	attack(t, open, harness.GuardPolicy{}, 60, func(au, si int) bool { return au == 3 && si == 5 })
}

// reopening is another program's PC/SC session that connects again when
// the card was reset by someone else (SCARD_W_RESET_CARD), as programs do.
type reopening struct {
	reader string
	c      *pcsc.Card
}

func (o *reopening) do(f func(c *pcsc.Card) error) error {
	for try := 0; ; try++ {
		if o.c == nil {
			c, err := pcsc.Open(o.reader)
			if err != nil {
				return err
			}
			o.c = c
		}
		err := f(o.c)
		if try > 0 || !(errors.Is(err, harness.ErrCardReset) || errors.Is(err, harness.ErrCardRemoved)) {
			return err
		}
		o.c.Close()
		o.c = nil
	}
}

func (o *reopening) Transmit(b []byte) (r []byte, err error) {
	err = o.do(func(c *pcsc.Card) error { r, err = c.Transmit(b); return err })
	return r, err
}

func (o *reopening) Transaction(f func() error) error {
	return o.do(func(c *pcsc.Card) error { return c.Transaction(f) })
}

func (o *reopening) ATR() []byte  { return nil }
func (o *reopening) Reset() error { return nil }
func (o *reopening) Close() error {
	if o.c != nil {
		o.c.Close()
	}
	return nil
}

// sessions opens our session for one sequence, and the session of another
// program on the same card, which reads the counters.
type sessions func() (ours, other harness.Card, err error)

// simSessions is a new virtual card for every sequence, behind the worst
// interleaving: the other program may select a file before every
// transaction of ours.
func simSessions(t *testing.T) sessions {
	rng := rand.New(rand.NewSource(*attackSeed + 1))
	return func() (harness.Card, harness.Card, error) {
		vc, err := simulator.New(fixtures.MustProfile("default"))
		if err != nil {
			return nil, nil, err
		}
		raw := sim.NewCard(vc)
		other := harness.NewClient(raw)
		fid := attackFIDs[rng.Intn(len(attackFIDs))]
		return &sharedCard{Card: raw, intruder: func() {
			if rng.Intn(3) == 0 {
				_ = other.SelectJPKI()
				_ = other.SelectEF(fid)
			}
		}}, raw, nil
	}
}

// countersOf reads both JPKI counters in one transaction of c's.
func countersOf(t *testing.T, c harness.Card) (auth, signing int) {
	t.Helper()
	cl := harness.NewClient(c)
	n := make([]int, 2)
	body := func() error {
		if err := cl.SelectJPKI(); err != nil {
			return err
		}
		for i, ref := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
			var err error
			if n[i], err = cl.RetriesLeft(ref); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if tx, ok := c.(harness.Transactor); ok {
		err = tx.Transaction(body)
	} else {
		err = body()
	}
	if err != nil {
		t.Fatal(err)
	}
	return n[0], n[1]
}

func attack(t *testing.T, open sessions, policy harness.GuardPolicy, sequences int, holds func(auth, signing int) bool) {
	p := fixtures.MustProfile("default")
	policy.Secrets = harness.Secrets{AuthPIN: p.AuthPIN, SigningPIN: p.SigningPIN}
	rng := rand.New(rand.NewSource(*attackSeed))
	a := attacker{rng: rng, pins: policy.Secrets}
	sent, refusedN := 0, 0
	for seq := 0; seq < sequences; seq++ {
		card, other, err := open()
		if err != nil {
			t.Fatal(err)
		}
		tr := transcript.NewRecorder("test", transcript.Complete, nil)
		g := harness.NewGuard(harness.NewRecorded(card, tr), policy)
		var log []string
		for i, n := 0, 1+rng.Intn(25); i < n; i++ {
			c := a.next()
			if c == nil {
				_ = g.Reset()
				log = append(log, "reset")
				continue
			}
			_, err := g.Transmit(c)
			log = append(log, fmt.Sprintf("%s → %v", apdu.MaskedHex(c), err))
			switch {
			case err == nil:
				sent++
			case errors.Is(err, harness.ErrRefused):
				refusedN++
			default:
				t.Fatalf("seed %d, sequence %d: %v", *attackSeed, seq, err)
			}
			if au, si := countersOf(t, other); !holds(au, si) {
				t.Fatalf("seed %d, sequence %d: auth %d of 3, signing %d of 5 after:\n%v\ncard saw: %v", *attackSeed, seq, au, si, log, tr.Since(0))
			}
		}
		g.Close()
	}
	t.Logf("seed %d: %d sequences, %d C-APDUs sent, %d refused; the counters held", *attackSeed, sequences, sent, refusedN)
}
