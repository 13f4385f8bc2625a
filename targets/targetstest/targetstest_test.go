package targetstest

import (
	"os"
	"slices"
	"testing"
)

// Without the opt-in, the readers tests may touch are exactly those the
// script named, and none when it named none.
func TestReadersAreThoseCreated(t *testing.T) {
	for _, v := range []string{EnvRealCards, EnvReader, EnvRealReader} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	if names, err := Readers(); err != nil || len(names) != 0 {
		t.Fatalf("nothing named: %q %v", names, err)
	}
	t.Setenv(EnvReader, "Virtual PCD 00 01")
	t.Setenv(EnvRealReader, "Virtual PCD 00 00")
	if names, err := Readers(); err != nil || !slices.Equal(names, []string{"Virtual PCD 00 00", "Virtual PCD 00 01"}) {
		t.Fatalf("named: %q %v", names, err)
	}
	t.Setenv(EnvRealCards, "yes") // only 1 opts in
	if RealCards() {
		t.Fatal(`"yes" opted in`)
	}
}
