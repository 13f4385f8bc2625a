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

func otherPIN(p jpki.PIN) jpki.PIN {
	if p == jpki.SigningPIN {
		return jpki.AuthPIN
	}
	return jpki.SigningPIN
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

func officeSteps(w *world, add func(string, any)) {
	add(`^the office resets the `+pinRole+`$`, func(role string) error {
		p := pinRef(role)
		v := anotherValue(p, w.pin(p))
		return w.atOfficeSetting(p, v, func(c *office.Card) error { return c.ResetPIN(p, v, office.Office, nil, kioskHour) })
	})
	add(`^a kiosk resets the `+pinRole+` on proof of the (correct|wrong) `+pinRole+`$`, func(role, which, proofRole string) error {
		p, q := pinRef(role), pinRef(proofRole)
		if q != otherPIN(p) {
			return fmt.Errorf("a kiosk resets the %s on proof of the %v", role, otherPIN(p))
		}
		proof := w.pin(q)
		if which == "wrong" {
			proof = wrongValue(proof, q)
		}
		v := anotherValue(p, w.pin(p))
		return w.atOfficeSetting(p, v, func(c *office.Card) error { return c.ResetPIN(p, v, office.Kiosk, proof, kioskHour) })
	})
	add(`^the office renews the certificates on `+date+`$`, func(day string) error {
		on, err := officeHours(day)
		if err != nil {
			return err
		}
		return w.atOffice(func(c *office.Card) error {
			_, err := c.Renew(on, office.Options{NewKey: spareKeys()})
			return err
		})
	})
	add(`^the office issues a signing certificate on `+date+` to a holder born `+date+`$`, func(day, born string) error {
		on, err := officeHours(day)
		if err != nil {
			return err
		}
		b, err := rules.ParseDate(born)
		if err != nil {
			return err
		}
		v := anotherValue(jpki.SigningPIN, w.pin(jpki.SigningPIN))
		return w.atOfficeSetting(jpki.SigningPIN, v, func(c *office.Card) error {
			_, err := c.IssueSigning(on, v, office.Options{NewKey: spareKeys(), Birth: b,
				Name: "試験　太郎", Sex: "1", Address: "架空県見本市試験町一丁目２番３号"})
			return err
		})
	})
	add(`^the office records (?:an? )?([a-z-]+)$`, func(event string) error {
		return w.atOffice(func(c *office.Card) error {
			_, err := c.Record(rules.Event(event), kioskHour)
			return err
		})
	})
	add(`^the office did it$`, func() error {
		if w.office.err != nil {
			return fmt.Errorf("the office refused: %v", w.office.err)
		}
		return nil
	})
	add(`^the office refused under ([A-Z]+-\d+)$`, func(rule string) error {
		var r *office.Refusal
		if !errors.As(w.office.err, &r) || r.Rule != rule {
			return fmt.Errorf("want a refusal under %s, got %v", rule, w.office.err)
		}
		return nil
	})
	add(`^the office's record shows the (signing|auth) certificate (valid|revoked|suspended|absent)$`, func(cert, status string) error {
		if w.office.meta == nil {
			return errors.New("the card has not been to the office")
		}
		got := w.office.meta.Certificates.Auth.Status
		if cert == "signing" {
			got = w.office.meta.Certificates.Signing.Status
		}
		if string(got) != status {
			return fmt.Errorf("the %s certificate is %s, want %s", cert, got, status)
		}
		return nil
	})
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
func (w *world) setPIN(p jpki.PIN, v []byte) {
	if p == jpki.SigningPIN {
		w.secrets.SigningPIN = v
	} else {
		w.secrets.AuthPIN = v
	}
}

func cloneMeta(m store.Meta) store.Meta {
	m.Certificates = m.Certificates.Clone()
	return m
}
