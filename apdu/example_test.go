package apdu_test

import (
	"errors"
	"fmt"

	"github.com/jpkisim/jpkisim/apdu"
)

// Building C-APDUs: the JPKI application's SELECT by DF name (case 3), a
// READ BINARY of 256 bytes (case 2, Le = 00), and one whose Ne needs the
// extended form.
func ExampleCommand_Encode() {
	jpkiAID := []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
	for _, c := range []apdu.Command{
		{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpkiAID},
		{INS: 0xB0, Ne: 256},
		{INS: 0xB0, Ne: 2048},
	} {
		b, err := c.Encode()
		if err != nil {
			panic(err)
		}
		fmt.Printf("case %d: %X\n", c.Case(), b)
	}
	// Output:
	// case 3: 00A4040C0AD392F000260100000001
	// case 2: 00B0000000
	// case 2: 00B00000000800
}

// Decoding a C-APDU from the wire; malformed input is a *FormatError that
// wraps one of the Err* values, never a panic.
func ExampleParse() {
	c, err := apdu.Parse([]byte{0x00, 0xB0, 0x86, 0x00, 0x03}) // READ BINARY of EF 0006 by SFI
	if err != nil {
		panic(err)
	}
	fmt.Printf("INS %02X P1-P2 %04X Ne %d case %d\n", c.INS, c.P1P2(), c.Ne, c.Case())

	_, err = apdu.Parse([]byte{0x00, 0x20, 0x00, 0x80, 0x04, 0x31}) // Lc 4, one data byte
	fmt.Println(err, errors.Is(err, apdu.ErrLengthMismatch))
	// Output:
	// INS B0 P1-P2 8600 Ne 3 case 2
	// malformed C-APDU of 6 bytes: the length of the data disagrees with Lc true
}

// Splitting an R-APDU into its data and SW1-SW2, and reading a retry
// counter out of 63Cx.
func ExampleParseResponse() {
	r, err := apdu.ParseResponse([]byte{0x8F, 0x8F, 0x00, 0x90, 0x00}) // EF 0008
	if err != nil {
		panic(err)
	}
	// A StatusWord is also an error, and fmt prints an error's Error text:
	// String gives the status word without "card answered".
	fmt.Printf("data %X, SW %s, OK %v\n", r.Data, r.SW.String(), r.SW.OK())

	r, _ = apdu.ParseResponse([]byte{0x63, 0xC2}) // the answer to a wrong VERIFY
	n, ok := r.SW.Tries()
	fmt.Println(r.SW.String(), "|", n, ok)
	// Output:
	// data 8F8F00, SW 9000 normal processing, OK true
	// 63C2 verification failed, 2 tries left | 2 true
}

// A StatusWord is an error: a client returns a status word other than 9000
// as it is, and the caller compares it or finds it with errors.As.
func ExampleStatusWord() {
	read := func() error {
		r, _ := apdu.ParseResponse([]byte{0x69, 0x82})
		if !r.SW.OK() {
			return fmt.Errorf("reading EF 0001: %w", r.SW)
		}
		return nil
	}
	err := read()
	fmt.Println(err)
	var sw apdu.StatusWord
	if errors.As(err, &sw) && sw == apdu.SWSecurityNotSatisfied {
		fmt.Printf("SW1 %02X SW2 %02X: verify the signing password first\n", sw.SW1(), sw.SW2())
	}
	// Output:
	// reading EF 0001: card answered 6982 security status not satisfied
	// SW1 69 SW2 82: verify the signing password first
}

// MaskedHex is how a C-APDU goes into a log: the data field of a command
// that can carry a PIN is replaced by XX.
func ExampleMaskedHex() {
	verify := apdu.Command{INS: 0x20, P2: 0x80, Data: []byte("1234")}.MustEncode()
	fmt.Println(apdu.MaskedHex(verify))
	fmt.Println(apdu.MaskedHex([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}))
	// Output:
	// 0020008004XXXXXXXX
	// 00A4020C020018
}
