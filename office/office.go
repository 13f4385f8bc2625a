// Package office performs the municipal office's and the kiosk's operations
// on a virtual card kept in a state file: recording an event (change of
// basic information, death, departure, loss report, revocation on request)
// against the card's certificates, lifting a hold, and resetting a PIN at
// the office or at a kiosk. Each operation enforces the rules of package
// rules and refuses what they forbid with a *Refusal naming the rule ID
// (rules.md). It changes the office's record of the card's certificates
// (record.Certificates, kept in the state file's store.Meta), which
// `serve --pki --state` publishes as OCSP and CRLs.
package office

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// Refusal is an operation the rules forbid. Error text never holds a PIN.
type Refusal struct {
	Rule   string // rules.md ID, e.g. HOLD-02
	Reason string
}

func (r *Refusal) Error() string { return fmt.Sprintf("refused (%s): %s", r.Rule, r.Reason) }

func refuse(rule, format string, args ...any) error {
	return &Refusal{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// ErrNoPIN is returned when the card has no such PIN object.
var ErrNoPIN = errors.New("the card has no such PIN")

// Card is a card's persistent state with the office's record of its
// certificates. Commit, when set, makes both durable (store.Store.Commit
// after SetMeta); an operation commits before it answers.
type Card struct {
	State  *simulator.State
	Meta   *store.Meta
	Commit func() error
}

func (c *Card) commit() error {
	if c.Commit == nil {
		return nil
	}
	return c.Commit()
}

// keep copies the card's memory — files, keys, PIN values, retry counters
// and the office's record — and returns the function that puts the copy
// back into the same objects (which callers may hold): an operation calls
// it when a change it made did not reach the store, so that memory stays
// as the disk has it (docs/state-file.md, "Guarantees").
func (c *Card) keep() (undo func()) {
	st, meta := c.State.Clone(), *c.Meta
	meta.Certificates = c.Meta.Certificates.Clone()
	return func() {
		for i, a := range c.State.Apps {
			for j, e := range a.EFs {
				was := st.Apps[i].EFs[j]
				e.Data, e.Key = was.Data, was.Key
				if e.PIN != nil && was.PIN != nil {
					*e.PIN = *was.PIN
				}
			}
		}
		*c.Meta = meta
	}
}

// Change is what an operation did to one certificate: its record before
// and after, and the rule that says so. It is an event, not a record: the
// office's record of the card (store.Meta.Certificates) holds the
// certificate's state.
type Change struct {
	Kind     jpki.Kind
	From, To record.Cert
	Rule     string // rules.md ID, e.g. REVOKE-01
}

// MarshalJSON gives the change as `card event --json` prints it:
// {"certificate": "signing", "from": "valid", "to": "revoked", "reason":
// "affiliationChanged", "rule": "REVOKE-01"}, the reason only for a
// revocation or a hold.
func (ch Change) MarshalJSON() ([]byte, error) {
	out := struct {
		Kind   jpki.Kind    `json:"certificate"`
		From   rules.Status `json:"from"`
		To     rules.Status `json:"to"`
		Reason string       `json:"reason,omitempty"`
		Rule   string       `json:"rule"`
	}{Kind: ch.Kind, From: ch.From.State(), To: ch.To.State(), Rule: ch.Rule}
	if ch.Revokes() {
		out.Reason = ch.To.Reason.String()
	}
	return json.Marshal(out)
}

// Revokes reports whether the change revoked the certificate or put it on
// hold (then To.Reason says why).
func (ch Change) Revokes() bool {
	s := ch.To.State()
	return s == rules.Revoked || s == rules.Suspended
}

// Record applies an event to the card's certificates as rules.Effects says
// (REVOKE-01..05, ABROAD-02..04, HOLD-01, HOLD-02) and commits; on is the
// date of the event (recorded, to the second, as the revocation or hold
// date). A revoked certificate stays revoked (with its first reason); an
// absent one stays absent. Refused: revocation on request of a certificate
// that is not valid or on hold (REVOKE-03); lifting a hold (rules.Found)
// when nothing is on hold (HOLD-02); anything on a card that lapsed
// (REVOKE-02 after death, ABROAD-02 after a departure without the
// continued-use procedure), which those two events record. Other events
// are facts: recorded even when they change no certificate. The card's
// files do not change: a revoked certificate stays in its EF, as on a real
// card; RecordUpdate records a change of name or address together with the
// new value on the card face.
func (c *Card) Record(e rules.Event, on time.Time) ([]Change, error) {
	return c.record(e, on, nil)
}

// record is Record; write, when set, changes the card's files after the
// record and before the one commit, and an error from it undoes both.
func (c *Card) record(e rules.Event, on time.Time, write func() error) ([]Change, error) {
	signing, auth, err := rules.Effects(e)
	if err != nil {
		return nil, err
	}
	if err := c.live(); err != nil {
		return nil, err
	}
	certs := &c.Meta.Certificates
	effects := map[jpki.Kind]rules.Effect{jpki.Signing: signing, jpki.Auth: auth}
	live := func(s rules.Status) bool { return s == rules.Valid || s == rules.Suspended }
	switch e {
	case rules.RevokeSigning, rules.RevokeAuth:
		k := jpki.Signing
		if e == rules.RevokeAuth {
			k = jpki.Auth
		}
		if s := certs.For(k).State(); !live(s) {
			return nil, refuse("REVOKE-03", "the %v certificate is %s: there is nothing to revoke", k, s)
		}
	case rules.Found:
		if certs.Signing.State() != rules.Suspended && certs.Auth.State() != rules.Suspended {
			return nil, refuse("HOLD-02", "no certificate of this card is on hold")
		}
	}
	undo := c.keep()
	var changes []Change
	for _, k := range jpki.Kinds {
		x, effect := certs.For(k), effects[k]
		from := x.State()
		if effect.Unchanged() || from == rules.Absent || from == rules.Revoked {
			continue
		}
		if e == rules.Found && from != rules.Suspended {
			continue
		}
		if e == rules.Loss && from != rules.Valid {
			continue
		}
		next := record.Cert{Status: effect.Status, Serial: x.Serial, NotAfter: x.NotAfter}
		if effect.Status != rules.Valid {
			next.Reason, next.Since = effect.Reason, on.UTC().Truncate(time.Second)
		}
		changes = append(changes, Change{Kind: k, From: x.Clone(), To: next.Clone(), Rule: effect.Rule})
		*x = next
	}
	switch e {
	case rules.Death:
		c.Meta.Lapsed = string(e) // REVOKE-02: the resident record is deleted
	case rules.Departure:
		c.Meta.Lapsed = string(e) // ABROAD-02: the card lapses
	}
	if write != nil {
		if err := write(); err != nil {
			undo()
			return nil, err
		}
	}
	if err := c.commit(); err != nil {
		undo()
		return nil, err
	}
	return changes, nil
}

// live refuses every operation on a card that lapsed (REVOKE-02 after a
// death, ABROAD-02 after a departure without the continued-use procedure).
func (c *Card) live() error {
	switch rules.Event(c.Meta.Lapsed) {
	case "":
		return nil
	case rules.Death:
		return refuse("REVOKE-02", "the holder died: the card and its certificates are no longer in use")
	case rules.Departure:
		return refuse("ABROAD-02", "the holder moved abroad without the continued-use procedure: the card has lapsed")
	}
	return refuse("REVOKE-03", "the card has lapsed (%s)", c.Meta.Lapsed)
}

// Where is the place of a PIN reset.
type Where string

// Places of a PIN reset (UNLOCK-01, UNLOCK-02).
const (
	Office Where = "office" // the municipal counter, with photo ID
	Kiosk  Where = "kiosk"  // a convenience-store kiosk with the JPKI reset app
)

// pinEFs are the PIN objects of p: the JPKI EF of a JPKI PIN, Kenhojo EF
// 0011 for the Kenhojo PIN, and for the Juki PIN EF 001C of the Juki and
// of the common card application, which a card issues with one value.
// ErrNoPIN when the card has none (a phone token has no Kenhojo or Juki
// PIN).
func (c *Card) pinEFs(p jpki.PIN) ([]*simulator.PIN, error) {
	apps := []jpki.App{p.App()}
	switch p {
	case jpki.AuthPIN, jpki.SigningPIN, jpki.KenhojoPIN:
	case jpki.JukiPIN:
		apps = []jpki.App{jpki.Juki, jpki.Common}
	default:
		return nil, ErrNoPIN
	}
	var pins []*simulator.PIN
	for _, a := range apps {
		app := c.State.App(a.AID())
		if app == nil {
			return nil, ErrNoPIN
		}
		ef := app.EF(p.FID())
		if ef == nil || ef.PIN == nil {
			return nil, ErrNoPIN
		}
		pins = append(pins, ef.PIN)
	}
	return pins, nil
}

// pinEF is the PIN object of a JPKI PIN.
func (c *Card) pinEF(p jpki.PIN) (*simulator.PIN, error) {
	if !slices.Contains(jpki.JPKIPINs, p) {
		return nil, refuse("UNLOCK-04", "the %v is not reset this way", p)
	}
	pins, err := c.pinEFs(p)
	if err != nil {
		return nil, err
	}
	return pins[0], nil
}

// other is the PIN a kiosk reset of p proves (UNLOCK-02).
func other(p jpki.PIN) jpki.PIN {
	if p == jpki.AuthPIN {
		return jpki.SigningPIN
	}
	return jpki.AuthPIN
}

// ResetPIN sets a new value for a PIN of the card and restores its retry
// counter to the maximum, then commits: the auth PIN or the signing
// password, at the office or a kiosk; the Kenhojo PIN (Kenhojo EF 0011) or
// the Juki PIN (EF 001C of the Juki and of the common card application,
// both set to the new value) at the office only — a kiosk is refused under
// UNLOCK-04 before anything is tried.
//
// At the Office (UNLOCK-01) nothing else is needed. At a Kiosk (UNLOCK-02,
// UNLOCK-03) the holder proves the other JPKI PIN: proof is compared as the
// card compares a VERIFY (simulator.PIN.Verify) — the other PIN's counter
// is decremented and made durable first, restored on a match — so a wrong
// proof costs a try; a blocked other PIN, a wrong proof or a closed kiosk
// (06:30–23:00 JST) is refused. The new value must have the issuing office's format (PIN-01,
// PIN-02 for the signing password; PIN-06 for the auth PIN, PIN-07 for the
// Kenhojo and Juki PINs): else an error wrapping rules.ErrFormat. Errors
// never hold a PIN value.
func (c *Card) ResetPIN(p jpki.PIN, newValue []byte, at Where, proof []byte, now time.Time) error {
	if err := c.live(); err != nil {
		return err
	}
	if p == jpki.KenhojoPIN || p == jpki.JukiPIN {
		return c.resetFourDigit(p, newValue, at)
	}
	target, err := c.pinEF(p)
	if err != nil {
		return err
	}
	noSigning := c.Meta.Certificates.Signing.State() == rules.Absent
	if p == jpki.SigningPIN && noSigning {
		return refuse("AGE-01", "the card has no signing certificate, so no signing password to reset")
	}
	switch p {
	case jpki.AuthPIN:
		if err := rules.CheckFourDigitPIN(string(newValue)); err != nil {
			return fmt.Errorf("new auth PIN: %w", err)
		}
	case jpki.SigningPIN:
		if err := rules.CheckSigningPassword(string(newValue), true); err != nil {
			return fmt.Errorf("new signing password: %w", err)
		}
	}
	switch at {
	case Office:
	case Kiosk:
		if !rules.KioskOpen(now) {
			return refuse("UNLOCK-03", "kiosks reset PINs from 06:30 to 23:00 JST")
		}
		o := other(p)
		if o == jpki.SigningPIN && noSigning {
			return refuse("UNLOCK-02", "the card has no signing password to prove: only the municipal office resets the auth PIN (UNLOCK-01)")
		}
		proofPIN, err := c.pinEF(o)
		if err != nil {
			return err
		}
		if f := proofPIN.Format; len(proof) == 0 || (f.MaxLen > 0 && (len(proof) < f.MinLen || len(proof) > f.MaxLen)) {
			// The kiosk app checks the length before it asks the card:
			// no try is spent.
			return refuse("UNLOCK-02", "the %s given has the wrong length (no try was spent)", o)
		}
		// The card compares the proof as it compares a VERIFY.
		err = proofPIN.Verify(proof, c.commit)
		_, refused := err.(apdu.StatusWord) // 6984 blocked or 63Cx a mismatch
		switch {
		case err == nil:
		case !refused:
			return err // the retry counter could not be written
		case err == apdu.SWReferenceDataUnusable:
			return refuse("UNLOCK-02", "the %s is locked too: only the municipal office resets it (UNLOCK-01)", o)
		case proofPIN.Remaining == 0:
			return refuse("UNLOCK-02", "the %s given does not match, and it is now locked too: only the municipal office resets them (UNLOCK-01)", o)
		case proofPIN.Remaining == 1:
			return refuse("UNLOCK-02", "the %s given does not match: 1 try left", o)
		default:
			return refuse("UNLOCK-02", "the %s given does not match: %d tries left", o, proofPIN.Remaining)
		}
	default:
		return fmt.Errorf("unknown place %q: want office or kiosk", at)
	}
	undo := c.keep() // after the proof, whose counter writes are the store's
	target.Value = append([]byte(nil), newValue...)
	target.Remaining = target.MaxTries
	if err := c.commit(); err != nil {
		undo()
		return err
	}
	return nil
}

// resetFourDigit is ResetPIN of the Kenhojo or the Juki PIN: at the office
// only (UNLOCK-04), every PIN object of p set and its counter filled.
func (c *Card) resetFourDigit(p jpki.PIN, newValue []byte, at Where) error {
	switch at {
	case Office:
	case Kiosk:
		return refuse("UNLOCK-04", "the %v is reset at the municipal office only, never at a kiosk", p)
	default:
		return fmt.Errorf("unknown place %q: want office or kiosk", at)
	}
	targets, err := c.pinEFs(p)
	if err != nil {
		return err
	}
	if err := rules.CheckFourDigitPIN(string(newValue)); err != nil {
		return fmt.Errorf("new %v: %w", p, err)
	}
	undo := c.keep()
	for _, t := range targets {
		t.Value = append([]byte(nil), newValue...)
		t.Remaining = t.MaxTries
	}
	if err := c.commit(); err != nil {
		undo()
		return err
	}
	return nil
}

// RecordOf is the office's record of a state file's card as the OCSP
// responder and the CRLs publish it (fixtures.Responder, as a profile's
// Office): the file's record, with the serial and expiry of each
// certificate the card holds taken from its EF.
func RecordOf(st *simulator.State, m store.Meta) record.Certificates {
	rec := m.Certificates.Clone()
	for _, k := range jpki.Kinds {
		if cert := Certificate(st, k.CertFID()); cert != nil {
			c := rec.For(k)
			c.Serial, c.NotAfter = cert.SerialNumber, cert.NotAfter
		}
	}
	return rec
}

// NewMeta is the office's record of a new card of profile p: the
// profile's record (p.Office, the pki: block of its file), the signing
// certificate absent when the profile has none (AGE-01).
func NewMeta(p *simulator.Profile) store.Meta {
	meta := store.Meta{Profile: p.Name, Certificates: p.Office.Clone()}
	if p.NoSigningCert {
		meta.Certificates.Signing = record.Cert{Status: rules.Absent}
	}
	return meta
}
