// Package report is the evidence of a run: its identity (tool version and
// commit, targets, readers, ATRs, profiles, seed, tag filter, what was left
// out and why), every scenario with its steps and the transcript of what
// the card saw, and the writers that turn it into the reports a certifier
// reads — JUnit XML, Cucumber JSON and one self-contained HTML file
// (docs/reports.md).
//
// The suite (package scenarios) fills a Run as it goes; the writers read
// it. A report holds no PIN: transcripts are masked when recorded.
package report

import (
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/transcript"
)

// Status is a scenario's or a step's outcome, in godog's words.
type Status string

// The outcomes. NotRun is a scenario a run left out after it started: an
// interrupted run, or a card lost earlier.
const (
	Passed    Status = "passed"
	Failed    Status = "failed"
	Skipped   Status = "skipped"
	Undefined Status = "undefined"
	Pending   Status = "pending"
	Ambiguous Status = "ambiguous"
	NotRun    Status = "not run"
)

// Worse ranks outcomes: a scenario's is its worst step's.
func (s Status) Worse(than Status) bool { return rank[s] > rank[than] }

// Fails reports whether a scenario or step of status s fails a run: failed,
// undefined, pending or ambiguous (the suite is strict, docs/reports.md).
func (s Status) Fails() bool {
	return s == Failed || s == Undefined || s == Pending || s == Ambiguous
}

var rank = map[Status]int{Passed: 0, Skipped: 1, NotRun: 2, Pending: 3, Undefined: 4, Ambiguous: 5, Failed: 6}

// Run is one `jpkisim run` (or one `go test` of the suite): one or more
// targets, each with the scenarios it ran.
type Run struct {
	Identity Identity    `json:"identity"`
	Targets  []TargetRun `json:"targets"`
	// Interrupted names the signal that stopped the run ("SIGINT",
	// "SIGTERM"); the scenario in flight finished, the rest are NotRun.
	Interrupted string `json:"interrupted,omitempty"`
	// Rules is the rule catalogue the coverage matrix is drawn against.
	Rules []Rule `json:"rules"`
	// Shards say where each shard of a merged run ran (Merge); empty for a
	// run that was not merged.
	Shards []ShardRun `json:"shards,omitempty"`
}

// Identity says who ran what, when and how.
type Identity struct {
	Tool     buildinfo.Info `json:"tool"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	// Command is the command line, without the program's path; it holds no
	// PIN (PINs come from the environment or a prompt, never arguments).
	Command string `json:"command,omitempty"`
	// Seed is the shuffle seed (--random); 0 for none.
	Seed int64 `json:"seed,omitempty"`
	// Tags is the user's tag filter, as given.
	Tags string `json:"tags,omitempty"`
	// Features says where the features came from: "embedded" or a path.
	Features string `json:"features,omitempty"`
	// FeaturesDigest is the SHA-256 of the feature files the run read
	// (scenarios.FeaturesDigest), hex: shards of one run read the same.
	FeaturesDigest string `json:"features_digest,omitempty"`
	// Paths are the feature paths the run selected, inside its features
	// (FEATURE arguments, "retry.feature:11"); none for all of them. The
	// shards of one run select the same.
	Paths []string `json:"paths,omitempty"`
	// StateDigest is the SHA-256, hex, of the state file every scenario
	// started from (run --state); none without one. The shards of one run
	// start from the same card.
	StateDigest string `json:"state_digest,omitempty"`
	// Shard is the part of a split run this one is (--shard K/N); the
	// zero Shard for a whole run.
	Shard Shard `json:"shard,omitzero"`
	// Machine is the host the run ran on (os.Hostname).
	Machine string `json:"machine,omitempty"`
}

// Rule is one entry of the rule catalogue (docs/rules.md).
type Rule struct {
	ID        string `json:"id"`
	Statement string `json:"statement"`
	Source    string `json:"source,omitempty"`
}

// TargetRun is the suite on one target.
type TargetRun struct {
	// Name is the target's summary name, for example "sim:default" or
	// "pcsc:Virtual PCD 00 00 (virtual, profile default)".
	Name    string `json:"name"`
	Reader  string `json:"reader,omitempty"`
	ATR     string `json:"atr,omitempty"` // uppercase hex, of the first session
	Profile string `json:"profile,omitempty"`
	Virtual bool   `json:"virtual"`
	// Tags is the filter the target ran with: the user's, narrowed for a
	// card in a reader or a card that is not virtual.
	Tags    string    `json:"tags,omitempty"`
	LeftOut []LeftOut `json:"left_out,omitempty"`
	// Lost is the transport error after which the card could not be
	// reached, when one happened.
	Lost      string     `json:"lost,omitempty"`
	Scenarios []Scenario `json:"scenarios"`
}

// LeftOut is a group of scenarios a target did not run, and why.
type LeftOut struct {
	Tag string `json:"tag"` // "@destructive", "@pin", "@embedded", "@profile"
	Why string `json:"why"`
	// Scenarios counts those left out for this reason.
	Scenarios int `json:"scenarios"`
}

// Scenario is one scenario's evidence.
type Scenario struct {
	ID      string   `json:"id"` // godog's pickle ID, unique in a run
	Feature string   `json:"feature"`
	URI     string   `json:"uri"` // the feature file
	Line    int      `json:"line"`
	Name    string   `json:"name"`
	Tags    []string `json:"tags,omitempty"`
	// Rules are the rule and field-report IDs among Tags, without "@".
	Rules    []string      `json:"rules,omitempty"`
	Status   Status        `json:"status"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Steps    []Step        `json:"steps"`
	// Transcript is what the card saw during the scenario.
	Transcript transcript.Transcript `json:"transcript"`
	// Shard and Machine say where the scenario ran in a merged run
	// (jpkisim report merge): its shard's and host's; zero and "" in a run
	// that was not merged, whose identity says both.
	Shard   Shard  `json:"shard,omitzero"`
	Machine string `json:"machine,omitempty"`
}

// Step is one step's evidence.
type Step struct {
	Keyword  string        `json:"keyword"` // "Given ", "When ", …
	Text     string        `json:"text"`
	Line     int           `json:"line"`
	Status   Status        `json:"status"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Match is the Go function of the step definition that matched, for
	// example "github.com/jpkisim/jpkisim/scenarios.pinSteps.verify-fm";
	// empty for an undefined step.
	Match string `json:"match,omitempty"`
	// Events is the part of the scenario's transcript the step made:
	// Transcript.Events[First:End].
	First int `json:"first_event"`
	End   int `json:"end_event"`
}

// Events returns the transcript events step i of s made.
func (s Scenario) Events(i int) []transcript.Event {
	st := s.Steps[i]
	ev := s.Transcript.Events
	first, end := max(0, min(st.First, len(ev))), max(0, min(st.End, len(ev)))
	if first >= end {
		return nil
	}
	return ev[first:end]
}

// BeforeSteps returns the transcript events recorded before the first
// step began: the session's start (its power-on or connect), which the
// reports show with the first step.
func (s Scenario) BeforeSteps() []transcript.Event {
	if len(s.Steps) == 0 {
		return nil
	}
	ev := s.Transcript.Events
	return ev[:max(0, min(s.Steps[0].First, len(ev)))]
}

// Counts tallies scenarios by outcome.
type Counts struct {
	Scenarios, Passed, Failed, Skipped, NotRun, Other int
}

// Count tallies the scenarios of every target.
func (r Run) Count() Counts {
	var c Counts
	for _, t := range r.Targets {
		tc := t.Count()
		c.Scenarios += tc.Scenarios
		c.Passed += tc.Passed
		c.Failed += tc.Failed
		c.Skipped += tc.Skipped
		c.NotRun += tc.NotRun
		c.Other += tc.Other
	}
	return c
}

// Count tallies the target's scenarios.
func (t TargetRun) Count() Counts {
	c := Counts{Scenarios: len(t.Scenarios)}
	for _, s := range t.Scenarios {
		switch s.Status {
		case Passed:
			c.Passed++
		case Failed:
			c.Failed++
		case Skipped:
			c.Skipped++
		case NotRun:
			c.NotRun++
		default:
			c.Other++
		}
	}
	return c
}

// Coverage is the state of one rule on one target: the worst outcome of the
// scenarios that check it, or "" when none ran there (not covered).
func (t TargetRun) Coverage(ruleID string) Status {
	var worst Status
	for _, s := range t.Scenarios {
		for _, id := range s.Rules {
			if id == ruleID && (worst == "" || s.Status.Worse(worst)) {
				worst = s.Status
			}
		}
	}
	return worst
}
