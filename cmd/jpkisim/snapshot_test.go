package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/pcsc"
	"github.com/jpkisim/jpkisim/harness/sim"
)

// fakeRestorer records what keepCards asks of a target, in order.
type fakeRestorer struct {
	sim.Target
	mu         sync.Mutex
	log        []string
	stopped    bool
	restoreErr error
}

func (f *fakeRestorer) note(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, s)
}
func (f *fakeRestorer) Name() string    { return "fake" }
func (f *fakeRestorer) Virtual() bool   { return true }
func (f *fakeRestorer) Snapshot() error { f.note("snapshot"); return nil }
func (f *fakeRestorer) RestoreSnapshot() error {
	f.note("restore")
	return f.restoreErr
}
func (f *fakeRestorer) Stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.note("stop")
}
func (f *fakeRestorer) isStopped() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stopped
}
func (f *fakeRestorer) steps() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.log, " ")
}

func TestKeepCardsRestoresWhateverTheRunDid(t *testing.T) {
	for name, c := range map[string]struct {
		result, restoreErr error
		want               string // the error keepCards returns
	}{
		"passed":         {nil, nil, ""},
		"failed":         {exitError{exitFailed}, nil, "exit status 1"},
		"card lost":      {harness.ErrCardRemoved, nil, harness.ErrCardRemoved.Error()},
		"restore failed": {nil, harness.ErrNoCard, "could not be restored"},
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeRestorer{restoreErr: c.restoreErr}
			var stderr bytes.Buffer
			err := keepCards(&stderr, []harness.Target{f}, func() error { f.note("run"); return c.result })
			if got := f.steps(); got != "snapshot run restore" {
				t.Fatalf("steps %q", got)
			}
			if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if c.restoreErr != nil && !errors.Is(err, c.restoreErr) {
				t.Fatalf("the restore's error is not reachable: %v", err)
			}
		})
	}
}

// SIGINT in the middle of a run stops the target at once, the run's end is
// awaited, then the card is restored and the status is 130.
func TestKeepCardsOnSIGINT(t *testing.T) {
	f := &fakeRestorer{}
	var stderr bytes.Buffer
	err := keepCards(&stderr, []harness.Target{f}, func() error {
		f.note("run")
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); !f.isStopped(); time.Sleep(time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatal("the target was never stopped")
			}
		}
		f.note("run ends")
		return exitError{exitFailed} // the scenarios cut off failed
	})
	var ee exitError
	if !errors.As(err, &ee) || ee.code != exitSIGINT {
		t.Fatalf("result %v, want exit status %d", err, exitSIGINT)
	}
	if got := f.steps(); got != "snapshot run stop run ends restore" {
		t.Fatalf("steps %q", got)
	}
	if line := stderr.String(); strings.Count(line, "\n") != 1 || !strings.Contains(line, "interrupted by SIGINT; the card was restored") {
		t.Fatalf("stderr %q", line)
	}
}

// An embedded card needs nothing: no snapshot, no signal handling.
func TestKeepCardsLeavesTheEmbeddedCardAlone(t *testing.T) {
	ran := false
	if err := keepCards(&bytes.Buffer{}, []harness.Target{sim.Target{}}, func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("%v %v", err, ran)
	}
}

// heldRestorer is a target whose card holds another run's snapshot.
type heldRestorer struct{ fakeRestorer }

func (h *heldRestorer) Snapshot() error {
	h.note("snapshot")
	return fmt.Errorf("reader %q: %w", "Virtual PCD 00 00", pcsc.ErrSnapshotHeld)
}

// A card that holds another run's snapshot: the run does not start (no
// scenario touches the card), the status is 3 (the card is held by another
// program) and the error is one line.
func TestKeepCardsOnASnapshotHeldByAnotherRun(t *testing.T) {
	h := &heldRestorer{}
	var stderr bytes.Buffer
	err := keepCards(&stderr, []harness.Target{h}, func() error { h.note("run"); return nil })
	if got := h.steps(); got != "snapshot restore" {
		t.Fatalf("steps %q", got)
	}
	if code := exitStatus(err); code != exitCard {
		t.Fatalf("exit status %d for %v", code, err)
	}
	if msg := oneLine(err); strings.Contains(msg, "\n") || !strings.Contains(msg, "snapshot of another run") {
		t.Fatalf("message %q", msg)
	}
}
