// Package apdu encodes and decodes ISO/IEC 7816-4 application protocol data
// units: command APDUs (C-APDU) in cases 1 to 4, short and extended, response
// APDUs (R-APDU), and status words (SW1-SW2) as named, comparable values.
//
// The package knows nothing about JPKI; it is the codec shared by the virtual
// card, the harness and the CLI.
package apdu

import (
	"errors"
	"fmt"
)

// Length limits of ISO/IEC 7816-4 §5.1.
const (
	MaxShortNc    = 255   // largest data field in a short C-APDU
	MaxShortNe    = 256   // largest Ne of a short C-APDU (Le = 00)
	MaxExtendedNc = 65535 // largest data field in an extended C-APDU
	MaxExtendedNe = 65536 // largest Ne of an extended C-APDU (Le = 0000)
)

// Case is the ISO/IEC 7816-4 §5.1 case of a C-APDU: which of the data field
// and Le are present.
type Case int

// The four cases.
const (
	Case1 Case = 1 // no data, no Le
	Case2 Case = 2 // Le only
	Case3 Case = 3 // data only
	Case4 Case = 4 // data and Le
)

// Command is a decoded C-APDU.
//
// Ne is the maximum number of response data bytes expected: 0 when Le is
// absent, 1..256 for a short Le (Le = 00 means 256), 1..65536 for an extended
// Le (Le = 0000 means 65536). Extended records whether Lc and Le are (or are to
// be) coded in the extended form; Parse sets it from the wire and Encode uses
// it, switching to the extended form by itself when a length does not fit the
// short one.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
	Extended         bool
}

// Case reports the C-APDU case implied by Data and Ne.
func (c Command) Case() Case {
	switch {
	case len(c.Data) == 0 && c.Ne == 0:
		return Case1
	case len(c.Data) == 0:
		return Case2
	case c.Ne == 0:
		return Case3
	default:
		return Case4
	}
}

// P1P2 returns P1 and P2 as one big-endian 16-bit value.
func (c Command) P1P2() uint16 { return uint16(c.P1)<<8 | uint16(c.P2) }

// Errors returned by Parse and Encode. A *FormatError wraps one of them.
var (
	ErrTooShort       = errors.New("shorter than the 4-byte header")
	ErrLengthMismatch = errors.New("the length of the data disagrees with Lc")
	ErrZeroLc         = errors.New("zero Lc")
	ErrMalformedLe    = errors.New("malformed Le")
	ErrDataTooLong    = errors.New("data longer than 65535 bytes")
	ErrNeOutOfRange   = errors.New("an Ne outside 0..65536")
)

// FormatError reports a C-APDU that does not follow ISO/IEC 7816-4 §5.1.
type FormatError struct {
	Len int   // length of the offending C-APDU in bytes
	Err error // one of the Err* values above
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("malformed C-APDU of %d bytes: %v", e.Len, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(n int, err error) error { return &FormatError{Len: n, Err: err} }

// Parse decodes a C-APDU (ISO/IEC 7816-4 §5.1, cases 1 to 4, short and
// extended form). The returned Command's Data aliases b.
//
// Malformed input gives a *FormatError and never panics: fewer than 4 bytes,
// an Lc that disagrees with the data that follows, Lc = 0, an extended Lc
// with a short Le (or the reverse), and a lone 00 byte where an extended
// length should start.
func Parse(b []byte) (Command, error) {
	n := len(b)
	if n < 4 {
		return Command{}, formatErr(n, ErrTooShort)
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2 short
		c.Ne = shortNe(body[0])
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
		case 2 + lc:
			c.Ne = shortNe(body[1+lc])
		default:
			return Command{}, formatErr(n, ErrLengthMismatch)
		}
		c.Data = body[1 : 1+lc]
		return c, nil
	case len(body) < 3: // 00 followed by one byte: neither form
		return Command{}, formatErr(n, ErrMalformedLe)
	}
	// Extended form: body starts with 00.
	c.Extended = true
	if len(body) == 3 { // case 2 extended
		c.Ne = extendedNe(body[1], body[2])
		return c, nil
	}
	lc := int(body[1])<<8 | int(body[2])
	if lc == 0 {
		return Command{}, formatErr(n, ErrZeroLc)
	}
	switch len(body) {
	case 3 + lc:
	case 5 + lc:
		c.Ne = extendedNe(body[3+lc], body[4+lc])
	default:
		return Command{}, formatErr(n, ErrLengthMismatch)
	}
	c.Data = body[3 : 3+lc]
	return c, nil
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extendedNe(hi, lo byte) int {
	ne := int(hi)<<8 | int(lo)
	if ne == 0 {
		return MaxExtendedNe
	}
	return ne
}

// Encode returns the wire form of c. It uses the short form unless c.Extended
// is set or the data (over 255 bytes) or Ne (over 256) needs the extended
// form; Lc and Le always share one form (ISO/IEC 7816-4 §5.1). It fails with a
// *FormatError when Data is longer than 65535 bytes or Ne is outside 0..65536.
func (c Command) Encode() ([]byte, error) {
	nc := len(c.Data)
	if nc > MaxExtendedNc {
		return nil, formatErr(4+nc, ErrDataTooLong)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return nil, formatErr(4+nc, ErrNeOutOfRange)
	}
	ext := c.Extended || nc > MaxShortNc || c.Ne > MaxShortNe
	out := make([]byte, 0, 4+3+nc+3)
	out = append(out, c.CLA, c.INS, c.P1, c.P2)
	if !ext {
		if nc > 0 {
			out = append(out, byte(nc))
			out = append(out, c.Data...)
		}
		if c.Ne > 0 {
			out = append(out, byte(c.Ne)) // 256 wraps to 00
		}
		return out, nil
	}
	if nc == 0 && c.Ne == 0 {
		return out, nil // case 1 has no extended form
	}
	out = append(out, 0)
	if nc > 0 {
		out = append(out, byte(nc>>8), byte(nc))
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		out = append(out, byte(c.Ne>>8), byte(c.Ne)) // 65536 wraps to 0000
	}
	return out, nil
}

// MustEncode is Encode for commands known to be well formed; it panics on
// error and is meant for constants in tests and clients.
func (c Command) MustEncode() []byte {
	b, err := c.Encode()
	if err != nil {
		panic(err)
	}
	return b
}

// String renders the command as uppercase hex without spaces, with the data
// of commands that carry a PIN masked (see MaskedHex).
func (c Command) String() string {
	b, err := c.Encode()
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return MaskedHex(b)
}
