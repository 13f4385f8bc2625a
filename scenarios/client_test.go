package scenarios

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/transcript"
)

// fakeControl answers GET /slots as serve --control does, with one slot of
// reader.
func fakeControl(t *testing.T, reader string) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slots" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"slots":[{"slot":0,"reader":"`+reader+`","profile":"default","tries":[]}]}`)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestClientScenariosOnlyWithTheServedCard: @client is left out without
// JPKISIM_CONTROL, on the embedded card, and when the control interface
// serves no slot of the target's reader; it runs on the served slot.
func TestClientScenariosOnlyWithTheServedCard(t *testing.T) {
	clientRun := func(target harness.Target) bool {
		p, err := Plan(Config{Target: target, AllowDestructive: true})
		if err != nil {
			t.Fatal(err)
		}
		return p.Dropped["@client"] == nil && slices.ContainsFunc(p.Scenarios, func(s ScenarioRef) bool { return slices.Contains(s.Tags, "@client") })
	}
	real := newRealLike(harness.Secrets{AuthPIN: []byte("1234"), SigningPIN: []byte("ABC123")})
	t.Setenv(ControlEnv, "")
	if clientRun(real) {
		t.Error("@client runs without JPKISIM_CONTROL")
	}
	t.Setenv(ControlEnv, fakeControl(t, "real-like"))
	if !clientRun(real) {
		t.Error("@client left out on the served slot's reader")
	}
	if clientRun(sim.Target{Profile: fixtures.MustProfile("default")}) {
		t.Error("@client runs on the embedded card")
	}
	t.Setenv(ControlEnv, fakeControl(t, "Virtual PCD 00 01"))
	if clientRun(real) {
		t.Error("@client runs on a reader the control interface does not serve")
	}
}

func TestReaderOf(t *testing.T) {
	for name, want := range map[string]string{
		"pcsc:Virtual PCD 00 00 (virtual, profile default)": "Virtual PCD 00 00",
		"pcsc:ACS ACR39U 00 00":                             "ACS ACR39U 00 00",
	} {
		if got, ok := readerOf(named{name}); !ok || got != want {
			t.Errorf("readerOf(%q) = %q, %v", name, got, ok)
		}
	}
	if _, ok := readerOf(sim.Target{Profile: fixtures.MustProfile("default")}); ok {
		t.Error("the embedded card has a reader")
	}
}

type named struct{ name string }

func (n named) Name() string                     { return n.name }
func (named) Virtual() bool                      { return true }
func (named) Open() (harness.Card, error)        { return nil, nil }
func (named) Secrets() harness.Secrets           { return harness.Secrets{} }
func (named) Capabilities() harness.Capabilities { return harness.Capabilities{} }

// TestSameButTries: the locked profiles are the default card with a
// counter at 0, which the control interface's tries make; an expired or
// T=0 card is another card.
func TestSameButTries(t *testing.T) {
	for _, p := range []string{"default", "signing-locked", "auth-locked"} {
		if !sameButTries("default", p) {
			t.Errorf("default and %s differ in more than their counters", p)
		}
	}
	for _, p := range []string{"expired", "t0", "under-15", "counter-query-6a80", "no-such-profile"} {
		if sameButTries("default", p) {
			t.Errorf("default and %s differ only in their counters", p)
		}
	}
}

// TestJoinSince: the sessions that started before the client are left
// out, the others joined on the first one's clock and numbered anew.
func TestJoinSince(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	at := func(sec int, cmds ...string) transcript.Transcript {
		tr := transcript.Transcript{Reader: "r", Started: start.Add(time.Duration(sec) * time.Second)}
		for i, c := range cmds {
			tr.Events = append(tr.Events, transcript.Event{Seq: i + 1, At: transcript.Micros(i), Kind: transcript.Exchange, Command: c})
		}
		return tr
	}
	got := joinSince([]transcript.Transcript{at(-1, "OLD"), at(0, "A", "B"), at(2, "C")}, start)
	var cmds []string
	for _, e := range got.Events {
		cmds = append(cmds, e.Command)
	}
	if !slices.Equal(cmds, []string{"A", "B", "C"}) || got.Events[2].Seq != 3 || got.Events[2].At != 2_000_000 || !got.Started.Equal(start) {
		t.Errorf("joined %+v", got)
	}
	if len(joinSince([]transcript.Transcript{at(-1, "OLD")}, start).Events) != 0 {
		t.Error("a session before the start is kept")
	}
}
