package report

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
)

// ShardRun says where one shard of a merged run ran (Run.Shards).
type ShardRun struct {
	Shard    Shard     `json:"shard"`
	Machine  string    `json:"machine,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Command  string    `json:"command,omitempty"`
	// Source names the shard's evidence file, as given to the merge.
	Source string `json:"source,omitempty"`
}

// Part is one shard's evidence for Merge: the run and the file it was
// read from (for the errors).
type Part struct {
	Source string
	Run    Run
}

// ErrMerge marks a set of shards that do not make one run: Merge's errors
// wrap it.
var ErrMerge = errors.New("the shards do not make one run")

// Merge puts the N shards of one run back together (docs/sharding.md,
// "Merging"): one Run whose identity is the shards' (started at the first
// shard's start, finished at the last one's end, no Shard), whose targets
// hold every shard's scenarios — each with its shard and machine — in
// file order, with the left-out counts summed, and whose Shards say where
// each ran. It refuses, naming every problem at once (an error wrapping
// ErrMerge): no parts; a part that is not a shard; shards of different
// counts N; a shard missing or given twice; shards of different tool
// versions or commits, feature sets (FeaturesDigest), feature paths
// (Identity.Paths), card states (StateDigest), tag filters, seeds or
// targets; a scenario that two shards hold.
func Merge(parts []Part) (Run, error) {
	if len(parts) == 0 {
		return Run{}, fmt.Errorf("%w: no shard given", ErrMerge)
	}
	first := parts[0].Run.Identity
	c := NewShardCheck(parts, func(p Part) (string, Shard, buildinfo.Info) {
		return p.Source, p.Run.Identity.Shard, p.Run.Identity.Tool
	}, "run")
	differ := func(what string, get func(Run) string) { c.Differ(what, func(p Part) string { return get(p.Run) }) }
	differ("feature sets", func(r Run) string { return r.Identity.FeaturesDigest })
	differ("feature paths", func(r Run) string {
		if len(r.Identity.Paths) == 0 {
			return "all"
		}
		return strings.Join(r.Identity.Paths, " ")
	})
	differ("card states", func(r Run) string { return r.Identity.StateDigest })
	differ("tag filters", func(r Run) string { return r.Identity.Tags })
	differ("seeds", func(r Run) string { return fmt.Sprint(r.Identity.Seed) })
	differ("targets", func(r Run) string {
		var names []string
		for _, t := range r.Targets {
			names = append(names, t.Name)
		}
		return strings.Join(names, " + ")
	})
	c.Add(twice(parts)...)
	if err := c.Err(ErrMerge); err != nil {
		return Run{}, err
	}

	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b Part) int { return cmp.Compare(a.Run.Identity.Shard.K, b.Run.Identity.Shard.K) })
	out := Run{Identity: first, Rules: firstRules(sorted)}
	out.Identity.Shard, out.Identity.Machine, out.Identity.Command = Shard{}, "", ""
	var interrupted []string
	for i, p := range sorted {
		id := p.Run.Identity
		if i == 0 || id.Started.Before(out.Identity.Started) {
			out.Identity.Started = id.Started
		}
		if id.Finished.After(out.Identity.Finished) {
			out.Identity.Finished = id.Finished
		}
		out.Shards = append(out.Shards, ShardRun{Shard: id.Shard, Machine: id.Machine, Started: id.Started, Finished: id.Finished, Command: id.Command, Source: p.Source})
		if p.Run.Interrupted != "" {
			interrupted = append(interrupted, fmt.Sprintf("%s in shard %s", p.Run.Interrupted, id.Shard))
		}
	}
	out.Interrupted = strings.Join(interrupted, ", ")
	for ti, t := range sorted[0].Run.Targets {
		merged := t
		merged.Scenarios, merged.LeftOut = nil, slices.Clone(t.LeftOut)
		for i := range merged.LeftOut {
			merged.LeftOut[i].Scenarios = 0
		}
		var lost []string
		for _, p := range sorted {
			pt := p.Run.Targets[ti]
			for _, l := range pt.LeftOut {
				if j := slices.IndexFunc(merged.LeftOut, func(m LeftOut) bool { return m.Tag == l.Tag }); j >= 0 {
					merged.LeftOut[j].Scenarios += l.Scenarios
				} else {
					merged.LeftOut = append(merged.LeftOut, l)
				}
			}
			if merged.ATR == "" {
				merged.ATR = pt.ATR
			}
			if pt.Lost != "" {
				lost = append(lost, fmt.Sprintf("shard %s: %s", p.Run.Identity.Shard, pt.Lost))
			}
			for _, s := range pt.Scenarios {
				s.Shard, s.Machine = p.Run.Identity.Shard, p.Run.Identity.Machine
				s.ID = p.Run.Identity.Shard.String() + "/" + s.ID // unique across shards
				merged.Scenarios = append(merged.Scenarios, s)
			}
		}
		merged.Lost = strings.Join(lost, "; ")
		slices.SortStableFunc(merged.Scenarios, func(a, b Scenario) int {
			return cmp.Or(cmp.Compare(a.URI, b.URI), cmp.Compare(a.Line, b.Line))
		})
		out.Targets = append(out.Targets, merged)
	}
	return out, nil
}

// twice names each scenario (target, file and line) that two parts hold:
// the N shards of one run are disjoint, so they split it differently (two
// builds that hash otherwise, an edited file).
func twice(parts []Part) []string {
	type key struct {
		target, uri string
		line        int
	}
	seen := map[key]string{}
	var out []string
	for _, p := range parts {
		for _, t := range p.Run.Targets {
			for _, s := range t.Scenarios {
				k := key{t.Name, s.URI, s.Line}
				if first, ok := seen[k]; ok && first != p.Run.Identity.Shard.String() {
					out = append(out, fmt.Sprintf("scenario %s:%d %q in shards %s and %s", s.URI, s.Line, s.Name, first, p.Run.Identity.Shard))
					continue
				}
				seen[k] = p.Run.Identity.Shard.String()
			}
		}
	}
	return out
}

// firstRules is the rule catalogue of the first shard that has one.
func firstRules(parts []Part) []Rule {
	for _, p := range parts {
		if len(p.Run.Rules) > 0 {
			return p.Run.Rules
		}
	}
	return nil
}
