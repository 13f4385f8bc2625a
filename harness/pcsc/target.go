package pcsc

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
)

// isVirtual asks the card for the marker.
func isVirtual(c harness.Card) (bool, error) {
	r, err := harness.NewClient(c).Send(apdu.Command{INS: 0xCA, P1: jpki.MarkerTag >> 8, P2: jpki.MarkerTag & 0xFF, Ne: 256})
	if err != nil {
		return false, err
	}
	return r.SW == apdu.SWOK && bytes.HasPrefix(r.Data, []byte(jpki.MarkerPrefix)), nil
}

// Probe tells what answers in reader: whether it is the virtual card (it
// answers the marker GET DATA DF6A, jpki.MarkerTag), the profile the
// virtual card names, and whether the card answers the JPKI SELECT. It sends
// those two read-only commands and nothing else.
func Probe(reader string) (virtual bool, profile string, hasJPKI bool, err error) {
	c, err := Open(reader)
	if err != nil {
		return false, "", false, err
	}
	defer c.Close()
	cl := harness.NewClient(c)
	err = c.Transaction(func() error {
		r, err := cl.Send(apdu.Command{INS: 0xCA, P1: jpki.MarkerTag >> 8, P2: jpki.MarkerTag & 0xFF, Ne: 256})
		if err != nil {
			return err
		}
		if r.SW == apdu.SWOK && bytes.HasPrefix(r.Data, []byte(jpki.MarkerPrefix)) {
			virtual = true
			if i := bytes.Index(r.Data, []byte(" profile=")); i >= 0 {
				profile = string(r.Data[i+len(" profile="):])
			}
		}
		hasJPKI = cl.SelectJPKI() == nil
		return nil
	})
	return virtual, profile, hasJPKI, err
}

// Target runs scenarios on the card in one reader. A card that is not the
// virtual one is always reached through a harness.Guard.
//
// On a virtual card with Restore, the target leaves the card as it found it
// (docs/design.md, "A run leaves the card as it found it"): its first Open
// (or Snapshot) has the card take a snapshot of its persistent state and
// hold it for the target's run token (the test-control commands of
// jpki.RestoreINS), every Open returns the card to that snapshot, and
// RestoreSnapshot does so once more at the end and releases it. The card
// refuses another program's snapshot while the target holds its own
// (ErrSnapshotHeld for a second target), and the target never restores a
// snapshot that is not its own (ErrSnapshotLost). Stop ends a run at once,
// from any goroutine: no session opens and no command is sent after the
// one in flight.
type Target struct {
	Reader string
	// Policy governs what reaches a card that is not virtual; its Secrets
	// are the PINs steps use on any card.
	Policy harness.GuardPolicy
	// Restore returns the virtual card to the snapshot at every Open and
	// resets it, so that each scenario starts from the card the run found,
	// as after insertion. Never sent to a card that is not virtual.
	Restore bool

	virtual bool
	profile string

	mu      sync.Mutex
	snapped bool   // the card took this target's snapshot and holds it
	token   []byte // the run token the snapshot is held for
	lost    error  // the card no longer holds the snapshot (ErrSnapshotLost)
	stopped atomic.Bool
}

// ErrSnapshotHeld is wrapped by the error of a target's snapshot when the
// virtual card holds the snapshot of another run (6985 to the snapshot
// command): another run on the same card, still going or ended without its
// final restore (a second signal, a kill); restarting serve frees the card.
// It wraps harness.ErrSharingViolation: the card is held by another
// program (exit status 3).
var ErrSnapshotHeld error = snapshotHeldError{}

type snapshotHeldError struct{}

func (snapshotHeldError) Error() string {
	return "the virtual card holds the snapshot of another run on it (one still running, or one killed before its final restore: restart serve to free the card)"
}

func (snapshotHeldError) Unwrap() error { return harness.ErrSharingViolation }

// ErrSnapshotLost is wrapped by the error of every Open and of
// RestoreSnapshot once the virtual card no longer holds the target's
// snapshot (6985 to the restore with the run token: serve restarted, or the
// card's snapshot was replaced in process). Nothing is restored then: the
// card stays as it is, which may not be as the run found it.
var ErrSnapshotLost = errors.New("the virtual card no longer holds this run's snapshot (serve restarted, or the snapshot was replaced): the card was not restored and may not be as the run found it")

// ErrStopped is returned by every Open and every command of a target after
// Stop: a run was interrupted, and nothing more reaches the card.
var ErrStopped = errors.New("the run was interrupted: nothing more is sent to the card")

// NewTarget probes reader and returns a target for it; the card must answer
// the JPKI SELECT (harness.ErrNotJPKI otherwise).
func NewTarget(reader string, policy harness.GuardPolicy, restore bool) (*Target, error) {
	virtual, profile, hasJPKI, err := Probe(reader)
	if err != nil {
		return nil, err
	}
	if !hasJPKI {
		return nil, fmt.Errorf("reader %q: %w", reader, harness.ErrNotJPKI)
	}
	if policy.Memory == nil {
		policy.Memory = &harness.GuardMemory{} // one for every session on this card
	}
	return &Target{Reader: reader, Policy: policy, Restore: restore, virtual: virtual, profile: profile}, nil
}

// Name implements harness.Target: pcsc:READER, with "(virtual)" for the
// virtual card.
func (t *Target) Name() string {
	if t.virtual {
		return fmt.Sprintf("pcsc:%s (virtual, profile %s)", t.Reader, t.profile)
	}
	return "pcsc:" + t.Reader
}

// Virtual implements harness.Target: true only for a card that answered
// the marker.
func (t *Target) Virtual() bool { return t.virtual }

// Profile is the profile name the virtual card reported, or "".
func (t *Target) Profile() string { return t.profile }

// Secrets implements harness.Target.
func (t *Target) Secrets() harness.Secrets { return t.Policy.Secrets }

// Capabilities implements harness.Target: a card in a reader, never the
// embedded one; the profile a virtual card named; sessions power-cycle
// through PC/SC (SCARD_UNPOWER_CARD).
func (t *Target) Capabilities() harness.Capabilities {
	return harness.Capabilities{Profile: t.profile, PowerCycle: true}
}

// Open implements harness.Target. After Stop it fails with ErrStopped, and
// so do the commands of every session it opened.
func (t *Target) Open() (harness.Card, error) {
	if t.stopped.Load() {
		return nil, ErrStopped
	}
	c, err := Open(t.Reader)
	if err != nil {
		return nil, err
	}
	if !t.virtual {
		return &session{Card: harness.NewGuard(c, t.Policy), t: t, raw: c}, nil
	}
	if err := t.checkVirtual(c); err != nil {
		c.Close()
		return nil, err
	}
	if t.Restore {
		err := t.snapshot(c)
		if err == nil {
			err = t.restore(c)
		}
		if err == nil {
			err = c.Reset() // the card starts the scenario as after insertion
		}
		if err == nil {
			// The reset reconnected: the card may be another one now.
			err = t.checkVirtual(c)
		}
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	return &session{Card: c, t: t, raw: c}, nil
}

// checkVirtual asks the card in the session for the marker again: the card
// in the reader can change between sessions (vpcd takes any client on its
// port), so before anything only a virtual card may get, stop rather than
// treat another card as virtual.
func (t *Target) checkVirtual(c harness.Card) error {
	if v, err := isVirtual(c); err != nil || !v {
		if err == nil {
			err = fmt.Errorf("the card in %q no longer answers as the virtual card: stopping, as it may be a real one", t.Reader)
		}
		return fmt.Errorf("%w: %v", harness.ErrCardRemoved, err)
	}
	return nil
}

// control sends the virtual card's test-control command with P1 (the
// restore, snapshot or release of jpki.RestoreINS) and the run token,
// and returns its status word; a transport error or an answer that is only
// a status word is an error.
func control(c harness.Card, p1 byte, token []byte) (apdu.StatusWord, error) {
	data := append([]byte(jpki.RestoreData), token...)
	r, err := c.Transmit(apdu.Command{CLA: 0x80, INS: jpki.RestoreINS, P1: p1, Data: data}.MustEncode())
	if err != nil {
		return 0, err
	}
	if len(r) != 2 {
		return 0, fmt.Errorf("the test-control command got %d bytes back, not a status word", len(r))
	}
	return apdu.StatusWord(uint16(r[0])<<8 | uint16(r[1])), nil
}

// refused is the error of a test-control command that answered sw.
func (t *Target) refused(what string, sw apdu.StatusWord) error {
	return fmt.Errorf("virtual card in %q refused the %s command: %04X", t.Reader, what, uint16(sw))
}

// snapshot has the card take the target's snapshot and hold it for a new
// run token, once; c answered the marker.
func (t *Target) snapshot(c harness.Card) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lost != nil {
		return t.lost
	}
	if t.snapped {
		return nil
	}
	token := make([]byte, 16)
	rand.Read(token) // never fails (crypto/rand)
	sw, err := control(c, jpki.SnapshotP1, token)
	switch {
	case err != nil:
		return err
	case sw == apdu.SWConditionsNotSatisfied:
		return fmt.Errorf("reader %q: %w", t.Reader, ErrSnapshotHeld)
	case sw != apdu.SWOK:
		return t.refused("snapshot", sw)
	}
	t.snapped, t.token = true, token
	return nil
}

// restore returns the card to the target's snapshot; once the card answers
// that it does not hold it, the target remembers the loss, and every later
// Open and RestoreSnapshot fails with it without another test-control
// command.
func (t *Target) restore(c harness.Card) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lost != nil {
		return t.lost
	}
	if !t.snapped {
		return errors.New("no snapshot of this run to restore") // never sent without the token
	}
	sw, err := control(c, jpki.RestoreP1, t.token)
	switch {
	case err != nil:
		return err
	case sw == apdu.SWConditionsNotSatisfied:
		t.lost = fmt.Errorf("reader %q: %w", t.Reader, ErrSnapshotLost)
		return t.lost
	case sw != apdu.SWOK:
		return t.refused("restore", sw)
	}
	return nil
}

// Snapshot has the virtual card remember its persistent state now as what
// every later Open and RestoreSnapshot return to: the start of a run. It is
// taken once per target (the first Open takes it when Snapshot was not
// called). On a card that is not virtual, or without Restore, it sends
// nothing and does nothing. Errors: those of Open, ErrStopped, and a card
// that no longer answers the marker (wrapping harness.ErrCardRemoved).
func (t *Target) Snapshot() error {
	if !t.virtual || !t.Restore {
		return nil
	}
	if t.stopped.Load() {
		return ErrStopped
	}
	return t.inOwnSession(t.snapshot)
}

// inOwnSession runs f in a session of its own on the card, once the card
// answered the marker.
func (t *Target) inOwnSession(f func(c harness.Card) error) error {
	c, err := Open(t.Reader)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := t.checkVirtual(c); err != nil {
		return err
	}
	return f(c)
}

// RestoreSnapshot returns the virtual card to the target's snapshot and
// releases it, in a session of its own (also after Stop): the end of a run,
// which leaves the card as the run found it and free for the next run. The
// release is sent even when the restore failed; a later Open takes a new
// snapshot. With no snapshot taken (a card that is not virtual, Restore off,
// or no Open yet) it sends nothing. Errors: those of Open, a card that no
// longer answers the marker, ErrSnapshotLost (nothing restored), a refused
// restore (6581: the card could not commit it).
func (t *Target) RestoreSnapshot() error {
	t.mu.Lock()
	snapped, lost := t.snapped, t.lost
	t.mu.Unlock()
	if lost != nil {
		return lost
	}
	if !t.virtual || !snapped {
		return nil
	}
	return t.inOwnSession(func(c harness.Card) error {
		err := t.restore(c)
		if errors.Is(err, ErrSnapshotLost) {
			return err // nothing held: nothing to release
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		sw, rerr := control(c, jpki.ReleaseP1, t.token)
		if rerr == nil && sw != apdu.SWOK {
			rerr = t.refused("release", sw)
		}
		if rerr == nil {
			t.snapped, t.token = false, nil
		}
		return errors.Join(err, rerr)
	})
}

// Stop makes every later Open, and every later command of the sessions
// already open, fail with ErrStopped; a command in flight finishes. Safe to
// call from any goroutine (a signal handler's).
func (t *Target) Stop() { t.stopped.Store(true) }

// session is a card opened by a Target, which Stop cuts off. A session on
// the virtual card asks for the marker again after every reset and power
// cycle: SCardReconnect succeeds on whatever card is in the reader now (vpcd
// takes any client on its port, a phone relaying a real card among them), and
// a session that was never guarded must not go on with a card that is not
// virtual. Once the marker is missing, every later command fails.
type session struct {
	harness.Card
	raw       *Card // the connection beneath the guard, for Record
	t         *Target
	lost      error
	finishing bool // inside Finally: usable after Stop
}

func (s *session) usable() error {
	if s.t.stopped.Load() && !s.finishing {
		return ErrStopped
	}
	return s.lost
}

// Unwrap implements harness.Wrapper.
func (s *session) Unwrap() harness.Card { return s.Card }

// Record implements harness.Recordable: the connection beneath the guard
// records, so that the guard's own commands are in the transcript; the
// guard itself stays the only way to the card.
func (s *session) Record(rec *transcript.Recorder) { s.raw.Record(rec) }

// Capabilities implements harness.Capable: what the card beneath can do, as
// a card in a reader (never the embedded one), of the profile a virtual
// card named.
func (s *session) Capabilities() harness.Capabilities {
	c := harness.CapabilitiesOf(s.Card)
	c.Embedded, c.Profile = false, s.t.profile
	return c
}

// Finally implements harness.Finisher: f may use the session after Stop.
func (s *session) Finally(f func() error) error {
	s.finishing = true
	defer func() { s.finishing = false }()
	return f()
}

// reconnected checks the card after a reset or power cycle of a virtual
// session.
func (s *session) reconnected(err error) error {
	if err != nil || !s.t.virtual {
		return err
	}
	if err := s.t.checkVirtual(s.Card); err != nil {
		s.lost = err
		return err
	}
	return nil
}

func (s *session) Transmit(capdu []byte) ([]byte, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	return s.Card.Transmit(capdu)
}

func (s *session) Reset() error {
	if err := s.usable(); err != nil {
		return err
	}
	return s.reconnected(s.Card.Reset())
}

// Transaction implements harness.Transactor.
func (s *session) Transaction(f func() error) error {
	if err := s.usable(); err != nil {
		return err
	}
	if tr, ok := s.Card.(harness.Transactor); ok {
		return tr.Transaction(f)
	}
	return f()
}

// PowerCycle implements harness.PowerCycler.
func (s *session) PowerCycle() error {
	if err := s.usable(); err != nil {
		return err
	}
	pc, ok := s.Card.(harness.PowerCycler)
	if !ok {
		return errors.New("this transport cannot power-cycle the card")
	}
	return s.reconnected(pc.PowerCycle())
}
