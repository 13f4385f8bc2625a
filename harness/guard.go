package harness

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
)

// ErrRefused is wrapped by every C-APDU the real-card guard stops.
var ErrRefused = errors.New("refused by the real-card guard")

// GuardPolicy says what may reach a card that is not the virtual one.
type GuardPolicy struct {
	// AllowDestructive lets through what can spend a try or change the card
	// (--allow-destructive): VERIFY values other than the configured PINs,
	// VERIFY on a counter that is not full or cannot be read, PIN changes,
	// and every command outside the read-only list.
	AllowDestructive bool
	// AllowLockout lets a command spend the last two tries of any PIN or
	// other reference data (--allow-lockout).
	AllowLockout bool
	// Secrets are the PINs the user configured for this card; empty values
	// mean none was given.
	Secrets Secrets
	// Memory remembers configured PINs the card refused. Share one between
	// every session on the same card (a Target does), so that a mistyped PIN
	// costs one try in the whole run, not one per scenario. Nil: per Guard.
	Memory *GuardMemory
}

// GuardMemory is the set of configured PIN values a card refused.
type GuardMemory struct {
	mu     sync.Mutex
	failed [][]byte
}

func (m *GuardMemory) has(v []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.failed {
		if bytes.Equal(f, v) {
			return true
		}
	}
	return false
}

func (m *GuardMemory) add(v []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed = append(m.failed, append([]byte(nil), v...))
}

// Guard is the Card wrapper between the harness and a card that is not the
// virtual one. A locked signing password costs its owner a trip to the city
// office, so, unless the policy allows more, only these reach the card
// (docs/guard.md):
//
//   - read-only commands (ReadOnly, judged by CLA and INS): SELECT, READ
//     BINARY, READ RECORD, GET DATA, GET CHALLENGE, GET RESPONSE, COMPUTE
//     DIGITAL SIGNATURE (80 2A), and the empty VERIFY that reads a retry
//     counter;
//   - a VERIFY of the JPKI auth PIN (EF 0018) or signing password (EF 001B)
//     whose value is the PIN configured for that very reference, whose
//     counter is full, and which the card has not refused before (so a
//     mistyped PIN costs one try, once).
//
// The guard follows the card's current DF and EF from what it sends, and
// forgets what it cannot be sure of: a SELECT that failed, a READ BINARY or
// READ RECORD by SFI that did not answer 9000 (the EF may have become current
// all the same), a transport error, any command it does not know. A VERIFY
// whose reference it is not sure of is refused. One it lets through goes out
// inside one PC/SC transaction, after the guard's own SELECT of the JPKI
// application, its own SELECT of the PIN's EF (for P2 = 80) and its own
// counter query, so that no other program sharing the reader, and no command
// of the caller's, can change which PIN the value is compared with.
//
// With AllowDestructive every command passes, but without AllowLockout the
// guard keeps two tries of every reference data of every application
// (jpki.References), so that the owner's value can always fill the counter
// again: a VERIFY (00 20 00) goes out only after the counter of the
// reference it names, read in the same transaction, shows more than two
// tries — or two, for the owner's JPKI PIN or a value a CHANGE REFERENCE
// DATA of this session gave that PIN (to put it back), once the guard named
// the reference itself; and every other C-APDU that could compare a value
// with reference data (MayVerify: any command that can carry a PIN, with
// any CLA, or a C-APDU that is malformed or shorter than 4 bytes) goes out
// only after the counter of every reference it could reach, read in the
// same transaction, shows more than two tries — for CHANGE REFERENCE DATA
// and CHANGE KEY the one their P2 names, for any other form all those of
// the current application and the one its P2 may name — and never on
// another logical channel. A stopped command returns an error wrapping
// ErrRefused; nothing of it is sent.
type Guard struct {
	// card is the card beneath, which the guard never hands out: no
	// exported field or method reaches it (docs/guard.md).
	card   Card
	Policy GuardPolicy

	at position
	// set holds, for each JPKI PIN, the new values CHANGE REFERENCE DATA
	// (00 24 01) gave it in this session, with its reference named by the
	// guard in the same transaction.
	set map[jpki.PIN][][]byte
}

// NewGuard wraps c. The guard knows nothing yet of where the card is: the
// session may have found it as another program left it.
func NewGuard(c Card, p GuardPolicy) *Guard {
	if p.Memory == nil {
		p.Memory = &GuardMemory{}
	}
	g := &Guard{card: c, Policy: p}
	g.at.lose("the session began with the card as the last program left it")
	return g
}

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// ReadOnly reports the commands the guard lets reach a card that is not
// virtual without --allow-destructive, by class and instruction: those that
// can neither spend a try nor change the card (VERIFY is judged apart).
func ReadOnly(cla, ins byte) bool {
	switch cla {
	case 0x00:
		switch ins {
		case 0xA4, 0xB0, 0xB2, 0xCA, 0x84, 0xC0:
			return true
		}
	case 0x80:
		return ins == 0x2A
	}
	return false
}

// MayVerify reports whether a C-APDU could compare reference data on some
// card, whatever its class: every command that can carry a PIN
// (apdu.CarriesSecret: VERIFY, CHANGE REFERENCE DATA, DISABLE and ENABLE
// VERIFICATION REQUIREMENT, RESET RETRY COUNTER, ENVELOPE around any of
// them, the proprietary CHANGE KEY), and a C-APDU the codec cannot parse or
// shorter than 4 bytes, which a card may read otherwise than we do.
func MayVerify(capdu []byte) bool {
	if len(capdu) < 4 {
		return true
	}
	if _, err := apdu.Parse(capdu); err != nil {
		return true
	}
	return apdu.CarriesSecret(capdu[0], capdu[1])
}

// Transmit implements Card.
func (g *Guard) Transmit(capdu []byte) ([]byte, error) {
	cmd, perr := apdu.Parse(capdu)
	wellFormed := perr == nil && len(capdu) >= 4
	p := g.Policy
	var r []byte
	err := inTransaction(g.card, func() error {
		var err error
		switch {
		case wellFormed && cmd.CLA == 0x00 && cmd.INS == 0x20:
			r, err = g.verify(cmd, capdu)
		case len(capdu) >= 2 && ReadOnly(capdu[0], capdu[1]):
			// A card takes its instruction from INS whatever the lengths:
			// a malformed read-only command gets its 67xx, nothing more.
			r, err = g.send(capdu)
		case !p.AllowDestructive && len(capdu) < 2:
			err = refused("%s: a C-APDU under 2 bytes is not sent to a card that is not virtual", apdu.MaskedHex(capdu))
		case !p.AllowDestructive:
			err = refused("%s: CLA %02X INS %02X is not among the read-only commands allowed on a card that is not virtual; pass --allow-destructive to allow it", apdu.MaskedHex(capdu), capdu[0], capdu[1])
		case MayVerify(capdu) && !p.AllowLockout:
			r, err = g.afterCounters(capdu)
		default:
			r, err = g.send(capdu)
		}
		return err
	})
	return r, err
}

// send transmits one C-APDU of the caller's and follows its effect.
func (g *Guard) send(capdu []byte) ([]byte, error) {
	r, err := g.card.Transmit(capdu)
	g.at.after(capdu, r, err)
	return r, err
}

// wasSet reports whether v is a value CHANGE REFERENCE DATA gave ref in this
// session.
func (g *Guard) wasSet(ref jpki.PIN, v []byte) bool {
	for _, s := range g.set[ref] {
		if bytes.Equal(s, v) {
			return true
		}
	}
	return false
}

// own transmits one of the guard's own C-APDUs and returns its status word
// (0 when the answer has none).
func (g *Guard) own(capdu []byte) (apdu.StatusWord, error) {
	r, err := g.card.Transmit(capdu)
	if err != nil {
		g.at.lose("a transport error")
		return 0, err
	}
	if len(r) < 2 {
		g.at.lose("an answer without a status word")
		return 0, nil
	}
	return apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]), nil
}

// selectJPKI makes the JPKI application current (00 A4 04 0C AID).
func (g *Guard) selectJPKI() error {
	sw, err := g.own(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()}.MustEncode())
	if err != nil {
		return err
	}
	if sw != apdu.SWOK {
		g.at.lose("the guard's SELECT of the JPKI application failed")
		return refused("the JPKI application answered %s to the guard's SELECT; nothing more was sent", sw.String())
	}
	g.at.enter(jpki.JPKI.AID())
	return nil
}

// selectEF makes EF fid of the current DF current (00 A4 02 0C FID).
func (g *Guard) selectEF(fid uint16) error {
	sw, err := g.own(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}.MustEncode())
	if err != nil {
		return err
	}
	if sw != apdu.SWOK {
		g.at.maybe(fid, fmt.Sprintf("the guard's SELECT of EF %04X answered %s", fid, sw.String()))
		return refused("EF %04X answered %s to the guard's SELECT; nothing more was sent", fid, sw.String())
	}
	g.at.setEF(fid)
	return nil
}

// triesLeft sends the empty VERIFY with p2 (it spends nothing) and returns
// the tries it reports; ok is false when the answer is not 63Cx.
func (g *Guard) triesLeft(p2 byte) (n int, sw apdu.StatusWord, ok bool, err error) {
	sw, err = g.own([]byte{0x00, 0x20, 0x00, p2})
	if err != nil {
		return 0, sw, false, err
	}
	if p2 != 0x80 {
		g.at.maybe(uint16(p2&0x1F), fmt.Sprintf("the guard's counter query by SFI %02X", p2&0x1F))
	}
	n, ok = sw.Tries()
	return n, sw, ok, nil
}

// verify judges a well-formed VERIFY (CLA 00 INS 20); it runs inside the
// caller's transaction.
func (g *Guard) verify(cmd apdu.Command, capdu []byte) ([]byte, error) {
	p := g.Policy
	if len(cmd.Data) == 0 && cmd.Ne == 0 {
		return g.send(capdu) // the counter query spends nothing
	}
	if p.AllowDestructive {
		if p.AllowLockout {
			return g.learn(cmd, capdu)
		}
		if cmd.P1 != 0x00 {
			// Not the VERIFY of docs/card.md §5.4: the guard cannot tell
			// which reference the card compares it with.
			return g.afterCounters(capdu)
		}
		// The counter of exactly the PIN this VERIFY reaches: same P2,
		// same DF and EF, no other program in between.
		n, sw, ok, err := g.triesLeft(cmd.P2)
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return nil, refused("the retry counter query answered %s, so the tries left are unknown; pass --allow-lockout to send the VERIFY anyway", sw.String())
		case n <= 1:
			return nil, refused("%s left: this VERIFY could lock the PIN; pass --allow-lockout to allow it", triesText(n))
		case n == 2:
			// The guard keeps two tries: the last is the owner's, the one
			// before it for the owner's PIN (or the value a scenario gave
			// the PIN, to put it back), which fills the counter again. Only
			// those values go on, once the guard has named the reference.
			// A value the card refused once in this run is not one of them.
			if ref, why := g.at.reference(cmd.P2); why == "" && !p.Memory.has(cmd.Data) && (bytes.Equal(cmd.Data, p.Secrets.Of(ref)) || g.wasSet(ref, cmd.Data)) {
				return g.verifySure(cmd, capdu, ref, 2)
			}
			return nil, refused("2 tries left: without --allow-lockout the guard keeps them for the owner's PIN (or the value a scenario gave the PIN, to put it back); this VERIFY presents neither to a PIN the guard is sure of")
		}
		return g.learn(cmd, capdu)
	}
	ref, why := g.at.reference(cmd.P2)
	if why != "" {
		return nil, refused("a VERIFY whose reference the guard cannot be sure of: %s; select the PIN's EF in the JPKI application first, or pass --allow-destructive", why)
	}
	configured := p.Secrets.Of(ref)
	switch {
	case cmd.P1 != 0x00 || cmd.Ne != 0:
		return nil, refused("a VERIFY of unusual form (%s)", apdu.MaskedHex(capdu))
	case len(configured) == 0 || !bytes.Equal(cmd.Data, configured):
		return nil, refused("a VERIFY of the %v (EF %04X) whose value is not the configured %v; pass --allow-destructive to allow it", ref, ref.FID(), ref)
	case p.Memory.has(cmd.Data):
		return nil, refused("the configured %v was already refused once by this card; check JPKISIM_AUTH_PIN / JPKISIM_SIGN_PIN", ref)
	}
	return g.verifySure(cmd, capdu, ref, ref.MaxTries())
}

// verifySure sends a VERIFY whose reference ref the guard is sure of, after
// naming it beyond doubt inside this transaction — its own SELECT of the
// JPKI application and, for P2 80, of the PIN's EF — and its own counter
// query, which must show at least min tries.
func (g *Guard) verifySure(cmd apdu.Command, capdu []byte, ref jpki.PIN, min int) ([]byte, error) {
	before := g.at
	if err := g.selectJPKI(); err != nil {
		return nil, err
	}
	if cmd.P2 == 0x80 {
		if err := g.selectEF(ref.FID()); err != nil {
			return nil, err
		}
	}
	n, sw, ok, err := g.triesLeft(cmd.P2)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, refused("the retry counter query of the %v answered %s, so the tries left are unknown", ref, sw.String())
	case n >= min:
	case n <= 1:
		return nil, refused("%s left on the %v: this VERIFY could lock the PIN; pass --allow-lockout (with --allow-destructive) to allow it", triesText(n), ref)
	default:
		return nil, refused("%d of %d tries left on the %v: the counter is not full, so a configured PIN that is wrong would push it further; present the right PIN once with the card's own software to fill it, or pass --allow-destructive", n, ref.MaxTries(), ref)
	}
	r, err := g.learn(cmd, capdu)
	if err == nil && cmd.P2 != 0x80 {
		// The guard's SELECT of the application took the caller's current
		// EF away: give it back.
		if fid, ok := before.currentEF(); ok && fid != 0 {
			_ = g.selectEF(fid)
		}
	}
	return r, err
}

// learn sends a VERIFY with data and remembers a value the card refused, so
// that a configured PIN is not presented again.
func (g *Guard) learn(cmd apdu.Command, capdu []byte) ([]byte, error) {
	r, err := g.send(capdu)
	if err == nil && len(r) >= 2 {
		if _, wrong := apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]).Tries(); wrong {
			g.Policy.Memory.add(cmd.Data)
		}
	}
	return r, err
}

// keptTries is what the guard keeps of a retry counter without
// --allow-lockout: a C-APDU that could compare a value with reference data
// goes out only while its counter shows more, so that a wrong value leaves
// two tries — the owner's last, and one for the owner's value, which fills
// the counter again (docs/guard.md).
const keptTries = 2

// sureForm reports whether c names the reference data it compares a value
// with by its P2 as VERIFY does, so that the empty VERIFY with the same P2,
// in the same DF and EF, reads that reference's counter: VERIFY (00 20 with
// P1 00), CHANGE REFERENCE DATA (00 24 with P1 00 or 01) and CHANGE KEY
// (80 32 with P1 00, docs/card.md §5.5), with a P2 that names an EF
// (jpki.EFRef: 80 the current EF, 80|SFI that EF of the current DF).
func sureForm(c apdu.Command) bool {
	if _, ok := jpki.EFRef(c.P2); !ok {
		return false
	}
	switch {
	case c.CLA == 0x00 && c.INS == 0x20:
		return c.P1 == 0x00
	case c.CLA == 0x00 && c.INS == 0x24:
		return c.P1 <= 0x01
	case c.CLA == 0x80 && c.INS == 0x32:
		return c.P1 == 0x00
	}
	return false
}

// basicChannel reports whether a C-APDU of class cla acts on the basic
// logical channel, whose current DF and EF the guard follows: the first
// interindustry coding of ISO/IEC 7816-4 (00-3F) and the proprietary
// classes coded alike (80-BF) with channel bits 00. The further interindustry
// classes (40-7F) name channels 4 to 19; C0-FF the guard cannot read.
func basicChannel(cla byte) bool { return cla&0x40 == 0 && cla&0x03 == 0 }

// afterCounters sends a C-APDU that could compare a value with reference
// data (MayVerify) only after the guard has read, in the same transaction,
// the counter of every reference it could reach, and each shows more than
// keptTries (a counter that cannot be read counts as none):
//
//   - for a VERIFY, CHANGE REFERENCE DATA or CHANGE KEY that names its
//     reference by P2 (sureForm): the counter the empty VERIFY with the same
//     P2 reads, with the caller's application and EF selected again first;
//   - for any other form: the counter of every reference of the current
//     application (jpki.References), after the guard's SELECT of the
//     application and of each EF in turn; then, with the caller's
//     application and EF selected again, the counter the empty VERIFY
//     with the command's P2 reads, when that P2 names an EF (reference
//     data the table lacks would be there).
//
// It refuses what acts on another logical channel, whose application the
// guard does not follow, and what it cannot select the caller's
// application (and EF) again for. Used with --allow-destructive without
// --allow-lockout (docs/guard.md).
func (g *Guard) afterCounters(capdu []byte) ([]byte, error) {
	shown := apdu.MaskedHex(capdu)
	if len(capdu) > 0 && !basicChannel(capdu[0]) {
		return nil, refused("%s could compare a value with reference data on logical channel CLA %02X names, whose application the guard does not follow; pass --allow-lockout to send it", shown, capdu[0])
	}
	c, perr := apdu.Parse(capdu)
	sure := perr == nil && len(capdu) >= 4 && sureForm(c)
	sfi, _ := jpki.EFRef(c.P2)
	aid, fid, why := g.at.restorable()
	if why != "" && sure && sfi != 0 {
		// By SFI the current EF does not matter: the application will do.
		if aid, why = g.at.restorableDF(); why == "" {
			fid = 0
		}
	}
	if why != "" {
		return nil, refused("%s could compare a value with reference data: the guard reads their counters before it, and would then have to select again a current file it is not sure of (%s); select the application (and EF) first, or pass --allow-lockout", shown, why)
	}
	if sure {
		if err := g.reselect(aid, fid, shown); err != nil {
			return nil, err
		}
		name := g.at.target(c.P2)
		n, sw, ok, err := g.triesLeft(c.P2)
		if err != nil {
			return nil, err
		}
		if err := enough(shown, name, n, sw, ok); err != nil {
			return nil, err
		}
	} else {
		app, _ := jpki.AppByAID(aid)
		refs, known := jpki.References(app)
		if !known {
			return nil, refused("%s could compare a value with reference data of %s, whose references the guard does not know, and it names none the guard can be sure of; pass --allow-lockout to send it", shown, dfName(aid))
		}
		// The application first: another program may have selected another
		// since the guard last saw the card.
		if err := g.reselect(aid, 0, shown); err != nil {
			return nil, err
		}
		for _, ref := range refs {
			if err := g.selectEF(ref.FID); err != nil {
				return nil, err
			}
			n, sw, ok, err := g.triesLeft(0x80)
			if err != nil {
				return nil, err
			}
			if err := enough(shown, ref.String(), n, sw, ok); err != nil {
				return nil, err
			}
		}
		if err := g.reselect(aid, fid, shown); err != nil {
			return nil, err
		}
		// And what its P2 may name, should the card read it as VERIFY's:
		// reference data the table may lack.
		if len(capdu) >= 4 {
			if _, ok := jpki.EFRef(capdu[3]); ok {
				name := g.at.target(capdu[3])
				n, sw, ok, err := g.triesLeft(capdu[3])
				if err != nil {
					return nil, err
				}
				if err := enough(shown, name, n, sw, ok); err != nil {
					return nil, err
				}
			}
		}
	}
	// The caller's DF and EF are selected afresh inside this transaction:
	// the reference of a CHANGE REFERENCE DATA is sure.
	var ref jpki.PIN
	unsure := "a C-APDU under 4 bytes"
	if len(capdu) >= 4 {
		ref, unsure = g.at.reference(capdu[3])
	}
	r, err := g.send(capdu)
	if err == nil && perr == nil && unsure == "" && c.CLA == 0x00 && c.INS == 0x24 && c.P1 == 0x01 &&
		len(r) == 2 && r[0] == 0x90 && r[1] == 0x00 {
		if g.set == nil {
			g.set = map[jpki.PIN][][]byte{}
		}
		g.set[ref] = append(g.set[ref], append([]byte(nil), c.Data...))
	}
	return r, err
}

// enough refuses when a counter read for the C-APDU shown, of the reference
// data name, cannot be read or shows keptTries or fewer.
func enough(shown, name string, n int, sw apdu.StatusWord, ok bool) error {
	switch {
	case !ok:
		return refused("%s could compare a value with %s, whose retry counter cannot be read (%s); pass --allow-lockout to send it", shown, name, sw.String())
	case n <= keptTries:
		return refused("%s could compare a value with %s, which has %s left: without --allow-lockout the guard keeps %d; pass --allow-lockout to send it", shown, name, triesText(n), keptTries)
	}
	return nil
}

// reselect selects the caller's application aid again and, unless fid is 0,
// its EF fid, for the C-APDU shown.
func (g *Guard) reselect(aid []byte, fid uint16, shown string) error {
	sw, err := g.own(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: aid}.MustEncode())
	if err != nil {
		return err
	}
	if sw != apdu.SWOK {
		g.at.lose("the guard's SELECT of the caller's application failed")
		return refused("%s answered %s when the guard selected it again; %s was not sent", dfName(aid), sw.String(), shown)
	}
	g.at.enter(aid)
	if fid != 0 {
		return g.selectEF(fid)
	}
	return nil
}

// dfName names a DF by the name it was selected by: "the Kenhojo
// application", or its hex.
func dfName(aid []byte) string {
	if a, ok := jpki.AppByAID(aid); ok {
		if a == jpki.ISD {
			return "the ISD"
		}
		return fmt.Sprintf("the %v application", a)
	}
	return fmt.Sprintf("the DF %X", aid)
}

// Close resets the card before closing the session, so that no PIN this
// session verified stays open for the next program that uses the reader.
func (g *Guard) Close() error {
	rerr := g.card.Reset()
	if err := g.card.Close(); err != nil {
		return err
	}
	return rerr
}

// Reset passes a reset through; the card's current DF and EF are gone.
func (g *Guard) Reset() error {
	err := g.card.Reset()
	g.at.reset()
	if err != nil {
		g.at.lose("a failed reset")
	}
	return err
}

// Transaction passes a transaction through to the guarded card.
func (g *Guard) Transaction(f func() error) error { return inTransaction(g.card, f) }

// Capabilities implements Capable: the guarded card's, never more, and
// never the embedded card's — a guarded card is one treated as a real one,
// whatever is beneath (so that sim.Of and any other search for the card
// beneath stop at the guard).
func (g *Guard) Capabilities() Capabilities {
	c := CapabilitiesOf(g.card)
	c.Embedded, c.Profile = false, ""
	return c
}

// ATR returns the guarded card's ATR.
func (g *Guard) ATR() []byte { return g.card.ATR() }

// PowerCycle passes a power cycle through to the guarded card.
func (g *Guard) PowerCycle() error {
	pc, ok := g.card.(PowerCycler)
	if !ok {
		return errors.New("this transport cannot power-cycle the card")
	}
	err := pc.PowerCycle()
	g.at.reset()
	if err != nil {
		g.at.lose("a failed power cycle")
	}
	return err
}

// position is the card's current DF and EF as far as the guard can be sure
// of them.
type position struct {
	dfKnown bool
	df      []byte   // the DF name the current DF was selected by; nil: none since the reset
	efKnown bool     // efs holds every EF that may be current
	efs     []uint16 // the EFs that may be current; 0 stands for no current EF
	why     string   // what made the DF or EF uncertain
}

// lose forgets the DF and EF.
func (p *position) lose(why string) { *p = position{why: why} }

// reset is the position after a reset: no application, no EF.
func (p *position) reset() { *p = position{dfKnown: true, efKnown: true, efs: []uint16{0}} }

// enter is the position after a successful SELECT by DF name.
func (p *position) enter(aid []byte) {
	*p = position{dfKnown: true, df: append([]byte(nil), aid...), efKnown: true, efs: []uint16{0}}
}

// setEF is the position after a command that made fid current.
func (p *position) setEF(fid uint16) {
	if p.dfKnown {
		p.efKnown, p.efs, p.why = true, []uint16{fid}, ""
	}
}

// maybe records that fid may have become current.
func (p *position) maybe(fid uint16, why string) {
	if !p.dfKnown || !p.efKnown {
		return
	}
	for _, e := range p.efs {
		if e == fid {
			return
		}
	}
	p.efs, p.why = append(p.efs, fid), why
}

func (p position) inJPKI() bool { return p.dfKnown && bytes.Equal(p.df, jpki.JPKI.AID()) }

// currentEF returns the current EF when the guard is sure of it (0: none).
func (p position) currentEF() (uint16, bool) {
	if !p.dfKnown || !p.efKnown || len(p.efs) != 1 {
		return 0, false
	}
	return p.efs[0], true
}

// restorable returns how to select the current DF and EF again (fid 0: no
// EF), or why that cannot be done.
func (p position) restorable() (aid []byte, fid uint16, why string) {
	switch {
	case !p.dfKnown:
		return nil, 0, "the current application is unknown after " + p.why
	case p.df == nil:
		return nil, 0, "no application is selected"
	}
	fid, ok := p.currentEF()
	if !ok {
		return nil, 0, "the current EF is unknown after " + p.why
	}
	return p.df, fid, ""
}

// restorableDF returns how to select the current DF again, or why that
// cannot be done.
func (p position) restorableDF() (aid []byte, why string) {
	switch {
	case !p.dfKnown:
		return nil, "the current application is unknown after " + p.why
	case p.df == nil:
		return nil, "no application is selected"
	}
	return p.df, ""
}

// target names, for a refusal, the reference data a VERIFY's P2 reaches in
// the current DF: "Kenhojo EF 0011 (the Kenhojo PIN)", or the EF.
func (p position) target(p2 byte) string {
	sfi, _ := jpki.EFRef(p2)
	fid := uint16(sfi)
	if sfi == 0 {
		var ok bool
		if fid, ok = p.currentEF(); !ok || fid == 0 {
			return fmt.Sprintf("the reference data P2 %02X names in %s", p2, dfName(p.df))
		}
	}
	if a, ok := jpki.AppByAID(p.df); ok {
		if ref, ok := jpki.ReferenceAt(a, fid); ok {
			return ref.String()
		}
	}
	return fmt.Sprintf("EF %04X of %s", fid, dfName(p.df))
}

// after follows the effect of a C-APDU of the caller's that was sent.
func (p *position) after(capdu, r []byte, err error) {
	if err != nil {
		p.lose("a transport error")
		return
	}
	c, perr := apdu.Parse(capdu)
	if perr != nil || len(capdu) < 4 {
		p.lose("a malformed C-APDU")
		return
	}
	answer := "no status word"
	ok := false
	if len(r) >= 2 {
		sw := apdu.NewStatusWord(r[len(r)-2], r[len(r)-1])
		answer, ok = sw.String(), sw == apdu.SWOK
	}
	name := fmt.Sprintf("%02X %02X", c.CLA, c.INS)
	switch {
	case c.CLA == 0x00 && (c.INS == 0xCA || c.INS == 0x84 || c.INS == 0xC0):
		// GET DATA, GET CHALLENGE, GET RESPONSE name no file.
	case c.CLA == 0x00 && c.INS == 0xA4 && c.P1 == 0x04 && c.P2&0x03 == 0 && ok:
		p.enter(c.Data)
	case c.CLA == 0x00 && c.INS == 0xA4 && c.P1 == 0x02 && len(c.Data) == 2:
		fid := uint16(c.Data[0])<<8 | uint16(c.Data[1])
		if ok {
			p.setEF(fid)
		} else {
			p.maybe(fid, fmt.Sprintf("SELECT of EF %04X answered %s", fid, answer))
		}
	case c.CLA == 0x00 && c.INS == 0xA4:
		p.lose(fmt.Sprintf("SELECT P1 %02X P2 %02X answered %s", c.P1, c.P2, answer))
	case c.CLA == 0x00 && c.INS == 0xB0 && c.P1&0x80 != 0:
		p.bySFI(c.P1&0x1F, "READ BINARY", ok, answer)
	case c.CLA == 0x00 && c.INS == 0xB2 && c.P2>>3 != 0:
		p.bySFI(c.P2>>3, "READ RECORD", ok, answer)
	case c.CLA == 0x00 && (c.INS == 0xB0 || c.INS == 0xB2):
		// the current EF
	case (c.CLA == 0x00 && (c.INS == 0x20 || c.INS == 0x24 || c.INS == 0x2C || c.INS == 0x88)) || (c.CLA == 0x80 && (c.INS == 0x2A || c.INS == 0x32)):
		// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, INTERNAL
		// AUTHENTICATE, COMPUTE DIGITAL SIGNATURE, CHANGE KEY: P2 80 is the
		// current EF; 80|SFI names one, which may become current.
		if c.P2&0x80 != 0 && c.P2&0x1F != 0 {
			p.maybe(uint16(c.P2&0x1F), fmt.Sprintf("%s P2 %02X, which names EF %04X by SFI", name, c.P2, c.P2&0x1F))
		} else if c.P2 != 0x80 && c.P2 != 0x00 {
			p.lose(fmt.Sprintf("%s P2 %02X", name, c.P2))
		}
	default:
		p.lose(fmt.Sprintf("CLA %02X INS %02X, whose effect on the current file the guard does not know", c.CLA, c.INS))
	}
}

// bySFI follows a READ BINARY or READ RECORD naming an EF by SFI: it is
// current after 9000, and may be after any other answer.
func (p *position) bySFI(sfi byte, name string, ok bool, answer string) {
	fid := uint16(sfi)
	if ok {
		p.setEF(fid)
		return
	}
	p.maybe(fid, fmt.Sprintf("%s by SFI %02X answered %s, and may have made EF %04X current", name, sfi, answer, fid))
}

// reference is the JPKI PIN a VERIFY's P2 reaches, or why the guard cannot
// be sure of it.
func (p position) reference(p2 byte) (jpki.PIN, string) {
	sfi, ok := jpki.EFRef(p2)
	if !ok {
		return 0, fmt.Sprintf("P2 %02X names no EF of the current DF", p2)
	}
	if !p.inJPKI() {
		if !p.dfKnown {
			return 0, "the current application is unknown after " + p.why
		}
		return 0, "the JPKI application is not the current one"
	}
	var fids []uint16
	if sfi != 0 {
		fids = []uint16{uint16(sfi)}
	} else if !p.efKnown {
		return 0, "the current EF is unknown after " + p.why
	} else {
		fids = p.efs
	}
	if len(fids) > 1 {
		names := make([]string, len(fids))
		for i, f := range fids {
			names[i] = efName(f)
		}
		return 0, fmt.Sprintf("the current EF may be %s after %s", strings.Join(names, " or "), p.why)
	}
	switch fids[0] {
	case jpki.AuthPIN.FID():
		return jpki.AuthPIN, ""
	case jpki.SigningPIN.FID():
		return jpki.SigningPIN, ""
	}
	return 0, fmt.Sprintf("it reaches %s, not a JPKI PIN", efName(fids[0]))
}

// triesText is "1 try" or "n tries".
func triesText(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}

// efName names an EF for a refusal; 0 is no EF.
func efName(fid uint16) string {
	switch fid {
	case 0:
		return "no EF"
	case jpki.AuthPIN.FID():
		return fmt.Sprintf("EF %04X (the %v)", fid, jpki.AuthPIN)
	case jpki.SigningPIN.FID():
		return fmt.Sprintf("EF %04X (the %v)", fid, jpki.SigningPIN)
	}
	return fmt.Sprintf("EF %04X", fid)
}
