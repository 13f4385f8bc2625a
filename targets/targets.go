// Package targets turns a --target value into a harness.Target — the
// embedded virtual card, or the card in a PC/SC reader — with the PINs the
// steps need, and finds real JPKI cards attached to the machine.
//
// PINs for a card come from the environment (JPKISIM_AUTH_PIN,
// JPKISIM_SIGN_PIN) or, when asked for, from a prompt on the terminal;
// never from a flag, whose value would show in ps. For the virtual card the
// defaults are its profile's test PINs. Those sources have their one home
// here (PINs, Environment, Ask, From), for every command of the CLI.
package targets

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/pcsc"
	"github.com/jpkisim/jpkisim/harness/sim"
)

// Options for Resolve.
type Options struct {
	// Profile is the embedded card's profile (name or YAML file).
	Profile string
	// AllowDestructive and AllowLockout go to the real-card guard.
	AllowDestructive, AllowLockout bool
	// Prompt asks on the terminal for PINs of a real card that the
	// environment does not give.
	Prompt bool
	// PromptFor limits the prompt to these PINs (nil: both), for a command
	// that uses one of them.
	PromptFor []jpki.PIN
	// Restore gives every scenario on a virtual card in a reader a factory-
	// fresh card (the restore command); off for jpkisim apdu.
	Restore bool
}

// ErrBadTarget is wrapped for a --target value that is neither sim nor
// pcsc[:READER].
var ErrBadTarget = errors.New("bad --target")

// Resolve turns "sim", "pcsc" (the first reader, in sorted order, whose card
// answers the JPKI SELECT) or "pcsc:READER" into a target.
func Resolve(spec string, o Options) (harness.Target, error) {
	kind, reader, _ := strings.Cut(spec, ":")
	switch kind {
	case "", "sim":
		if reader != "" {
			return nil, fmt.Errorf("%w %q: the embedded card takes --profile, not a reader", ErrBadTarget, spec)
		}
		p, err := fixtures.Profile(o.Profile)
		if err != nil {
			return nil, err
		}
		return sim.Target{Profile: p}, nil
	case "pcsc":
		if reader == "" {
			r, err := pcsc.FindJPKI(nil)
			if err != nil {
				return nil, err
			}
			reader = r
		}
		return PCSC(reader, o)
	}
	return nil, fmt.Errorf("%w %q: want sim, pcsc or pcsc:READER", ErrBadTarget, spec)
}

// PCSC returns the target for the card in reader, with its PINs.
func PCSC(reader string, o Options) (*pcsc.Target, error) {
	t, err := pcsc.NewTarget(reader, harness.GuardPolicy{AllowDestructive: o.AllowDestructive, AllowLockout: o.AllowLockout}, o.Restore)
	if err != nil {
		return nil, err
	}
	s, err := secrets(t, o)
	if err != nil {
		return nil, err
	}
	t.Policy.Secrets = s
	return t, nil
}

// secrets collects the PINs for a card in a reader (pins.go): the
// environment first; for the virtual card, its profile's test PINs; for a
// real card, a prompt when allowed and there is a terminal. A PIN that stays
// unknown is left empty (scenarios that need it are then left out).
func secrets(t *pcsc.Target, o Options) (harness.Secrets, error) {
	var profile harness.Secrets
	if t.Virtual() {
		if p, err := fixtures.Profile(t.Profile()); err == nil {
			profile = sim.ProfileSecrets(p)
		}
	}
	s := Environment(profile)
	if t.Virtual() || !o.Prompt {
		return s.Secrets, nil
	}
	refs := o.PromptFor
	if refs == nil {
		refs = jpki.JPKIPINs
	}
	if err := s.Ask(refs, fmt.Sprintf("the card in %q", t.Reader)); err != nil && !errors.Is(err, ErrNoTerminal) {
		return s.Secrets, err
	}
	return s.Secrets, nil
}

// Real is a card that is not the virtual one, answering the JPKI SELECT.
type Real struct {
	Reader string
}

// ProbeTimeout bounds how long FindReal waits for one reader: a stalled card
// hangs pcscd's calls on its reader (there is no timeout in vpcd), and an
// automatic probe must never hang a run.
var ProbeTimeout = 3 * time.Second

// within runs f and gives up after d; f then finishes, or not, on its own.
func within[T any](d time.Duration, f func() T) (T, bool) {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	select {
	case v := <-ch:
		return v, true
	case <-time.After(d):
		var zero T
		return zero, false
	}
}

// Readers lists the readers FindReal probes: by default every reader pcscd
// knows (pcsc.Readers), which is what `jpkisim run` checks. Tests replace it
// (package targetstest) so that they never touch a reader they did not
// create; nothing else should.
var Readers = pcsc.Readers

// probe is pcsc.Probe; the package's tests replace it.
var probe = pcsc.Probe

// FindReal probes every reader Readers lists and returns those holding a
// real JPKI card, in sorted order, with a one-line account of what was found
// for the run's summary. It sends only the marker GET DATA and the JPKI
// SELECT. A reader that does not answer within ProbeTimeout, or that another
// program holds in exclusive mode (harness.ErrSharingViolation), is not
// probed but named in the account, so that a card is never left out
// silently.
func FindReal() ([]Real, string) {
	type listing struct {
		names []string
		err   error
	}
	l, done := within(ProbeTimeout, func() listing {
		n, err := Readers()
		return listing{n, err}
	})
	if !done {
		return nil, fmt.Sprintf("embedded-only: PC/SC did not list its readers within %v", ProbeTimeout)
	}
	names, err := l.names, l.err
	switch {
	case errors.Is(err, harness.ErrNoService), errors.Is(err, harness.ErrNoPCSC):
		return nil, "embedded-only: " + err.Error()
	case err != nil:
		return nil, "embedded-only: " + err.Error()
	case len(names) == 0:
		return nil, "embedded-only: no smart card reader"
	}
	var real []Real
	var stalled, exclusive []string
	virtual := 0
	type result struct {
		virtual, japp bool
		err           error
	}
	for _, n := range names {
		pr, done := within(ProbeTimeout, func() result {
			v, _, japp, err := probe(n)
			return result{v, japp, err}
		})
		v, japp, err := pr.virtual, pr.japp, pr.err
		switch {
		case !done:
			stalled = append(stalled, n)
		case errors.Is(err, harness.ErrSharingViolation):
			exclusive = append(exclusive, n)
		case err != nil || !japp:
		case v:
			virtual++
		default:
			real = append(real, Real{Reader: n})
		}
	}
	note := ""
	if len(exclusive) > 0 {
		note += fmt.Sprintf("; not probed, in exclusive use by another program: %s", strings.Join(exclusive, ", "))
	}
	if len(stalled) > 0 {
		note += fmt.Sprintf("; no answer within %v from %s", ProbeTimeout, strings.Join(stalled, ", "))
	}
	if len(real) == 0 {
		head := fmt.Sprintf("embedded-only: no real JPKI card in %d reader(s)", len(names))
		if virtual > 0 {
			head += fmt.Sprintf(" (%d virtual card(s) from jpkisim serve skipped)", virtual)
		}
		return nil, head + note
	}
	return real, strings.TrimPrefix(note, "; ")
}
