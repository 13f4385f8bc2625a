package simulator

import (
	"bytes"
	"crypto/rsa"
	"fmt"
	"maps"
	"slices"

	"github.com/jpkisim/jpkisim/jpki"
)

// CardFace is the content of the applications a physical card holds beside
// the JPKI application (docs/card.md §1, §4.2–§4.4, §8): the two card-face
// applications (Kenhojo, Kenkaku), the common card AP and the Juki AP. The
// card stores these bytes as its files hold them; it does not build them —
// package fixtures does, from the profile's holder, with the TEST-ONLY keys.
// A Profile without a CardFace is a card without these applications (a
// phone token, docs/card.md §14.1), whose SELECT of their AIDs answers 6A82.
type CardFace struct {
	// Kenhojo holds the transparent EFs of the Kenhojo AP by FID (0001 My
	// Number, 0002 basic 4 information, 0003 integrity record, 0004 CV
	// certificate, 0005 AP basic info, 0006 session-key public key, 0007
	// signed public key, 0008), Kenkaku those of the Kenkaku AP (0001 age
	// record, 0002 card face, 0003 AP basic info, 0004 CV certificate, 0005
	// My Number image, 0006), each exactly as the file holds it, filler
	// included (docs/card.md §8): every one of these FIDs and no other, 1 to
	// MaxEFSize bytes each, Kenhojo 0001 exactly 17. Kenhojo 0006 holds the
	// public half of KenhojoSessionKey, which the card keeps with that EF
	// (docs/card-behaviour.md, "The card-face, common card and Juki
	// applications").
	Kenhojo, Kenkaku map[uint16][]byte
	// CommonRecords are the records of the common card AP's record EF 0001,
	// record 1 first (01 1C + 28 ASCII digits, docs/card.md §8.3): 1 to
	// 254 records of 1 to 255 bytes; CommonKeyRef is the 16 bytes of its EF
	// 0002, which the Juki AP's EF 0002 holds too.
	CommonRecords [][]byte
	CommonKeyRef  []byte
	// KenhojoPIN is the initial reference data of Kenhojo EF 0011 and JukiPIN
	// that of EF 001C of the common card AP and of the Juki AP (two key
	// references with the same first value, changed separately), both 4
	// ASCII digits. KenhojoTriesLeft and JukiTriesLeft set their retry
	// counters (nil: the maximum, 0: blocked).
	KenhojoPIN, JukiPIN             []byte
	KenhojoTriesLeft, JukiTriesLeft *int
	// VerificationA is 照合番号A, the holder's 12-digit My Number (Kenhojo
	// EF 0014, Kenkaku EF 0013); VerificationB is 照合番号B, 14 digits
	// (Kenhojo 0015, Kenkaku 0012: era birth date YYMMDD, expiry year, 4-digit
	// security code); BirthDateKey is Kenkaku EF 0011's 6 digits (era
	// YYMMDD). All ASCII (docs/card.md §6).
	VerificationA, VerificationB, BirthDateKey []byte
	// The applications' own RSA-2048 keys: Kenhojo EF 0013 and Kenkaku EF
	// 001A sign with 80 2A 00 00 without a credential; the common card AP's
	// EF 0019 answers INTERNAL AUTHENTICATE (docs/card.md §5.6, §5.7).
	KenhojoKey, KenkakuKey, CommonKey *rsa.PrivateKey
	// KenhojoSessionKey is the private half of the RSA-2048 key whose
	// public half Kenhojo EF 0006 holds, to which a terminal encrypts a
	// secure-messaging session key with SET SESSION KEY (docs/card.md
	// §8.1, §5.10); nil for content without one.
	KenhojoSessionKey *rsa.PrivateKey
	// MFData are the card-level GET DATA objects by tag (docs/card.md §5.9:
	// 0042, 0045, 0066, 00F0, 00F2, 00F7, 00F8, 7F21; MFDataTags), 1 to
	// MaxEFSize bytes each, beside 5F51 (the ATR) and the marker, which the
	// card answers itself.
	MFData map[uint16][]byte
}

// Clone returns a deep copy of f; the keys, which nothing changes, stay
// shared. nil for nil.
func (f *CardFace) Clone() *CardFace {
	if f == nil {
		return nil
	}
	g := *f
	g.Kenhojo, g.Kenkaku, g.MFData = cloneFiles(f.Kenhojo), cloneFiles(f.Kenkaku), cloneFiles(f.MFData)
	if f.CommonRecords != nil {
		g.CommonRecords = make([][]byte, len(f.CommonRecords))
		for i, r := range f.CommonRecords {
			g.CommonRecords[i] = bytes.Clone(r)
		}
	}
	for _, b := range []*[]byte{&g.CommonKeyRef, &g.KenhojoPIN, &g.JukiPIN, &g.VerificationA, &g.VerificationB, &g.BirthDateKey} {
		*b = bytes.Clone(*b)
	}
	for _, n := range []**int{&g.KenhojoTriesLeft, &g.JukiTriesLeft} {
		if *n != nil {
			v := **n
			*n = &v
		}
	}
	return &g
}

func cloneFiles(m map[uint16][]byte) map[uint16][]byte {
	if m == nil {
		return nil
	}
	c := maps.Clone(m)
	for k, v := range c {
		c[k] = bytes.Clone(v)
	}
	return c
}

// MFDataTags are the tags of the card-level GET DATA objects a card may
// hold (CardFace.MFData, State.MFData; docs/card.md §5.9), in order.
var MFDataTags = []uint16{0x0042, 0x0045, 0x0066, 0x00F0, 0x00F2, 0x00F7, 0x00F8, 0x7F21}

// validate checks what a card needs of the card-face content: every EF of
// the Kenhojo and Kenkaku applications and no other, of a size the card
// holds; the common records and key reference; the PINs and the other key
// references of their formats, tries within their limits; the keys
// RSA-2048; the card-level objects of MFDataTags. Its errors never hold a
// value.
func (f *CardFace) validate() error {
	if f == nil {
		return nil
	}
	for _, a := range []struct {
		app   jpki.App
		specs []fileSpec
		files map[uint16][]byte
	}{{jpki.Kenhojo, kenhojoFiles, f.Kenhojo}, {jpki.Kenkaku, kenkakuFiles, f.Kenkaku}} {
		for _, s := range a.specs {
			d, ok := a.files[s.fid]
			switch {
			case !ok:
				return fmt.Errorf("%v EF %04X: missing", a.app, s.fid)
			case s.size != 0 && len(d) != s.size:
				return fmt.Errorf("%v EF %04X: %d bytes, not %d", a.app, s.fid, len(d), s.size)
			case len(d) == 0 || len(d) > MaxEFSize:
				return fmt.Errorf("%v EF %04X: %d bytes, not 1 to %d", a.app, s.fid, len(d), MaxEFSize)
			}
		}
		if len(a.files) != len(a.specs) {
			return fmt.Errorf("%v: %d EFs, and the application has %d (docs/card.md §4.2, §4.3)", a.app, len(a.files), len(a.specs))
		}
	}
	if n := len(f.CommonRecords); n < 1 || n > 254 {
		return fmt.Errorf("the common card application's EF 0001: %d records, not 1 to 254", n)
	}
	for i, r := range f.CommonRecords {
		if len(r) < 1 || len(r) > 255 {
			return fmt.Errorf("the common card application's record %d: %d bytes, not 1 to 255", i+1, len(r))
		}
	}
	if len(f.CommonKeyRef) != 16 {
		return fmt.Errorf("EF 0002 of the common card and Juki applications: %d bytes, not 16", len(f.CommonKeyRef))
	}
	for _, s := range []struct {
		name   string
		v      []byte
		format jpki.Format
	}{{"照合番号A", f.VerificationA, jpki.VerificationAFormat}, {"照合番号B", f.VerificationB, jpki.VerificationBFormat},
		{"the birth-date key", f.BirthDateKey, jpki.BirthDateKeyFormat}} {
		if err := s.format.Check(s.v); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	for tag, d := range f.MFData {
		if !slices.Contains(MFDataTags, tag) {
			return fmt.Errorf("GET DATA object %04X: not a card-level object of docs/card.md §5.9", tag)
		}
		if len(d) == 0 || len(d) > MaxEFSize {
			return fmt.Errorf("GET DATA object %04X: %d bytes, not 1 to %d", tag, len(d), MaxEFSize)
		}
	}
	for _, c := range []struct {
		p     jpki.PIN
		v     []byte
		tries *int
	}{{jpki.KenhojoPIN, f.KenhojoPIN, f.KenhojoTriesLeft}, {jpki.JukiPIN, f.JukiPIN, f.JukiTriesLeft}} {
		if err := c.p.Format().Check(c.v); err != nil {
			return fmt.Errorf("%v: %w", c.p, err)
		}
		if c.tries != nil && (*c.tries < 0 || *c.tries > c.p.MaxTries()) {
			return fmt.Errorf("%v: %d tries left is outside 0..%d", c.p, *c.tries, c.p.MaxTries())
		}
	}
	for _, k := range []*rsa.PrivateKey{f.KenhojoKey, f.KenkakuKey, f.CommonKey} {
		if k == nil || k.N.BitLen() != 2048 {
			return fmt.Errorf("the card-face and common applications need their own RSA-2048 keys (docs/card.md §5.6, §5.7)")
		}
	}
	if k := f.KenhojoSessionKey; k != nil && k.N.BitLen() != 2048 {
		return fmt.Errorf("the key of Kenhojo EF 0006 is RSA-2048 (docs/card.md §8.1)")
	}
	return nil
}
