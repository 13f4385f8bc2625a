package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/jpkisim/jpkisim/harness"
)

// Exit statuses of a run, props or diff interrupted by a signal, as a shell
// reports a process the signal ended (128 + its number); the cards were
// restored first.
const (
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// restorer is a target that leaves the virtual card it reaches as it found
// it (pcsc.Target): Snapshot at the start, RestoreSnapshot at the end, Stop
// to cut a run off.
type restorer interface {
	harness.Target
	Snapshot() error
	RestoreSnapshot() error
	Stop()
}

// keepCards runs f, the whole of a run, props or diff over targets, so that
// every virtual card in a reader among them is left as f found it: a
// snapshot first (the target's own, held for its run token), a restore and
// release when f returns, whatever it returns. A card that holds another
// run's snapshot (pcsc.ErrSnapshotHeld) stops the run before f, exit status
// 3; a card that lost this run's snapshot (pcsc.ErrSnapshotLost) is not
// restored, and that is the result. SIGINT or
// SIGTERM meanwhile stops those targets (nothing is sent after the command
// in flight), and once f has returned and the cards are restored the result
// is exit status 130 or 143, with one line on stderr (and one more when a
// report could not be written, reportsError); a second signal ends
// the process at once, without the restore. A restore that fails is the
// result, whatever f returned (docs/design.md, "A run leaves the card as it
// found it").
//
// onSignal, when given, is called on the signal too (a run marks itself
// interrupted, so that no further scenario starts and its reports say so);
// then the signal is caught also when no card is in a reader.
func keepCards(stderr io.Writer, targets []harness.Target, f func() error, onSignal ...func(os.Signal)) error {
	var rs []restorer
	for _, t := range targets {
		if r, ok := t.(restorer); ok {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 && len(onSignal) == 0 {
		return f() // an embedded card: each session is a fresh one anyway
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	caught := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			for _, h := range onSignal {
				h(s)
			}
			for _, r := range rs {
				r.Stop()
			}
			caught <- s
			signal.Reset(syscall.SIGINT, syscall.SIGTERM) // a second signal: at once
		case <-done:
		}
	}()
	var err error
	for _, r := range rs {
		if err = r.Snapshot(); err != nil {
			break
		}
	}
	if err == nil {
		err = f()
	}
	close(done)
	var restoreErr error
	for _, r := range rs {
		if rerr := r.RestoreSnapshot(); rerr != nil {
			restoreErr = errors.Join(restoreErr, fmt.Errorf("%s: the card could not be restored to the state the run found: %w", r.Name(), rerr))
		}
	}
	select {
	case s := <-caught:
		code, name := exitSIGINT, "SIGINT"
		if s == syscall.SIGTERM {
			code, name = exitSIGTERM, "SIGTERM"
		}
		virtual := false
		for _, r := range rs {
			virtual = virtual || r.Virtual()
		}
		var re reportsError
		if errors.As(err, &re) {
			fmt.Fprintf(stderr, "jpkisim: %s\n", oneLine(re))
		}
		switch {
		case len(rs) == 0:
			fmt.Fprintf(stderr, "jpkisim: interrupted by %s; the scenario in flight finished, the rest did not run\n", name)
		case restoreErr != nil:
			fmt.Fprintf(stderr, "jpkisim: interrupted by %s; %s\n", name, oneLine(restoreErr))
		case virtual:
			fmt.Fprintf(stderr, "jpkisim: interrupted by %s; the card was restored to the state the run found\n", name)
		default:
			fmt.Fprintf(stderr, "jpkisim: interrupted by %s; nothing more was sent to the card but what puts back a PIN a scenario changed\n", name)
		}
		return exitError{code}
	default:
	}
	if restoreErr != nil {
		return restoreErr
	}
	return err
}

// interruption is a run's record of the signal that interrupted it.
type interruption struct {
	mu  sync.Mutex
	sig os.Signal
}

// set records s; it is keepCards' onSignal.
func (i *interruption) set(s os.Signal) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.sig = s
}

// caught reports whether a signal came: scenarios.Config.Stopped.
func (i *interruption) caught() bool { return i.name() != "" }

// name is "SIGINT" or "SIGTERM", "" before any signal.
func (i *interruption) name() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	switch i.sig {
	case nil:
		return ""
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return "SIGINT"
}
