package scenarios

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
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
