// Package properties checks the card against the independent model (package
// model) over random command sequences, with gopter's commands package: the
// stateful property that `go test`, `jpkisim props` and `jpkisim diff` run.
//
// Every command is a C-APDU (or a reset or power cycle); its String is
// readable and PIN-masked, so a failing sequence can be printed and kept.
package properties

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/model"
)

// state is gopter's model state: the model's state and what the last
// command must have answered.
type state struct {
	s, prev model.State
	expect  model.Expect
	// sent is the C-APDU of the last command (nil for reset/power cycle).
	sent []byte
	// pinOf is the PIN a VERIFY or CHANGE REFERENCE DATA addressed, -1 else.
	pinOf model.PIN
}

// result is what running a command on the card gave.
type result struct {
	resp []byte
	err  error
	// skipped: the guard refused this command or one before it in the
	// sequence (session), so there is nothing to compare.
	skipped bool
}

// op is one command of a sequence.
type op struct {
	name  string // readable, PIN-masked
	capdu []byte // nil: a reset (or power cycle when cycle)
	cycle bool
	// label says what a VERIFY or CHANGE value is, for String, never the value.
	label string
}

var _ commands.Command = (*op)(nil)

func (o *op) String() string {
	switch {
	case o.capdu == nil && o.cycle:
		return "POWER-CYCLE"
	case o.capdu == nil:
		return "RESET"
	}
	s := o.name + "(" + apdu.MaskedHex(o.capdu)
	if o.label != "" {
		s += " " + o.label
	}
	return s + ")"
}

// Run sends the command to the card under test, unless the guard refused
// an earlier command of the sequence.
func (o *op) Run(sut commands.SystemUnderTest) commands.Result {
	s := sut.(*session)
	if s.stopped {
		return result{skipped: true}
	}
	var r []byte
	var err error
	if o.capdu == nil {
		if pc, ok := harness.PowerCyclerOf(s.card); o.cycle && ok {
			err = pc.PowerCycle()
		} else {
			err = s.card.Reset()
		}
	} else {
		r, err = s.card.Transmit(o.capdu)
	}
	if errors.Is(err, harness.ErrRefused) {
		s.stopped = true
		s.refused.Add(1)
		return result{skipped: true}
	}
	return result{resp: r, err: err}
}

// NextState asks the model what the command does.
func (o *op) NextState(st commands.State) commands.State {
	m := st.(*runState)
	cur := m.st
	next := cur
	next.prev, next.sent, next.pinOf = cur.s, o.capdu, -1
	if o.capdu == nil {
		next.s, next.expect = model.Reset(cur.s), model.Expect{SW: apdu.SWOK}
	} else {
		next.s, next.expect = m.model.Step(cur.s, o.capdu)
		next.pinOf = m.addressedPIN(cur.s, o.capdu)
	}
	return &runState{model: m.model, keys: m.keys, compareData: m.compareData, st: next}
}

// runState is gopter's state: the model, the keys that check signatures,
// and the model state with the last expectation.
type runState struct {
	model       *model.Model
	keys        *keyset
	compareData bool
	st          state
}

// String shows the model state with the PIN values masked: gopter prints
// the initial state of a failing sequence.
func (m *runState) String() string {
	s := m.st.s
	return fmt.Sprintf("card{DF %d, EF %04X, verified %v, tries %v, PINs ****}", s.DF, s.EF, s.Verified, s.Tries)
}

type gopterResult = gopter.PropResult

func fail(format string, args ...any) *gopter.PropResult {
	return &gopter.PropResult{Status: gopter.PropFalse, Labels: []string{fmt.Sprintf(format, args...)}}
}

func pass() *gopter.PropResult { return &gopter.PropResult{Status: gopter.PropTrue} }

// PreCondition accepts every command: the model answers any bytes.
func (o *op) PreCondition(commands.State) bool { return true }

// PostCondition compares the card's answer with the model's and checks the
// invariants that must hold after every command.
func (o *op) PostCondition(st commands.State, res commands.Result) *gopterResult {
	m := st.(*runState)
	r := res.(result)
	if r.skipped {
		// Nothing to compare. Not PropUndecided: gopter would shrink such a
		// sequence and run it again and again; the run counts it apart.
		return pass()
	}
	if r.err != nil {
		return fail("transport error: %v", r.err)
	}
	if o.capdu == nil {
		return pass()
	}
	if observe != nil {
		observe(m.st, r.resp)
	}
	return m.check(r.resp)
}

// observe, when set (by tests), sees every answer with the model state.
var observe func(st state, resp []byte)

// addressed is the EF a command that takes P2 = 80 or 80|SFI refers to in
// state s (0 when none), read here for the invariants.
func addressed(s model.State, b []byte) uint16 {
	if len(b) < 4 || s.DF == model.AtISD {
		return 0
	}
	sfi, ok := jpki.EFRef(b[3])
	switch {
	case !ok:
		return 0
	case sfi != 0:
		return uint16(sfi)
	}
	return s.EF
}

// keyRef is a key reference a VERIFY compares, by its application and EF
// (card.md §4, §6), and the model's index of it.
type keyRef struct {
	df  model.Where
	app jpki.App
	fid uint16
	pin model.PIN
}

// keyRefs are every key reference of the card; counterRefs those outside
// the JPKI application, which a card with a card face holds.
var (
	keyRefs = []keyRef{
		{model.AtJPKI, jpki.JPKI, jpki.EFAuthPIN, model.Auth},
		{model.AtJPKI, jpki.JPKI, jpki.EFSigningPIN, model.Sign},
		{model.AtKenhojo, jpki.Kenhojo, 0x0011, model.KenhojoPIN},
		{model.AtKenhojo, jpki.Kenhojo, 0x0014, model.KenhojoA},
		{model.AtKenhojo, jpki.Kenhojo, 0x0015, model.KenhojoB},
		{model.AtKenhojo, jpki.Kenhojo, 0x0012, model.KenhojoBlocked},
		{model.AtKenkaku, jpki.Kenkaku, 0x0011, model.KenkakuBirth},
		{model.AtKenkaku, jpki.Kenkaku, 0x0012, model.KenkakuB},
		{model.AtKenkaku, jpki.Kenkaku, 0x0013, model.KenkakuA},
		{model.AtCommon, jpki.Common, 0x001C, model.CommonPIN},
		{model.AtJuki, jpki.Juki, 0x001C, model.JukiPIN},
	}
	counterRefs = keyRefs[2:]
)

// protected are the EFs of the card-face applications that a credential
// opens, with the key references any one of which does (card.md §4.2,
// §4.3), for the invariant that none is read without one.
var protected = map[model.Where]map[uint16][]model.PIN{
	model.AtKenhojo: {
		0x0001: {model.KenhojoPIN, model.KenhojoA},
		0x0002: {model.KenhojoPIN, model.KenhojoB},
		0x0003: {model.KenhojoPIN, model.KenhojoA, model.KenhojoB},
		0x0006: {model.KenhojoPIN, model.KenhojoA, model.KenhojoB},
		0x0007: {model.KenhojoPIN, model.KenhojoA, model.KenhojoB},
	},
	model.AtKenkaku: {
		0x0001: {model.KenkakuBirth},
		0x0002: {model.KenkakuA, model.KenkakuB},
		0x0005: {model.KenkakuA},
		0x0006: {model.KenkakuA, model.KenkakuB},
	},
}

// addressedPIN is the key reference a VERIFY, CHANGE REFERENCE DATA or
// CHANGE KEY refers to, or -1.
func (m *runState) addressedPIN(s model.State, b []byte) model.PIN {
	if len(b) < 4 || !(b[0] == 0x00 && (b[1] == 0x20 || b[1] == 0x24) || b[0] == 0x80 && b[1] == 0x32) {
		return -1
	}
	fid := addressed(s, b)
	for _, r := range keyRefs {
		if r.df == s.DF && r.fid == fid {
			return r.pin
		}
	}
	return -1
}

// readEF is the EF a READ BINARY reads, by SFI or as the current EF (0:
// not a READ BINARY).
func readEF(s model.State, b []byte) uint16 {
	if b[0] != 0x00 || b[1] != 0xB0 || len(b) < 5 {
		return 0
	}
	if b[2]&0x80 != 0 {
		return uint16(b[2] & 0x1F)
	}
	return s.EF
}

func (m *runState) check(resp []byte) *gopterResult {
	st := m.st
	if len(resp) < 2 {
		return fail("answer of %d bytes", len(resp))
	}
	sw := apdu.NewStatusWord(resp[len(resp)-2], resp[len(resp)-1])
	data := resp[:len(resp)-2]
	b := st.sent
	if len(b) < 4 {
		b = append(append([]byte(nil), b...), 0xFF, 0xFF, 0xFF, 0xFF)[:4] // a header that matches nothing below
	}
	isVerify := b[0] == 0x00 && b[1] == 0x20
	// Invariants, whatever the model says.
	// The empty VERIFY answers 9000 only on a card set to, and only while
	// its PIN is verified (docs/card-behaviour.md, Q1).
	if isVerify && len(st.sent) == 4 && sw == apdu.SWOK &&
		!(m.model.Settings().EmptyVerifyOKWhenVerified && st.pinOf >= 0 && st.prev.Verified[st.pinOf]) {
		return fail("the empty VERIFY answered 9000")
	}
	if b[0] == 0x80 && b[1] == 0x2A && sw == apdu.SWOK {
		key := addressed(st.prev, b)
		switch df := st.prev.DF; {
		case df == model.AtKenhojo && (b[3] == 0x00 || key == 0x0013), df == model.AtKenkaku && (b[3] == 0x00 || key == 0x001A):
			// the application's own key: no credential (card.md §5.6)
		case df != model.AtJPKI:
			return fail("a signature in DF %d with EF %04X, which holds no key that signs", df, key)
		case key == jpki.EFAuthKey && !st.prev.Verified[model.Auth]:
			return fail("a signature with the auth key without the auth PIN verified since the last reset")
		case key == jpki.EFSigningKey && !st.prev.Verified[model.Sign]:
			return fail("a signature with the signing key without the signing password verified since the last reset")
		case key != jpki.EFAuthKey && key != jpki.EFSigningKey:
			return fail("a signature with EF %04X, which holds no usable key", key)
		}
	}
	if b[0] == 0x00 && b[1] == 0x88 && sw == apdu.SWOK && (st.prev.DF != model.AtCommon || addressed(st.prev, b) != 0x0019) {
		return fail("INTERNAL AUTHENTICATE answered 9000 with a key other than the common card's 0019")
	}
	if sw == apdu.SWOK && len(data) > 0 && st.prev.DF == model.AtJPKI && readEF(st.prev, b) == jpki.EFSigningCert && !st.prev.Verified[model.Sign] {
		return fail("the signing certificate was read without the signing password")
	}
	if by, ok := protected[st.prev.DF][readEF(st.prev, b)]; ok && sw == apdu.SWOK && len(data) > 0 && !anyVerified(st.prev, by) {
		return fail("EF %04X of DF %d was read without any of its credentials", readEF(st.prev, b), st.prev.DF)
	}
	for p := model.PIN(0); p < model.NumPINs; p++ {
		rose := st.s.Tries[p] > st.prev.Tries[p]
		restored := sw == apdu.SWOK && (st.pinOf == p || b[1] == 0xEE)
		if rose && !restored {
			return fail("the %v retry counter rose from %d to %d without a correct VERIFY", pinName(p), st.prev.Tries[p], st.s.Tries[p])
		}
		if st.prev.Tries[p] == 0 && st.s.Tries[p] != 0 && b[1] != 0xEE {
			return fail("the blocked %v was unblocked", pinName(p))
		}
	}
	// The model.
	e := st.expect
	if sw != e.SW {
		return fail("SW %04X, model %04X", uint16(sw), uint16(e.SW))
	}
	switch e.Kind {
	case model.Exact:
		if m.compareData && !bytes.Equal(data, e.Data) {
			return fail("data %s, model %s", short(data), short(e.Data))
		}
	case model.Random:
		if len(data) != e.N {
			return fail("%d random bytes, model %d", len(data), e.N)
		}
	case model.Signature:
		if e.Pub != nil {
			if err := verifySignature(e.Pub, e.Scheme, e.Input, data); err != nil {
				return fail("signature does not verify with the application's own public key: %v", err)
			}
		} else if err := m.keys.verify(e.Key, e.Scheme, e.Input, data); err != nil {
			return fail("signature does not verify with the %v certificate: %v", pinName(e.Key), err)
		}
	}
	return pass()
}

func anyVerified(s model.State, by []model.PIN) bool {
	for _, p := range by {
		if s.Verified[p] {
			return true
		}
	}
	return false
}

var pinNames = [model.NumPINs]string{
	model.Auth: "auth PIN", model.Sign: "signing password", model.KenhojoPIN: "Kenhojo PIN",
	model.KenhojoA: "Kenhojo 照合番号A", model.KenhojoB: "Kenhojo 照合番号B", model.KenhojoBlocked: "Kenhojo 0012",
	model.KenkakuBirth: "Kenkaku birth-date key", model.KenkakuB: "Kenkaku 照合番号B", model.KenkakuA: "Kenkaku 照合番号A",
	model.CommonPIN: "common card PIN", model.JukiPIN: "Juki PIN",
}

func pinName(p model.PIN) string {
	if p < 0 || p >= model.NumPINs {
		return fmt.Sprintf("PIN(%d)", int(p))
	}
	return pinNames[p]
}

func short(b []byte) string {
	if len(b) > 24 {
		return fmt.Sprintf("%X...(%d bytes)", b[:24], len(b))
	}
	return strings.ToUpper(fmt.Sprintf("%X", b))
}
