package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// client is a scripted client under test: it sends its C-APDUs to the
// virtual card of a state's profile and records them with the recorder
// that serve uses, so that the transcripts the judges read in these tests
// are made exactly as real ones (masked, marked).
type client struct {
	t       *testing.T
	state   State
	profile *simulator.Profile
	card    *simulator.Card
	rec     *transcript.Recorder
	s       Session
}

func newClient(t *testing.T, state string) *client {
	t.Helper()
	st, ok := StateByName(state)
	if !ok {
		t.Fatalf("no state %q", state)
	}
	var opts []fixtures.Option
	for p, n := range st.TriesLeft {
		opts = append(opts, fixtures.TriesLeft(p, n))
	}
	p, err := fixtures.Profile(st.Profile, opts...)
	if err != nil {
		t.Fatal(err)
	}
	card, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, state: st, profile: p, card: card}
	c.rec = transcript.NewRecorder("test", transcript.Raw, func(pin jpki.PIN) []byte {
		switch pin {
		case jpki.AuthPIN:
			return p.AuthPIN
		case jpki.SigningPIN:
			return p.SigningPIN
		}
		return nil
	})
	c.rec.Event(transcript.PowerOn, card.PowerOn())
	c.s = Session{State: state, ExitStatus: 0}
	return c
}

// send sends C-APDUs given in hex (spaces allowed) and returns the last
// R-APDU.
func (c *client) send(cmds ...string) []byte {
	c.t.Helper()
	var r []byte
	for _, h := range cmds {
		b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		if err != nil {
			c.t.Fatalf("bad hex %q", h)
		}
		start := time.Now()
		r, err = c.card.Transmit(b)
		c.rec.Exchange(b, r, err, start, time.Since(start))
	}
	return r
}

func (c *client) selectJPKI() { c.send("00A4040C0AD392F000260100000001") }
func (c *client) selectEF(fid uint16) {
	c.send(hex.EncodeToString([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, byte(fid >> 8), byte(fid)}))
}

// query sends the empty VERIFY of pin and returns its SW.
func (c *client) query(pin jpki.PIN) string {
	c.selectEF(pin.FID())
	return sw(c.send("00200080"))
}

// verify presents value for pin and returns the SW.
func (c *client) verify(pin jpki.PIN, value []byte) string {
	c.selectEF(pin.FID())
	return sw(c.send(hex.EncodeToString(append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(value))}, value...))))
}

func (c *client) pin(p jpki.PIN) []byte {
	if p == jpki.SigningPIN {
		return c.profile.SigningPIN
	}
	return c.profile.AuthPIN
}

// sign sends COMPUTE DIGITAL SIGNATURE P1 p1 with data after selecting the
// key of kind k, and returns the R-APDU.
func (c *client) sign(k jpki.Kind, p1 byte, data []byte) []byte {
	c.selectEF(k.KeyFID())
	cmd := append([]byte{0x80, 0x2A, p1, 0x80, byte(len(data))}, data...)
	return c.send(hex.EncodeToString(append(cmd, 0x00)))
}

// entry records that the harness gave an entry now.
func (c *client) entry(p jpki.PIN, g Given) {
	time.Sleep(2 * time.Microsecond)
	c.s.Entries = append(c.s.Entries, Entry{PIN: p, Given: g, At: transcript.MicrosOf(time.Since(c.rec.Transcript().Started))})
	time.Sleep(2 * time.Microsecond)
}

// given records an entry given before the program started.
func (c *client) given(p jpki.PIN, g Given) {
	c.s.Entries = append(c.s.Entries, Entry{PIN: p, Given: g})
}

// entered is a client in state that was given pin's configured value and
// selected the JPKI AP: how most cases begin.
func entered(t *testing.T, state string, pin jpki.PIN) *client {
	t.Helper()
	c := newClient(t, state)
	c.given(pin, Configured)
	c.selectJPKI()
	return c
}

// verified is entered's client that then presented the value once.
func verified(t *testing.T, state string, pin jpki.PIN) *client {
	t.Helper()
	c := entered(t, state, pin)
	c.verify(pin, c.pin(pin))
	return c
}

func (c *client) event(k transcript.Kind) {
	var atr []byte
	switch k {
	case transcript.Reset:
		atr = c.card.Reset()
	case transcript.PowerOff:
		c.card.PowerOff()
	}
	c.rec.Event(k, atr)
}

func (c *client) http(detail string) { c.rec.Note(transcript.HTTP, detail) }

// session ends the run with an exit status and output.
func (c *client) session(exit int, output string) Session {
	c.s.Transcript = c.rec.Transcript()
	c.s.ExitStatus = exit
	c.s.Output = output
	return c.s
}

func sw(r []byte) string {
	if len(r) < 2 {
		return ""
	}
	return strings.ToUpper(hex.EncodeToString(r[len(r)-2:]))
}

// digestInfo256 is the SHA-256 DigestInfo of msg, with the NULL parameter
// (docs/card.md §5.6).
func digestInfo256(msg []byte) []byte {
	h := sha256.Sum256(msg)
	prefix, _ := hex.DecodeString("3031300D060960864801650304020105000420")
	return append(prefix, h[:]...)
}

// noNull is the same DigestInfo without the NULL parameter (as pyjpki
// sends it).
func noNull(msg []byte) []byte {
	h := sha256.Sum256(msg)
	prefix, _ := hex.DecodeString("302F300B0609608648016503040201" + "0420")
	return append(prefix, h[:]...)
}
