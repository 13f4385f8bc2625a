package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/replay"
	"github.com/jpkisim/jpkisim/transcript"
)

const (
	selJPKI    = "00A4040C0AD392F000260100000001"
	selAuthPIN = "00A4020C020018"
)

// alter changes the response of the exchange with seq n (its data, or the
// status word 6F00 when it has none) and returns the file written.
func alter(t *testing.T, path string, n int) string {
	t.Helper()
	tr, err := transcript.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.Events {
		if tr.Events[i].Seq == n {
			tr.Events[i].Response = "6F00"
		}
	}
	out := path + ".altered.json"
	if err := transcript.WriteFile(out, tr); err != nil {
		t.Fatal(err)
	}
	return out
}

// exchangeSeq is the seq of the i-th exchange (from 0) of a transcript file.
func exchangeSeq(t *testing.T, path string, i int) int {
	t.Helper()
	tr, err := transcript.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Exchanges()[i].Seq
}

func TestRecordAndReplay(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "s.json")
	code, out, errOut := runCLI(t, "record", "--out", f, selJPKI, selAuthPIN, "00200080{len:auth-pin}{auth-pin}", "00200080", "002000800439393938", "0084000008")
	if code != 0 || !strings.HasPrefix(out, "9000\n9000\n9000\n63C3\n63C2\n") {
		t.Fatalf("record: exit %d %q %q", code, out, errOut)
	}
	raw, _ := os.ReadFile(f)
	if strings.Contains(string(raw), "31323334") || strings.Contains(string(raw), "39393938") {
		t.Fatal("the recorded transcript holds a PIN value")
	}
	code, out, errOut = runCLI(t, "replay", f)
	if code != 0 || !strings.Contains(out, "6 exchanges sent to sim:default (raw), 0 differ, 0 skipped") {
		t.Fatalf("replay: exit %d %q %q", code, out, errOut)
	}
	seq := exchangeSeq(t, f, 3)
	code, out, _ = runCLI(t, "replay", alter(t, f, seq))
	if code != 1 || !regexp.MustCompile(`(?m)^seq `+regexp.QuoteMeta(itoa(seq))+`: 00200080\n  recorded 6F00\n  got      63C3$`).MatchString(out) || !strings.Contains(out, "1 differ") {
		t.Fatalf("altered replay: exit %d\n%s", code, out)
	}
	// A card of another profile: its locked auth PIN shows at the first VERIFY.
	code, out, _ = runCLI(t, "replay", "--profile", "auth-locked", f)
	if code != 1 || !strings.Contains(out, "seq "+itoa(exchangeSeq(t, f, 2))+": 0020008004XXXXXXXX") {
		t.Fatalf("replay on auth-locked: exit %d\n%s", code, out)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestReplayRefusesWhatIsNotATranscript(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"empty.json":    "{}",
		"unmasked.json": `{"format":"jpkisim-transcript","version":1,"source":"x","layer":"raw","started":"2026-01-01T00:00:00Z","events":[{"seq":1,"at_us":0,"kind":"exchange","command":"002000800431323334","response":"9000"}]}`,
		"newer.json":    `{"format":"jpkisim-transcript","version":99,"source":"x","layer":"raw","started":"2026-01-01T00:00:00Z","events":[]}`,
		"text.log":      "not a log\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		code, _, errOut := runCLI(t, "replay", p)
		if code != 2 || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "31323334") {
			t.Errorf("%s: exit %d %q", name, code, errOut)
		}
	}
	if code, _, _ := runCLI(t, "replay", filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("a missing file: exit %d", code)
	}
}

// TestReplayImportsAPCSCDLog: the committed pcscd --debug --apdu log
// replays against the embedded card (its VERIFY of the test PIN filled in
// with the configured PIN), and record --import writes it masked.
func TestReplayImportsAPCSCDLog(t *testing.T) {
	log := "../../transcript/testdata/pcscd-debug-apdu.log"
	code, out, errOut := runCLI(t, "replay", log)
	if code != 0 || !strings.Contains(out, "0 differ") {
		t.Fatalf("replay of the pcscd log: exit %d %q %q", code, out, errOut)
	}
	f := filepath.Join(t.TempDir(), "imported.json")
	if code, _, errOut := runCLI(t, "record", "--import", log, "--out", f); code != 0 {
		t.Fatalf("record --import: exit %d %q", code, errOut)
	}
	raw, _ := os.ReadFile(f)
	if !strings.Contains(string(raw), `"source": "pcscd log"`) || strings.Contains(string(raw), "31323334") {
		t.Fatalf("imported transcript:\n%.400s", raw)
	}
	if code, out, _ := runCLI(t, "replay", f); code != 0 {
		t.Fatalf("replay of the imported transcript: exit %d %q", code, out)
	}
}

// TestRecordSuite: one transcript per scenario, each replaying on a fresh
// embedded card with no difference — but after an exchange the transcript
// cannot hold (masked data of reference data other than the four PINs, such
// as 照合番号A, whose value is not compared), which replay skips.
func TestRecordSuite(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "record", "--suite", "--tags", "@RETRY-06", "--out", dir)
	if code != 0 {
		t.Fatalf("record --suite: exit %d\n%s\n%s", code, out, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 2 || !strings.Contains(errOut, "record: "+itoa(len(files))+" transcripts") {
		t.Fatalf("%d files, %q", len(files), errOut)
	}
	clean := 0
	for _, f := range files {
		tr, err := transcript.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := replay.Run(tr, sim.Target{Profile: fixtures.MustProfile("default")}, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(res.Differences) == 0:
			clean++
		case len(res.Skipped) == 0 || res.Skipped[0].Seq > res.Differences[0].Seq:
			t.Errorf("%s: a difference before any skipped exchange: %v", filepath.Base(f), res.Differences[0])
		}
	}
	if clean == 0 {
		t.Error("no scenario's transcript replayed clean")
	}
}

func TestRecordUsage(t *testing.T) {
	for _, args := range [][]string{
		{"record", selJPKI},
		{"record", "--out", "x.json"},
		{"record", "--out", "x.json", "--suite", selJPKI},
		{"record", "--out", "x.json", "ZZ"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
