package harness_test

import (
	"bytes"
	"fmt"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
)

// appCard answers as a My Number card with all its applications does, as
// far as the guard's tests need (docs/card.md §1, §4, §5.1–§5.5, §6): SELECT
// by AID (whole or a prefix, first or next occurrence) and of an EF by FID;
// READ BINARY and READ RECORD by SFI, which make the EF current whatever
// they answer; the empty VERIFY, which answers 63Cx; and comparisons that
// spend a try. It holds its own list of the card's reference data, written
// from docs/card.md apart from package jpki, so that a reference missing
// there spends a try here.
//
// It is lenient on purpose, the worst card the guard may meet: every command
// that can carry a secret is a comparison with the reference its P2 names
// (80|SFI: that EF; any other P2: the current EF), whatever its class (the
// secure-messaging and channel bits are ignored); ENVELOPE is unwrapped; a
// malformed C-APDU's data is whatever follows its Lc; CHANGE REFERENCE DATA
// and CHANGE KEY compare their data as old value then new value, except
// for the new value alone (P1 01, or CHANGE KEY data no longer than the
// value) while the reference is verified. A command the guard lets through
// that a real card could take as a comparison spends a try here.
type appCard struct {
	apps     []*fakeApp
	cur      *fakeApp // the current DF: the ISD after reset
	ef       uint16   // the current EF; 0 for none
	verified map[*fakeRef]bool
	got      [][]byte // every C-APDU the card received, in order
}

type fakeApp struct {
	app  jpki.App
	aid  []byte
	refs map[uint16]*fakeRef
	efs  map[uint16]bool // the other EFs
}

type fakeRef struct {
	app        jpki.App
	fid        uint16
	value      []byte
	tries, max int
}

func (r *fakeRef) String() string { return fmt.Sprintf("%v %04X", r.app, r.fid) }

// The card's reference data and their values. The limits of 照合番号A, B and
// the birth-date key are not documented (docs/card.md §6): this card gives
// them 5, 10 and 3 tries, so that the guard cannot count on 3.
var appCardRefs = []struct {
	app        jpki.App
	fid        uint16
	value      string
	max, tries int
}{
	{jpki.JPKI, 0x0018, "1234", 3, 3},
	{jpki.JPKI, 0x001B, "ABC123", 5, 5},
	{jpki.Kenhojo, 0x0011, "5678", 3, 3},
	{jpki.Kenhojo, 0x0012, "0000", 3, 0}, // blocked as issued
	{jpki.Kenhojo, 0x0014, "123456789012", 5, 5},
	{jpki.Kenhojo, 0x0015, "55021720352285", 10, 10},
	{jpki.Kenkaku, 0x0011, "550217", 3, 3},
	{jpki.Kenkaku, 0x0012, "55021720352285", 10, 10},
	{jpki.Kenkaku, 0x0013, "123456789012", 5, 5},
	{jpki.Common, 0x001C, "2468", 3, 3},
	{jpki.Juki, 0x001C, "1357", 3, 3},
}

var appCardEFs = map[jpki.App][]uint16{
	jpki.ISD:     {0x001E},
	jpki.JPKI:    {0x0001, 0x0002, 0x0006, 0x0008, 0x0009, 0x000A, 0x000B, 0x0010, 0x0016, 0x0017, 0x001A},
	jpki.Kenhojo: {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0013},
	jpki.Kenkaku: {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x001A},
	jpki.Common:  {0x0001, 0x0002, 0x0019},
	jpki.Juki:    {0x0002},
}

// newAppCard returns the card just after a reset, every counter as
// appCardRefs gives it.
func newAppCard() *appCard {
	c := &appCard{verified: map[*fakeRef]bool{}}
	for _, a := range jpki.Apps {
		fa := &fakeApp{app: a, aid: a.AID(), refs: map[uint16]*fakeRef{}, efs: map[uint16]bool{}}
		for _, f := range appCardEFs[a] {
			fa.efs[f] = true
		}
		for _, r := range appCardRefs {
			if r.app == a {
				fa.refs[r.fid] = &fakeRef{app: a, fid: r.fid, value: []byte(r.value), tries: r.tries, max: r.max}
			}
		}
		c.apps = append(c.apps, fa)
	}
	c.cur = c.apps[0]
	return c
}

// refs returns every reference of the card, in the order of appCardRefs.
func (c *appCard) refs() []*fakeRef {
	var out []*fakeRef
	for _, r := range appCardRefs {
		out = append(out, c.app(r.app).refs[r.fid])
	}
	return out
}

// counters returns every retry counter, in the order of refs.
func (c *appCard) counters() []int {
	var n []int
	for _, r := range c.refs() {
		n = append(n, r.tries)
	}
	return n
}

func (c *appCard) app(a jpki.App) *fakeApp {
	for _, fa := range c.apps {
		if fa.app == a {
			return fa
		}
	}
	panic(a)
}

func (a *fakeApp) has(fid uint16) bool { return a.efs[fid] || a.refs[fid] != nil }

func (c *appCard) Transmit(b []byte) ([]byte, error) {
	c.got = append(c.got, bytes.Clone(b))
	return c.answer(b), nil
}

func (c *appCard) ATR() []byte { return jpki.DefaultATR() }

func (c *appCard) Reset() error {
	c.cur, c.ef, c.verified = c.apps[0], 0, map[*fakeRef]bool{}
	return nil
}

func (c *appCard) Close() error { return nil }

func swOnly(sw apdu.StatusWord) []byte { return []byte{sw.SW1(), sw.SW2()} }

// comparing lists the instructions that compare a secret here, whatever the
// class: VERIFY, CHANGE REFERENCE DATA, DISABLE and ENABLE VERIFICATION
// REQUIREMENT, RESET RETRY COUNTER (ISO/IEC 7816-4 §11.5); CHANGE KEY (INS
// 32) with a proprietary class.
func comparing(cla, ins byte) bool {
	switch ins {
	case 0x20, 0x21, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2C, 0x2D:
		return true
	case 0x32:
		return cla&0x80 != 0
	}
	return false
}

func (c *appCard) answer(b []byte) []byte {
	if len(b) < 4 {
		return swOnly(apdu.SWWrongLength)
	}
	cla, ins, p1, p2 := b[0], b[1], b[2], b[3]
	var data []byte
	if cmd, err := apdu.Parse(b); err == nil {
		data = cmd.Data
	} else if len(b) > 5 {
		data = b[5:]
	}
	switch {
	case comparing(cla, ins):
		return c.compareCommand(ins, p1, p2, data)
	case ins == 0xA4:
		return c.selectFile(p1, p2, data)
	case ins == 0xB0 && p1&0x80 != 0:
		return c.readBySFI(p1 & 0x1F)
	case ins == 0xB2 && p2>>3 != 0:
		return c.readBySFI(p2 >> 3)
	case ins == 0xB0 || ins == 0xB2:
		return c.readBySFI(0)
	case ins == 0xC2 || ins == 0xC3:
		if len(data) < 4 {
			return swOnly(apdu.SWWrongLength)
		}
		return c.answer(data)
	case ins == 0x84:
		return append(make([]byte, 8), 0x90, 0x00)
	case ins == 0xCA:
		return swOnly(apdu.SWReferenceNotFound) // no marker: a card that is not virtual
	case ins == 0x2A || ins == 0xAE:
		return swOnly(apdu.SWSecurityNotSatisfied)
	case ins == 0x88:
		return swOnly(apdu.SWConditionsNotSatisfied)
	}
	return swOnly(apdu.SWINSNotSupported)
}

func (c *appCard) selectFile(p1, p2 byte, data []byte) []byte {
	switch {
	case p1 == 0x04 && len(data) > 0:
		start := 0
		if p2&0x03 == 0x02 { // next occurrence
			for i, a := range c.apps {
				if a == c.cur {
					start = i + 1
				}
			}
		}
		for _, a := range c.apps[start:] {
			if bytes.HasPrefix(a.aid, data) {
				c.cur, c.ef = a, 0
				return swOnly(apdu.SWOK)
			}
		}
		return swOnly(apdu.SWFileNotFound)
	case p1 == 0x02 && len(data) == 2:
		fid := uint16(data[0])<<8 | uint16(data[1])
		if !c.cur.has(fid) {
			return swOnly(apdu.SWFileNotFound)
		}
		c.ef = fid
		return swOnly(apdu.SWOK)
	case p1 == 0x00 && c.cur.app != jpki.ISD:
		return swOnly(apdu.SWOK)
	}
	return swOnly(apdu.SWIncorrectP1P2)
}

// readBySFI reads EF sfi (0: the current EF), which becomes current before
// any check.
func (c *appCard) readBySFI(sfi byte) []byte {
	fid := uint16(sfi)
	if sfi != 0 {
		if !c.cur.has(fid) {
			return swOnly(apdu.SWFileNotFound)
		}
		c.ef = fid
	}
	switch {
	case c.ef == 0:
		return swOnly(apdu.SWNoCurrentEF)
	case c.cur.refs[c.ef] != nil:
		return swOnly(apdu.SWIncompatibleFile)
	}
	return []byte{0x01, 0x90, 0x00}
}

func (c *appCard) compareCommand(ins, p1, p2 byte, data []byte) []byte {
	fid := c.ef
	if p2&0xE0 == 0x80 && p2&0x1F != 0 {
		fid = uint16(p2 & 0x1F)
		if c.cur.has(fid) {
			c.ef = fid
		}
	}
	ref := c.cur.refs[fid]
	if ref == nil {
		return swOnly(apdu.SWReferenceNotFound)
	}
	if len(data) == 0 {
		if ins == 0x20 {
			return swOnly(apdu.VerifyFailed(ref.tries)) // the counter query
		}
		return swOnly(apdu.SWWrongLength)
	}
	if ins == 0x24 || ins == 0x25 || ins == 0x32 {
		if p1 == 0x01 || (ins == 0x32 && len(data) <= len(ref.value)) {
			switch {
			case ref.tries == 0:
				return swOnly(apdu.SWReferenceDataUnusable)
			case !c.verified[ref]:
				return swOnly(apdu.SWSecurityNotSatisfied)
			}
			ref.value, ref.tries = bytes.Clone(data), ref.max
			return swOnly(apdu.SWOK)
		}
		n := min(len(ref.value), len(data))
		if r := c.compare(ref, data[:n]); !bytes.Equal(r, swOnly(apdu.SWOK)) {
			return r
		}
		if len(data) > n {
			ref.value = bytes.Clone(data[n:])
		}
		return swOnly(apdu.SWOK)
	}
	return c.compare(ref, data)
}

func (c *appCard) compare(ref *fakeRef, v []byte) []byte {
	if ref.tries == 0 {
		return swOnly(apdu.SWReferenceDataUnusable)
	}
	if bytes.Equal(v, ref.value) {
		ref.tries, c.verified[ref] = ref.max, true
		return swOnly(apdu.SWOK)
	}
	ref.tries--
	c.verified[ref] = false
	return swOnly(apdu.VerifyFailed(ref.tries))
}

// sharedAppCard is the appCard behind several PC/SC connections: a
// transaction keeps the other programs out; before each of ours, the
// intruder (another program) may run.
type sharedAppCard struct {
	*appCard
	depth    int
	intruder func()
}

func (s *sharedAppCard) Transaction(f func() error) error {
	if s.depth == 0 && s.intruder != nil {
		s.intruder()
	}
	s.depth++
	defer func() { s.depth-- }()
	return f()
}

func (s *sharedAppCard) Transmit(b []byte) ([]byte, error) {
	var r []byte
	err := s.Transaction(func() error {
		var err error
		r, err = s.appCard.Transmit(b)
		return err
	})
	return r, err
}

var _ harness.Transactor = (*sharedAppCard)(nil)
