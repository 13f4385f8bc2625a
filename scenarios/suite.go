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

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/harness"
)

// Config is one run of the acceptance suite.
type Config struct {
	// Target opens the card for each scenario (required).
	Target harness.Target
	// Tags is a godog tag filter, for example "@RETRY-06" or "~@destructive".
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

	// run is the bookkeeping of one Run: scenarios started and failed,
	// transport lost.
	run *runStats
}

// runStats is shared by the scenarios of one run.
type runStats struct {
	started atomic.Int64
	failed  atomic.Int64
	mu      sync.Mutex
	lost    error // the first error after which the card cannot be reached
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
	if !cfg.Target.Capabilities().Embedded || cfg.Concurrency < 1 {
		cfg.Concurrency = 1 // one card in a reader: one scenario at a time
	}
	return godog.TestSuite{
		Name: "jpkisim",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			initScenario(sc, cfg.Target, cfg.run)
		},
		Options: &godog.Options{
			Format:      mapFormats(cfg.Format),
			Output:      cfg.Output,
			Paths:       cfg.Paths,
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
}

// Run runs the suite and returns godog's status and the number of
// scenarios that ran (see Execute).
func Run(cfg Config) (status int, ran int) {
	r := Execute(cfg)
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
	tags, err := ParseTags(cfg.Tags)
	if err != nil {
		return refuse(err)
	}
	if !cfg.Target.Capabilities().Embedded {
		tags = tags.And("~@profile", "~@embedded") // a reader holds one card, in one state, without our faults
	}
	if !cfg.Target.Virtual() {
		if tags, err = realCardTags(cfg, tags); err != nil {
			return refuse(err)
		}
	}
	cfg.Tags = tags.String()
	cfg.run = &runStats{}
	status := Suite(cfg).Run()
	return Result{Status: status, Ran: int(cfg.run.started.Load()), Failed: int(cfg.run.failed.Load()), Lost: cfg.run.lostErr()}
}

// initScenario gives every scenario its own world: a fresh card session
// from the target, closed when the scenario ends.
func initScenario(sc *godog.ScenarioContext, t harness.Target, run *runStats) {
	w := &world{target: t}
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		if run == nil {
			run = &runStats{} // a Suite used without Run
		}
		run.started.Add(1)
		if err := run.lostErr(); err != nil {
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
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		cerr := w.close()
		// godog calls this once per scenario, with the step error that
		// ends it; it fails the scenario as its strict run does.
		if (err != nil && !errors.Is(err, godog.ErrSkip)) || cerr != nil {
			if run != nil {
				run.failed.Add(1)
			}
		}
		return ctx, cerr
	})
	sc.StepContext().Before(func(ctx context.Context, _ *godog.Step) (context.Context, error) {
		if w.trace != nil {
			w.stepStart = w.trace.Len()
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, _ *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if harness.TransportLost(err) && run != nil {
			run.setLost(err)
		}
		if w.trace == nil {
			return ctx, nil
		}
		if ex := w.trace.Since(w.stepStart); len(ex) > 0 {
			ctx = godog.Attach(ctx, godog.Attachment{
				Body:      []byte(harness.Format(ex, "")),
				FileName:  "apdu-trace.txt",
				MediaType: "text/plain",
			})
		}
		return ctx, nil
	})
	register(sc, w)
}

// ErrDestructiveRefused is returned when a run on a card that is not virtual
// asks for @destructive scenarios without AllowDestructive.
var ErrDestructiveRefused = errors.New("@destructive scenarios spend PIN tries: refused on a card that is not virtual without --allow-destructive")

// CheckTarget reports, before anything runs, a run that would be refused:
// @destructive scenarios asked for on a card that is not virtual without
// AllowDestructive (ErrDestructiveRefused).
func CheckTarget(cfg Config) error {
	if cfg.Target.Virtual() {
		return nil
	}
	tags, err := ParseTags(cfg.Tags)
	if err == nil {
		_, err = realCardTags(cfg, tags)
	}
	return err
}

// realCardTags narrows the tag filter for a card that is not virtual:
// without AllowDestructive no @destructive scenario, and without both PINs
// configured no @pin scenario.
func realCardTags(cfg Config, tags TagExpr) (TagExpr, error) {
	var extra []string
	if !cfg.AllowDestructive {
		if tags.Asks("@destructive") {
			return TagExpr{}, ErrDestructiveRefused
		}
		extra = append(extra, "~@destructive")
	}
	if s := cfg.Target.Secrets(); len(s.AuthPIN) == 0 || len(s.SigningPIN) == 0 {
		extra = append(extra, "~@pin")
	}
	return tags.And(extra...), nil
}
