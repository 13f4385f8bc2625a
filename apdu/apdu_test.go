package apdu

import (
	"bytes"
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

var seed = flag.Int64("seed", 0, "gopter seed for the codec properties (0: time-based, printed)")

func params(t *testing.T) *gopter.TestParameters {
	s := *seed
	if s == 0 {
		s = time.Now().UnixNano()
	}
	t.Logf("gopter seed %d (replay with -seed %d)", s, s)
	p := gopter.DefaultTestParametersWithSeed(s)
	p.MinSuccessfulTests = 2000
	return p
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := ParseHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCases(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name string
		in   []byte
		want Command
		c    Case
	}{
		{"case 1", mustHex(t, "00200080"), Command{CLA: 0, INS: 0x20, P1: 0, P2: 0x80}, Case1},
		{"case 2 short", mustHex(t, "00B000000F"), Command{INS: 0xB0, Ne: 15}, Case2},
		{"case 2 short Le=00 is 256", mustHex(t, "00B0000000"), Command{INS: 0xB0, Ne: 256}, Case2},
		{"case 3 short", mustHex(t, "00A4020C020018"), Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{0, 0x18}}, Case3},
		{"case 4 short", mustHex(t, "802A00800301020300"), Command{CLA: 0x80, INS: 0x2A, P2: 0x80, Data: []byte{1, 2, 3}, Ne: 256}, Case4},
		{"case 2 extended", mustHex(t, "00B08100000100"), Command{INS: 0xB0, P1: 0x81, Ne: 256, Extended: true}, Case2},
		{"case 2 extended Le=0000 is 65536", mustHex(t, "00B08100000000"), Command{INS: 0xB0, P1: 0x81, Ne: 65536, Extended: true}, Case2},
		{"case 3 extended", append(mustHex(t, "00DA000000012C"), long...), Command{INS: 0xDA, Data: long, Extended: true}, Case3},
		{"case 4 extended", append(append(mustHex(t, "802A0080000003"), 1, 2, 3), 0, 0), Command{CLA: 0x80, INS: 0x2A, P2: 0x80, Data: []byte{1, 2, 3}, Ne: 65536, Extended: true}, Case4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got.Data) == 0 {
				got.Data = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse = %+v, want %+v", got, tt.want)
			}
			if got.Case() != tt.c {
				t.Fatalf("Case = %d, want %d", got.Case(), tt.c)
			}
			enc, err := got.Encode()
			if err != nil || !bytes.Equal(enc, tt.in) {
				t.Fatalf("Encode = %X, %v; want %X", enc, err, tt.in)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		err  error
	}{
		{"empty", "", ErrTooShort},
		{"3 bytes", "00A404", ErrTooShort},
		{"Lc longer than data", "00A4040C0AD392F0", ErrLengthMismatch},
		{"Lc shorter than data", "00A4020C0100180000", ErrLengthMismatch},
		{"lone 00 then one byte", "00B0000000FF", ErrMalformedLe},
		{"extended Lc zero", "00A404000000000102", ErrZeroLc},
		{"extended Lc with short Le", "802A0080000002010200", ErrLengthMismatch},
		{"extended Lc, data short", "802A008000000501", ErrLengthMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			if tt.hex != "" {
				b = mustHex(t, tt.hex)
			}
			_, err := Parse(b)
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, tt.err) {
				t.Fatalf("Parse(%s) error = %v, want %v", tt.hex, err, tt.err)
			}
			if fe.Len != len(b) {
				t.Fatalf("FormatError.Len = %d, want %d", fe.Len, len(b))
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := (Command{Data: make([]byte, 65536)}).Encode(); !errors.Is(err, ErrDataTooLong) {
		t.Fatalf("65536 data bytes: %v", err)
	}
	if _, err := (Command{Ne: 65537}).Encode(); !errors.Is(err, ErrNeOutOfRange) {
		t.Fatalf("Ne 65537: %v", err)
	}
	if _, err := (Command{Ne: -1}).Encode(); !errors.Is(err, ErrNeOutOfRange) {
		t.Fatalf("Ne -1: %v", err)
	}
}

func TestEncodeKeepsLcAndLeInOneForm(t *testing.T) {
	// Short data with an extended Ne must put Lc in the extended form too.
	b := Command{INS: 0xB0, Data: []byte{1}, Ne: 300}.MustEncode()
	if !bytes.Equal(b, mustHex(t, "00B0000000000101012C")) {
		t.Fatalf("got %X, want 00B0000000000101012C", b)
	}
}

// genCommand generates well-formed commands in every case and both forms.
func genCommand() gopter.Gen {
	return gopter.CombineGens(
		gen.UInt8(), gen.UInt8(), gen.UInt8(), gen.UInt8(),
		gen.OneGenOf(gen.Const(0), gen.IntRange(1, 255), gen.IntRange(256, 1200)),
		gen.OneGenOf(gen.Const(0), gen.IntRange(1, 256), gen.IntRange(257, 65536), gen.Const(65536)),
		gen.Bool(),
	).Map(func(v []interface{}) Command {
		nc := v[4].(int)
		data := make([]byte, nc)
		for i := range data {
			data[i] = byte(i*7 + nc)
		}
		if nc == 0 {
			data = nil
		}
		c := Command{CLA: v[0].(uint8), INS: v[1].(uint8), P1: v[2].(uint8), P2: v[3].(uint8), Data: data, Ne: v[5].(int), Extended: v[6].(bool)}
		// The wire form of case 1 and of short-fitting lengths cannot record
		// Extended; normalise it to what Parse will report.
		if c.Case() == Case1 || (nc <= MaxShortNc && c.Ne <= MaxShortNe && !c.Extended) {
			c.Extended = false
		} else {
			c.Extended = true
		}
		return c
	})
}

func TestCodecProperties(t *testing.T) {
	props := gopter.NewProperties(params(t))
	props.Property("Parse(Encode(c)) == c", prop.ForAll(func(c Command) bool {
		b, err := c.Encode()
		if err != nil {
			return false
		}
		got, err := Parse(b)
		if err != nil {
			return false
		}
		if len(got.Data) == 0 {
			got.Data = nil
		}
		return reflect.DeepEqual(got, c)
	}, genCommand()))
	props.Property("Encode(Parse(b)) == b for every b that parses", prop.ForAll(func(b []byte) bool {
		c, err := Parse(b)
		if err != nil {
			return true
		}
		enc, err := c.Encode()
		return err == nil && bytes.Equal(enc, b)
	}, gen.SliceOf(gen.UInt8())))
	props.Property("Parse never panics and errors are FormatErrors", prop.ForAll(func(b []byte) bool {
		_, err := Parse(b)
		var fe *FormatError
		return err == nil || errors.As(err, &fe)
	}, gen.SliceOf(gen.UInt8())))
	props.Property("R-APDU round trip", prop.ForAll(func(data []byte, sw uint16) bool {
		r := Response{Data: data, SW: StatusWord(sw)}
		got, err := ParseResponse(r.Encode())
		return err == nil && bytes.Equal(got.Data, data) && got.SW == r.SW
	}, gen.SliceOf(gen.UInt8()), gen.UInt16()))
	props.Property("MaskedHex hides PIN data of VERIFY and CHANGE REFERENCE DATA", prop.ForAll(func(ins byte, pin string) bool {
		b := Command{INS: ins, P2: 0x80, Data: []byte(pin)}.MustEncode()
		out := MaskedHex(b)
		return !strings.Contains(out, strings.ToUpper(hexOf([]byte(pin)))) && strings.Contains(out, strings.Repeat("XX", len(pin)))
	}, gen.OneConstOf(byte(0x20), byte(0x24), byte(0x2C)), gen.RegexMatch(`[A-Z0-9]{4,16}`)))
	props.TestingRun(t)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestStatusWord(t *testing.T) {
	if got := VerifyFailed(2); got != 0x63C2 {
		t.Fatalf("VerifyFailed(2) = %04X", uint16(got))
	}
	if n, ok := StatusWord(0x63C4).Tries(); !ok || n != 4 {
		t.Fatalf("Tries = %d, %v", n, ok)
	}
	if _, ok := SWOK.Tries(); ok {
		t.Fatal("9000 carries no tries")
	}
	if got := SWSecurityNotSatisfied.String(); got != "6982 security status not satisfied" {
		t.Fatalf("String = %q", got)
	}
	if got := StatusWord(0x63C1).String(); got != "63C1 verification failed, 1 try left" {
		t.Fatalf("String = %q", got)
	}
	var err error = SWFileNotFound
	var sw StatusWord
	if !errors.As(err, &sw) || sw != 0x6A82 {
		t.Fatal("StatusWord is not usable as an error")
	}
}

func TestMaskedHex(t *testing.T) {
	tests := map[string]string{
		"0020008004":                   "00200080XX",                   // case 2: a PIN byte where Le would be
		"00200080003132":               "00200080XXXXXX",               // extended "Le" holding PIN bytes
		"002000800431323334":           "0020008004XXXXXXXX",           // VERIFY
		"0024018006414243313233":       "0024018006XXXXXXXXXXXX",       // CHANGE REFERENCE DATA
		"00200080":                     "00200080",                     // empty VERIFY
		"0020008009313233":             "00200080XXXXXXXX",             // malformed: mask all after header
		"00B0000004":                   "00B0000004",                   // not a secret
		"80320080043132333400":         "8032008004XXXXXXXXXX",         // CHANGE KEY: Le masked too
		"0020008005313233343536":       "0020008005XXXXXXXXXXXX",       // Lc one short: the last PIN byte parses as Le
		"00C2000009002000800431323334": "00C2000009XXXXXXXXXXXXXXXXXX", // ENVELOPE
		"80AE000004A0028000":           "80AE000004XXXXXXXX",           // SET SESSION KEY: key material
	}
	for in, want := range tests {
		if got := MaskedHex(mustHex(t, in)); got != want {
			t.Errorf("MaskedHex(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestParseHex(t *testing.T) {
	b, err := ParseHex("00 a4:04\t0C")
	if err != nil || !bytes.Equal(b, []byte{0, 0xA4, 4, 0x0C}) {
		t.Fatalf("ParseHex = %X, %v", b, err)
	}
	for _, bad := range []string{"", "0", "GG", "  "} {
		if _, err := ParseHex(bad); err == nil {
			t.Errorf("ParseHex(%q) succeeded", bad)
		}
	}
	_, err = ParseHex("0020008004ABCXYZ")
	if err == nil || strings.ContainsAny(err.Error(), "XYZ") || !strings.Contains(err.Error(), "position 14") {
		t.Fatalf("ParseHex error %v", err)
	}
}

func TestParseResponseShort(t *testing.T) {
	for _, b := range [][]byte{nil, {0x90}} {
		if _, err := ParseResponse(b); !errors.Is(err, ErrShortResponse) {
			t.Errorf("ParseResponse(%X) = %v", b, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"00A4040C0AD392F000260100000001", "00B0000000", "00B08100000000", "802A0080000003010203000", "00200080"} {
		if b, err := ParseHex(s); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("Encode(Parse(%X)) = %X, %v", b, enc, err)
		}
		_ = MaskedHex(b)
	})
}
