package properties

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"time"

	"github.com/leanovate/gopter"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/model"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/transcript"
)

// DiffConfig is one differential run between two targets.
type DiffConfig struct {
	A, B harness.Target
	// Seed chooses the sequences (printed; 0 is a valid seed): sequence i
	// is made from SequenceSeed(Seed, i).
	Seed int64
	// Shard compares only the sequences i with i % N == K-1 of the whole
	// run (the zero value: all of them), each as the whole run makes it.
	Shard report.Shard
	// Count sequences of up to MaxLen commands (defaults 1,000 and 50).
	Count, MaxLen int
	Output        io.Writer
}

// DiffResult says where the two targets first answered differently.
type DiffResult struct {
	Same      bool
	Sequence  int // index of the sequence with the difference
	Command   int // index of the command inside it
	Sequences int // sequences compared
	Commands  int // commands compared
	// Refused counts the sequences that stopped at a command a real-card
	// guard refused (harness.ErrRefused): what was compared before it
	// stands, the refusal is neither a pass nor a difference.
	Refused int
	// Outcome is the same as evidence (kind "diff"), for --json.
	Outcome Outcome
}

// Diff sends identical random sequences that cannot spend a try — no
// VERIFY with a value, no PIN change, no restore, nothing under 2 bytes,
// and when either target is not virtual only what the real-card guard lets
// through (readOnlyCommand) — to two targets, each sequence on a fresh
// session of each that starts from a warm reset (a virtual card in a reader
// is restored first), and stops at the first C-APDU whose R-APDUs differ. A
// sequence ends at a command a guard refuses, which is counted in Refused.
// GET CHALLENGE answers and RSASSA-PSS signatures (80 2A 04/05, with a
// random salt; the card-face applications' own keys sign without a
// credential, card.md §5.6) are compared by length and status word;
// everything else byte for byte. The report shows both transcripts, PIN-masked.
// Sequence i is generated from its own seed, SequenceSeed(cfg.Seed, i), so
// a shard (cfg.Shard) compares exactly the whole run's sequences of its own.
// Errors: a target that cannot be opened, report.ErrBadShard.
func Diff(cfg DiffConfig) (DiffResult, error) {
	out := cfg.Output
	if out == nil {
		out = io.Discard
	}
	count, maxLen := cfg.Count, cfg.MaxLen
	if count <= 0 {
		count = 1000
	}
	if maxLen <= 0 {
		maxLen = 50
	}
	sharded := cfg.Shard != (report.Shard{})
	if sharded {
		if err := cfg.Shard.Check(); err != nil {
			return DiffResult{}, err
		}
	}
	p := fixtures.MustProfile(fixtures.DefaultProfile)
	m := model.New(ContentOf(p))
	gp := gopter.DefaultGenParameters()
	g := generator{readOnly: !cfg.A.Virtual() || !cfg.B.Virtual(), minLen: 2}
	res := DiffResult{}
	o := &res.Outcome
	*o = Outcome{Kind: "diff", Tool: buildinfo.Get(), Target: cfg.A.Name(), Against: cfg.B.Name(), Seed: cfg.Seed, Sequences: count, MaxLen: maxLen, Indices: []int{}}
	o.Machine, _ = os.Hostname()
	if sharded {
		sh := cfg.Shard
		o.Shard = &sh
		fmt.Fprintf(out, "diff seed %d: shard %d of %d: sequences i with i %% %d = %d of %d, up to %d commands, %s against %s\n", cfg.Seed, sh.K, sh.N, sh.N, sh.K-1, count, maxLen, cfg.A.Name(), cfg.B.Name())
	} else {
		fmt.Fprintf(out, "diff seed %d: %d sequences of up to %d commands, %s against %s\n", cfg.Seed, count, maxLen, cfg.A.Name(), cfg.B.Name())
	}
	o.Started = time.Now()
	finish := func() {
		o.Finished = time.Now()
		o.Elapsed = o.Finished.Sub(o.Started)
		o.Commands, o.Refused, o.Passed = res.Commands, res.Refused, res.Same
	}
	for i := 0; i < count; i++ {
		if !cfg.Shard.HoldsIndex(i) {
			continue
		}
		gp.Rng = rand.New(rand.NewSource(SequenceSeed(cfg.Seed, i)))
		sa, err := openSession(cfg.A, nil)
		if err != nil {
			return res, err
		}
		sb, err := openSession(cfg.B, nil)
		if err != nil {
			sa.card.Close()
			return res, err
		}
		ca, cb := sa.card, sb.card
		ta, tb := transcript.NewRecorder("jpkisim diff", transcript.Complete, nil), transcript.NewRecorder("jpkisim diff", transcript.Complete, nil)
		a, b := harness.NewRecorded(ca, ta), harness.NewRecorded(cb, tb)
		st := &runState{model: m, st: state{s: m.Fresh(), pinOf: -1}}
		n := 1 + gp.Rng.Intn(maxLen)
		diffAt := -1
		refused := false
		for j := 0; j < n && diffAt < 0 && !refused; j++ {
			o := g.gen(st)(gp).Result.(*op)
			st = o.NextState(st).(*runState)
			if o.capdu == nil {
				ea, eb := resetBoth(a, b, o.cycle)
				if (ea == nil) != (eb == nil) {
					diffAt = j
				}
				res.Commands++
				continue
			}
			ra, ea := a.Transmit(o.capdu)
			if errors.Is(ea, harness.ErrRefused) {
				refused = true
				break
			}
			rb, eb := b.Transmit(o.capdu)
			if errors.Is(eb, harness.ErrRefused) {
				refused = true
				break
			}
			res.Commands++
			if !sameAnswer(o.capdu, ra, ea, rb, eb) {
				diffAt = j
			}
		}
		ca.Close()
		cb.Close()
		res.Sequences++
		o.Indices = append(o.Indices, i)
		if refused {
			res.Refused++
		}
		if diffAt >= 0 {
			res.Sequence, res.Command = i, diffAt
			o.Difference = &Difference{Sequence: i, Seed: SequenceSeed(cfg.Seed, i), Command: diffAt + 1}
			finish()
			fmt.Fprintf(out, "DIFFERENCE in sequence %d at command %d (seed %d)\n--- %s\n%s--- %s\n%s", i, diffAt+1, cfg.Seed,
				cfg.A.Name(), transcript.Text(ta.Since(0), "  "), cfg.B.Name(), transcript.Text(tb.Since(0), "  "))
			return res, nil
		}
	}
	res.Same = true
	finish()
	fmt.Fprintf(out, "no difference: %d sequences, %d commands; %d sequences stopped at a command the real-card guard refused\n", res.Sequences, res.Commands, res.Refused)
	return res, nil
}

func resetBoth(a, b harness.Card, cycle bool) (error, error) {
	do := func(c harness.Card) error {
		if pc, ok := harness.PowerCyclerOf(c); cycle && ok {
			return pc.PowerCycle()
		}
		return c.Reset()
	}
	return do(a), do(b)
}

func sameAnswer(capdu, ra []byte, ea error, rb []byte, eb error) bool {
	if ea != nil || eb != nil {
		return ea != nil && eb != nil // the same failure to send (a 1-byte C-APDU through PC/SC on both)
	}
	random := len(capdu) >= 2 && capdu[0] == 0x00 && capdu[1] == 0x84 ||
		len(capdu) >= 3 && capdu[0] == 0x80 && capdu[1] == 0x2A && (capdu[2] == 0x04 || capdu[2] == 0x05)
	if random && len(ra) == len(rb) && len(ra) >= 2 && bytes.Equal(ra[len(ra)-2:], rb[len(rb)-2:]) {
		return true // random bytes: equal lengths and status words suffice
	}
	return bytes.Equal(ra, rb)
}
