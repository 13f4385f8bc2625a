package transcript

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// Recorder builds a Transcript as a session goes. It is safe for concurrent
// use; the zero value is not: use NewRecorder.
type Recorder struct {
	mu    sync.Mutex
	t     Transcript
	where position
	match Matcher
	now   func() time.Time
}

// Matcher compares the data of a PIN-carrying C-APDU with the current value
// of the reference data ref (ref.PIN is one of the four PINs): whole
// (prefix false, VERIFY) or as the data's start (prefix true, CHANGE
// REFERENCE DATA). known is false when there is no value to compare with;
// the marker's value is then Unknown. A Matcher lets a card that keeps its
// PINs (the virtual card, simulator.Card.MatchesPIN) answer without handing
// them out.
type Matcher func(ref jpki.Reference, data []byte, prefix bool) (match, known bool)

// SecretsMatcher is the Matcher over configured values: secrets gives the
// value of a PIN role (nil or empty: unknown).
func SecretsMatcher(secrets func(jpki.PIN) []byte) Matcher {
	if secrets == nil {
		return nil
	}
	return func(ref jpki.Reference, data []byte, prefix bool) (bool, bool) {
		conf := secrets(ref.PIN)
		if len(conf) == 0 {
			return false, false
		}
		if prefix {
			return bytes.HasPrefix(data, conf), true
		}
		return bytes.Equal(data, conf), true
	}
}

// NewRecorder starts a transcript now. secrets gives the configured value
// of a PIN role, to say whether a masked C-APDU carried it; nil compares
// nothing (Secret.Value Unknown). The recorder keeps no PIN: it compares
// and forgets.
func NewRecorder(source, layer string, secrets func(jpki.PIN) []byte) *Recorder {
	return NewMatchingRecorder(source, layer, SecretsMatcher(secrets))
}

// NewMatchingRecorder is NewRecorder with the comparison made by match (nil
// compares nothing).
func NewMatchingRecorder(source, layer string, match Matcher) *Recorder {
	r := &Recorder{match: match, now: time.Now}
	r.t = Transcript{Format: FormatName, Version: Version, Source: source, Layer: layer, Started: r.now(), Events: []Event{}}
	return r
}

// SetReader names the reader and the protocol of the session.
func (r *Recorder) SetReader(reader, protocol string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t.Reader, r.t.Protocol = reader, protocol
}

func (r *Recorder) add(e Event) {
	e.Seq = len(r.t.Events) + 1
	r.t.Events = append(r.t.Events, e)
}

// SetLayer says where the transcript is taken: Raw or Complete.
func (r *Recorder) SetLayer(layer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t.Layer = layer
}

// Exchange records one exchange that began at start and took elapsed.
// capdu is masked before it is kept; err is the transport's (no R-APDU).
func (r *Recorder) Exchange(capdu, rapdu []byte, err error, start time.Time, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s *Secret
	if len(capdu) >= 4 && apdu.CarriesSecret(capdu[0], capdu[1]) {
		s = r.secret(capdu)
	}
	r.exchange(capdu, rapdu, err, start, elapsed, s)
}

// Mark returns the marker Exchange would record for capdu now, nil for a
// C-APDU that carries no PIN. A transport whose Matcher compares with the
// card's current value calls it before sending the command — a CHANGE
// REFERENCE DATA changes that value — and records with ExchangeMarked.
func (r *Recorder) Mark(capdu []byte) *Secret {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(capdu) >= 4 && apdu.CarriesSecret(capdu[0], capdu[1]) {
		return r.secret(capdu)
	}
	return nil
}

// ExchangeMarked is Exchange with the marker taken before (Mark).
func (r *Recorder) ExchangeMarked(capdu, rapdu []byte, err error, start time.Time, elapsed time.Duration, s *Secret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exchange(capdu, rapdu, err, start, elapsed, s)
}

func (r *Recorder) exchange(capdu, rapdu []byte, err error, start time.Time, elapsed time.Duration, s *Secret) {
	e := Event{Kind: Exchange, At: MicrosOf(start.Sub(r.t.Started)), Command: apdu.MaskedHex(capdu), Elapsed: MicrosOf(elapsed)}
	if err != nil {
		e.Error = err.Error()
	} else {
		e.Response = strings.ToUpper(hex.EncodeToString(rapdu))
	}
	e.Secret = s
	r.add(e)
	if err == nil {
		r.where.follow(capdu, rapdu)
	}
}

// Event records a power, reset or reconnect event with the card's ATR
// (nil for PowerOff). The current application and EF are forgotten after
// a power, reset or reconnect event, after which the MF is current; a
// connect or disconnect leaves the card as it is.
func (r *Recorder) Event(kind Kind, atr []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := Event{Kind: kind, At: MicrosOf(r.now().Sub(r.t.Started))}
	if len(atr) > 0 {
		e.ATR = strings.ToUpper(hex.EncodeToString(atr))
		if r.t.ATR == "" {
			r.t.ATR = e.ATR
		}
	}
	r.add(e)
	if kind != Connect && kind != Disconnect {
		r.where = position{} // a connection made or ended leaves the card as it is
	}
}

// Note records an event that is not the card's, such as an HTTP request the
// test PKI answered; detail must hold no secret.
func (r *Recorder) Note(kind Kind, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(Event{Kind: kind, At: MicrosOf(r.now().Sub(r.t.Started)), Detail: detail})
}

// Len returns the number of events recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.t.Events)
}

// Since returns a copy of the events from index i on.
func (r *Recorder) Since(i int) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	i = max(0, min(i, len(r.t.Events)))
	return append([]Event(nil), r.t.Events[i:]...)
}

// Transcript returns a copy of the transcript so far.
func (r *Recorder) Transcript() Transcript {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.t
	t.Events = append([]Event(nil), r.t.Events...)
	return t
}

// secret describes the data of a PIN-carrying C-APDU.
func (r *Recorder) secret(capdu []byte) *Secret {
	s := &Secret{Reference: "unknown", Value: Unknown}
	cmd, err := apdu.Parse(capdu)
	if err != nil {
		s.Length = len(capdu) - 4
		return s
	}
	s.Length = len(cmd.Data)
	ref, ok := r.where.reference(cmd)
	if ok {
		s.Reference = ref.String()
		if ref.PIN != 0 {
			s.PIN = ref.PIN.Name()
		}
	}
	switch {
	case len(cmd.Data) == 0:
		s.Value = Empty
	case !ok || ref.PIN == 0 || r.match == nil || cmd.INS != 0x20 && cmd.INS != 0x24:
	default:
		switch match, known := r.match(ref, cmd.Data, cmd.INS == 0x24); {
		case !known:
		case match:
			s.Value = Configured
		default:
			s.Value = Other
		}
	}
	return s
}

// position follows the SELECTs a transcript shows, to name the reference
// data a VERIFY's P2 reaches: the application selected by AID and the EF
// selected by FID (docs/card.md §5.1).
type position struct {
	app    jpki.App
	hasApp bool
	ef     uint16
	hasEF  bool
}

func (p *position) follow(capdu, rapdu []byte) {
	cmd, err := apdu.Parse(capdu)
	if err != nil || cmd.CLA&0xF0 != 0 || cmd.INS != 0xA4 || len(rapdu) < 2 || rapdu[len(rapdu)-2] != 0x90 {
		return
	}
	switch {
	case cmd.P1 == 0x04:
		p.app, p.hasApp = jpki.AppByAID(cmd.Data)
		p.hasEF = false
	case (cmd.P1 == 0x02 || cmd.P1 == 0x00) && len(cmd.Data) == 2:
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if fid == 0x3F00 {
			*p = position{}
			return
		}
		p.ef, p.hasEF = fid, true
	}
}

// reference is the reference data cmd's P2 names (jpki.EFRef): the current
// EF for P2 80, the EF with that SFI for 80|SFI.
func (p position) reference(cmd apdu.Command) (jpki.Reference, bool) {
	if !p.hasApp {
		return jpki.Reference{}, false
	}
	sfi, ok := jpki.EFRef(cmd.P2)
	if !ok {
		return jpki.Reference{}, false
	}
	fid, ok := p.ef, p.hasEF
	if sfi != 0 {
		fid, ok = uint16(sfi), true // an SFI is its FID's low five bits (jpki.SFI)
	}
	if !ok {
		return jpki.Reference{}, false
	}
	return jpki.ReferenceAt(p.app, fid)
}

// checkMasked refuses a recorded C-APDU that can carry a PIN and shows
// data: every byte after the header and Lc must be XX.
func checkMasked(cmd string) error {
	if len(cmd) < 8 {
		return nil
	}
	h, err := hex.DecodeString(cmd[:4])
	if err != nil || !apdu.CarriesSecret(h[0], h[1]) {
		return nil
	}
	body := cmd[8:]
	if !strings.HasPrefix(body, "XX") && len(body) >= 2 {
		body = body[2:] // Lc
		if strings.HasPrefix(cmd[8:], "00") && len(body) >= 4 && !strings.HasPrefix(body, "XX") {
			body = body[4:] // extended Lc
		}
	}
	if strings.Trim(body, "X") != "" {
		return errors.New("a C-APDU that can carry a PIN shows its data (a transcript holds none: mask it as XX)")
	}
	return nil
}
