package simulator

import (
	"errors"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// The card OS: it takes a C-APDU, finds the handler of its CLA and INS —
// the test-control layer's (control.go) if it has one, else the current
// application's (isd.go, jpki.go), else its own (osCommands), laid over
// one another once per application (dispatch) — runs it, and turns what
// the handler returns into the R-APDU (respond). It holds the current DF
// and EF and the security status.

// handler is how a table answers one CLA INS.
type handler struct {
	// run answers a C-APDU whose lengths parsed (ISO/IEC 7816-4 §5.1):
	// response data and nil for 9000, or the status word as the error.
	run func(*Card, apdu.Command) ([]byte, error)
	// header, when set, answers from CLA and INS alone, before the lengths
	// are parsed (a command the card refuses whatever follows): nil for
	// 9000, or the status word.
	header func(*Card) error
}

// entry is one line of a command table.
type entry struct {
	cla, ins byte
	handler
}

// table is a command table: CLA INS to handler.
type table []entry

// find returns the handler of cla ins, or false.
func (t table) find(cla, ins byte) (handler, bool) {
	for i := range t {
		if t[i].cla == cla && t[i].ins == ins {
			return t[i].handler, true
		}
	}
	return handler{}, false
}

// refuse is a handler answering s from CLA and INS alone. The status word
// is made an error once, here, so that answering it allocates nothing.
func refuse(s apdu.StatusWord) handler {
	err := error(s)
	return handler{header: func(*Card) error { return err }}
}

// osCommands are the commands the card OS answers in every DF, on the
// current DF's files and the security status: each in its os_*.go file.
var osCommands = table{
	{0x00, 0xA4, handler{run: (*Card).selectFile}},
	{0x00, 0xB0, handler{run: (*Card).readBinary}},
	{0x00, 0x20, handler{run: (*Card).verify}},
	{0x00, 0x24, handler{run: (*Card).changeReferenceData}},
	{0x00, 0xB2, handler{run: (*Card).readRecord}},
	{0x00, 0x84, handler{run: (*Card).getChallenge}},
	{0x00, 0xCA, handler{run: (*Card).getData}},
	{0x80, 0xFC, handler{header: (*Card).lastCommand}},
}

// applications are the command tables of the applications, by the AID of
// their DF (jpki.AppByAID). An application the OS has no table for answers
// the OS's commands only.
var applications = map[jpki.App]table{
	jpki.ISD:     isdCommands,
	jpki.JPKI:    jpkiCommands,
	jpki.Kenhojo: kenhojoCommands,
	jpki.Kenkaku: kenkakuCommands,
	jpki.Common:  commonCommands,
	jpki.Juki:    jukiCommands,
}

// dispatch holds, for each application, the one table the OS consults
// while it is current: the OS's, with the application's entries over it
// and, on a card that does not pose as a real one, the test-control
// layer's over both (over). Index 0 is the virtual card's, 1 the one of a
// card posing as real (Behaviour.PoseAsRealCard). It is built by init:
// the handlers it holds reach it again through enter.
var dispatch map[jpki.App][2]table

func init() {
	dispatch = map[jpki.App][2]table{0: {over(osCommands, controlCommands), osCommands}}
	for app, t := range applications {
		dispatch[app] = [2]table{over(osCommands, t, controlCommands), over(osCommands, t)}
	}
}

// over returns base with the entries of each later table over it: an entry
// for a CLA INS base has takes its place, the others follow. The OS's
// commands keep their places at the front, where the lookup finds them
// first.
func over(base table, tables ...table) table {
	out := append(table(nil), base...)
	for _, t := range tables {
	next:
		for _, e := range t {
			for i := range out {
				if out[i].cla == e.cla && out[i].ins == e.ins {
					out[i] = e
					continue next
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// enter makes df the current DF, with no current EF, and its application's
// commands the ones the OS answers (dispatch).
func (c *Card) enter(df *Application) {
	c.df, c.ef, c.app = df, nil, 0
	if df != nil {
		c.app, _ = jpki.AppByAID(df.AID)
	}
	t, ok := dispatch[c.app]
	if !ok {
		t = dispatch[0] // an application without a table of its own
	}
	if c.profile.Behaviour.PoseAsRealCard {
		c.commands = t[1]
	} else {
		c.commands = t[0]
	}
}

// process turns any bytes into an R-APDU. A panic in a handler would be a
// bug; it is turned into 6F00 so that a serving card never dies, and the
// fuzz tests fail on any 6F00.
func (c *Card) process(b []byte) (resp []byte) {
	defer func() {
		if r := recover(); r != nil {
			resp = c.respond(nil, 0, apdu.SWUnknown)
		}
	}()
	if len(b) < 4 {
		return c.respond(nil, 0, apdu.SWWrongLength)
	}
	h, ok := c.commands.find(b[0], b[1])
	switch {
	case !ok:
		return c.respond(nil, 0, unknown(b[0]))
	case h.header != nil:
		return c.respond(nil, 0, h.header(c))
	}
	cmd, err := apdu.Parse(b)
	if err != nil {
		return c.respond(nil, 0, apdu.SWWrongLength)
	}
	data, err := h.run(c, cmd)
	return c.respond(data, cmd.Ne, err)
}

// unknown is the answer to a CLA INS no table holds (ISO/IEC 7816-4 §5.4.1,
// §5.4.2; card.md §5): 6D00 in the interindustry class 00 and the
// proprietary class 80; 6882 with secure messaging (CLA 08, 0C); in the
// other interindustry classes 6884 with command chaining (bit 5) and 6881
// with a logical channel other than 0; 6E00 for any other class.
func unknown(cla byte) error {
	switch {
	case cla == 0x00 || cla == 0x80:
		return apdu.SWINSNotSupported
	case cla == 0x08 || cla == 0x0C:
		return apdu.SWSecureMessagingUnsupp
	case cla&^0x13 != 0x00: // only the interindustry class gets the finer answers
	case cla&0x10 != 0:
		return apdu.SWChainingUnsupported
	case cla&0x03 != 0:
		return apdu.SWLogicalChannelUnsupported
	}
	return apdu.SWCLANotSupported
}

// respond is the one place where a handler's result becomes the R-APDU:
// err nil is 9000 after the data, cut to Ne bytes (ISO/IEC 7816-4 §5.1:
// Ne is the most the card may send); an apdu.StatusWord error is that
// status word alone; any other error is a bug and answers 6F00. On a T=0
// card (Faults.T0) data is held for GET RESPONSE and 61xx answered (t0.go).
func (c *Card) respond(data []byte, ne int, err error) []byte {
	if err != nil {
		return sw(statusOf(err))
	}
	if len(data) > ne {
		data = data[:ne]
	}
	switch {
	case len(data) == 0:
		return sw(apdu.SWOK)
	case c.faults.T0:
		return c.hold(data)
	}
	out := make([]byte, len(data)+2)
	copy(out, data)
	out[len(data)], out[len(data)+1] = 0x90, 0x00
	return out
}

// statusOf is the status word a handler's error stands for: the error
// itself when it is one, 6F00 for anything else (a bug).
func statusOf(err error) apdu.StatusWord {
	if s, ok := err.(apdu.StatusWord); ok {
		return s
	}
	var s apdu.StatusWord
	if errors.As(err, &s) {
		return s
	}
	return apdu.SWUnknown
}

func sw(s apdu.StatusWord) []byte { return []byte{s.SW1(), s.SW2()} }

// verifyFailed is 63Cx for n tries left (apdu.VerifyFailed) as an error,
// converted once so that answering it allocates nothing.
func verifyFailed(n int) error { return verifyFailedErrs[apdu.VerifyFailed(n)&0x0F] }

var verifyFailedErrs = func() (errs [16]error) {
	for i := range errs {
		errs[i] = apdu.VerifyFailed(i)
	}
	return errs
}()

// referencedEF resolves the P2 reference of VERIFY, CHANGE REFERENCE DATA,
// INTERNAL AUTHENTICATE and COMPUTE DIGITAL SIGNATURE (jpki.EFRef): the EF,
// or the status word to answer: 6A86 for a P2 that names no EF, 6986 for
// the current EF when there is none, 6A88 when the EF is not of the wanted
// kind or the SFI names nothing.
func (c *Card) referencedEF(p2 byte, kind EFKind) (*EF, error) {
	sfi, ok := jpki.EFRef(p2)
	if !ok {
		return nil, apdu.SWIncorrectP1P2
	}
	e := c.ef
	if sfi != 0 {
		e = c.df.EFBySFI(sfi)
	} else if e == nil {
		return nil, apdu.SWNoCurrentEF
	}
	if e == nil || e.Kind != kind {
		return nil, apdu.SWReferenceNotFound
	}
	return e, nil
}

func (c *Card) isVerified(p *PIN) bool {
	for _, v := range c.verified {
		if v == p {
			return true
		}
	}
	return false
}

func (c *Card) setVerified(p *PIN, on bool) {
	for i, v := range c.verified {
		if v == p {
			if !on {
				c.verified = append(c.verified[:i], c.verified[i+1:]...)
			}
			return
		}
	}
	if on {
		c.verified = append(c.verified, p)
	}
}

// satisfied reports whether an access condition holds in the current DF:
// it is not Never, and it is free or one of its PINs is verified.
func (c *Card) satisfied(a Access) bool {
	if a.Never {
		return false
	}
	if a.PIN == 0 {
		return true
	}
	if c.pinVerified(a.PIN) {
		return true
	}
	for _, fid := range a.Or {
		if fid != 0 && c.pinVerified(fid) {
			return true
		}
	}
	return false
}

// pinVerified reports whether the PIN EF fid of the current DF is verified.
func (c *Card) pinVerified(fid uint16) bool {
	e := c.df.EF(fid)
	return e != nil && e.PIN != nil && c.isVerified(e.PIN)
}
