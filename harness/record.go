package harness

import (
	"time"

	"github.com/jpkisim/jpkisim/transcript"
)

// RecordingTarget is implemented by targets whose sessions can record what
// the card saw below T=0 completion, and beneath the real-card guard (the
// guard's own SELECTs and counter queries are part of it): harness/sim's
// and harness/pcsc's.
type RecordingTarget interface {
	Target
	// OpenRecorded opens a session as Open does, with every exchange and
	// power, reset and reconnect event recorded in rec.
	OpenRecorded(rec *transcript.Recorder) (Card, error)
}

// OpenRecorded opens a session on t whose exchanges rec records: beneath
// T=0 completion where t is a RecordingTarget, otherwise above it, each
// exchange completed (rec's transcript then says transcript.Complete).
// docs/reports.md, "Transcripts".
func OpenRecorded(t Target, rec *transcript.Recorder) (Card, error) {
	if rt, ok := t.(RecordingTarget); ok {
		return rt.OpenRecorded(rec)
	}
	c, err := t.Open()
	if err != nil {
		return nil, err
	}
	rec.SetLayer(transcript.Complete)
	rec.Event(transcript.PowerOn, c.ATR())
	return &recordedCard{Card: c, rec: rec}, nil
}

// recordedCard records above a card that cannot record beneath.
type recordedCard struct {
	Card
	rec *transcript.Recorder
}

func (r *recordedCard) Transmit(capdu []byte) ([]byte, error) {
	return Record(r.rec, r.Card.Transmit, capdu)
}

func (r *recordedCard) Reset() error {
	err := r.Card.Reset()
	if err == nil {
		r.rec.Event(transcript.Reset, r.Card.ATR())
	}
	return err
}

func (r *recordedCard) Close() error {
	r.rec.Event(transcript.PowerOff, nil)
	return r.Card.Close()
}

func (r *recordedCard) Transaction(f func() error) error { return inTransaction(r.Card, f) }
func (r *recordedCard) Unwrap() Card                     { return r.Card }
func (r *recordedCard) Capabilities() Capabilities       { return CapabilitiesOf(r.Card) }

// Record performs one exchange with send and records it in rec; a nil rec
// records nothing. Transports call it at their lowest layer.
func Record(rec *transcript.Recorder, send RawExchange, capdu []byte) ([]byte, error) {
	if rec == nil {
		return send(capdu)
	}
	start := time.Now()
	r, err := send(capdu)
	rec.Exchange(capdu, r, err, start, time.Since(start))
	return r, err
}
