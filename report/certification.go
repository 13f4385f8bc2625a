package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/transcript"
)

// Certification is one `jpkisim certify`: a client program under test run
// in front of the served card in every card state its conformance profile
// needs, and one verdict per check of the profile (docs/conformance.md,
// "Certifying a program"). It holds no PIN: transcripts are masked when
// recorded and the program's output is masked by the harness.
type Certification struct {
	Identity Identity `json:"identity"`
	// Client is the command line under test, as given.
	Client string `json:"client"`
	// Profile is the conformance profile (conformance.Profiles).
	Profile string `json:"profile"`
	// Reader is the PC/SC reader the served card was in.
	Reader string `json:"reader"`
	// PIN names the PIN role the program was given ("signing password",
	// "auth PIN"); "" when it was given none.
	PIN string `json:"pin,omitempty"`
	// Interrupted names the signal that stopped the certification; the
	// runs after it are missing and the verdict is not a pass.
	Interrupted string `json:"interrupted,omitempty"`
	// Checks are the profile's checks, in ID order.
	Checks []CheckResult `json:"checks"`
	// Runs are the program's runs, in the order run.
	Runs []ClientRun `json:"runs"`
	// Shards say where each shard of a merged certification ran
	// (MergeCertifications); empty otherwise.
	Shards []ShardRun `json:"shards,omitempty"`
}

// CheckResult is one check's verdict over every run.
type CheckResult struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Statement string   `json:"statement"`
	Why       string   `json:"why"`
	Sources   []string `json:"sources"`
	Judged    string   `json:"judged"`
	// Words marks a check whose verdict also rests on what the program
	// said.
	Words bool `json:"words,omitempty"`
	// States are the card states the check is about
	// (conformance.Check.States).
	States []string `json:"states,omitempty"`
	// Outcome is failed when some run failed the check, passed when none
	// failed and some passed, not applicable otherwise.
	Outcome conformance.Outcome `json:"outcome"`
	// Reason is the deciding verdict's (the first failed run's, else the
	// first passed run's); for a check not applicable in any run, the
	// reason of the first run in a state the check is about.
	Reason string `json:"reason"`
	// Run is the index in Certification.Runs of the deciding run; -1 when
	// no run was judged.
	Run int `json:"run"`
	// Seqs are the events of the deciding run's transcript that show why.
	Seqs []int `json:"seqs,omitempty"`
	// PerRun is the judge's verdict on each run, by index in Runs.
	PerRun []conformance.Verdict `json:"per_run"`
}

// ClientRun is one run of the program.
type ClientRun struct {
	// State is the card state's name, Summary what the card was like,
	// CardProfile the card profile it was made from.
	State       string `json:"state"`
	Summary     string `json:"summary"`
	CardProfile string `json:"card_profile"`
	// Entry is what the program was given for the PIN; "" none.
	Entry   conformance.Given `json:"entry,omitempty"`
	Started time.Time         `json:"started"`
	Elapsed time.Duration     `json:"elapsed_ns"`
	// ExitStatus is the program's exit status, -1 when it did not exit by
	// itself; TimedOut says it was killed at the timeout.
	ExitStatus int  `json:"exit_status"`
	TimedOut   bool `json:"timed_out,omitempty"`
	// Output is the program's standard output and error, PINs masked.
	Output string `json:"output"`
	// Signature says the program wrote a signature file.
	Signature bool `json:"signature,omitempty"`
	// Transcript is what the card saw, with the responder's requests.
	Transcript transcript.Transcript `json:"transcript"`
	// Error is the harness's own failure for this run (the card could not
	// be put in the state): the run's verdicts are then not applicable.
	Error string `json:"error,omitempty"`
	// Shard and Machine say where the run was made in a merged
	// certification (MergeCertifications); zero and "" otherwise.
	Shard   Shard  `json:"shard,omitzero"`
	Machine string `json:"machine,omitempty"`
}

// Decide sets the check's outcome from its verdicts on runs (PerRun[i] is
// the verdict on runs[i]): failed when some run failed it, passed when none
// failed and some passed, not applicable otherwise; Run, Reason and Seqs
// are the deciding run's — the first failed, else the first passed — and
// for a check not applicable anywhere the reason is that of the first run
// in a state the check is about (docs/conformance.md, "Certifying a
// program").
func (r *CheckResult) Decide(runs []ClientRun) {
	r.Outcome, r.Run, r.Reason, r.Seqs = conformance.NotApplicable, -1, "", nil
	for i, v := range r.PerRun {
		switch {
		case v.Outcome == conformance.Failed && r.Outcome != conformance.Failed,
			v.Outcome == conformance.Passed && r.Outcome == conformance.NotApplicable:
			r.Outcome, r.Run = v.Outcome, i
		}
	}
	switch {
	case r.Run >= 0:
		r.Reason, r.Seqs = r.PerRun[r.Run].Reason, r.PerRun[r.Run].Seqs
	case len(r.PerRun) == 0:
		r.Reason = "no run took place"
	default:
		first := slices.IndexFunc(runs, func(run ClientRun) bool { return slices.Contains(r.States, run.State) })
		if first >= 0 {
			r.Reason = fmt.Sprintf("not applicable in any run; in state %s: %s", runs[first].State, r.PerRun[first].Reason)
		} else {
			r.Reason = fmt.Sprintf("not run in the states it needs (%s), in this certification; the first run: %s",
				strings.Join(r.States, ", "), r.PerRun[0].Reason)
		}
	}
}

// The certification verdicts (Certification.Verdict).
const (
	Certified       = "PASSED"
	NotCertified    = "FAILED"
	NothingJudged   = "NOTHING JUDGED"
	CertInterrupted = "INTERRUPTED"
	// CertIncomplete: a run the harness could not make (ClientRun.Error)
	// was judged by no check, so a check it was for may have failed there.
	CertIncomplete = "INCOMPLETE"
)

// TimedOutRuns is the number of runs whose program was killed at the
// timeout (docs/conformance.md, "Certifying a program").
func (c Certification) TimedOutRuns() int {
	n := 0
	for _, r := range c.Runs {
		if r.TimedOut {
			n++
		}
	}
	return n
}

// Verdict is the certification's: NotCertified when a check failed,
// CertInterrupted when it was stopped before its end, NothingJudged when
// no check was applicable in any run, CertIncomplete when a run could not
// be made, Certified when every applicable check passed in every run.
func (c Certification) Verdict() string {
	judged := false
	for _, ck := range c.Checks {
		switch ck.Outcome {
		case conformance.Failed:
			return NotCertified
		case conformance.Passed:
			judged = true
		}
	}
	switch {
	case c.Interrupted != "":
		return CertInterrupted
	case !judged:
		return NothingJudged
	case len(c.HarnessErrors()) > 0:
		return CertIncomplete
	}
	return Certified
}

// HarnessErrors returns the indexes in Runs of the runs the harness could
// not make (ClientRun.Error).
func (c Certification) HarnessErrors() []int {
	var out []int
	for i, r := range c.Runs {
		if r.Error != "" {
			out = append(out, i)
		}
	}
	return out
}
