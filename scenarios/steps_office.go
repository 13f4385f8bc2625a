package scenarios

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// officeWorld is what the office knows of the scenario's card.
type officeWorld struct {
	meta *store.Meta
	err  error // the last office operation's result
}

// kioskHour is when the scenarios' kiosk operations happen: noon JST, open.
var kioskHour = time.Date(2026, 11, 29, 12, 0, 0, 0, rules.JST)

// atOffice takes the embedded card to the office: op runs on its
// persistent state (simulator.Card.Update) and the office's record.
func (w *world) atOffice(op func(*office.Card) error) error {
	c, err := w.sim()
	if err != nil {
		return err
	}
	if w.office.meta == nil {
		m := office.NewMeta(c.Profile())
		w.office.meta = &m
	}
	// The record changes with the card: what an operation committed stays,
	// the rest of a failed operation is dropped, as simulator.Card.Update
	// does with the card's state.
	next := cloneMeta(*w.office.meta)
	w.office.err = c.Update(func(st *simulator.State, commit func() error) error {
		return op(&office.Card{State: st, Meta: &next, Commit: func() error {
			if err := commit(); err != nil {
				return err
			}
			*w.office.meta = cloneMeta(next)
			return nil
		}})
	})
	if w.office.err == nil {
		*w.office.meta = next
	}
	return nil
}

// anotherValue is a valid new value for PIN p, different from the current
// one (never printed).
func anotherValue(p jpki.PIN, current []byte) []byte {
	candidates := [][]byte{[]byte("5678"), []byte("8765")}
	if p == jpki.SigningPIN {
		candidates = [][]byte{[]byte("NEWPASS1"), []byte("NEWPASS2")}
	}
	if bytes.Equal(candidates[0], current) {
		return candidates[1]
	}
	return candidates[0]
}

// spareKeys are committed TEST-ONLY keys of another holder, the card's "new"
// key pairs in a renewal: no scenario generates RSA keys.
func spareKeys() func() (*rsa.PrivateKey, error) {
	p, err := fixtures.Profile("foreign-resident")
	if err != nil {
		return func() (*rsa.PrivateKey, error) { return nil, err }
	}
	keys := []*rsa.PrivateKey{p.SigningKey, p.AuthKey}
	return func() (*rsa.PrivateKey, error) {
		if len(keys) == 0 {
			return nil, errors.New("no spare key left")
		}
		k := keys[0]
		keys = keys[1:]
		return k, nil
	}
}

// officeSteps are the steps of the card's visits to the office and to a
// kiosk (@embedded): PIN resets, renewal, issuance, recorded events, and
// the office's answer and record.
type officeSteps struct{ *world }

func (s officeSteps) register(sc stepper) {
	sc.Step(`^the office resets the `+pinRole+`$`, s.officeResetsPIN)
	sc.Step(`^a kiosk resets the `+pinRole+` on proof of the (correct|wrong) `+pinRole+`$`, s.kioskResetsPIN)
	sc.Step(`^the office renews the certificates on `+date+`$`, s.officeRenews)
	sc.Step(`^the office issues a signing certificate on `+date+` to a holder born `+date+`$`, s.officeIssuesSigning)
	sc.Step(`^the office records (?:an? )?([a-z-]+)$`, s.officeRecords)
	sc.Step(`^the office did it$`, s.officeDidIt)
	sc.Step(`^the office refused under ([A-Z]+-\d+)$`, s.officeRefusedUnder)
	sc.Step(`^the office's record shows the (signing|auth) certificate (valid|revoked|suspended|absent)$`, s.officeRecordShows)
}

func (s officeSteps) officeResetsPIN(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	v := anotherValue(p, s.pin(p))
	return s.atOfficeSetting(p, v, func(c *office.Card) error { return c.ResetPIN(p, v, office.Office, nil, kioskHour) })
}

func (s officeSteps) kioskResetsPIN(role, which, proofRole string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	q, err := parsePIN(proofRole)
	if err != nil {
		return err
	}
	if other, _ := p.Other(); q != other {
		return fmt.Errorf("a kiosk resets the %v on proof of the %v", p, other)
	}
	proof := s.pin(q)
	if which == "wrong" {
		proof = wrongValue(proof, q)
	}
	v := anotherValue(p, s.pin(p))
	return s.atOfficeSetting(p, v, func(c *office.Card) error { return c.ResetPIN(p, v, office.Kiosk, proof, kioskHour) })
}

func (s officeSteps) officeRenews(day string) error {
	on, err := officeHours(day)
	if err != nil {
		return err
	}
	return s.atOffice(func(c *office.Card) error {
		_, err := c.Renew(on, office.Options{NewKey: spareKeys()})
		return err
	})
}

func (s officeSteps) officeIssuesSigning(day, born string) error {
	on, err := officeHours(day)
	if err != nil {
		return err
	}
	b, err := rules.ParseDate(born)
	if err != nil {
		return err
	}
	v := anotherValue(jpki.SigningPIN, s.pin(jpki.SigningPIN))
	return s.atOfficeSetting(jpki.SigningPIN, v, func(c *office.Card) error {
		_, err := c.IssueSigning(on, v, office.Options{NewKey: spareKeys(), Birth: b,
			Name: "試験　太郎", Sex: "1", Address: "架空県見本市試験町一丁目２番３号"})
		return err
	})
}

func (s officeSteps) officeRecords(event string) error {
	return s.atOffice(func(c *office.Card) error {
		_, err := c.Record(rules.Event(event), kioskHour)
		return err
	})
}

func (s officeSteps) officeDidIt() error {
	if s.office.err != nil {
		return fmt.Errorf("the office refused: %v", s.office.err)
	}
	return nil
}

func (s officeSteps) officeRefusedUnder(rule string) error {
	var r *office.Refusal
	if !errors.As(s.office.err, &r) || r.Rule != rule {
		return fmt.Errorf("want a refusal under %s, got %v", rule, s.office.err)
	}
	return nil
}

func (s officeSteps) officeRecordShows(cert, status string) error {
	k, err := jpki.ParseKind(cert)
	if err != nil {
		return err
	}
	if s.office.meta == nil {
		return errors.New("the card has not been to the office")
	}
	got := s.office.meta.Certificates.For(k).Status
	if string(got) != status {
		return fmt.Errorf("the %v certificate is %s, want %s", k, got, status)
	}
	return nil
}

// atOfficeSetting is atOffice for an operation that gives PIN p the value
// v: when the office did it, the scenario's steps use v from then on.
func (w *world) atOfficeSetting(p jpki.PIN, v []byte, op func(*office.Card) error) error {
	if err := w.atOffice(op); err != nil {
		return err
	}
	if w.office.err == nil {
		w.setPIN(p, v)
	}
	return nil
}

// officeHours is 10:00 JST on day (YYYY-MM-DD), when the office is open.
func officeHours(day string) (time.Time, error) {
	d, err := rules.ParseDate(day)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, rules.JST), nil
}

// setPIN makes v the value the scenario's steps use for PIN p.
func (w *world) setPIN(p jpki.PIN, v []byte) { w.secrets.Set(p, v) }

func cloneMeta(m store.Meta) store.Meta {
	m.Certificates = m.Certificates.Clone()
	return m
}
