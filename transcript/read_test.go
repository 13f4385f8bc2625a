package transcript

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
)

// TestReadRefusesEveryUnmaskedForm edits a good transcript so that a
// C-APDU that can carry a PIN (or SET SESSION KEY, which apdu.MaskedHex
// masks too) shows data bytes in some other place than where the recorder
// would have put XX: Read must refuse each (a transcript file never holds a
// PIN).
func TestReadRefusesEveryUnmaskedForm(t *testing.T) {
	var buf bytes.Buffer
	if err := session().Transcript().Write(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for name, cmd := range map[string]string{
		"header masked, data shown":       "XX2000800431323334",
		"INS masked, data shown":          "00XX00800431323334",
		"extended Lc, two data bytes":     "00200081003132",
		"a data byte where Le would be":   "0020008131",
		"session key shown":               "80AE000004DEADBEEF",
		"masked bytes in a plain command": "00B00000XX",
	} {
		bad := strings.Replace(good, `"command": "0020008004XXXXXXXX"`, `"command": "`+cmd+`"`, 1)
		if bad == good {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if _, err := Read(strings.NewReader(bad)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s (%s): Read = %v, want ErrFormat", name, cmd, err)
		}
	}
}

// TestReadTakesWhatTheRecorderMasks: every C-APDU the recorder can see,
// well formed or not (Lc off by one, extended length, a lone Le, bytes
// beyond the data), masked by the recorder, passes Read's check.
func TestReadTakesWhatTheRecorderMasks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	headers := [][]byte{{0x00, 0x20, 0x00, 0x80}, {0x0C, 0x20, 0x00, 0x81}, {0x00, 0x24, 0x01, 0x80}, {0x80, 0x32, 0x00, 0x80}, {0x80, 0xAE, 0x00, 0x00}, {0x00, 0x2C, 0x00, 0x80}, {0x00, 0xB0, 0x00, 0x00}}
	for i := 0; i < 20000; i++ {
		c := append([]byte(nil), headers[rnd.IntN(len(headers))]...)
		n := rnd.IntN(12)
		for j := 0; j < n; j++ {
			switch rnd.IntN(4) {
			case 0:
				c = append(c, 0x00)
			case 1:
				c = append(c, byte(n-j-1)) // a plausible Lc
			default:
				c = append(c, byte(rnd.IntN(256)))
			}
		}
		if err := checkMasked(apdu.MaskedHex(c)); err != nil {
			t.Fatalf("% X masked as %s: %v", c, apdu.MaskedHex(c), err)
		}
	}
}
