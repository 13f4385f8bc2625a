package scenarios

import (
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/report"
)

func refKey(uri string, line int, name string) string {
	return fmt.Sprintf("%s:%d %s", uri, line, name)
}

// TestShardsPartitionThePlan: the N shards of the embedded suite plan
// disjoint sets of scenarios whose union is the unsharded plan, and an
// outline's rows stay in one shard.
func TestShardsPartitionThePlan(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	all, err := Plan(Config{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range all.Scenarios {
		want = append(want, refKey(s.URI, s.Line, s.Name))
	}
	for _, n := range []int{2, 4} {
		seen := map[string]int{}
		outline := map[string]int{} // an outline's shard, by its ID
		for k := 1; k <= n; k++ {
			p, err := Plan(Config{Target: target, Shard: report.Shard{K: k, N: n}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Shard != (report.Shard{K: k, N: n}) || len(p.Scenarios) == 0 {
				t.Fatalf("shard %d/%d: %v, %d scenarios", k, n, p.Shard, len(p.Scenarios))
			}
			for _, s := range p.Scenarios {
				seen[refKey(s.URI, s.Line, s.Name)]++
				if prev, ok := outline[s.ShardID()]; ok && prev != k {
					t.Errorf("%s split between shards %d and %d", s.ShardID(), prev, k)
				}
				outline[s.ShardID()] = k
			}
		}
		var got []string
		for key, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: %s planned by %d shards", n, key, c)
			}
			got = append(got, key)
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("n=%d: the shards plan %d scenarios, the unsharded run %d", n, len(got), len(w))
		}
	}
}

// TestShardRunsItsPlan: a shard's run on the embedded card runs exactly the
// scenarios its plan names, each in its feature file (no ":LINE" in the
// evidence's URI).
func TestShardRunsItsPlan(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	cfg := Config{Target: target, Shard: report.Shard{K: 3, N: 4}, Tags: "@RETRY-01 or @RETRY-02 or @RETRY-06 or @CERT-08 or @PIN-03", Format: "progress", Output: io.Discard}
	p, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, s := range p.Scenarios {
		want = append(want, refKey(s.URI, s.Line, s.Name))
	}
	r := Execute(cfg)
	if r.Status != 0 {
		t.Fatalf("status %d", r.Status)
	}
	for _, s := range r.Evidence.Scenarios {
		got = append(got, refKey(s.URI, s.Line, s.Name))
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("ran\n%q\nplanned\n%q", got, want)
	}
}

// TestShardWithNothing: a shard that nothing falls to runs nothing, and
// passes.
func TestShardWithNothing(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	for k := 1; k <= 50; k++ {
		cfg := Config{Target: target, Shard: report.Shard{K: k, N: 50}, Tags: "@RETRY-06", Format: "progress", Output: io.Discard}
		p, err := Plan(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Scenarios) > 0 {
			continue
		}
		if r := Execute(cfg); r.Status != 0 || r.Ran != 0 || len(r.Evidence.Scenarios) != 0 {
			t.Fatalf("an empty shard: status %d, ran %d", r.Status, r.Ran)
		}
		return
	}
	t.Skip("every one of 50 shards holds a @RETRY-06 scenario")
}

// TestOverlappingPathsRunAScenarioOnce: a scenario two paths select (the
// file and FILE:LINE of one of its scenarios, or "." and FILE:LINE) is
// planned and run once, as its shard runs it — not twice in the whole run
// and once in the merged shards (found by review).
func TestOverlappingPathsRunAScenarioOnce(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	file, err := Plan(Config{Target: target, Paths: []string{"selection.feature"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{
		{"selection.feature", "selection.feature:8"},
		{"selection.feature:8", "selection.feature"},
		{".", "selection.feature:8"},
	} {
		p, err := Plan(Config{Target: target, Paths: paths})
		if err != nil {
			t.Fatal(err)
		}
		want := len(file.Scenarios)
		if paths[0] == "." {
			all, _ := Plan(Config{Target: target})
			want = len(all.Scenarios)
		}
		if len(p.Scenarios) != want {
			t.Errorf("%q: plans %d scenarios, want %d", paths, len(p.Scenarios), want)
		}
		if r := Execute(Config{Target: target, Paths: paths, Tags: "@CERT-08", Format: "progress", Output: io.Discard}); paths[0] != "." && r.Ran != len(file.Scenarios) {
			t.Errorf("%q: ran %d scenarios, want %d", paths, r.Ran, len(file.Scenarios))
		}
	}
}

// TestShardsNarrowAsTheWholeRun: every shard runs with the whole run's
// filter and names the same groups left out, also a shard that holds no
// @client scenario, so that the merged report says what the whole run says
// (found by review: such a shard had no ~@client and no @client group).
func TestShardsNarrowAsTheWholeRun(t *testing.T) {
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	all, err := Plan(Config{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range all.LeftOut {
		want = append(want, l.Tag)
	}
	const n = 40
	for k := 1; k <= n; k++ {
		p, err := Plan(Config{Target: target, Shard: report.Shard{K: k, N: n}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range p.LeftOut {
			got = append(got, l.Tag)
		}
		if p.Tags != all.Tags || !slices.Equal(got, want) {
			t.Errorf("shard %d/%d: filter %q, left out %q; the whole run: %q, %q", k, n, p.Tags, got, all.Tags, want)
		}
	}
}
