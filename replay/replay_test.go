package replay

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

const selectJPKI = "00A4040C0AD392F000260100000001"

// record runs cmds (with {auth} standing for the configured auth PIN) on a
// fresh embedded card of profile, with a power cycle where a command is "cycle".
func record(t testing.TB, profile string, cmds ...string) transcript.Transcript {
	t.Helper()
	tg := sim.Target{Profile: fixtures.MustProfile(profile)}
	s := tg.Secrets()
	rec := transcript.NewMatchingRecorder("test", transcript.Raw, transcript.SecretsMatcher(s.Of))
	c, err := harness.OpenRecorded(tg, rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range cmds {
		if x == "cycle" {
			c.(harness.PowerCycler).PowerCycle()
			continue
		}
		x = strings.ReplaceAll(x, "{auth}", hex.EncodeToString(s.AuthPIN))
		if _, err := c.Transmit(h(x)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	return rec.Transcript()
}

var session = []string{
	selectJPKI, "00A4020C020018", "0020008004{auth}", "00200080", "0020008004 39393938", "00200080",
	"00A4020C02000A", "00B0000004", "0084000008", "cycle", selectJPKI, "00A4020C020018", "00200080",
}

func TestReplayOfARecordedSessionHasNoDifference(t *testing.T) {
	tr := record(t, "default", session...)
	res, err := Run(tr, sim.Target{Profile: fixtures.MustProfile("default")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Differences) != 0 || len(res.Skipped) != 0 || res.Exchanges != 12 || res.Layer != transcript.Raw {
		t.Fatalf("replay: %+v", res)
	}
}

// TestReplayNamesTheFirstDifference: an altered answer is reported at its
// seq; a card whose retry counter differs (another profile) shows at the
// counter query.
func TestReplayNamesTheFirstDifference(t *testing.T) {
	tr := record(t, "default", session...)
	ex := tr.Exchanges()
	altered := ex[1].Seq
	for i := range tr.Events {
		if tr.Events[i].Seq == altered {
			tr.Events[i].Response = "6A82"
		}
	}
	res, err := Run(tr, sim.Target{Profile: fixtures.MustProfile("default")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Differences) != 1 || res.Differences[0].Seq != altered || res.Differences[0].Recorded != "6A82" || res.Differences[0].Got != "9000" {
		t.Fatalf("differences %+v, want one at seq %d", res.Differences, altered)
	}
	if s := res.Differences[0].String(); !strings.Contains(s, "seq ") || !strings.Contains(s, "00A4020C020018") {
		t.Errorf("rendered %q", s)
	}
}

// TestReplayFillsMaskedPINs: configured becomes the target's PIN, other a
// wrong one of the same length; the recorded answers (9000, 63C2) come
// back only if they were, and no PIN is in the transcript.
func TestReplayFillsMaskedPINs(t *testing.T) {
	tr := record(t, "default", session...)
	ex := tr.Exchanges()
	if ex[2].Secret.Value != transcript.Configured || ex[4].Secret.Value != transcript.Other || ex[4].Response != "63C2" {
		t.Fatalf("recorded markers: %+v %+v", ex[2].Secret, ex[4].Secret)
	}
	// The target's PIN differs from the recording's: the "configured"
	// VERIFY is sent with the target's own value, and still answers 9000.
	p := fixtures.MustProfile("default").Clone()
	p.AuthPIN = []byte("4711")
	res, err := Run(tr, sim.Target{Profile: p}, Options{})
	if err != nil || len(res.Differences) != 0 {
		t.Fatalf("replay on a card with another auth PIN: %v %+v", err, res.Differences)
	}
	// Secrets that are not the card's: the VERIFY fails, at its seq.
	wrong := harness.Secrets{AuthPIN: []byte("1111"), SigningPIN: []byte("AAAA11")}
	res, err = Run(tr, sim.Target{Profile: p}, Options{Secrets: &wrong})
	if err != nil || len(res.Differences) == 0 || res.Differences[0].Seq != ex[2].Seq {
		t.Fatalf("replay with PINs the card does not have: %v %+v", err, res.Differences)
	}
}

func TestOtherIsNotTheConfiguredValue(t *testing.T) {
	tg := sim.Target{Profile: fixtures.MustProfile("default")}
	s := tg.Secrets()
	for _, tc := range []struct {
		pin  string
		conf []byte
		n    int
	}{{"auth", s.AuthPIN, 4}, {"signing", s.SigningPIN, len(s.SigningPIN)}, {"signing", s.SigningPIN, 8}, {"auth", []byte("9999"), 4}} {
		p, _ := jpki.ParsePIN(tc.pin)
		v := other(p, tc.conf, tc.n)
		if len(v) != tc.n || string(v) == string(tc.conf) || p.Format().Check(v) != nil {
			t.Errorf("other(%s, %d): length %d, equal %v, format %v", tc.pin, tc.n, len(v), string(v) == string(tc.conf), p.Format().Check(v))
		}
	}
}

// TestReplayT0: a transcript of a T=0 card (61xx, GET RESPONSE, 6Cxx)
// replays command by command on the embedded card, and completed on a
// target that completes T=0 itself.
func TestReplayT0(t *testing.T) {
	tr := record(t, "t0", selectJPKI, "00A4020C02000A", "00B0000000", "00B0000004", "0084000008")
	rounds := 0
	for _, e := range tr.Exchanges() {
		if strings.HasPrefix(e.SW(), "61") || strings.HasPrefix(e.SW(), "6C") {
			rounds++
		}
	}
	if rounds == 0 {
		t.Fatalf("the t0 profile's transcript shows no T=0 round:\n%s", transcript.Text(tr.Events, ""))
	}
	res, err := Run(tr, sim.Target{Profile: fixtures.MustProfile("t0")}, Options{})
	if err != nil || len(res.Differences) != 0 || res.Layer != transcript.Raw || res.Exchanges != len(tr.Exchanges()) {
		t.Fatalf("raw replay: %v %+v", err, res)
	}
	// The default card answers whole: completed, only its ATR (T=1) differs.
	res, err = Run(tr, completing{sim.Target{Profile: fixtures.MustProfile("default")}}, Options{})
	if err != nil || len(res.Differences) != 1 || res.Differences[0].Note != "the ATR" || res.Layer != transcript.Complete || res.Exchanges >= len(tr.Exchanges()) {
		t.Fatalf("completed replay: %v %+v", err, res)
	}
}

// completing hides that a target is the embedded card, as a card in a
// reader would be.
type completing struct{ t sim.Target }

func (c completing) Name() string                { return "completing" }
func (c completing) Virtual() bool               { return true }
func (c completing) Open() (harness.Card, error) { return c.t.Open() }
func (c completing) Secrets() harness.Secrets    { return c.t.Secrets() }
func (c completing) Capabilities() harness.Capabilities {
	return harness.Capabilities{PowerCycle: true}
}

// notVirtual poses as a card that is not virtual.
type notVirtual struct{ completing }

func (notVirtual) Virtual() bool { return false }

func TestReplayRefusesMaskedPINsOnACardNotVirtual(t *testing.T) {
	tr := record(t, "default", session...)
	opened := 0
	tg := &countingTarget{notVirtual: notVirtual{completing{sim.Target{Profile: fixtures.MustProfile("default")}}}, opened: &opened}
	_, err := Run(tr, tg, Options{})
	if !errors.Is(err, harness.ErrRefused) || opened != 0 {
		t.Fatalf("masked PINs to a card not virtual: %v, %d sessions opened", err, opened)
	}
	if strings.Contains(err.Error(), "3939") {
		t.Fatalf("error shows data: %v", err)
	}
	res, err := Run(tr, tg, Options{AllowDestructive: true})
	if err != nil || len(res.Differences) != 0 {
		t.Fatalf("with AllowDestructive: %v %+v", err, res.Differences)
	}
}

type countingTarget struct {
	notVirtual
	opened *int
}

func (c *countingTarget) Open() (harness.Card, error) { *c.opened++; return c.notVirtual.Open() }

func TestReplaySkipsWhatTheTranscriptDoesNotHold(t *testing.T) {
	tr := record(t, "default", selectJPKI, "00A4020C020018", "0020008004{auth}", "00200080")
	for i := range tr.Events {
		if s := tr.Events[i].Secret; s != nil && s.Length > 0 {
			s.PIN, s.Reference = "", "Kenhojo EF 0014 (照合番号A)"
		}
	}
	res, err := Run(tr, sim.Target{Profile: fixtures.MustProfile("default")}, Options{})
	if err != nil || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Why, "not one of the four PINs") {
		t.Fatalf("%v %+v", err, res)
	}
}

func BenchmarkReplay(b *testing.B) {
	tr := record(b, "default", session...)
	tg := sim.Target{Profile: fixtures.MustProfile("default")}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		res, err := Run(tr, tg, Options{})
		if err != nil || len(res.Differences) != 0 {
			b.Fatal(err, res.Differences)
		}
		n += res.Exchanges
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "exchanges/s")
}
