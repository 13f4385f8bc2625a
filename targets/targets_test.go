package targets

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
)

func TestWithin(t *testing.T) {
	if v, ok := within(time.Second, func() int { return 7 }); !ok || v != 7 {
		t.Fatalf("%d %v", v, ok)
	}
	start := time.Now()
	if _, ok := within(20*time.Millisecond, func() int { time.Sleep(10 * time.Second); return 1 }); ok {
		t.Fatal("a stalled call was waited for")
	}
	if time.Since(start) > 5*time.Second { // far from both, for a loaded machine
		t.Fatal("within waited for the stalled call")
	}
}

func TestResolve(t *testing.T) {
	tg, err := Resolve("sim", Options{})
	if err != nil || !tg.Virtual() || tg.Name() != "sim:default" {
		t.Fatalf("%v %v", tg, err)
	}
	for _, bad := range []string{"simulator", "sim:reader", "usb"} {
		if _, err := Resolve(bad, Options{}); !errors.Is(err, ErrBadTarget) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := Resolve("sim", Options{Profile: "nope"}); !errors.Is(err, fixtures.ErrUnknownProfile) {
		t.Fatalf("unknown profile: %v", err)
	}
}

// FindReal names every reader it could not probe: one held in exclusive
// mode by another program and one that did not answer in time; the virtual
// card is counted and left out, the real one returned.
func TestFindRealNamesWhatItCouldNotProbe(t *testing.T) {
	defer func(r func() ([]string, error), p func(string) (bool, string, bool, error), d time.Duration) {
		Readers, probe, ProbeTimeout = r, p, d
	}(Readers, probe, ProbeTimeout)
	ProbeTimeout = 50 * time.Millisecond
	Readers = func() ([]string, error) {
		return []string{"A exclusive", "B virtual", "C real", "D stalled", "E empty"}, nil
	}
	stall := make(chan struct{})
	defer close(stall)
	probe = func(r string) (bool, string, bool, error) {
		switch r {
		case "A exclusive":
			return false, "", false, fmt.Errorf("connect to %q: %w", r, harness.ErrSharingViolation)
		case "B virtual":
			return true, "default", true, nil
		case "C real":
			return false, "", true, nil
		case "D stalled":
			<-stall
		}
		return false, "", false, fmt.Errorf("connect to %q: %w", r, harness.ErrNoCard)
	}
	reals, note := FindReal()
	if len(reals) != 1 || reals[0].Reader != "C real" {
		t.Fatalf("reals %v", reals)
	}
	if !strings.Contains(note, "in exclusive use by another program: A exclusive") || !strings.Contains(note, "no answer within 50ms from D stalled") {
		t.Fatalf("note %q", note)
	}
	Readers = func() ([]string, error) { return []string{"A exclusive", "B virtual"}, nil }
	if reals, note := FindReal(); len(reals) != 0 || !strings.HasPrefix(note, "embedded-only: no real JPKI card in 2 reader(s) (1 virtual") || !strings.Contains(note, "exclusive use by another program: A exclusive") {
		t.Fatalf("%v %q", reals, note)
	}
}
