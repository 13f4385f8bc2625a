package properties

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/report"
)

// SubShard is one goroutine of props: Sequences sequences from Seed (the
// run's seed + Index), and whether they all passed.
type SubShard struct {
	Index     int   `json:"index"`
	Seed      int64 `json:"seed"`
	Sequences int   `json:"sequences"`
	Passed    bool  `json:"passed"`
}

// Difference is where diff found the two targets answering differently:
// sequence Sequence (from 0), made from Seed (SequenceSeed), at its
// Command-th command (from 1).
type Difference struct {
	Sequence int   `json:"sequence"`
	Seed     int64 `json:"seed"`
	Command  int   `json:"command"`
}

// ShardRun says where one shard of a merged outcome ran (Outcome.Parts).
type ShardRun struct {
	Shard    report.Shard `json:"shard"`
	Machine  string       `json:"machine,omitempty"`
	Command  string       `json:"command,omitempty"`
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Passed   bool         `json:"passed"`
}

// Ran is the number of sequences this outcome ran: the sum of its
// sub-shards' (props) or its compared indices (diff).
func (o Outcome) Ran() int {
	if o.Kind == "diff" {
		return len(o.Indices)
	}
	n := 0
	for _, s := range o.SubShards {
		n += s.Sequences
	}
	return n
}

// SequenceSeed is the seed of diff's sequence i in a run with seed: the
// i-th output (from 0) of a SplitMix64 generator seeded with seed, so that
// every sequence has a source of its own, a shard makes the same sequence
// i as the whole run, and runs with neighbouring seeds share no sequence.
func SequenceSeed(seed int64, i int) int64 {
	z := uint64(seed) + uint64(i+1)*0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return int64(z ^ z>>31)
}

// ErrNotOneRun is wrapped by Merge's refusals.
var ErrNotOneRun = errors.New("the outcomes are not the shards of one run")

// Part is one shard's outcome for Merge and the file it was read from (for
// the errors).
type Part struct {
	Source  string
	Outcome Outcome
}

// Merge puts the outcomes of the N shards of one props or diff run back
// together into the outcome of the whole: the sub-shards (props) or
// compared sequences (diff) of all, passed when every shard passed, refused
// summed, the earliest start and latest finish, the shard's difference of
// lowest sequence, and in Parts where each shard ran (Shard, Machine and
// Command are left empty). It refuses — an error wrapping ErrNotOneRun that
// names every problem — no outcome, an unsharded one, different kinds,
// targets, seeds, totals, maximum lengths, S, shard counts N or tools
// (version, commit, modified), a shard missing or given twice, and units
// outside their shard, run twice or missing, or counts other than the whole
// run's: the merged Ran equals the unsharded run's (for diff, when no shard
// found a difference: a shard stops at its first).
func Merge(given []Part) (Outcome, error) {
	if len(given) == 0 {
		return Outcome{}, fmt.Errorf("%w: no outcome given", ErrNotOneRun)
	}
	first := given[0].Outcome
	c := report.NewShardCheck(given, func(p Part) (string, report.Shard, buildinfo.Info) {
		var sh report.Shard
		if p.Outcome.Shard != nil {
			sh = *p.Outcome.Shard
		}
		return p.Source, sh, p.Outcome.Tool
	}, first.Kind)
	differ := func(what string, get func(Outcome) string) {
		c.Differ(what, func(p Part) string { return get(p.Outcome) })
	}
	differ("kinds", func(o Outcome) string { return strconv.Quote(o.Kind) })
	differ("targets", func(o Outcome) string { return strconv.Quote(o.Target + " " + o.Against) })
	differ("seeds", func(o Outcome) string { return strconv.FormatInt(o.Seed, 10) })
	differ("sequence totals", func(o Outcome) string { return strconv.Itoa(o.Sequences) })
	differ("maximum lengths", func(o Outcome) string { return strconv.Itoa(o.MaxLen) })
	differ("sub-shard counts S", func(o Outcome) string { return strconv.Itoa(o.Shards) })
	if err := c.Err(ErrNotOneRun); err != nil {
		return Outcome{}, err
	}
	var bad []string
	parts := make([]Outcome, len(given))
	for i, p := range given {
		parts[i] = p.Outcome
	}
	m := first
	m.Shard, m.Machine, m.Command, m.SubShards, m.Indices, m.Commands, m.Difference, m.Parts = nil, "", "", nil, nil, 0, nil, nil
	m.Passed, m.Refused = true, 0
	for _, p := range parts {
		m.Passed = m.Passed && p.Passed
		m.Refused += p.Refused
		m.Commands += p.Commands
		if p.Started.Before(m.Started) {
			m.Started = p.Started
		}
		if p.Finished.After(m.Finished) {
			m.Finished = p.Finished
		}
		m.Parts = append(m.Parts, ShardRun{Shard: *p.Shard, Machine: p.Machine, Command: p.Command, Started: p.Started, Finished: p.Finished, Passed: p.Passed})
		if d := p.Difference; d != nil && (m.Difference == nil || d.Sequence < m.Difference.Sequence) {
			dd := *d
			m.Difference = &dd
		}
	}
	slices.SortFunc(m.Parts, func(a, b ShardRun) int { return a.Shard.K - b.Shard.K })
	m.Elapsed = m.Finished.Sub(m.Started)
	// Every unit in its shard, once; then the whole run's units.
	units := map[int]string{}
	unit := func(i int, sh report.Shard, what string) {
		if !sh.HoldsIndex(i) {
			bad = append(bad, fmt.Sprintf("shard %v holds %s %d, which is shard %d/%d's", sh, what, i, i%sh.N+1, sh.N))
		}
		if prev, ok := units[i]; ok {
			bad = append(bad, fmt.Sprintf("%s %d ran twice: in shard %s and %v", what, i, prev, sh))
		}
		units[i] = sh.String()
	}
	switch first.Kind {
	case "props":
		for _, p := range parts {
			for _, s := range p.SubShards {
				unit(s.Index, *p.Shard, "sub-shard")
				if s.Index < 0 || s.Index >= m.Shards {
					bad = append(bad, fmt.Sprintf("shard %v: sub-shard %d of %d", p.Shard, s.Index, m.Shards))
					continue
				}
				if want := subShardCount(m.Sequences, m.Shards, s.Index); s.Sequences != want {
					bad = append(bad, fmt.Sprintf("shard %v: sub-shard %d ran %d sequences, the whole run's ran %d", p.Shard, s.Index, s.Sequences, want))
				}
				if s.Seed != m.Seed+int64(s.Index) {
					bad = append(bad, fmt.Sprintf("shard %v: sub-shard %d has seed %d, not %d", p.Shard, s.Index, s.Seed, m.Seed+int64(s.Index)))
				}
				m.SubShards = append(m.SubShards, s)
			}
		}
		slices.SortFunc(m.SubShards, func(a, b SubShard) int { return a.Index - b.Index })
		if len(bad) == 0 {
			var gone []string
			for i := 0; i < m.Shards; i++ {
				if _, ok := units[i]; !ok {
					gone = append(gone, strconv.Itoa(i))
				}
			}
			if len(gone) > 0 {
				bad = append(bad, "sub-shards not run: "+strings.Join(gone, ","))
			}
		}
		if len(bad) == 0 && m.Ran() != m.Sequences {
			bad = append(bad, fmt.Sprintf("the shards ran %d sequences, the whole run %d", m.Ran(), m.Sequences))
		}
	case "diff":
		// A shard compares its sequences in order, up to its first
		// difference: exactly those, or the outcome is not the shard's.
		for _, p := range parts {
			var want []int
			for i := 0; i < m.Sequences; i++ {
				if p.Shard.HoldsIndex(i) {
					want = append(want, i)
				}
				if d := p.Difference; d != nil && i == d.Sequence {
					break
				}
			}
			if d := p.Difference; d != nil && (!p.Shard.HoldsIndex(d.Sequence) || d.Sequence >= m.Sequences) {
				bad = append(bad, fmt.Sprintf("shard %v: its difference in sequence %d is not in the shard", p.Shard, d.Sequence))
			}
			if !slices.Equal(p.Indices, want) {
				bad = append(bad, fmt.Sprintf("shard %v compared %d sequences, not the %d of shard %v of %d up to its first difference", p.Shard, len(p.Indices), len(want), p.Shard, m.Sequences))
			}
			for _, i := range p.Indices {
				unit(i, *p.Shard, "sequence")
			}
			m.Indices = append(m.Indices, p.Indices...)
		}
		slices.Sort(m.Indices)
		if len(bad) == 0 && m.Difference == nil && len(m.Indices) != m.Sequences {
			bad = append(bad, fmt.Sprintf("the shards compared %d sequences, the whole run %d", len(m.Indices), m.Sequences))
		}
	default:
		bad = append(bad, fmt.Sprintf("kind %q is neither props nor diff", first.Kind))
	}
	if len(bad) > 0 {
		return Outcome{}, fmt.Errorf("%w: %s", ErrNotOneRun, strings.Join(bad, "; "))
	}
	return m, nil
}

// ErrNotOutcome is returned by ReadOutcome for a file that is not the
// outcome of props or diff.
var ErrNotOutcome = errors.New("not the outcome of jpkisim props or diff")

// ReadOutcome reads an outcome that props or diff --json wrote. Errors:
// JSON that does not decode, or a kind other than "props" or "diff"
// (ErrNotOutcome).
func ReadOutcome(r io.Reader) (Outcome, error) {
	var o Outcome
	if err := json.NewDecoder(r).Decode(&o); err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrNotOutcome, err)
	}
	if o.Kind != "props" && o.Kind != "diff" {
		return Outcome{}, fmt.Errorf("%w: kind %q", ErrNotOutcome, o.Kind)
	}
	return o, nil
}
