package office_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/cardface"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// faceFiles are the card's Kenhojo and Kenkaku files by FID.
func faceFiles(t *testing.T, st *simulator.State) (hojo, kaku map[uint16][]byte) {
	t.Helper()
	hojo, kaku = map[uint16][]byte{}, map[uint16][]byte{}
	for _, a := range []struct {
		app   jpki.App
		files map[uint16][]byte
	}{{jpki.Kenhojo, hojo}, {jpki.Kenkaku, kaku}} {
		app := st.App(a.app.AID())
		if app == nil {
			t.Fatalf("the card has no %v application", a.app)
		}
		for _, ef := range app.EFs {
			if ef.Kind == simulator.Transparent {
				a.files[ef.FID] = bytes.Clone(ef.Data)
			}
		}
	}
	return hojo, kaku
}

// checkFace checks that the card face holds name and address — Kenhojo EF
// 0002 as text, Kenkaku EF 0002 as images — and that both applications'
// files verify as a relying party checks them.
func checkFace(t *testing.T, st *simulator.State, name, address string) {
	t.Helper()
	hojo, kaku := faceFiles(t, st)
	b4, err := cardface.ParseBasic4(hojo[0x0002])
	if err != nil {
		t.Fatal(err)
	}
	if b4.Name != name || b4.Address != address {
		t.Errorf("Kenhojo EF 0002 holds %q, %q; want %q, %q", b4.Name, b4.Address, name, address)
	}
	face, err := cardface.ParseFace(kaku[0x0002])
	if err != nil {
		t.Fatal(err)
	}
	nameImage, _ := cardface.TextPNG(name)
	addressImage, _ := cardface.TextPNG(address)
	if !bytes.Equal(face.NameImage, nameImage) || !bytes.Equal(face.AddressImage, addressImage) {
		t.Errorf("Kenkaku EF 0002: name image %v, address image %v of the expected", bytes.Equal(face.NameImage, nameImage), bytes.Equal(face.AddressImage, addressImage))
	}
	ih, ik, err := fixtures.CardFaceIssuers()
	if err != nil {
		t.Fatal(err)
	}
	if err := cardface.VerifyKenhojo(hojo, ih); err != nil {
		t.Errorf("Kenhojo: %v", err)
	}
	if err := cardface.VerifyKenkaku(kaku, ik); err != nil {
		t.Errorf("Kenkaku: %v", err)
	}
}

const (
	newAddress   = "架空県見本市南町二丁目3番4号"
	thirdAddress = "架空県見本市北町五丁目6番7号"
	newName      = "見本　花子"
)

// An address change revokes the signing certificate and writes the new
// address to Kenhojo and Kenkaku in one commit; the rest of the card face
// stays as it was. A second move writes again, the revocation stays the
// first.
func TestAddressChangeWritesTheCardFace(t *testing.T) {
	c, commits := newCard(t)
	h, err := fixtures.Holder("default")
	if err != nil {
		t.Fatal(err)
	}
	checkFace(t, c.State, h.Name, h.Address)
	hojoBefore, kakuBefore := faceFiles(t, c.State)
	changes, err := c.RecordUpdate(rules.AddressChange, day, office.Update{Address: newAddress})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != jpki.Signing || c.Meta.Certificates.Signing.Status != rules.Revoked ||
		c.Meta.Certificates.Auth.Status != rules.Valid || *commits != 1 {
		t.Fatalf("changes %+v, record %+v, %d commits", changes, c.Meta.Certificates, *commits)
	}
	checkFace(t, c.State, h.Name, newAddress)
	hojo, kaku := faceFiles(t, c.State)
	for fid, b := range hojoBefore {
		if changed := !bytes.Equal(b, hojo[fid]); changed != (fid == 0x0002 || fid == 0x0003) {
			t.Errorf("Kenhojo EF %04X changed: %v", fid, changed)
		}
	}
	for fid, b := range kakuBefore {
		if changed := !bytes.Equal(b, kaku[fid]); changed != (fid == 0x0002) {
			t.Errorf("Kenkaku EF %04X changed: %v", fid, changed)
		}
	}
	before, _ := cardface.ParseFace(kakuBefore[0x0002])
	after, _ := cardface.ParseFace(kaku[0x0002])
	if !bytes.Equal(before.Photo, after.Photo) || !bytes.Equal(before.NameImage, after.NameImage) || before.Expiry != after.Expiry {
		t.Error("the address change changed the photo, the name image or the expiry")
	}
	if b, ok, err := c.Holder(); err != nil || !ok || b.Address != newAddress {
		t.Fatalf("Holder: %+v %v %v", b, ok, err)
	}

	// Moved again: the card face follows, the revocation keeps its date.
	if _, err := c.RecordUpdate(rules.AddressChange, day.Add(24*time.Hour), office.Update{Address: thirdAddress}); err != nil {
		t.Fatal(err)
	}
	checkFace(t, c.State, h.Name, thirdAddress)
	if !c.Meta.Certificates.Signing.Since.Equal(day) || *commits != 2 {
		t.Fatalf("record %+v, %d commits", c.Meta.Certificates.Signing, *commits)
	}
	// A name change writes the name the same way.
	if _, err := c.RecordUpdate(rules.NameChange, day.Add(48*time.Hour), office.Update{Name: newName}); err != nil {
		t.Fatal(err)
	}
	checkFace(t, c.State, newName, thirdAddress)
}

// An Update that does not fit its event is refused before anything
// changes: no commit, the card face and the record as they were.
func TestUpdateMustFitTheEvent(t *testing.T) {
	h, _ := fixtures.Holder("default")
	for _, tc := range []struct {
		name  string
		event rules.Event
		u     office.Update
	}{
		{"address change without an address", rules.AddressChange, office.Update{}},
		{"address change with a name", rules.AddressChange, office.Update{Name: newName, Address: newAddress}},
		{"name change with an address", rules.NameChange, office.Update{Address: newAddress}},
		{"an event that is not a change of name or address", rules.BirthDateChange, office.Update{Address: newAddress}},
		{"the address the card already holds", rules.AddressChange, office.Update{Address: h.Address}},
		{"the name the card already holds", rules.NameChange, office.Update{Name: h.Name}},
		{"an address that is not UTF-8", rules.AddressChange, office.Update{Address: "\xff\xfe"}},
		{"an address with a line break", rules.AddressChange, office.Update{Address: "架空県\n見本市"}},
		{"an address too long", rules.AddressChange, office.Update{Address: strings.Repeat("町", office.MaxUpdateLen+1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, commits := newCard(t)
			hojo, kaku := faceFiles(t, c.State)
			rec := c.Meta.Certificates.Clone()
			if _, err := c.RecordUpdate(tc.event, day, tc.u); !errors.Is(err, office.ErrUpdate) {
				t.Fatalf("RecordUpdate: %v", err)
			}
			h2, k2 := faceFiles(t, c.State)
			if *commits != 0 || !reflect.DeepEqual(hojo, h2) || !reflect.DeepEqual(kaku, k2) || !reflect.DeepEqual(rec, c.Meta.Certificates) {
				t.Errorf("a refused update changed the card (%d commits)", *commits)
			}
		})
	}
}

// One operation: when the card face cannot be written, or the commit
// fails, the revocation is undone too — memory as the disk has it.
func TestAddressChangeIsOneOperation(t *testing.T) {
	diskFull := errors.New("disk full")
	for _, tc := range []struct {
		name  string
		spoil func(c *office.Card)
		want  error
	}{
		{"the commit fails", func(c *office.Card) { c.Commit = func() error { return diskFull } }, diskFull},
		{"the card face does not parse", func(c *office.Card) {
			ef := c.State.App(jpki.Kenkaku.AID()).EF(0x0002)
			ef.Data = ef.Data[:len(ef.Data)/2]
		}, cardface.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newCard(t)
			tc.spoil(c)
			hojo, kaku := faceFiles(t, c.State)
			rec := c.Meta.Certificates.Clone()
			if _, err := c.RecordUpdate(rules.AddressChange, day, office.Update{Address: newAddress}); !errors.Is(err, tc.want) {
				t.Fatalf("RecordUpdate: %v, want %v", err, tc.want)
			}
			h2, k2 := faceFiles(t, c.State)
			if !reflect.DeepEqual(hojo, h2) || !reflect.DeepEqual(kaku, k2) {
				t.Error("the card face in memory changed though the operation failed")
			}
			if !reflect.DeepEqual(rec, c.Meta.Certificates) {
				t.Errorf("the record in memory is %+v though the operation failed", c.Meta.Certificates.Signing)
			}
		})
	}
}

// A phone token has no card face: the change is recorded, nothing written.
func TestAddressChangeOnAPhoneToken(t *testing.T) {
	c := cardOf(t, "android")
	if _, ok, err := c.Holder(); ok || err != nil {
		t.Fatalf("Holder of a phone token: %v %v", ok, err)
	}
	if _, err := c.RecordUpdate(rules.AddressChange, day, office.Update{Address: newAddress}); err != nil {
		t.Fatal(err)
	}
	if c.Meta.Certificates.Signing.Status != rules.Revoked {
		t.Fatalf("%+v", c.Meta.Certificates.Signing)
	}
}

// After a move recorded on the card face, a re-issue on request carries the
// card face's new address without being told it, with substitute-character
// flags of 0 for the new value (before, it took the revoked certificate's
// old address).
func TestIssueSigningTakesTheCardFacesAddress(t *testing.T) {
	c := cardOf(t, "default")
	if _, err := c.RecordUpdate(rules.AddressChange, jst(2026, 11, 1), office.Update{Address: newAddress}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IssueSigning(jst(2026, 11, 29), []byte("NEWPASS1"), office.Options{NewKey: spareKeys()}); err != nil {
		t.Fatal(err)
	}
	san, err := pki.ParseSigningSAN(certOn(t, c, jpki.EFSigningCert))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := fixtures.Holder("default")
	if san.Address != newAddress || san.AddressFlags != strings.Repeat("0", len([]rune(newAddress))) || san.Name != h.Name || san.NameFlags != h.NameFlags {
		t.Fatalf("the re-issued certificate: %+v", san)
	}
}
