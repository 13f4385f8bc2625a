package harness

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
)

// Exchange is one traced C-APDU and its R-APDU. Command is already masked
// (apdu.MaskedHex): a trace never holds a PIN.
type Exchange struct {
	Command  string // C-APDU, uppercase hex, PIN data as XX
	Response string // R-APDU, uppercase hex; empty when Err is set
	Err      error
	Elapsed  time.Duration
}

// String renders "> 00A4040C0AD392F000260100000001\n< 9000".
func (e Exchange) String() string {
	if e.Err != nil {
		return fmt.Sprintf("> %s\n< transport error: %v", e.Command, e.Err)
	}
	return fmt.Sprintf("> %s\n< %s", e.Command, e.Response)
}

// Trace records exchanges in order. It is safe for concurrent use.
type Trace struct {
	mu        sync.Mutex
	exchanges []Exchange
}

// Add appends one exchange, masking the C-APDU.
func (t *Trace) Add(capdu, rapdu []byte, err error, elapsed time.Duration) {
	e := Exchange{Command: apdu.MaskedHex(capdu), Err: err, Elapsed: elapsed}
	if err == nil {
		e.Response = strings.ToUpper(hex.EncodeToString(rapdu))
	}
	t.mu.Lock()
	t.exchanges = append(t.exchanges, e)
	t.mu.Unlock()
}

// Len returns the number of exchanges recorded.
func (t *Trace) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.exchanges)
}

// Since returns the exchanges from index i on.
func (t *Trace) Since(i int) []Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i < 0 {
		i = 0
	}
	if i > len(t.exchanges) {
		i = len(t.exchanges)
	}
	return append([]Exchange(nil), t.exchanges[i:]...)
}

// Format renders exchanges one per pair of lines, each line indented.
func Format(exchanges []Exchange, indent string) string {
	var sb strings.Builder
	for _, e := range exchanges {
		for _, line := range strings.Split(e.String(), "\n") {
			sb.WriteString(indent)
			sb.WriteString(line)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// TracedCard is a Card that records every exchange in a Trace.
type TracedCard struct {
	Card
	Trace *Trace
}

// NewTraced wraps c so that every Transmit is recorded in t.
func NewTraced(c Card, t *Trace) *TracedCard { return &TracedCard{Card: c, Trace: t} }

// Transmit implements Card and records the exchange.
func (t *TracedCard) Transmit(capdu []byte) ([]byte, error) {
	start := time.Now()
	r, err := t.Card.Transmit(capdu)
	t.Trace.Add(capdu, r, err, time.Since(start))
	return r, err
}
