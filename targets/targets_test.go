package targets

import (
	"errors"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
)

func TestWithin(t *testing.T) {
	if v, ok := within(time.Second, func() int { return 7 }); !ok || v != 7 {
		t.Fatalf("%d %v", v, ok)
	}
	start := time.Now()
	if _, ok := within(20*time.Millisecond, func() int { time.Sleep(time.Second); return 1 }); ok {
		t.Fatal("a stalled call was waited for")
	}
	if time.Since(start) > 500*time.Millisecond {
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
