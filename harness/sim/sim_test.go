package sim_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// Every session of the embedded target is a fresh card of the profile: a
// try spent in one session is not spent in the next (docs/design.md, "The
// harness and the suite").
func TestEachSessionIsAFreshCard(t *testing.T) {
	tg := sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}
	first, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	c := harness.NewClient(first)
	if err := c.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	var sw apdu.StatusWord
	if err := c.Verify(jpki.AuthPIN, []byte("0000")); !errors.As(err, &sw) || sw != 0x63C2 {
		t.Fatalf("wrong VERIFY: %v", err)
	}
	second, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	c = harness.NewClient(second)
	if err := c.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.RetriesLeft(jpki.AuthPIN); err != nil || n != 3 {
		t.Fatalf("the next session's auth PIN: %d tries, %v", n, err)
	}
}

// Of finds the virtual card beneath the trace, and nothing beneath a card
// that is not the embedded one.
func TestOfFindsTheCardBeneathWrappers(t *testing.T) {
	card, err := fixtures.NewCard(fixtures.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	traced := harness.NewRecorded(sim.NewCard(card), transcript.NewRecorder("test", transcript.Complete, nil))
	if got, ok := sim.Of(traced); !ok || got != card {
		t.Fatalf("Of(trace over the card) = %p, %v; want %p", got, ok, card)
	}
	if c := harness.CapabilitiesOf(traced); !c.Embedded || c.Profile != fixtures.DefaultProfile || !c.PowerCycle {
		t.Errorf("capabilities through the trace: %+v", c)
	}
	if _, ok := sim.Of(harness.NewRecorded(otherCard{}, transcript.NewRecorder("test", transcript.Complete, nil))); ok {
		t.Error("Of found a virtual card beneath a card that is not one")
	}
}

type otherCard struct{}

func (otherCard) Transmit([]byte) ([]byte, error) { return []byte{0x6D, 0x00}, nil }
func (otherCard) ATR() []byte                     { return jpki.DefaultATR() }
func (otherCard) Reset() error                    { return nil }
func (otherCard) Close() error                    { return nil }

// A session on the embedded card: a fresh virtual card of the profile for
// every Open, ready for the JPKI client.
func ExampleTarget() {
	tg := sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}
	card, err := tg.Open()
	if err != nil {
		panic(err)
	}
	defer card.Close()
	c := harness.NewClient(card)
	if err := c.SelectJPKI(); err != nil {
		panic(err)
	}
	n, _ := c.RetriesLeft(jpki.SigningPIN)
	fmt.Println(tg.Name(), tg.Capabilities().Embedded, n)
	// Output: sim:default true 5
}

// A recorded session shows what the card saw beneath T=0 completion: the
// 61xx answer and the GET RESPONSE after it are exchanges of their own,
// while the client gets the whole answer; resets and the end of the
// session are events (docs/reports.md, "Transcripts").
func TestRecordedSessionShowsT0Exchanges(t *testing.T) {
	tg := sim.Target{Profile: fixtures.MustProfile(fixtures.DefaultProfile)}
	rec := transcript.NewRecorder("test", transcript.Raw, tg.Secrets().Of)
	c, err := harness.OpenRecorded(tg, rec)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sim.Of(c)
	s.SetFaults(&simulator.Faults{T0: true})
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	cert, err := cl.ReadCertificate(jpki.Auth.CertFID())
	if err != nil || len(cert) < 256 {
		t.Fatalf("read the auth certificate: %d bytes, %v", len(cert), err)
	}
	if err := cl.Verify(jpki.AuthPIN, tg.Secrets().AuthPIN); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	c.Close()
	tr := rec.Transcript()
	var kinds []transcript.Kind
	var sw61, getResponse bool
	for _, e := range tr.Events {
		kinds = append(kinds, e.Kind)
		sw61 = sw61 || strings.HasPrefix(e.SW(), "61")
		getResponse = getResponse || strings.HasPrefix(e.Command, "00C0")
		if e.Secret != nil && (e.Secret.PIN != "auth" || e.Secret.Value != transcript.Configured) {
			t.Errorf("VERIFY marked %+v", e.Secret)
		}
	}
	if !sw61 || !getResponse {
		t.Errorf("no 61xx or GET RESPONSE in the transcript:\n%s", transcript.Text(tr.Events, "  "))
	}
	if kinds[0] != transcript.PowerOn || kinds[len(kinds)-2] != transcript.Reset || kinds[len(kinds)-1] != transcript.PowerOff {
		t.Errorf("events %v: want power-on first, reset and power-off last", kinds)
	}
}
