package office

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jpkisim/jpkisim/cardface"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// Update is the holder's new basic information that a change of name or
// address brings to the card face: Name (UTF-8, surname U+3000 given name)
// for rules.NameChange, Address (UTF-8) for rules.AddressChange; the other
// field empty.
type Update struct {
	Name, Address string
}

// ErrUpdate is wrapped when an Update does not fit its event: a name
// change without a name, an address change without an address, a field the
// event does not change, or the value the card face already holds.
var ErrUpdate = errors.New("the new basic information does not fit the event")

// MaxUpdateLen bounds a new name or address, in characters (runes): a
// bound of jpkisim's, far above any registered address, that keeps the
// card-face files small; the sources give none.
const MaxUpdateLen = 200

// check refuses an Update that does not fit e.
func (u Update) check(e rules.Event) error {
	for _, v := range []struct{ what, s string }{{"name", u.Name}, {"address", u.Address}} {
		switch {
		case !utf8.ValidString(v.s):
			return fmt.Errorf("%w: the new %s is not UTF-8", ErrUpdate, v.what)
		case utf8.RuneCountInString(v.s) > MaxUpdateLen:
			return fmt.Errorf("%w: the new %s has %d characters, at most %d", ErrUpdate, v.what, utf8.RuneCountInString(v.s), MaxUpdateLen)
		case strings.IndexFunc(v.s, unicode.IsControl) >= 0:
			return fmt.Errorf("%w: the new %s holds a control character", ErrUpdate, v.what)
		}
	}
	switch e {
	case rules.NameChange:
		if u.Name == "" || u.Address != "" {
			return fmt.Errorf("%w: a name change takes the new name, and only it", ErrUpdate)
		}
	case rules.AddressChange:
		if u.Address == "" || u.Name != "" {
			return fmt.Errorf("%w: an address change takes the new address, and only it", ErrUpdate)
		}
	default:
		return fmt.Errorf("%w: %s does not change the card face (only name-change and address-change do)", ErrUpdate, e)
	}
	return nil
}

// RecordUpdate records a change of name or address (rules.NameChange,
// rules.AddressChange) as Record does — the signing certificate revoked
// (REVOKE-01), the auth certificate kept (REVOKE-05) — and, in the same
// commit, writes the new value to the card face as the municipality does
// at the counter (docs/state-file.md, "The holder"):
//
//   - Kenhojo EF 0002, the basic 4 information, with the new name or
//     address, and EF 0003, its integrity record, with the new digest and a
//     new signature;
//   - Kenkaku EF 0002, the card face, with the new name or address image
//     and a new signature over the three digest groups;
//
// each signature by the card-face signing key of the municipality that
// Kenkaku EF 0003 names (fixtures.CardFaceAuthorities), which must be the
// key both EF 0004 certify. The other files — the My Number, the photo,
// the CV certificates, the age record — are kept as the card holds them. A
// card without the card-face applications (a phone token) has no card
// face to write: only the record changes.
//
// The operation is one: when the card face cannot be written (a file of it
// does not parse, the municipality's key is not the certified one) or the
// commit fails, nothing changed, in memory as on the disk. An Update that
// does not fit e wraps ErrUpdate; refusals are Record's.
func (c *Card) RecordUpdate(e rules.Event, on time.Time, u Update) ([]Change, error) {
	if err := u.check(e); err != nil {
		return nil, err
	}
	return c.record(e, on, func() error { return c.writeFace(u) })
}

// faceApps are the card's Kenhojo and Kenkaku applications; both nil for a
// card without the card-face applications.
func (c *Card) faceApps() (hojo, kaku *simulator.Application, err error) {
	hojo, kaku = c.State.App(jpki.Kenhojo.AID()), c.State.App(jpki.Kenkaku.AID())
	if (hojo == nil) != (kaku == nil) {
		return nil, nil, errors.New("the card has one card-face application without the other")
	}
	return hojo, kaku, nil
}

// Holder returns the holder's basic 4 information as the card face holds
// it (Kenhojo EF 0002): the office's record of the holder's current name
// and address, which RecordUpdate writes; ok is false for a card without
// the card-face applications.
func (c *Card) Holder() (b cardface.Basic4, ok bool, err error) {
	hojo, _, err := c.faceApps()
	if err != nil || hojo == nil {
		return b, false, err
	}
	b, err = cardface.ParseBasic4(efData(hojo, 0x0002))
	if err != nil {
		return b, false, fmt.Errorf("the card face, Kenhojo EF 0002: %w", err)
	}
	return b, true, nil
}

// efData is the content of a transparent EF of app; nil when it has none.
func efData(app *simulator.Application, fid uint16) []byte {
	if ef := app.EF(fid); ef != nil {
		return ef.Data
	}
	return nil
}

// writeFace writes u to Kenhojo EF 0002 and 0003 and Kenkaku EF 0002 (see
// RecordUpdate). It changes nothing when it fails.
func (c *Card) writeFace(u Update) error {
	hojo, kaku, err := c.faceApps()
	if err != nil || hojo == nil {
		return err
	}
	b4, _, err := c.Holder()
	if err != nil {
		return err
	}
	if u.Name == b4.Name || u.Address == b4.Address {
		return fmt.Errorf("%w: the card face already holds it", ErrUpdate)
	}
	code, err := cardface.ParseKenkakuInfo(efData(kaku, 0x0003))
	if err != nil {
		return fmt.Errorf("the card face, Kenkaku EF 0003: %w", err)
	}
	keys, err := fixtures.CardFaceAuthorities(code)
	if err != nil {
		return err
	}
	for _, a := range []*simulator.Application{hojo, kaku} {
		cv, err := cardface.ParseCV(efData(a, 0x0004))
		if err != nil {
			return fmt.Errorf("%s EF 0004: %w", a.Name, err)
		}
		if !cv.PublicKey.Equal(&keys.Signer.PublicKey) {
			return fmt.Errorf("%s EF 0004 certifies a key that is not the card-face key of municipality %s", a.Name, code)
		}
	}
	face, err := cardface.ParseFace(efData(kaku, 0x0002))
	if err != nil {
		return fmt.Errorf("the card face, Kenkaku EF 0002: %w", err)
	}
	if u.Name != "" {
		b4.Name = u.Name
		face.NameImage, err = cardface.TextPNG(u.Name)
	} else {
		b4.Address = u.Address
		face.AddressImage, err = cardface.TextPNG(u.Address)
	}
	if err != nil {
		return err
	}
	basic, err := b4.Encode()
	if err != nil {
		return err
	}
	integrity, err := cardface.IntegrityRecord(efData(hojo, 0x0001), basic, keys.Signer)
	if err != nil {
		return fmt.Errorf("the card face, Kenhojo EF 0003: %w", err)
	}
	faceFile, err := face.Encode(keys.Signer)
	if err != nil {
		return fmt.Errorf("the card face, Kenkaku EF 0002: %w", err)
	}
	for _, w := range []struct {
		app  *simulator.Application
		fid  uint16
		data []byte
	}{{hojo, 0x0002, basic}, {hojo, 0x0003, integrity}, {kaku, 0x0002, faceFile}} {
		if w.app.EF(w.fid) == nil {
			return fmt.Errorf("%s has no EF %04X", w.app.Name, w.fid)
		}
	}
	hojo.EF(0x0002).Data, hojo.EF(0x0003).Data, kaku.EF(0x0002).Data = basic, integrity, faceFile
	return nil
}
