package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/transcript"
)

// These run against the PC/SC stack of scripts/pcsc-test.sh: jpkisim serve
// in JPKISIM_TEST_READER, a card posing as a real one in
// JPKISIM_TEST_REAL_READER.

func servedReader(t *testing.T) string {
	t.Helper()
	r := os.Getenv("JPKISIM_TEST_READER")
	if r == "" {
		t.Skip("JPKISIM_TEST_READER not set: run scripts/pcsc-test.sh (make test) for the PC/SC stack")
	}
	return r
}

// TestPCSCRecordReplaysOnTheEmbeddedCard: a session recorded through pcscd
// (jpkisim record --target pcsc:READER, beneath the transport) replays
// against the embedded card with no difference; the same transcript altered
// at one exchange is reported there, exit 1, the seq named.
func TestPCSCRecordReplaysOnTheEmbeddedCard(t *testing.T) {
	r := servedReader(t)
	f := filepath.Join(t.TempDir(), "pcsc.json")
	code, out, errOut := runCLI(t, "record", "--target", "pcsc:"+r, "--out", f,
		selJPKI, "00A4020C020006", "00B0000020", selAuthPIN, "00200080", "00200080{len:auth-pin}{auth-pin}",
		"00A4020C02000A", "00B0000007", "00B0000000", "0084000008")
	if code != 0 {
		t.Fatalf("record through pcscd: exit %d %q %q", code, out, errOut)
	}
	tr, err := transcript.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Reader != r || tr.Events[0].Kind != transcript.Connect || len(tr.Exchanges()) != 10 {
		t.Fatalf("recorded %q, first event %s, %d exchanges", tr.Reader, tr.Events[0].Kind, len(tr.Exchanges()))
	}
	code, out, _ = runCLI(t, "replay", f)
	if code != 0 || !strings.Contains(out, "10 exchanges sent to sim:default (raw), 0 differ, 0 skipped") {
		t.Fatalf("replay on the embedded card: exit %d\n%s", code, out)
	}
	// Through pcscd again, to the served card.
	code, out, _ = runCLI(t, "replay", "--target", "pcsc:"+r, f)
	if code != 0 || !strings.Contains(out, "0 differ") {
		t.Fatalf("replay through pcscd: exit %d\n%s", code, out)
	}
	// A wrong VERIFY replayed on the served card: the same 63C2 as
	// recorded, and the card left as the replay found it (restored).
	w := filepath.Join(t.TempDir(), "wrong.json")
	if code, out, _ := runCLI(t, "record", "--out", w, selJPKI, selAuthPIN, "002000800439393938"); code != 0 || !strings.HasSuffix(out, "63C2\n") {
		t.Fatalf("record: exit %d %q", code, out)
	}
	code, out, errOut = runCLI(t, "replay", "--target", "pcsc:"+r, w)
	if code != 0 || !strings.Contains(out, "0 differ") {
		t.Fatalf("replay of a wrong VERIFY through pcscd: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "apdu", "--target", "pcsc:"+r, selJPKI, selAuthPIN, "00200080"); code != 0 || !strings.HasSuffix(out, "63C3\n") {
		t.Fatalf("after the replay the auth PIN's counter: exit %d %q (not restored)", code, out)
	}
	seq := exchangeSeq(t, f, 7)
	code, out, _ = runCLI(t, "replay", alter(t, f, seq))
	if code != 1 || !strings.HasPrefix(out, "seq "+itoa(seq)+": 00B0000007\n  recorded 6F00\n") || !strings.Contains(out, "1 differ") {
		t.Fatalf("altered transcript: exit %d\n%s", code, out)
	}
}

// TestRealCardReplayOfWrongVERIFYsRefused: a transcript with wrong VERIFYs
// replayed on a card that is not virtual is refused without
// --allow-destructive (exit 4), and no try is spent.
func TestRealCardReplayOfWrongVERIFYsRefused(t *testing.T) {
	r := realReader(t)
	f := filepath.Join(t.TempDir(), "wrong.json")
	if code, out, errOut := runCLI(t, "record", "--out", f, selJPKI, selAuthPIN, "002000800439393938", "002000800439393937", "00200080"); code != 0 || !strings.HasSuffix(out, "63C1\n") {
		t.Fatalf("record on the embedded card: exit %d %q %q", code, out, errOut)
	}
	tries := func() string {
		code, out, errOut := runCLI(t, "apdu", "--target", "pcsc:"+r, selJPKI, selAuthPIN, "00200080")
		if code != 0 {
			t.Fatalf("counter query: exit %d %q", code, errOut)
		}
		return strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	}
	before := tries()
	code, out, errOut := runCLI(t, "replay", "--target", "pcsc:"+r, f)
	if code != 4 || !strings.Contains(errOut, "--allow-destructive") || strings.Contains(errOut+out, "3939") {
		t.Fatalf("replay of wrong VERIFYs on a real card: exit %d %q %q", code, out, errOut)
	}
	if after := tries(); after != before || after != "63C3" {
		t.Fatalf("the auth PIN's counter went from %s to %s", before, after)
	}
}
