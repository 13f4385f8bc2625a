package scenarios

import (
	"fmt"
	"slices"

	"github.com/jpkisim/jpkisim/harness"

	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/report"
)

// PlanResult is what a run of Config would do on its target, worked out
// without opening a card session: the filter it runs with, the scenarios
// it would run, each group it leaves out and why, and the steps no
// definition matches (which fail the run before anything is sent).
type PlanResult struct {
	// Target is the target's summary name (harness.Target.Name).
	Target  string `json:"target"`
	Virtual bool   `json:"virtual"`
	// Embedded: the target is the embedded card (faults, profiles, the
	// office are at hand).
	Embedded bool `json:"embedded"`
	// Tags is the filter the target runs with, in godog's form: the
	// user's, narrowed for a card in a reader or a card that is not
	// virtual.
	Tags string `json:"tags,omitempty"`
	// Scenarios are those the run would start, in file order.
	Scenarios []ScenarioRef `json:"scenarios"`
	// LeftOut are the groups of scenarios the target leaves out, always in
	// the order @profile, @embedded, @client, @destructive, @pin, each with the
	// number of scenarios of the user's selection it takes away (a
	// scenario with two such tags is counted in both).
	LeftOut []report.LeftOut `json:"left_out,omitempty"`
	// Dropped are those scenarios, by the group's tag.
	Dropped map[string][]ScenarioRef `json:"dropped,omitempty"`
	// Undefined are the steps of Scenarios no step definition matches.
	Undefined []UndefinedStep `json:"undefined,omitempty"`
	// Shard is the part of the scenarios this run takes (Config.Shard);
	// the zero Shard for all. Everything above counts this shard's
	// scenarios only.
	Shard report.Shard `json:"shard,omitzero"`
	// paths select the shard's scenarios for godog: "FILE:LINE" of each
	// Scenario or Scenario Outline, in file order.
	paths []string
}

// The reasons a target leaves a group of scenarios out.
const (
	whyProfile     = "the scenario switches the embedded card's profile; a reader holds one card in one state"
	whyEmbedded    = "the scenario needs the embedded card itself (faults, the office); this card is in a reader"
	whyDestructive = "the card is not virtual and --allow-destructive was not given: these scenarios spend PIN tries"
	whyPIN         = "the card is not virtual and its auth PIN or signing password is not configured (JPKISIM_AUTH_PIN, JPKISIM_SIGN_PIN)"
)

// Plan works out what a run of cfg would do (PlanResult). It parses the
// features and asks the target for its capabilities and secrets, but opens
// no card session. Errors: the tag expression does not parse (ParseTags),
// @destructive asked for where it is refused (ErrDestructiveRefused), the
// features cannot be read or parsed. It is the one place that says what a
// target leaves out: Execute and CheckTarget narrow the filter with it.
func Plan(cfg Config) (PlanResult, error) {
	user, err := ParseTags(cfg.Tags)
	if err != nil {
		return PlanResult{}, err
	}
	fsys := cfg.FS
	if fsys == nil {
		fsys = features.FS
	}
	selection, err := selectScenarios(fsys, cfg.Paths, user.String())
	if err != nil {
		return PlanResult{}, err
	}
	// Of the whole selection, so that every shard narrows as the whole run.
	withClient := slices.ContainsFunc(selection, func(s ScenarioRef) bool { return slices.Contains(s.Tags, "@client") })
	if cfg.Shard.Sharded() {
		selection = slices.DeleteFunc(selection, func(s ScenarioRef) bool { return !cfg.Shard.Holds(s.ShardID()) })
	}
	tags, out, err := narrowTags(cfg, user, withClient)
	if err != nil {
		return PlanResult{}, err
	}
	p := PlanResult{Target: cfg.Target.Name(), Virtual: cfg.Target.Virtual(), Embedded: cfg.Target.Capabilities().Embedded,
		Tags: tags.String(), Dropped: map[string][]ScenarioRef{}, Shard: cfg.Shard}
	for _, s := range selection {
		if tags.Match(s.Tags) {
			p.Scenarios = append(p.Scenarios, s)
			if path := fmt.Sprintf("%s:%d", s.URI, s.scenarioLine); cfg.Shard.Sharded() && !slices.Contains(p.paths, path) {
				p.paths = append(p.paths, path)
			}
		}
	}
	for i, l := range out {
		for _, s := range selection {
			if (TagExpr{}).And(l.Tag).Match(s.Tags) {
				out[i].Scenarios++
				p.Dropped[l.Tag] = append(p.Dropped[l.Tag], s)
			}
		}
	}
	p.LeftOut = out
	p.Undefined = UndefinedSteps(p.Scenarios)
	return p, nil
}

// narrowTags narrows the user's filter for the target: on a card in a
// reader no @profile and no @embedded scenario; without the served card's
// control interface (ControlEnv, a slot of the target's reader) no @client
// scenario (said only when the selection holds one: withClient); on a card
// that is not virtual no @destructive scenario without AllowDestructive (asking for
// one is ErrDestructiveRefused) and no @pin scenario without both PINs. It
// returns the groups left out, not yet counted.
func narrowTags(cfg Config, tags TagExpr, withClient bool) (TagExpr, []report.LeftOut, error) {
	var extra []string
	var out []report.LeftOut
	if !cfg.Target.Capabilities().Embedded {
		extra = append(extra, "~@profile", "~@embedded")
		out = append(out, report.LeftOut{Tag: "@profile", Why: whyProfile}, report.LeftOut{Tag: "@embedded", Why: whyEmbedded})
	}
	if withClient && !served(cfg.Target) {
		extra = append(extra, "~@client")
		out = append(out, report.LeftOut{Tag: "@client", Why: whyClient})
	}
	if !cfg.Target.Virtual() {
		if !cfg.AllowDestructive {
			if tags.Asks("@destructive") {
				return TagExpr{}, nil, ErrDestructiveRefused
			}
			extra = append(extra, "~@destructive")
			out = append(out, report.LeftOut{Tag: "@destructive", Why: whyDestructive})
		}
		if s := cfg.Target.Secrets(); len(s.AuthPIN) == 0 || len(s.SigningPIN) == 0 {
			extra = append(extra, "~@pin")
			out = append(out, report.LeftOut{Tag: "@pin", Why: whyPIN})
		}
	}
	return tags.And(extra...), out, nil
}

// served reports whether t's reader is a slot of the control interface
// ControlEnv names (servedSlot), which the @client scenarios need.
func served(t harness.Target) bool {
	_, err := servedSlot(t)
	return err == nil
}
