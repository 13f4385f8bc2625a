package simulator_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

// TestPINVerify checks the comparison VERIFY and the kiosk share: the try
// is spent and written before the comparison, a match fills the counter
// and writes it again, and a failed write leaves memory as the store has
// it without comparing (the first write) or without giving the try back
// (the second).
func TestPINVerify(t *testing.T) {
	errDisk := errors.New("no space left on device")
	notDurable := fmt.Errorf("directory not synced: %w", simulator.ErrNotDurable)
	pin := func(remaining int) *simulator.PIN {
		return &simulator.PIN{Value: []byte("1234"), MaxTries: 3, Remaining: remaining, Format: jpki.AuthPIN.Format()}
	}
	// store records the counter at each write and fails the writes listed.
	type store struct {
		p      *simulator.PIN
		seen   []int
		failAt map[int]error
	}
	commit := func(s *store) func() error {
		return func() error {
			s.seen = append(s.seen, s.p.Remaining)
			return s.failAt[len(s.seen)]
		}
	}
	for _, tc := range []struct {
		name      string
		remaining int
		value     string
		failAt    map[int]error
		want      error // compared with errors.Is
		writes    string
		left      int
	}{
		{name: "match", remaining: 2, value: "1234", writes: "[1 3]", left: 3},
		{name: "mismatch", remaining: 3, value: "9999", want: apdu.VerifyFailed(2), writes: "[2]", left: 2},
		{name: "last try", remaining: 1, value: "9999", want: apdu.VerifyFailed(0), writes: "[0]", left: 0},
		{name: "blocked", remaining: 0, value: "1234", want: apdu.SWReferenceDataUnusable, writes: "[]", left: 0},
		{name: "first write fails", remaining: 3, value: "1234", failAt: map[int]error{1: errDisk}, want: errDisk, writes: "[2]", left: 3},
		{name: "first write not durable", remaining: 3, value: "1234", failAt: map[int]error{1: notDurable}, want: simulator.ErrNotDurable, writes: "[2]", left: 2},
		{name: "second write fails", remaining: 3, value: "1234", failAt: map[int]error{2: errDisk}, want: errDisk, writes: "[2 3]", left: 2},
		{name: "second write not durable", remaining: 3, value: "1234", failAt: map[int]error{2: notDurable}, want: simulator.ErrNotDurable, writes: "[2 3]", left: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &store{p: pin(tc.remaining), failAt: tc.failAt}
			err := s.p.Verify([]byte(tc.value), commit(s))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if _, isSW := err.(apdu.StatusWord); tc.failAt != nil && isSW {
				t.Fatalf("a failed write answered as a status word: %v", err)
			}
			if got := fmt.Sprint(s.seen); got != tc.writes {
				t.Errorf("counter at each write %s, want %s", got, tc.writes)
			}
			if s.p.Remaining != tc.left {
				t.Errorf("%d tries left in memory, want %d", s.p.Remaining, tc.left)
			}
			if err != nil && strings.Contains(err.Error(), tc.value) {
				t.Errorf("the error shows the value: %v", err)
			}
		})
	}
}
