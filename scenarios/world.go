// Package scenarios holds the godog step definitions of the acceptance
// suite and the runner shared by `go test` and `jpkisim run`.
//
// Steps name PINs by role ("I verify the auth PIN with the correct value",
// "I verify the signing password with a wrong value"), never by value: the values come from the target's Secrets, so
// the same features run on a card whose PINs come from the environment.
// Nothing a step prints contains a PIN.
package scenarios

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// world is the per-scenario state: one card session, its trace, and what
// the last When step produced.
type world struct {
	target  harness.Target
	secrets harness.Secrets
	card    harness.Card
	rec     *transcript.Recorder // what the card saw, beneath T=0 completion
	client  *harness.Client

	stepStart int // transcript length when the current step began

	last    apdu.Response // R-APDU of the last command a When step sent
	lastErr error         // error of the last When step that talks to the card

	cert *x509.Certificate

	sig       []byte
	sigKey    jpki.Kind
	sigP1     byte
	sigHash   crypto.Hash // hash of the DigestInfo sent with P1 = 00
	sigInput  []byte      // the data field sent
	sigDigest []byte      // the digest the signature covers (P1 00, 02, 04)
	sigMsg    []byte      // the message (P1 01, 03, 05)

	newPIN []byte // value set by the last CHANGE REFERENCE DATA step
	// changedPINs are the PINs the scenario changed on the card, with the
	// value each has now: on a card that is not virtual, close puts the
	// owner's value back.
	changedPINs map[jpki.PIN][]byte
	session     harness.Card // the target's session under the trace

	rules ruleWorld // the lifecycle features: a holder and the rules

	faults simulator.Faults // faults switched on by the scenario's steps

	office officeWorld // the card's visits to the office (@embedded)

	face faceWorld // the application the cardface steps selected last

	cl clientWorld // the client under test and the served card (@client)
}

func (w *world) open() error {
	w.secrets = w.target.Secrets()
	if w.rec == nil { // one transcript per scenario, also when a step opens another card
		w.rec = transcript.NewRecorder("jpkisim run", transcript.Raw, func(p jpki.PIN) []byte { return w.secrets.Of(p) })
	}
	c, err := harness.OpenRecorded(w.target, w.rec)
	if err != nil {
		return err
	}
	w.session = c
	w.card = c
	w.client = harness.NewClient(w.card)
	return nil
}

// close ends the scenario's session. On a card that is not virtual it first
// puts back the owner's value of every PIN the scenario changed (a VERIFY of
// the scenario's value, then CHANGE REFERENCE DATA to the configured one,
// both through the guard), so that a --allow-destructive run leaves the card
// with its owner's PINs (docs/guard.md). The error says which PIN could not
// be put back; it never shows a value.
func (w *world) close() error {
	var err error
	if w.card != nil && !w.target.Virtual() && len(w.changedPINs) > 0 {
		// Also when the run was interrupted (harness.Finisher).
		_ = harness.Finally(w.session, func() error { err = w.putBack(); return nil })
	}
	w.changedPINs = nil
	if cerr := w.cl.end(); cerr != nil && err == nil {
		err = cerr
	}
	if w.card != nil {
		_ = w.card.Close()
		w.card = nil
	}
	return err
}

// putBack changes every PIN the scenario changed back to its configured
// value.
func (w *world) putBack() error {
	var err error
	for _, p := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		now, ok := w.changedPINs[p]
		if !ok {
			continue
		}
		perr := w.client.Verify(p, now)
		if perr == nil {
			perr = w.client.ChangePIN(p, w.target.Secrets().Of(p))
		}
		if perr != nil && err == nil {
			err = fmt.Errorf("the %v this scenario set could not be changed back to the configured one (%v): the card keeps the scenario's value", p, perr)
		}
	}
	return err
}

// changed records that the card's PIN p now has value v.
func (w *world) changed(p jpki.PIN, v []byte) {
	if w.changedPINs == nil {
		w.changedPINs = map[jpki.PIN][]byte{}
	}
	w.changedPINs[p] = append([]byte(nil), v...)
}

// failf returns an assertion error that shows the transcript of the current
// step (or, when the step sent nothing, the last few events of the
// scenario), PIN-masked, so that a tester sees what the card was asked and
// answered.
func (w *world) failf(format string, args ...any) error {
	return w.fail(fmt.Errorf(format, args...))
}

// fail is failf for an error value, which stays reachable with errors.Is
// (a lost transport stops the run).
func (w *world) fail(cause error) error {
	msg := cause.Error()
	if w.rec == nil {
		return cause
	}
	ex := w.rec.Since(w.stepStart)
	label := "what the card saw in this step"
	if len(ex) == 0 {
		ex = w.rec.Since(w.rec.Len() - 4)
		label = "the last events the card saw"
	}
	if len(ex) == 0 {
		return cause
	}
	return &traced{cause: cause, text: fmt.Sprintf("%s\n    %s (PIN data masked):\n%s", msg, label, strings.TrimRight(transcript.Text(ex, "      "), "\n"))}
}

// record keeps the result of a When step: the R-APDU and any error that is
// not a status word (a status word is a result to check, not a failure).
func (w *world) record(err error) error {
	w.last = w.client.Last
	w.lastErr = nil
	if err == nil {
		return nil
	}
	var sw apdu.StatusWord
	if errors.As(err, &sw) {
		return nil
	}
	if errors.Is(err, harness.ErrNotTries) {
		return nil
	}
	if errors.Is(err, simulator.ErrRemoved) || errors.Is(err, simulator.ErrPowerLost) {
		w.lastErr = err // a fault the scenario asked for: a Then step checks it
		return nil
	}
	w.lastErr = err
	return w.fail(err)
}

// traced is a step error with the transcript appended to its text.
type traced struct {
	cause error
	text  string
}

func (t *traced) Error() string { return t.text }
func (t *traced) Unwrap() error { return t.cause }

// pin returns the PIN's correct value for the card under test.
func (w *world) pin(p jpki.PIN) []byte { return w.secrets.Of(p) }

// The role words of the step text. A step names a PIN by its name in prose,
// jpki.PIN's String ("auth PIN", "signing password"; the rules' steps also
// "Kenhojo PIN" and "Juki PIN"), a key pair or a certificate by its kind,
// jpki.Kind's String ("auth", "signing"), and a CA certificate by its kind
// and "CA" ("auth CA"). parsePIN, jpki.ParseKind and parseCertEF turn the
// words into the card's facts; no step compares them itself.
const (
	pinRole  = `(auth PIN|signing password)`
	keyRole  = `(auth|signing) key`
	certRole = `(auth|signing|auth CA|signing CA) certificate`
)

// parsePIN returns the PIN that a step's role words name (jpki.PIN's
// String).
func parsePIN(words string) (jpki.PIN, error) {
	for _, p := range jpki.PINs {
		if p.String() == words {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%q names no PIN of the card", words)
}

// parseCertEF returns the FID of the certificate EF that a step's role
// words name: a kind ("auth", "signing") for its certificate, a kind and
// " CA" for its CA certificate.
func parseCertEF(words string) (uint16, error) {
	kind, ca := strings.CutSuffix(words, " CA")
	k, err := jpki.ParseKind(kind)
	if err != nil {
		return 0, err
	}
	if ca {
		return k.CACertFID(), nil
	}
	return k.CertFID(), nil
}
