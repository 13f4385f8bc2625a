package replay

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/transcript"
)

// TestFixtureTranscriptsReplay replays every transcript of
// fixtures/transcripts — the public clients' sequences (docs/card.md §13)
// as the virtual card saw them through pcscd, recorded by
// scripts/record-fixtures.sh — against the embedded card: no answer may
// differ, and nothing may be left unsent. The t0-* ones, of the T=0
// profile, show 61xx, GET RESPONSE and 6Cxx rounds: they replay raw on the
// t0 card, and completed on a target that completes T=0 itself.
func TestFixtureTranscriptsReplay(t *testing.T) {
	files, err := filepath.Glob("../fixtures/transcripts/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("fixture transcripts: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			tr, err := transcript.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Source != "jpkisim serve" || tr.Layer != transcript.Raw || len(tr.Exchanges()) == 0 {
				t.Fatalf("not a serve transcript of a client: %s %s, %d exchanges", tr.Source, tr.Layer, len(tr.Exchanges()))
			}
			profile := "default"
			if strings.HasPrefix(filepath.Base(f), "t0-") {
				profile = "t0"
			}
			tg := sim.Target{Profile: fixtures.MustProfile(profile)}
			res, err := Run(tr, tg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range res.Differences {
				t.Error(d)
			}
			for _, s := range res.Skipped {
				t.Errorf("seq %d %s not sent: %s", s.Seq, s.Command, s.Why)
			}
			if res.Exchanges != len(tr.Exchanges()) {
				t.Errorf("%d of %d exchanges sent", res.Exchanges, len(tr.Exchanges()))
			}
			if profile != "t0" {
				return
			}
			if !showsT0(tr) {
				t.Fatal("a t0 transcript without a T=0 round")
			}
			res, err = Run(tr, completing{tg}, Options{})
			if err != nil || len(res.Differences) != 0 || res.Exchanges >= len(tr.Exchanges()) {
				t.Fatalf("completed: %v, %d of %d sent, differences %v", err, res.Exchanges, len(tr.Exchanges()), res.Differences)
			}
		})
	}
}
