package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/scenarios"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/targets"
	"github.com/jpkisim/jpkisim/transcript"
)

func newRecordCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		o               apduOptions
		out, importPath string
		suite           bool
		tags, features  string
	)
	cmd := &cobra.Command{
		Use:   "record --out FILE [C-APDU...]",
		Short: "Record a session on a card into a transcript file",
		Long: `Record one session through jpkisim's transport: the C-APDUs given as
arguments, as jpkisim apdu sends them (the same {auth-pin} … placeholders,
never a PIN in the arguments), or with --suite a run of the acceptance suite
(--out is then a directory: one transcript per scenario, 0001.json, 0002.json,
… in the order they ran). The transcript is taken below T=0 completion and
beneath the real-card guard; PIN data is masked as a marker (docs/reports.md,
"Recording"). --import converts a pcscd --debug --apdu log (or a serve
--transcript file) into a transcript instead, masking its PINs.

On a card that is not virtual every command passes the real-card guard
(docs/guard.md); a refusal exits with status 4.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("record: --out FILE is required")}
			}
			o.targetSet = cmd.Flags().Changed("target")
			switch {
			case importPath != "":
				if suite || len(args) > 0 {
					return usageError{errors.New("record --import takes no C-APDU and no --suite")}
				}
				t, err := importTranscript(importPath)
				if err != nil {
					return err
				}
				return transcript.WriteFile(out, t)
			case suite:
				if len(args) > 0 {
					return usageError{errors.New("record --suite takes no C-APDU (use --tags or --features)")}
				}
				return recordSuite(stdout, stderr, o, out, tags, features)
			case len(args) == 0:
				return usageError{errors.New("record: give C-APDUs in hex, --suite or --import")}
			}
			var rec *transcript.Recorder
			err := sendAPDUs(o, args, func(s harness.Secrets) *transcript.Recorder {
				rec = transcript.NewRecorder("jpkisim record", transcript.Raw, s.Of)
				return rec
			}, func(_, r []byte) { fmt.Fprintf(stdout, "%X\n", r) })
			if rec != nil && rec.Len() > 0 {
				if werr := transcript.WriteFile(out, rec.Transcript()); werr != nil {
					return errors.Join(err, werr)
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", fixtures.DefaultProfile, "card profile of the embedded card: a name or a profile YAML file")
	f.StringVar(&o.target, "target", "sim", "sim (a fresh embedded card), pcsc (the first JPKI card in a reader) or pcsc:READER")
	f.StringVar(&out, "out", "", "the transcript file to write (a directory with --suite)")
	f.StringVar(&importPath, "import", "", "convert this pcscd --debug --apdu log or serve --transcript file instead of recording")
	f.BoolVar(&suite, "suite", false, "record a run of the acceptance suite, one transcript per scenario")
	f.StringVar(&tags, "tags", "", "with --suite: a tag filter")
	f.StringVar(&features, "features", "", "with --suite: a directory or .feature file of your own")
	f.BoolVar(&o.allowDestructive, "allow-destructive", false, "on a card that is not virtual, let VERIFY values other than the configured PINs and PIN changes through")
	f.BoolVar(&o.lockout, "allow-lockout", false, "on a card that is not virtual, let a command spend the last two tries of a PIN")
	return cmd
}

// recordSuite runs the acceptance suite on o's target with every session
// recorded, one transcript file per scenario's session in dir.
func recordSuite(stdout, stderr io.Writer, o apduOptions, dir, tags, featureDir string) error {
	fsys, paths, err := featureSource(featureDir, nil)
	if err != nil {
		return usageError{err}
	}
	t, err := resolveTarget(o.target, targets.Options{Profile: o.profile, AllowDestructive: o.allowDestructive, AllowLockout: o.lockout, Prompt: true, Restore: true})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rt := &recordingTarget{Target: t, dir: dir}
	var wrapped harness.Target = rt
	if p, ok := t.(sim.Profiled); ok {
		wrapped = recordingSimTarget{rt, p.SimProfile()}
	}
	var res scenarios.Result
	err = keepCards(stderr, []harness.Target{t}, func() error {
		res = scenarios.Execute(scenarios.Config{Target: wrapped, Tags: tags, Format: "progress", Output: stdout, Paths: paths, FS: fsys, NoColors: true, AllowDestructive: o.allowDestructive})
		return res.Lost
	})
	if err == nil && rt.err != nil {
		err = rt.err
	}
	fmt.Fprintf(stderr, "record: %d transcripts in %s\n", rt.n, dir)
	if err != nil {
		return err
	}
	if res.Status != 0 {
		return exitError{1}
	}
	return nil
}

// recordingTarget records every session its target opens, and writes each
// to a file of its own when the session closes (NNNN.json, in the order
// the sessions opened).
type recordingTarget struct {
	harness.Target
	dir string
	mu  sync.Mutex
	n   int
	err error // the first write that failed
}

// Open implements harness.Target: the session recorded beneath T=0
// completion and beneath the guard (harness.OpenRecorded).
func (r *recordingTarget) Open() (harness.Card, error) {
	r.mu.Lock()
	r.n++
	path := filepath.Join(r.dir, fmt.Sprintf("%04d.json", r.n))
	r.mu.Unlock()
	s := r.Target.Secrets()
	if r.Target.Virtual() {
		s = targets.Environment(s).Secrets
	}
	rec := transcript.NewRecorder("jpkisim record", transcript.Raw, s.Of)
	c, err := harness.OpenRecorded(r.Target, rec)
	if err != nil {
		return nil, err
	}
	return &recordedSession{Card: c, save: func() {
		if werr := transcript.WriteFile(path, rec.Transcript()); werr != nil {
			r.mu.Lock()
			if r.err == nil {
				r.err = werr
			}
			r.mu.Unlock()
		}
	}}, nil
}

type recordingSimTarget struct {
	*recordingTarget
	p *simulator.Profile
}

// SimProfile implements sim.Profiled.
func (r recordingSimTarget) SimProfile() *simulator.Profile { return r.p }

// recordedSession writes its transcript when it closes.
type recordedSession struct {
	harness.Card
	save func()
	once sync.Once
}

func (s *recordedSession) Close() error {
	err := s.Card.Close()
	s.once.Do(s.save)
	return err
}

// PowerCycle implements harness.PowerCycler where the session's card does.
func (s *recordedSession) PowerCycle() error {
	if pc, ok := s.Card.(harness.PowerCycler); ok {
		return pc.PowerCycle()
	}
	return errors.New("this transport cannot power-cycle the card")
}

// Finally implements harness.Finisher where the session's card does.
func (s *recordedSession) Finally(f func() error) error { return harness.Finally(s.Card, f) }

func (s *recordedSession) Unwrap() harness.Card               { return s.Card }
func (s *recordedSession) Capabilities() harness.Capabilities { return harness.CapabilitiesOf(s.Card) }
func (s *recordedSession) Transaction(f func() error) error {
	if t, ok := s.Card.(harness.Transactor); ok {
		return t.Transaction(f)
	}
	return f()
}

// importTranscript reads a transcript file or, when it is not one, a pcscd
// --debug --apdu log (transcript.FromPCSCDLog, PINs masked as read).
func importTranscript(path string) (transcript.Transcript, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return transcript.Transcript{}, err
	}
	return transcript.Import(b)
}
