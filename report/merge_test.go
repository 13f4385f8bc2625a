package report_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/report/reporttest"
)

// shards splits the sample run's scenarios into n shards by position, as
// evidence files of n machines.
func shards(n int) []report.Part {
	run := reporttest.Sample()
	var parts []report.Part
	for k := 1; k <= n; k++ {
		r := run
		r.Identity.Shard, r.Identity.Machine = report.Shard{K: k, N: n}, fmt.Sprintf("node-%d", k)
		r.Identity.Started = run.Identity.Started.Add(time.Duration(k) * time.Second)
		r.Identity.Finished = run.Identity.Finished.Add(time.Duration(k) * time.Second)
		r.Targets = nil
		for _, t := range run.Targets {
			t.Scenarios = nil
			for i, s := range run.Targets[0].Scenarios {
				if i%n == k-1 {
					t.Scenarios = append(t.Scenarios, s)
				}
			}
			for i := range t.LeftOut {
				t.LeftOut[i].Scenarios = k
			}
			r.Targets = append(r.Targets, t)
			break
		}
		parts = append(parts, report.Part{Source: fmt.Sprintf("shard-%d.json", k), Run: r})
	}
	return parts
}

// TestMerge: the shards' scenarios, each once with its shard and machine,
// in file order; the left-out counts summed; the first start and the last
// end; where each shard ran.
func TestMerge(t *testing.T) {
	parts := shards(3)
	m, err := report.Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range parts {
		want += len(p.Run.Targets[0].Scenarios)
	}
	got := m.Targets[0].Scenarios
	if len(got) != want || len(m.Targets) != 1 {
		t.Fatalf("%d scenarios, want %d", len(got), want)
	}
	ids := map[string]bool{}
	for i, s := range got {
		if !s.Shard.Sharded() || s.Machine != fmt.Sprintf("node-%d", s.Shard.K) || ids[s.ID] {
			t.Errorf("scenario %s: shard %v machine %q (ID seen: %v)", s.Name, s.Shard, s.Machine, ids[s.ID])
		}
		ids[s.ID] = true
		if i > 0 && (got[i-1].URI > s.URI || got[i-1].URI == s.URI && got[i-1].Line > s.Line) {
			t.Errorf("not in file order at %d", i)
		}
	}
	for _, l := range m.Targets[0].LeftOut {
		if l.Scenarios != 1+2+3 {
			t.Errorf("left out %s: %d, want the shards' sum 6", l.Tag, l.Scenarios)
		}
	}
	if !m.Identity.Started.Equal(parts[0].Run.Identity.Started) || !m.Identity.Finished.Equal(parts[2].Run.Identity.Finished) || m.Identity.Shard.Sharded() {
		t.Errorf("identity %+v", m.Identity)
	}
	if len(m.Shards) != 3 || m.Shards[1].Machine != "node-2" || m.Shards[1].Source != "shard-2.json" {
		t.Errorf("shards %+v", m.Shards)
	}
}

// TestMergeRefuses: each set of shards that is not one run is refused,
// every problem named.
func TestMergeRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		parts func() []report.Part
		want  []string
	}{
		"none":    {func() []report.Part { return nil }, []string{"no shard"}},
		"missing": {func() []report.Part { return shards(3)[:2] }, []string{"shard 3/3 is missing"}},
		"missing, as ranges": {func() []report.Part {
			p := shards(9)
			return []report.Part{p[0], p[4], p[5]}
		}, []string{"shards 2-4, 7-9 of 9 are missing"}},
		"none of the shards, and a vast N (found by review: a line a shard)": {func() []report.Part {
			p := shards(2)
			p[0].Run.Identity.Shard = report.Shard{K: 1, N: 1000000000}
			return p
		}, []string{"shard-1.json holds shard 1/1000000000, which is none", "shard 1/2 is missing"}},
		"twice": {func() []report.Part {
			p := shards(3)
			return append(p, p[1])
		}, []string{"shard 2/3 is given 2 times: shard-2.json, shard-2.json"}},
		"not a shard": {func() []report.Part {
			p := shards(2)
			p[0].Run.Identity.Shard = report.Shard{}
			return p
		}, []string{"shard-1.json is not a shard", "shard 1/2 is missing"}},
		"other N": {func() []report.Part {
			p := shards(2)
			p[1].Run.Identity.Shard = report.Shard{K: 2, N: 3}
			return p
		}, []string{"different shard counts: N=2 in shard-1.json; N=3 in shard-2.json", "shard 2/2 is missing"}},
		"versions": {func() []report.Part {
			p := shards(2)
			p[1].Run.Identity.Tool.Version = "v9.9.9"
			return p
		}, []string{"different versions"}},
		"commits": {func() []report.Part {
			p := shards(2)
			p[0].Run.Identity.Tool.Commit = "0123"
			return p
		}, []string{"different commits"}},
		"modified": {func() []report.Part {
			p := shards(2)
			p[0].Run.Identity.Tool.Commit, p[1].Run.Identity.Tool.Commit = "0123", "0123"
			p[1].Run.Identity.Tool.Modified = true
			return p
		}, []string{"different commits: 0123 in shard-1.json; 0123 (modified) in shard-2.json"}},
		"features": {func() []report.Part {
			p := shards(2)
			p[0].Run.Identity.FeaturesDigest = "aa"
			p[1].Run.Identity.FeaturesDigest = "bb"
			return p
		}, []string{"different feature sets: aa in shard-1.json; bb in shard-2.json"}},
		"tags": {func() []report.Part {
			p := shards(2)
			p[1].Run.Identity.Tags = "@RETRY-06"
			return p
		}, []string{"different tag filters"}},
		"paths": {func() []report.Part {
			p := shards(2)
			p[0].Run.Identity.Paths = []string{"retry.feature:11"}
			return p
		}, []string{"different feature paths: all in shard-2.json; retry.feature:11 in shard-1.json"}},
		"a scenario in two shards": {func() []report.Part {
			p := shards(2)
			s := p[0].Run.Targets[0].Scenarios[0]
			p[1].Run.Targets[0].Scenarios = append(p[1].Run.Targets[0].Scenarios, s)
			return p
		}, []string{"in shards 1/2 and 2/2"}},
		"states": {func() []report.Part {
			p := shards(2)
			p[1].Run.Identity.StateDigest = "cc"
			return p
		}, []string{"different card states: none in shard-1.json; cc in shard-2.json"}},
		"seeds": {func() []report.Part {
			p := shards(2)
			p[1].Run.Identity.Seed = 7
			return p
		}, []string{"different seeds"}},
		"targets": {func() []report.Part {
			p := shards(2)
			p[1].Run.Targets[0].Name = "pcsc:Other"
			return p
		}, []string{"different targets"}},
	} {
		_, err := report.Merge(c.parts())
		if !errors.Is(err, report.ErrMerge) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", name, err, w)
			}
		}
	}
}
