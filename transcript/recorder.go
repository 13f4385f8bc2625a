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
	if channel(cmd.CLA) != 0 {
		ok = false // another channel's EF, which the transcript does not follow
	}
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
	case cmd.CLA&^0x80 != 0:
		// Secure messaging wraps the value, chaining splits it: the data
		// is not the PIN as it is.
	case cmd.INS == 0x24 && cmd.P1 != 0x00 && cmd.P1 != 0x01:
	default:
		// VERIFY and CHANGE REFERENCE DATA with P1 01 carry one value (the
		// new one for the change, docs/card.md §5.5); with P1 00 the
		// change carries the old value first, then the new one.
		switch match, known := r.match(ref, cmd.Data, cmd.INS == 0x24 && cmd.P1 == 0x00); {
		case !known:
		case match:
			s.Value = Configured
		default:
			s.Value = Other
		}
	}
	return s
}

// channel is the logical channel a CLA names (ISO/IEC 7816-4 §5.4.1): bits
// 1-2 in the first interindustry range, 4 plus bits 1-4 in the further
// one; 0 for a proprietary class.
func channel(cla byte) int {
	switch {
	case cla&0x80 != 0:
		return 0
	case cla&0x40 != 0:
		return 4 + int(cla&0x0F)
	}
	return int(cla & 0x03)
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
	if err != nil || cmd.CLA&0xF0 != 0 || channel(cmd.CLA) != 0 || cmd.INS != 0xA4 || len(rapdu) < 2 {
		return
	}
	if sw1 := rapdu[len(rapdu)-2]; sw1 != 0x90 && sw1 != 0x61 { // 61xx: done, the answer held for GET RESPONSE (T=0)
		return
	}
	switch {
	case cmd.P1 == 0x04:
		p.app, p.hasApp = jpki.AppByAID(cmd.Data)
		p.hasEF = false
	case cmd.P1 == 0x00:
		// The ISO form: 9000 with the DF unchanged on this card (docs/card.md
		// §5.1); what it does to the EF is not said, so the EF is unknown.
		p.hasEF = false
	case cmd.P1 == 0x02 && len(cmd.Data) == 2:
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

// checkMasked refuses a recorded C-APDU that is not masked exactly as
// apdu.MaskedHex masks it: the bytes shown as XX taken for 00, the command
// masked again must give the same text. Data shown where the recorder puts
// XX (in a command that can carry a PIN or a session key, also where Le
// would be, or of a body too malformed to parse), a header hidden as XX, or
// XX in a command that carries no secret are all refused.
func checkMasked(cmd string) error {
	if len(cmd)%2 != 0 {
		return errors.New("command not hex")
	}
	b := make([]byte, len(cmd)/2)
	for i := range b {
		pair := cmd[2*i : 2*i+2]
		if pair == "XX" {
			continue // 00 in b
		}
		v, err := hex.DecodeString(pair)
		if err != nil {
			return errors.New("command not hex")
		}
		b[i] = v[0]
	}
	if apdu.MaskedHex(b) != strings.ToUpper(cmd) {
		return errors.New("a C-APDU not masked as the recorder masks it: a transcript shows no data of a command that can carry a PIN or a session key (mask it as XX), and XX nowhere else")
	}
	return nil
}
