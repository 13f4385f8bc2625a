package harness

import (
	"errors"
	"time"

	"github.com/jpkisim/jpkisim/transcript"
)

// Recordable is implemented by sessions that can record what the card saw
// below T=0 completion and, for a card that is not virtual, beneath the
// real-card guard (the guard's own SELECTs and counter queries are part of
// it): the sessions of harness/sim and harness/pcsc. Record starts the
// recording with a power-on or connect event carrying the current ATR.
// Recording is asked of the session a target's Open returned, never of a
// target, so that no wrapper's Open (a guard's) can be gone around.
type Recordable interface {
	Record(rec *transcript.Recorder)
}

// OpenRecorded opens a session on t whose exchanges rec records: beneath
// T=0 completion where the session is Recordable, otherwise above it, each
// exchange completed (rec's transcript then says transcript.Complete).
// docs/reports.md, "Transcripts".
func OpenRecorded(t Target, rec *transcript.Recorder) (Card, error) {
	c, err := t.Open()
	if err != nil {
		return nil, err
	}
	if r, ok := c.(Recordable); ok {
		r.Record(rec)
		return c, nil
	}
	rec.SetLayer(transcript.Complete)
	rec.Event(transcript.Connect, c.ATR())
	return NewRecorded(c, rec), nil
}

// RecordedCard is a Card whose exchanges, resets and power cycles are
// recorded above it: what its clients see, each T=0 exchange completed.
type RecordedCard struct {
	Card
	rec *transcript.Recorder
}

// NewRecorded wraps c so that rec records every Transmit, Reset, power
// cycle and the Close (as a disconnect).
func NewRecorded(c Card, rec *transcript.Recorder) *RecordedCard {
	return &RecordedCard{Card: c, rec: rec}
}

// Transmit implements Card and records the exchange.
func (r *RecordedCard) Transmit(capdu []byte) ([]byte, error) {
	return Record(r.rec, r.Card.Transmit, capdu)
}

// Reset implements Card and records the reset with the new ATR.
func (r *RecordedCard) Reset() error {
	err := r.Card.Reset()
	if err == nil {
		r.rec.Event(transcript.Reset, r.Card.ATR())
	}
	return err
}

// Close implements Card and records the end of the session.
func (r *RecordedCard) Close() error {
	r.rec.Event(transcript.Disconnect, nil)
	return r.Card.Close()
}

// PowerCycle passes a power cycle through to the card and records it.
func (r *RecordedCard) PowerCycle() error {
	pc, ok := r.Card.(PowerCycler)
	if !ok {
		return errors.New("this transport cannot power-cycle the card")
	}
	err := pc.PowerCycle()
	if err == nil {
		r.rec.Event(transcript.PowerOff, nil)
		r.rec.Event(transcript.PowerOn, r.Card.ATR())
	}
	return err
}

// Transaction passes a transaction through to the card.
func (r *RecordedCard) Transaction(f func() error) error { return inTransaction(r.Card, f) }

// Unwrap implements Wrapper.
func (r *RecordedCard) Unwrap() Card { return r.Card }

// Capabilities implements Capable: the card's own.
func (r *RecordedCard) Capabilities() Capabilities { return CapabilitiesOf(r.Card) }

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
