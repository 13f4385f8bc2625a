// Package transcript records what a card saw: every exchange below T=0
// completion (61xx and GET RESPONSE, 6Cxx and the command sent again are
// each an exchange of their own), the power, reset and reconnect events,
// the time of each, and what a PIN-carrying C-APDU was for — never the PIN.
// A Transcript is also the versioned file format of `jpkisim record`,
// `jpkisim replay` and `jpkisim serve --transcript` (docs/reports.md,
// "Transcripts").
//
// The package depends on the codec and the card's facts only, so that the
// harness, the virtual card's reader and the CLI can all record.
package transcript

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// FormatName and Version identify the file format (docs/reports.md,
// "Transcripts"). A reader refuses any other name and a newer version.
const (
	FormatName = "jpkisim-transcript"
	Version    = 1
)

// Kind says what an Event is.
type Kind string

// The kinds of event.
const (
	// Exchange is one C-APDU and its R-APDU as the card's transport
	// carried them: below T=0 completion.
	Exchange Kind = "exchange"
	// PowerOn: the card was powered and answered with the event's ATR
	// (a session starting on a card already powered records one too).
	PowerOn Kind = "power-on"
	// Connect: a PC/SC connection to a card already powered, with its ATR.
	Connect Kind = "connect"
	// Disconnect: the PC/SC connection ended; the card stays powered.
	Disconnect Kind = "disconnect"
	// PowerOff: the card's power was removed (the session ended, a power
	// cycle, the card taken out of the reader).
	PowerOff Kind = "power-off"
	// Reset: a warm reset; the event's ATR is the card's answer.
	Reset Kind = "reset"
	// Reconnect: the connection to the card was made again (PC/SC
	// SCardReconnect after another program reset the card).
	Reconnect Kind = "reconnect"
	// HTTP: a request the test PKI's responder answered (OCSP, a CRL);
	// Detail says which and with what status.
	HTTP Kind = "http"
)

// Layer says where a transcript was taken.
const (
	// Raw is below T=0 completion: what went over the card's interface.
	Raw = "raw"
	// Complete is above it: a target that could not record beneath
	// completion shows each 61xx or 6Cxx exchange completed, as one.
	Complete = "complete"
)

// Micros is a duration in whole microseconds; JSON carries the number.
type Micros int64

// Duration converts m.
func (m Micros) Duration() time.Duration { return time.Duration(m) * time.Microsecond }

// MicrosOf converts d, rounding down.
func MicrosOf(d time.Duration) Micros { return Micros(d / time.Microsecond) }

// The values of Secret.Value.
const (
	Configured = "configured" // the configured value of the reference's PIN
	Other      = "other"      // a value other than the configured one
	Empty      = "empty"      // no data field: the retry-counter query
	Unknown    = "unknown"    // no value configured to compare with, or no PIN role
)

// Secret is the marker that stands for the masked data of a C-APDU that can
// carry a PIN (apdu.CarriesSecret): which reference data it was for and
// whether it was the configured value — never the value.
type Secret struct {
	// Reference names the reference data in prose, for example "JPKI EF
	// 0018 (the auth PIN)"; "unknown" when the transcript could not tell
	// (a P2 that names no EF, no application selected).
	Reference string `json:"reference"`
	// PIN is the reference's PIN role ("auth", "signing", "kenhojo",
	// "juki", jpki.PIN.Name), empty for other reference data.
	PIN string `json:"pin,omitempty"`
	// Value is Configured, Other, Empty or Unknown. For CHANGE REFERENCE
	// DATA with P1 01 it describes the new value (the only one the data
	// holds, docs/card.md §5.5), with P1 00 the old one, which comes first.
	// Unknown under secure messaging, chaining or another logical channel.
	Value string `json:"value"`
	// Length is the number of data bytes masked.
	Length int `json:"length"`
}

// String renders "auth PIN: the configured value (4 bytes)".
func (s Secret) String() string {
	who := s.Reference
	var what string
	switch s.Value {
	case Configured:
		what = "the configured value"
	case Other:
		what = "not the configured value"
	case Empty:
		return who + ": no data (retry counter query)"
	default:
		what = "value not compared"
	}
	return fmt.Sprintf("%s: %s (%d bytes)", who, what, s.Length)
}

// Event is one entry of a transcript.
type Event struct {
	// Seq numbers the events of a transcript from 1.
	Seq int `json:"seq"`
	// At is the event's start, from Transcript.Started.
	At   Micros `json:"at_us"`
	Kind Kind   `json:"kind"`
	// Command is the C-APDU, uppercase hex, PIN data masked as XX
	// (apdu.MaskedHex); Exchange only.
	Command string `json:"command,omitempty"`
	// Response is the R-APDU, uppercase hex; empty when Error is set.
	Response string `json:"response,omitempty"`
	// Error is the transport's error, when the exchange got no R-APDU.
	Error string `json:"error,omitempty"`
	// Elapsed is the time the exchange took.
	Elapsed Micros `json:"elapsed_us,omitempty"`
	// Secret stands for the masked data of a C-APDU that can carry a PIN.
	Secret *Secret `json:"secret,omitempty"`
	// ATR is the answer to reset, uppercase hex (PowerOn, Connect, Reset,
	// Reconnect).
	ATR string `json:"atr,omitempty"`
	// Detail is free text: the request an HTTP event answered, a note.
	Detail string `json:"detail,omitempty"`
}

// SW is the status word of an exchange's R-APDU as 4 hex digits, "" when
// there is none.
func (e Event) SW() string {
	if len(e.Response) < 4 {
		return ""
	}
	return e.Response[len(e.Response)-4:]
}

// String renders one event on one or two lines:
//
//	+12.345 ms > 00A4040C0AD392F000260100000001
//	           < 9000 (0.051 ms)
func (e Event) String() string {
	at := fmt.Sprintf("+%.3f ms", float64(e.At)/1000)
	pad := strings.Repeat(" ", len(at))
	switch e.Kind {
	case Exchange:
		s := at + " > " + e.Command
		if e.Secret != nil {
			s += "  [" + e.Secret.String() + "]"
		}
		if e.Error != "" {
			return s + "\n" + pad + " < transport error: " + e.Error
		}
		return s + fmt.Sprintf("\n%s < %s (%.3f ms)", pad, e.Response, float64(e.Elapsed)/1000)
	case HTTP:
		return at + " http " + e.Detail
	}
	s := at + " " + string(e.Kind)
	if e.ATR != "" {
		s += " ATR " + e.ATR
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Transcript is one session's record: the file format's document.
type Transcript struct {
	Format  string `json:"format"`  // FormatName
	Version int    `json:"version"` // Version
	// Source says what recorded it: "jpkisim run", "jpkisim serve",
	// "jpkisim record", "pcscd log".
	Source string `json:"source"`
	// Layer is Raw or Complete.
	Layer string `json:"layer"`
	// Reader is the PC/SC reader name, empty for the embedded card.
	Reader string `json:"reader,omitempty"`
	// Protocol is "T=0" or "T=1" when known.
	Protocol string `json:"protocol,omitempty"`
	// ATR is the answer to reset at the start, uppercase hex.
	ATR string `json:"atr,omitempty"`
	// Started is when the first event could have happened: At counts from it.
	Started time.Time `json:"started"`
	Events  []Event   `json:"events"`
}

// Text renders events one per line (two per exchange), each line indented.
func Text(events []Event, indent string) string {
	var sb strings.Builder
	for _, e := range events {
		for _, line := range strings.Split(e.String(), "\n") {
			sb.WriteString(indent)
			sb.WriteString(line)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// Exchanges returns the events of kind Exchange.
func (t Transcript) Exchanges() []Event {
	var out []Event
	for _, e := range t.Events {
		if e.Kind == Exchange {
			out = append(out, e)
		}
	}
	return out
}

// Write writes t as indented JSON.
func (t Transcript) Write(w io.Writer) error {
	if t.Format == "" {
		t.Format = FormatName
	}
	if t.Version == 0 {
		t.Version = Version
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// ErrFormat is wrapped by every error of Read about the document itself.
var ErrFormat = errors.New("not a jpkisim transcript")

// Read reads one transcript written by Write. It refuses another format, a
// version newer than Version, unknown fields, an exchange without a command
// or with a command or response that is not hex, and a command not masked
// exactly as the recorder masks it (apdu.MaskedHex): data shown in a C-APDU
// that can carry a PIN or a session key, or XX anywhere else. A transcript
// file never holds a PIN.
func Read(r io.Reader) (Transcript, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var t Transcript
	if err := dec.Decode(&t); err != nil {
		return Transcript{}, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if t.Format != FormatName {
		return Transcript{}, fmt.Errorf("%w: format %q, want %q", ErrFormat, t.Format, FormatName)
	}
	if t.Version < 1 || t.Version > Version {
		return Transcript{}, fmt.Errorf("%w: version %d (this jpkisim reads 1 to %d)", ErrFormat, t.Version, Version)
	}
	for i, e := range t.Events {
		if err := e.check(); err != nil {
			return Transcript{}, fmt.Errorf("%w: event %d: %v", ErrFormat, i+1, err)
		}
	}
	return t, nil
}

func (e Event) check() error {
	switch e.Kind {
	case Exchange:
		if e.Command == "" {
			return errors.New("an exchange without a command")
		}
		if !isHex(e.Response) {
			return errors.New("response not hex")
		}
		if err := checkMasked(e.Command); err != nil {
			return err
		}
	case PowerOn, Connect, Disconnect, PowerOff, Reset, Reconnect, HTTP:
	default:
		return fmt.Errorf("unknown kind %q", e.Kind)
	}
	return nil
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789ABCDEFabcdef", c) {
			return false
		}
	}
	return true
}
