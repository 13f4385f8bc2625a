// Package replay sends the C-APDUs of a recorded transcript to a target and
// compares every R-APDU with the recorded one (`jpkisim replay`;
// docs/reports.md, "Replaying").
//
// Masked PIN data is filled in from the target's PINs: on a virtual card a
// marker "configured" (or "unknown", for a PIN role) becomes the target's
// configured value of that PIN, "other" a value of the same length and
// format that is not it. On a card that is not virtual a transcript with
// masked PIN data is refused (harness.ErrRefused) unless
// Options.AllowDestructive, and even then every command passes the
// target's real-card guard. GET CHALLENGE and RSASSA-PSS signatures (80 2A
// 04/05), whose data is fresh at every call, are compared by status word and
// length only.
//
// T=0: on the embedded card, a transcript taken below T=0 completion
// (transcript.Raw) is replayed as it is, command by command, with the card
// speaking T=0 when the transcript shows 61xx or 6Cxx rounds; on any other
// target, or for a transcript of completed exchanges, each exchange and the
// GET RESPONSEs (or the command sent again) that completed it are one step:
// the first command is sent, the target completes it, and the completed
// answer is compared with the recorded one completed in the same way
// (harness.ISOT0).
package replay

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// Options of a replay.
type Options struct {
	// Secrets are the PINs masked data is filled from; zero: the target's
	// (harness.Target.Secrets).
	Secrets *harness.Secrets
	// AllowDestructive lets masked PIN data be filled in for a card that is
	// not virtual; the target's guard still decides on every command.
	AllowDestructive bool
}

// Difference is one exchange whose answer is not the recorded one.
type Difference struct {
	// Seq is the event's seq in the transcript (the first of a completed
	// T=0 step).
	Seq int
	// Command is the recorded C-APDU, PIN data masked.
	Command string
	// Recorded and Got are R-APDUs in uppercase hex, or an ATR for a power
	// or reset event; a transport error as "error: ...".
	Recorded, Got string
	// Note says how they were compared when not byte for byte.
	Note string
}

func (d Difference) String() string {
	s := fmt.Sprintf("seq %d: %s\n  recorded %s\n  got      %s", d.Seq, d.Command, d.Recorded, d.Got)
	if d.Note != "" {
		s += "\n  (" + d.Note + ")"
	}
	return s
}

// Skip is a recorded exchange not sent, and why.
type Skip struct {
	Seq     int
	Command string
	Why     string
}

// Result is what a replay found.
type Result struct {
	// Target is the target's name; Layer the way exchanges were replayed:
	// transcript.Raw (command by command) or transcript.Complete.
	Target, Layer string
	// Exchanges counts the C-APDUs sent (GET RESPONSEs a completing
	// target sent itself not counted); Compared the answers compared.
	Exchanges, Compared int
	Differences         []Difference
	Skipped             []Skip
}

// step is one thing to do: an exchange (with its T=0 follow-ups) or an event.
type step struct {
	ev     transcript.Event
	follow []transcript.Event // the GET RESPONSEs or the command sent again
}

// ErrNotReplayable is wrapped by Run's error for a transcript it cannot send.
var ErrNotReplayable = errors.New("transcript not replayable")

// Run replays t on target. Its error is a transport error, a guard's
// refusal (harness.ErrRefused) or ErrNotReplayable; differences are in the
// Result.
func Run(t transcript.Transcript, target harness.Target, o Options) (Result, error) {
	res := Result{Target: target.Name(), Layer: transcript.Complete}
	secrets := target.Secrets()
	if o.Secrets != nil {
		secrets = *o.Secrets
	}
	if !target.Virtual() && !o.AllowDestructive {
		for _, e := range t.Exchanges() {
			if strings.Contains(e.Command, "XX") {
				return res, fmt.Errorf("replay: exchange %d carries masked PIN data, which is not sent to a card that is not virtual without --allow-destructive: %w", e.Seq, harness.ErrRefused)
			}
		}
	}
	_, embedded := target.(sim.Profiled)
	raw := embedded && t.Layer == transcript.Raw
	steps := plan(t, raw)
	card, err := target.Open()
	if err != nil {
		return res, err
	}
	defer func() { card.Close() }()
	send := card.Transmit
	if raw {
		res.Layer = transcript.Raw
		sc, ok := sim.Of(card)
		if !ok {
			return res, fmt.Errorf("%w: the embedded card's session has no virtual card", ErrNotReplayable)
		}
		if showsT0(t) {
			f := sc.Profile().Faults
			var fs simulator.Faults
			if f != nil {
				fs = *f
			}
			fs.T0 = true
			sc.SetFaults(&fs)
		}
		send = sc.Transmit
	}
	powered := true
	started := false
	for _, s := range steps {
		e := s.ev
		switch e.Kind {
		case transcript.Exchange:
			started = true
			if e.Error != "" {
				res.Skipped = append(res.Skipped, Skip{e.Seq, e.Command, "recorded without an answer (" + e.Error + ")"})
				continue
			}
			capdu, why := fill(e, secrets)
			if why != "" {
				res.Skipped = append(res.Skipped, Skip{e.Seq, e.Command, why})
				continue
			}
			if !powered {
				if err := powerUp(card); err != nil {
					return res, err
				}
				powered = true
			}
			got, err := send(capdu)
			res.Exchanges++
			if err != nil && !harness.TransportLost(err) && !errors.Is(err, harness.ErrRefused) && raw {
				// the embedded card's own errors (faults): compared as errors
			} else if err != nil {
				return res, fmt.Errorf("replay: exchange %d (%s): %w", e.Seq, e.Command, err)
			}
			want := e.Response
			if len(s.follow) > 0 {
				want = completed(e, s.follow)
			}
			res.Compared++
			g := strings.ToUpper(hex.EncodeToString(got))
			if err != nil {
				g = "error: " + err.Error()
			}
			if ok, note := same(capdu, want, got, err == nil); !ok {
				res.Differences = append(res.Differences, Difference{Seq: e.Seq, Command: e.Command, Recorded: want, Got: g, Note: note})
			}
		case transcript.PowerOff:
			if started {
				powered = false
			}
		case transcript.PowerOn, transcript.Reset, transcript.Reconnect:
			if !started {
				started = true
				checkATR(&res, e, card.ATR())
				continue
			}
			var err error
			switch {
			case !powered || e.Kind == transcript.PowerOn:
				err = powerUp(card)
			default:
				err = card.Reset()
			}
			if err != nil {
				return res, err
			}
			powered = true
			checkATR(&res, e, card.ATR())
		case transcript.Connect:
			if started && !embedded {
				card.Close()
				if card, err = target.Open(); err != nil {
					return res, err
				}
				send = card.Transmit
			}
			started = true
		case transcript.Disconnect, transcript.HTTP:
		}
	}
	return res, nil
}

// powerUp power-cycles the card where it can, else resets it.
func powerUp(c harness.Card) error {
	if pc, ok := c.(harness.PowerCycler); ok && harness.CapabilitiesOf(c).PowerCycle {
		return pc.PowerCycle()
	}
	return c.Reset()
}

func checkATR(res *Result, e transcript.Event, atr []byte) {
	got := strings.ToUpper(hex.EncodeToString(atr))
	if e.ATR != "" && len(atr) > 0 && !strings.EqualFold(e.ATR, got) {
		res.Differences = append(res.Differences, Difference{Seq: e.Seq, Command: string(e.Kind), Recorded: e.ATR, Got: got, Note: "the ATR"})
	}
}

// plan groups the events into steps: raw keeps every exchange a step of
// its own; otherwise an exchange answered 61xx takes the GET RESPONSEs that
// follow it, and one answered 6Cxx the command sent again.
func plan(t transcript.Transcript, raw bool) []step {
	var out []step
	ev := t.Events
	for i := 0; i < len(ev); i++ {
		s := step{ev: ev[i]}
		if !raw && t.Layer == transcript.Raw && ev[i].Kind == transcript.Exchange {
			cur := ev[i]
			for i+1 < len(ev) && ev[i+1].Kind == transcript.Exchange && follows(cur, ev[i+1]) {
				i++
				cur = ev[i]
				s.follow = append(s.follow, cur)
			}
		}
		out = append(out, s)
	}
	return out
}

// follows reports whether next completes prev: a GET RESPONSE after 61xx,
// the same command (header equal) after 6Cxx.
func follows(prev, next transcript.Event) bool {
	sw := prev.SW()
	switch {
	case strings.HasPrefix(sw, "61"):
		return strings.HasPrefix(next.Command, "00C00000")
	case strings.HasPrefix(sw, "6C"):
		return len(next.Command) >= 8 && len(prev.Command) >= 8 && next.Command[:8] == prev.Command[:8]
	}
	return false
}

// completed is the answer a completing transport gives for e and its
// follow-ups (harness.ISOT0): the data of every 61xx answer, then the last.
func completed(e transcript.Event, follow []transcript.Event) string {
	all := append([]transcript.Event{e}, follow...)
	var data string
	for _, x := range all[:len(all)-1] {
		if strings.HasPrefix(x.SW(), "61") {
			data += x.Response[:len(x.Response)-4]
		}
	}
	return data + all[len(all)-1].Response
}

func showsT0(t transcript.Transcript) bool {
	for _, e := range t.Exchanges() {
		if sw := e.SW(); strings.HasPrefix(sw, "61") || strings.HasPrefix(sw, "6C") {
			return true
		}
	}
	return false
}

// fresh reports a command whose answer holds fresh random data: GET
// CHALLENGE, an RSASSA-PSS signature (80 2A 04/05), and a GET RESPONSE
// (whose data may be one of those).
func fresh(capdu []byte) bool {
	return len(capdu) >= 2 && capdu[0] == 0x00 && (capdu[1] == 0x84 || capdu[1] == 0xC0) ||
		len(capdu) >= 3 && capdu[0] == 0x80 && capdu[1] == 0x2A && (capdu[2] == 0x04 || capdu[2] == 0x05)
}

// same compares a recorded answer with the one got.
func same(capdu []byte, want string, got []byte, ok bool) (bool, string) {
	if !ok {
		return false, ""
	}
	g := strings.ToUpper(hex.EncodeToString(got))
	if strings.EqualFold(want, g) {
		return true, ""
	}
	if fresh(capdu) && len(want) == len(g) && len(g) >= 4 && strings.EqualFold(want[len(want)-4:], g[len(g)-4:]) {
		return true, ""
	}
	if fresh(capdu) {
		return false, "fresh data: compared by status word and length"
	}
	return false, ""
}

// fill returns the C-APDU to send for a recorded exchange, its masked data
// filled in, or why it cannot be sent.
func fill(e transcript.Event, secrets harness.Secrets) ([]byte, string) {
	if !strings.Contains(e.Command, "XX") {
		b, err := hex.DecodeString(e.Command)
		if err != nil {
			return nil, "not hex"
		}
		return b, ""
	}
	head, err := hex.DecodeString(e.Command[:8])
	if err != nil {
		return nil, "a masked header"
	}
	s := e.Secret
	if s == nil {
		return nil, "masked data without a PIN marker (SET SESSION KEY's key material): not held by the transcript"
	}
	body := e.Command[8:]
	if s.Value == transcript.Empty || s.Length == 0 {
		// no data field: what is masked is an Le, sent as 00
		return append(head, make([]byte, len(body)/2)...), ""
	}
	// Lc in clear: one byte, or 00 and two bytes
	extended := strings.HasPrefix(body, "00") && len(body) >= 6 && !strings.HasPrefix(body[2:], "XX")
	lcLen := 1
	if extended {
		lcLen = 3
	}
	if len(body) < 2*lcLen || strings.Contains(body[:2*lcLen], "X") {
		return nil, "masked data with no Lc"
	}
	rest := len(body)/2 - lcLen - s.Length // masked Le bytes after the data
	if rest < 0 {
		return nil, "a marker longer than the masked data"
	}
	if s.PIN == "" {
		return nil, "masked data of " + s.Reference + ", which is not one of the four PINs: not held by the transcript"
	}
	pin, err := jpki.ParsePIN(s.PIN)
	if err != nil {
		return nil, "a marker for an unknown PIN"
	}
	conf := secrets.Of(pin)
	if len(conf) == 0 {
		return nil, "no configured " + pin.String() + " to fill in"
	}
	var v []byte
	switch {
	case head[1] == 0x20 && (s.Value == transcript.Configured || s.Value == transcript.Unknown):
		v = conf
	case head[1] == 0x20 && s.Value == transcript.Other:
		v = other(pin, conf, s.Length)
	case head[1] == 0x24 && s.Value == transcript.Configured && s.Length == len(conf):
		v = conf // the new value alone (P1 01) is the configured one: no change
	default:
		return nil, fmt.Sprintf("masked data of %s that the transcript does not hold (%s)", s.Reference, s.Value)
	}
	out := append([]byte(nil), head...)
	if extended {
		out = append(out, 0, byte(len(v)>>8), byte(len(v)))
	} else {
		out = append(out, byte(len(v)))
	}
	out = append(out, v...)
	return append(out, make([]byte, rest)...), ""
}

// other returns a value of length n in p's format (when n fits it) that is
// not conf.
func other(p jpki.PIN, conf []byte, n int) []byte {
	f := p.Format()
	alpha := f.Alphabet
	if alpha == "" {
		alpha = "0123456789"
	}
	v := bytes.Repeat([]byte{alpha[0]}, n)
	copy(v, conf)
	for i := range v {
		if !f.Allows(v[i]) {
			v[i] = alpha[0]
		}
	}
	if n > 0 && bytes.Equal(v, conf) {
		j := strings.IndexByte(alpha, v[n-1])
		v[n-1] = alpha[(j+1)%len(alpha)]
	}
	return v
}

// Masked reports whether a C-APDU of t is masked (a PIN-carrying command
// with data): what a card that is not virtual refuses without
// AllowDestructive.
func Masked(t transcript.Transcript) bool {
	for _, e := range t.Exchanges() {
		if strings.Contains(e.Command, "XX") {
			return true
		}
	}
	return false
}
