package apdu

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrShortResponse is returned by ParseResponse for fewer than 2 bytes.
var ErrShortResponse = errors.New("R-APDU shorter than SW1-SW2")

// Response is a decoded R-APDU: the response data followed by SW1-SW2
// (ISO/IEC 7816-4 §5.1).
type Response struct {
	Data []byte
	SW   StatusWord
}

// ParseResponse splits an R-APDU into data and status word. Data aliases b.
// Fewer than 2 bytes gives ErrShortResponse.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, ErrShortResponse
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: NewStatusWord(b[n], b[n+1])}, nil
}

// Encode returns data || SW1 || SW2 in a new slice.
func (r Response) Encode() []byte {
	out := make([]byte, len(r.Data)+2)
	copy(out, r.Data)
	out[len(r.Data)] = r.SW.SW1()
	out[len(r.Data)+1] = r.SW.SW2()
	return out
}

// String renders the R-APDU as uppercase hex without spaces: data then SW1SW2.
func (r Response) String() string {
	return strings.ToUpper(hex.EncodeToString(r.Encode()))
}

// ParseHex decodes hex text that may contain spaces, colons, tabs or line
// breaks between byte pairs (as testers paste APDUs). An odd number of digits
// or a non-hex character is an error that gives the position, never the
// character (the text may carry a PIN).
func ParseHex(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', ':', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	if clean == "" {
		return nil, errors.New("empty hex string")
	}
	b, err := hex.DecodeString(clean)
	var inv hex.InvalidByteError
	switch {
	case errors.As(err, &inv):
		// Say where, not what: the text may hold a PIN.
		return nil, fmt.Errorf("not a hex digit at position %d", strings.IndexByte(clean, byte(inv))+1)
	case err != nil:
		return nil, fmt.Errorf("odd number of hex digits (%d)", len(clean))
	}
	return b, nil
}
