package properties

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/simulator"
)

// sentDigest runs f with observe counting every C-APDU sent and summing
// their FNV hashes: two runs that sent the same multiset of commands have
// the same digest.
func sentDigest(t *testing.T, f func()) (count int, sum uint64) {
	t.Helper()
	var mu sync.Mutex
	observe = func(st state, resp []byte) {
		h := fnv.New64a()
		h.Write(st.sent)
		mu.Lock()
		count++
		sum += h.Sum64()
		mu.Unlock()
	}
	defer func() { observe = nil }()
	f()
	return count, sum
}

// The N shards of a props run are the whole run: disjoint sub-shards, each
// with the whole run's seed and count, the same commands sent in all, and
// Merge gives back the whole run's sub-shards.
func TestPropsShardsAreTheWholeRun(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	const seed, total, s, n = 20261202, 230, 7, 3
	var whole Outcome
	wc, ws := sentDigest(t, func() {
		var err error
		if whole, err = Run(Config{Target: target, Seed: seed, Sequences: total, Shards: s, Output: io.Discard}); err != nil || !whole.Passed {
			t.Fatalf("whole run: %+v %v", whole, err)
		}
	})
	var parts []Outcome
	var sc int
	var ss uint64
	seen := map[int]int{}
	for k := 1; k <= n; k++ {
		c, d := sentDigest(t, func() {
			o, err := Run(Config{Target: target, Seed: seed, Sequences: total, Shards: s, Output: io.Discard, Shard: report.Shard{K: k, N: n}})
			if err != nil || !o.Passed {
				t.Fatalf("shard %d/%d: %+v %v", k, n, o, err)
			}
			if o.Shard == nil || *o.Shard != (report.Shard{K: k, N: n}) || o.Sequences != total || o.Shards != s {
				t.Fatalf("shard %d/%d outcome: %+v", k, n, o)
			}
			for _, sub := range o.SubShards {
				if sub.Index%n != k-1 {
					t.Errorf("shard %d/%d ran sub-shard %d", k, n, sub.Index)
				}
				seen[sub.Index]++
			}
			parts = append(parts, o)
		})
		sc += c
		ss += d
	}
	for i := 0; i < s; i++ {
		if seen[i] != 1 {
			t.Errorf("sub-shard %d ran %d times over the shards", i, seen[i])
		}
	}
	if sc != wc || ss != ws {
		t.Errorf("the shards sent %d commands (digest %x), the whole run %d (%x)", sc, ss, wc, ws)
	}
	slices.Reverse(parts) // the order given does not matter
	m, err := merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.SubShards, whole.SubShards) || m.Ran() != total || !m.Passed || m.Shard != nil || len(m.Parts) != n {
		t.Fatalf("merged %+v\nwhole %+v", m, whole)
	}
}

// A shard's sub-shard i gives the whole run's verdict for i: against a card
// whose behaviour the model is not told, some sub-shards fail and some
// pass, alike in the shards and in the whole run.
func TestShardSubShardVerdictsAreTheWholeRuns(t *testing.T) {
	p := *fixtures.MustProfile("default")
	q := p
	q.Behaviour = simulator.Behaviour{ReadPastEndEmptyOK: true} // the model expects 6B00 past the end
	cfg := Config{Target: sim.Target{Profile: &q}, Profile: &p, Seed: 5, Sequences: 96, MaxLen: 30, Shards: 12, Output: io.Discard}
	whole, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	verdict := map[bool]int{}
	for _, s := range whole.SubShards {
		verdict[s.Passed]++
	}
	if verdict[true] == 0 || verdict[false] == 0 {
		t.Fatalf("want passing and failing sub-shards, got %+v", whole.SubShards)
	}
	var parts []Outcome
	for k := 1; k <= 4; k++ {
		c := cfg
		c.Shard = report.Shard{K: k, N: 4}
		o, err := Run(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range o.SubShards {
			if w := whole.SubShards[s.Index]; s != w {
				t.Errorf("shard %d/4: sub-shard %+v, the whole run's %+v", k, s, w)
			}
		}
		parts = append(parts, o)
	}
	m, err := merge(parts)
	if err != nil || m.Passed || !slices.Equal(m.SubShards, whole.SubShards) {
		t.Fatalf("merged %+v %v", m, err)
	}
}

// Run refuses a shard it cannot run like the whole: no seed, fewer
// sub-shards than shards (also after the cap at the sequence count), a
// card in a reader (which runs one sub-shard).
func TestPropsShardRefusals(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	for name, cfg := range map[string]Config{
		"no seed":                {Target: target, Sequences: 10, Shard: report.Shard{K: 1, N: 2}},
		"S below N":              {Target: target, Seed: 1, Sequences: 10, Shards: 2, Shard: report.Shard{K: 1, N: 3}},
		"fewer sequences than N": {Target: target, Seed: 1, Sequences: 2, Shard: report.Shard{K: 1, N: 3}},
		"K above N":              {Target: target, Seed: 1, Sequences: 10, Shard: report.Shard{K: 4, N: 3}},
		"a card in a reader":     {Target: newInReader(t), Seed: 1, Sequences: 10, Shard: report.Shard{K: 1, N: 2}},
	} {
		cfg.Output = io.Discard
		if o, err := Run(cfg); !errors.Is(err, report.ErrBadShard) {
			t.Errorf("%s: %+v %v", name, o, err)
		}
	}
}

// The N shards of a diff compare exactly the whole run's sequences: the
// same indices, once each, the same commands, and the first difference of
// the whole run is the lowest of the shards'.
func TestDiffShardsAreTheWholeRun(t *testing.T) {
	a := sim.Target{Profile: fixtures.MustProfile("default")}
	const seed, count, n = 9, 60, 4
	whole, err := Diff(DiffConfig{A: a, B: a, Seed: seed, Count: count})
	if err != nil || !whole.Same {
		t.Fatal(whole, err)
	}
	var parts []Outcome
	commands := 0
	for k := 1; k <= n; k++ {
		r, err := Diff(DiffConfig{A: a, B: a, Seed: seed, Count: count, Shard: report.Shard{K: k, N: n}})
		if err != nil || !r.Same {
			t.Fatal(r, err)
		}
		for _, i := range r.Outcome.Indices {
			if i%n != k-1 {
				t.Errorf("shard %d/%d compared sequence %d", k, n, i)
			}
		}
		commands += r.Commands
		parts = append(parts, r.Outcome)
	}
	if commands != whole.Commands {
		t.Errorf("the shards compared %d commands, the whole run %d", commands, whole.Commands)
	}
	m, err := merge(parts)
	if err != nil || !slices.Equal(m.Indices, whole.Outcome.Indices) || m.Commands != whole.Commands || !m.Passed || len(m.Indices) != count {
		t.Fatalf("merged %+v %v; whole %+v", m, err, whole.Outcome)
	}

	p := *fixtures.MustProfile("default")
	q := p
	q.Behaviour = simulator.Behaviour{ReadPastEndEmptyOK: true}
	cfg := DiffConfig{A: sim.Target{Profile: &p}, B: sim.Target{Profile: &q}, Seed: seed, Count: 500}
	first, err := Diff(cfg)
	if err != nil || first.Same {
		t.Fatalf("no difference: %+v %v", first, err)
	}
	parts = nil
	for k := 1; k <= n; k++ {
		c := cfg
		c.Shard = report.Shard{K: k, N: n}
		r, err := Diff(c)
		if err != nil {
			t.Fatal(err)
		}
		if first.Sequence%n == k-1 && (r.Same || r.Sequence != first.Sequence || r.Command != first.Command) {
			t.Errorf("shard %d/%d: %+v; the whole run differed at sequence %d command %d", k, n, r, first.Sequence, first.Command)
		}
		parts = append(parts, r.Outcome)
	}
	m, err = merge(parts)
	if err != nil || m.Passed || m.Difference == nil || *m.Difference != *first.Outcome.Difference {
		t.Fatalf("merged %+v %v; whole %+v", m, err, first.Outcome.Difference)
	}
}

// Merge refuses, naming it, every way the outcomes are not the N shards
// of one run.
func TestMergeRefusals(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	var good []Outcome
	for k := 1; k <= 3; k++ {
		o, err := Run(Config{Target: target, Seed: 3, Sequences: 40, Shards: 6, Output: io.Discard, Shard: report.Shard{K: k, N: 3}})
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, o)
	}
	if _, err := merge(good); err != nil {
		t.Fatal(err)
	}
	change := func(k int, f func(*Outcome)) []Outcome {
		parts := slices.Clone(good)
		o := parts[k]
		o.SubShards = slices.Clone(o.SubShards)
		f(&o)
		parts[k] = o
		return parts
	}
	whole, err := Run(Config{Target: target, Seed: 3, Sequences: 40, Shards: 6, Output: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		parts []Outcome
		want  string
	}{
		"none":              {nil, "no outcome"},
		"missing":           {good[:2], "shard 3/3 is missing"},
		"twice":             {append(slices.Clone(good), good[1]), "shard 2/3 is given 2 times: shard-2.json, shard-2.json"},
		"seed":              {change(1, func(o *Outcome) { o.Seed = 4 }), "different seeds: 3 in shard-1.json, shard-3.json; 4 in shard-2.json"},
		"no shard":          {change(1, func(o *Outcome) { o.Shard = &report.Shard{K: 4, N: 3} }), "shard-4.json holds shard 4/3, which is none"},
		"S":                 {change(2, func(o *Outcome) { o.Shards = 7 }), "different sub-shard counts S"},
		"total":             {change(0, func(o *Outcome) { o.Sequences = 41 }), "different sequence totals"},
		"max length":        {change(0, func(o *Outcome) { o.MaxLen = 20 }), "different maximum lengths"},
		"version":           {change(0, func(o *Outcome) { o.Tool = buildinfo.Info{Version: "v0.1.0"} }), "different versions"},
		"commit":            {change(0, func(o *Outcome) { o.Tool.Commit = strings.Repeat("a", 40) }), "different commits"},
		"modified":          {change(0, func(o *Outcome) { o.Tool.Modified = true }), "different commits"},
		"target":            {change(0, func(o *Outcome) { o.Target = "sim:t0" }), "different targets"},
		"kind":              {change(0, func(o *Outcome) { o.Kind = "diff" }), "different kinds"},
		"N":                 {change(0, func(o *Outcome) { o.Shard = &report.Shard{K: 1, N: 4} }), "different shard counts: N=3 in shard-2.json, shard-3.json; N=4 in shard-1.json"},
		"whole run":         {append(slices.Clone(good), whole), "whole.json is not a shard (props without --shard)"},
		"sub-shard count":   {change(0, func(o *Outcome) { o.SubShards[0].Sequences++ }), "sub-shard 0 ran 8 sequences, the whole run's ran 7"},
		"sub-shard seed":    {change(0, func(o *Outcome) { o.SubShards[0].Seed = 99 }), "sub-shard 0 has seed 99"},
		"sub-shard dropped": {change(1, func(o *Outcome) { o.SubShards = o.SubShards[:1] }), "sub-shards not run: 4"},
		"sub-shard elsewhere": {change(1, func(o *Outcome) { o.SubShards = append(o.SubShards, good[0].SubShards[0]) }),
			"shard 2/3 holds sub-shard 0, which is shard 1/3's; sub-shard 0 ran twice"},
	} {
		if m, err := merge(c.parts); !errors.Is(err, ErrNotOneRun) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: merged %+v, error %v; want %q", name, m.SubShards, err, c.want)
		}
	}
}

// SequenceSeed gives every sequence of a run a seed of its own, and
// neighbouring runs' sequences no shared seed (where seed + i would).
func TestSequenceSeedsDoNotOverlap(t *testing.T) {
	seen := map[int64]bool{}
	for seed := int64(1); seed <= 3; seed++ {
		for i := 0; i < 1000; i++ {
			s := SequenceSeed(seed, i)
			if seen[s] {
				t.Fatalf("seed %d sequence %d: %d again", seed, i, s)
			}
			seen[s] = true
		}
	}
}

// Merge refuses diff shards that did not compare exactly their sequences:
// one dropped, one of another shard's, a difference outside the shard.
func TestMergeRefusesDiffShardsThatAreNotTheirs(t *testing.T) {
	a := sim.Target{Profile: fixtures.MustProfile("default")}
	var good []Outcome
	for k := 1; k <= 2; k++ {
		r, err := Diff(DiffConfig{A: a, B: a, Seed: 4, Count: 9, Shard: report.Shard{K: k, N: 2}})
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, r.Outcome)
	}
	if m, err := merge(good); err != nil || len(m.Indices) != 9 {
		t.Fatalf("%+v %v", m, err)
	}
	change := func(f func(*Outcome)) []Outcome {
		parts := slices.Clone(good)
		o := parts[1]
		o.Indices = slices.Clone(o.Indices)
		f(&o)
		parts[1] = o
		return parts
	}
	for name, c := range map[string]struct {
		parts []Outcome
		want  string
	}{
		"dropped":    {change(func(o *Outcome) { o.Indices = o.Indices[:2] }), "shard 2/2 compared 2 sequences, not the 4"},
		"elsewhere":  {change(func(o *Outcome) { o.Indices = append(o.Indices, 0) }), "shard 2/2 holds sequence 0, which is shard 1/2's"},
		"difference": {change(func(o *Outcome) { o.Difference = &Difference{Sequence: 2, Command: 1} }), "its difference in sequence 2 is not in the shard"},
	} {
		if _, err := merge(c.parts); !errors.Is(err, ErrNotOneRun) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", name, err, c.want)
		}
	}
}

// ReadOutcome reads back what the JSON encoding of an outcome holds, and
// refuses a file of another kind.
func TestReadOutcome(t *testing.T) {
	a := sim.Target{Profile: fixtures.MustProfile("default")}
	r, err := Diff(DiffConfig{A: a, B: a, Seed: 4, Count: 5, Shard: report.Shard{K: 1, N: 2}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(r.Outcome)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ReadOutcome(bytes.NewReader(raw))
	if err != nil || !slices.Equal(o.Indices, []int{0, 2, 4}) || *o.Shard != (report.Shard{K: 1, N: 2}) || o.Kind != "diff" || !o.Started.Equal(r.Outcome.Started) {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range []string{`{"kind":"run"}`, `[1,2]`, `not json`} {
		if _, err := ReadOutcome(strings.NewReader(bad)); !errors.Is(err, ErrNotOutcome) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// merge merges outcomes as the files shard-K.json (whole.json for an
// unsharded one) would be.
func merge(outcomes []Outcome) (Outcome, error) {
	var parts []Part
	for _, o := range outcomes {
		name := "whole.json"
		if o.Shard != nil {
			name = fmt.Sprintf("shard-%d.json", o.Shard.K)
		}
		parts = append(parts, Part{Source: name, Outcome: o})
	}
	return Merge(parts)
}
