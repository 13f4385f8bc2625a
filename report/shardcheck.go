package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/jpkisim/jpkisim/buildinfo"
)

// ShardCheck gathers what keeps the parts of a merge from being the shards
// of one run (docs/sharding.md, "Merging"): each problem once, in the order
// found. Merge, MergeCertifications and properties.Merge share it, so that
// every kind of shard is refused for the same things in the same words.
type ShardCheck[P any] struct {
	parts    []P
	source   func(P) string
	problems []string
}

// NewShardCheck checks what every kind of shard must agree on: each part is
// a shard (a part whose Shard is the zero Shard is "SOURCE is not a shard
// (WHAT without --shard)"; one outside 1 ≤ K ≤ N ≤ MaxShards is named too), of one count N, every shard 1..N once, of one
// tool version and commit (a build from a modified tree differs from a
// clean one). of gives a part's source (its file, as given to the merge),
// shard and tool.
func NewShardCheck[P any](parts []P, of func(P) (source string, shard Shard, tool buildinfo.Info), what string) *ShardCheck[P] {
	c := &ShardCheck[P]{parts: parts, source: func(p P) string { s, _, _ := of(p); return s }}
	shard := func(p P) Shard { _, s, _ := of(p); return s }
	tool := func(p P) buildinfo.Info { _, _, t := of(p); return t }
	n := 0 // the N of the first shard that is one
	for _, p := range parts {
		if s := shard(p); s.Check() == nil {
			n = s.N
			break
		}
	}
	bySlot := map[int][]string{}
	for _, p := range parts {
		switch s := shard(p); {
		case s == Shard{}:
			c.problems = append(c.problems, fmt.Sprintf("%s is not a shard (%s without --shard)", c.source(p), what))
		case s.Check() != nil:
			c.problems = append(c.problems, fmt.Sprintf("%s holds shard %d/%d, which is none", c.source(p), s.K, s.N))
		case s.N == n:
			bySlot[s.K] = append(bySlot[s.K], c.source(p))
		}
	}
	c.Differ("shard counts", func(p P) string {
		if shard(p).Check() != nil {
			return noValue // said above
		}
		return fmt.Sprintf("N=%d", shard(p).N)
	})
	var missing []int
	for k := 1; k <= n; k++ {
		switch srcs := bySlot[k]; {
		case len(srcs) == 0:
			missing = append(missing, k)
		case len(srcs) > 1:
			c.problems = append(c.problems, fmt.Sprintf("shard %d/%d is given %d times: %s", k, n, len(srcs), strings.Join(srcs, ", ")))
		}
	}
	switch {
	case len(missing) == 1:
		c.problems = append(c.problems, fmt.Sprintf("shard %d/%d is missing", missing[0], n))
	case len(missing) > 1:
		c.problems = append(c.problems, fmt.Sprintf("shards %s of %d are missing", ranges(missing), n))
	}
	c.Differ("versions", func(p P) string { return tool(p).Version })
	c.Differ("commits", func(p P) string { // a tree with uncommitted changes is another build
		if t := tool(p); t.Modified {
			return t.Commit + " (modified)"
		}
		return tool(p).Commit
	})
	return c
}

// noValue is a value Differ leaves out.
const noValue = "\x00"

// Differ adds "different WHAT: V1 in A, B; V2 in C" when the parts do not
// all have the same get (values in sorted order, an empty one as "none").
func (c *ShardCheck[P]) Differ(what string, get func(P) string) {
	vals := map[string][]string{}
	for _, p := range c.parts {
		if v := get(p); v != noValue {
			vals[v] = append(vals[v], c.source(p))
		}
	}
	if len(vals) < 2 {
		return
	}
	var say []string
	for _, v := range slices.Sorted(maps.Keys(vals)) {
		shown := v
		if shown == "" {
			shown = "none"
		}
		say = append(say, fmt.Sprintf("%s in %s", shown, strings.Join(vals[v], ", ")))
	}
	c.problems = append(c.problems, fmt.Sprintf("different %s: %s", what, strings.Join(say, "; ")))
}

// Add adds problems found by the caller.
func (c *ShardCheck[P]) Add(problems ...string) { c.problems = append(c.problems, problems...) }

// Err is every problem found, in one error wrapping kind ("KIND: P1; P2");
// nil for none.
func (c *ShardCheck[P]) Err(kind error) error {
	if len(c.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", kind, strings.Join(c.problems, "; "))
}

// ranges writes ascending numbers as "1, 3-5, 9".
func ranges(ns []int) string {
	var out []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j == i {
			out = append(out, strconv.Itoa(ns[i]))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		}
		i = j + 1
	}
	return strings.Join(out, ", ")
}
