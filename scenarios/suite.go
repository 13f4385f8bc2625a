package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/report"
)

// Config is one run of the acceptance suite.
type Config struct {
	// Target opens the card for each scenario (required).
	Target harness.Target
	// Tags is a tag expression, Cucumber's or godog's (ParseTags), for
	// example "@RETRY-06", "not @destructive" or "~@destructive".
	Tags string
	// Format is a godog format list, for example "pretty" or
	// "progress,junit:report.xml"; empty means "pretty".
	Format string
	// Output receives the console formatter output; nil means os.Stdout.
	Output io.Writer
	// TestingT runs each scenario as a subtest of a Go test.
	TestingT *testing.T
	// Concurrency runs scenarios in parallel on a virtual target; a card in a
	// reader always runs one scenario at a time.
	Concurrency int
	// Randomize shuffles scenarios: 0 off, -1 a new seed (printed), or a seed.
	Randomize int64
	// Paths selects feature files inside FS; empty means all.
	Paths []string
	// FS holds the features; nil means the embedded features.FS.
	FS fs.FS
	// NoColors turns ANSI colours off.
	NoColors bool
	// AllowDestructive lets @destructive scenarios run on a card that is
	// not virtual (--allow-destructive). Without it they are left out, and
	// asking for them by tag is an error.
	AllowDestructive bool
	// Shard, when set, runs only the scenarios that fall to it
	// (ScenarioRef.ShardID, report.Shard.Holds): the N shards of a run
	// together run each of its scenarios once (docs/sharding.md).
	Shard report.Shard
	// Stopped, when set, is asked before every scenario: once it says true
	// the run is interrupted, and the scenarios left are not run (their
	// evidence says report.NotRun). The scenario in flight finishes.
	Stopped func() bool

	// leftOut are the groups of scenarios the target leaves out, and why
	// (execute fills it in as it narrows Tags).
	leftOut []report.LeftOut

	// run is the bookkeeping of one Run: scenarios started and failed,
	// transport lost.
	run *runStats
}

// runStats is shared by the scenarios of one run.
type runStats struct {
	started  atomic.Int64
	failed   atomic.Int64
	mu       sync.Mutex
	lost     error // the first error after which the card cannot be reached
	evidence *collector
	stopped  func() bool
}

func (r *runStats) setLost(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost == nil {
		r.lost = err
	}
}

func (r *runStats) lostErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// Suite builds the godog test suite for cfg. Undefined or pending steps fail
// the run (Strict).
func Suite(cfg Config) godog.TestSuite {
	if cfg.FS == nil {
		cfg.FS = features.FS
	}
	if len(cfg.Paths) == 0 {
		cfg.Paths = []string{"."}
	}
	if cfg.Format == "" {
		cfg.Format = "pretty"
	}
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	if cfg.run == nil {
		cfg.run = &runStats{} // a Suite used without Execute
	}
	if cfg.run.evidence == nil {
		cfg.run.evidence = newCollector()
	}
	name := fmt.Sprintf("jpkisim#%d", suiteSeq.Add(1))
	collectors.Store(name, cfg.run.evidence)
	if !cfg.Target.Capabilities().Embedded || cfg.Concurrency < 1 {
		cfg.Concurrency = 1 // one card in a reader: one scenario at a time
	}
	return godog.TestSuite{
		Name: name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			initScenario(sc, cfg.Target, cfg.run)
		},
		Options: &godog.Options{
			Format:      consoleFormats(cfg.Format),
			Output:      cfg.Output,
			Paths:       selectedOnce(cfg.Paths),
			FS:          cfg.FS,
			Tags:        cfg.Tags,
			Strict:      true,
			TestingT:    cfg.TestingT,
			Concurrency: cfg.Concurrency,
			Randomize:   cfg.Randomize,
			NoColors:    cfg.NoColors,
		},
	}
}

// Result is the outcome of Execute.
type Result struct {
	// Status is godog's: 0 every scenario passed, 1 one failed, 2 a usage
	// error (bad format, path or tags).
	Status int
	// Ran counts the scenarios that started.
	Ran int
	// Failed counts the scenarios among them that failed: a step failed,
	// was undefined or pending (the suite is strict), or the card could not
	// be opened or closed.
	Failed int
	// Lost is the first transport error after which the card could not be
	// reached (pcscd gone, card removed or reset, a stall); the scenarios
	// after it fail at once without touching the card.
	Lost error
	// Evidence is the run's evidence for the reports: the target, the
	// filter it ran with, every scenario that began with its steps and
	// transcript (docs/reports.md).
	Evidence report.TargetRun
	// Seed is the seed the scenarios were shuffled with; 0 for none.
	Seed int64
}

// Run runs the suite, writes the JUnit and Cucumber reports cfg.Format
// names (WriteReports), and returns godog's status and the number of
// scenarios that ran (see Execute). A report that cannot be written makes
// the status 1 and is said on cfg.Output.
func Run(cfg Config) (status int, ran int) {
	start := time.Now()
	r := Execute(cfg)
	if r.Status == 2 {
		return r.Status, r.Ran
	}
	run := report.Run{Identity: Identity(start, cfg, r.Seed), Targets: []report.TargetRun{r.Evidence}, Rules: Rules()}
	if err := WriteReports(cfg.Format, run, cfg.Output); err != nil {
		out := cfg.Output
		if out == nil {
			out = os.Stderr
		}
		fmt.Fprintln(out, err)
		return max(r.Status, 1), r.Ran
	}
	return r.Status, r.Ran
}

// Execute runs the suite. A tag expression that ValidateTags refuses gives
// status 2 without running anything.
func Execute(cfg Config) Result {
	return execute(cfg)
}

func execute(cfg Config) Result {
	refuse := func(err error) Result {
		out := cfg.Output
		if out == nil {
			out = os.Stderr
		}
		fmt.Fprintln(out, err)
		return Result{Status: 2}
	}
	plan, err := Plan(cfg) // the filter narrowed for the target, what it leaves out, undefined steps
	if err != nil {
		return refuse(err)
	}
	cfg.leftOut = plan.LeftOut
	if len(plan.Undefined) > 0 { // said here, with the closest phrases, instead of godog's snippets
		fmt.Fprintln(consoleOut(cfg), FormatUndefined(plan.Undefined))
		return Result{Status: 1, Evidence: evidenceOf(cfg, undefinedEvidence(plan), nil)}
	}
	if cfg.Randomize == -1 {
		cfg.Randomize = time.Now().UnixNano() // picked here, so that the reports can name it
	}
	cfg.Tags = plan.Tags
	if cfg.Shard.Sharded() {
		if len(plan.paths) == 0 { // nothing falls to this shard
			return Result{Evidence: evidenceOf(cfg, nil, nil)}
		}
		cfg.Paths = plan.paths
	}
	cfg.run = &runStats{evidence: newCollector(), stopped: cfg.Stopped}
	suite := Suite(cfg)
	defer collectors.Delete(suite.Name)
	status := suite.Run()
	res := Result{Status: status, Ran: int(cfg.run.started.Load()), Failed: int(cfg.run.failed.Load()), Lost: cfg.run.lostErr()}
	res.Evidence = evidenceOf(cfg, cfg.run.evidence.scenarios(), res.Lost)
	res.Seed = cfg.Randomize
	return res
}

// initScenario gives every scenario its own world: a fresh card session
// from the target, closed when the scenario ends.
func initScenario(sc *godog.ScenarioContext, t harness.Target, run *runStats) {
	w := &world{target: t}
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		ctx = context.WithValue(ctx, pickleKey{}, p.Id) // for the step hooks
		if run == nil {
			run = &runStats{} // a Suite used without Run
		}
		if run.evidence != nil {
			run.evidence.begin(p)
		}
		if run.stopped != nil && run.stopped() {
			if run.evidence != nil {
				run.evidence.notRun(p)
			}
			return ctx, godog.ErrSkip
		}
		run.started.Add(1)
		if err := run.lostErr(); err != nil {
			if run.evidence != nil {
				run.evidence.notRun(p) // the reports say so: report.NotRun
			}
			return ctx, fmt.Errorf("not run, the card was lost earlier: %w", err)
		}
		if err := w.open(); err != nil {
			if harness.TransportLost(err) {
				run.setLost(err)
			}
			return ctx, err
		}
		return context.WithValue(ctx, ctxKey{}, w), nil
	})
	sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
		cerr := w.close()
		if w.rec != nil && run != nil && run.evidence != nil {
			run.evidence.end(p.Id, w.rec.Transcript())
		}
		w.rec = nil
		// godog calls this once per scenario, with the step error that
		// ends it; it fails the scenario as its strict run does.
		if (err != nil && !errors.Is(err, godog.ErrSkip)) || cerr != nil {
			if run != nil {
				run.failed.Add(1)
			}
		}
		return ctx, cerr
	})
	pickle := func(ctx context.Context) string {
		p, _ := ctx.Value(pickleKey{}).(string)
		return p
	}
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		w.stepStart = 0
		if w.rec != nil {
			w.stepStart = w.rec.Len()
		}
		if run != nil && run.evidence != nil {
			run.evidence.stepStart(pickle(ctx), st.Id, w.stepStart)
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if harness.TransportLost(err) && run != nil {
			run.setLost(err)
		}
		end := w.stepStart
		if w.rec != nil {
			end = w.rec.Len()
		}
		if run != nil && run.evidence != nil {
			run.evidence.stepEnd(pickle(ctx), st.Id, status, err, end)
		}
		return ctx, nil
	})
	register(sc, w)
}

// pickleKey is the context key of the scenario's pickle ID, for the step
// hooks.
type pickleKey struct{}

// ErrDestructiveRefused is returned when a run on a card that is not virtual
// asks for @destructive scenarios without AllowDestructive.
var ErrDestructiveRefused = errors.New("@destructive scenarios spend PIN tries: refused on a card that is not virtual without --allow-destructive")

// CheckTarget reports, before anything runs, a run that would be refused:
// @destructive scenarios asked for on a card that is not virtual without
// AllowDestructive (ErrDestructiveRefused).
func CheckTarget(cfg Config) error {
	tags, err := ParseTags(cfg.Tags)
	if err == nil {
		_, _, err = narrowTags(cfg, tags, false)
	}
	return err
}
