package model_test

import (
	"fmt"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/model"
	"github.com/jpkisim/jpkisim/properties"
	"github.com/jpkisim/jpkisim/simulator"
)

// The model answers every form of the test-control commands (80 EE) as the
// simulator does on a card whose snapshot no run holds: the header and data
// checks, the run token forms, the restore without a token.
func TestControlCommandsAgreeWithTheSimulator(t *testing.T) {
	p := fixtures.MustProfile("default")
	m := model.New(properties.ContentOf(p))
	form := func(p1, p2 byte, data string, le bool) []byte {
		b := apdu.Command{CLA: 0x80, INS: jpki.RestoreINS, P1: p1, P2: p2, Data: []byte(data)}.MustEncode()
		if le {
			b = append(b, 0x00)
		}
		return b
	}
	tok, long := jpki.RestoreData+"0123456789abcdef", jpki.RestoreData+string(make([]byte, jpki.MaxRunToken+1))
	var forms [][]byte
	for _, p1 := range []byte{0, 1, 2, 3, 0x80} {
		for _, p2 := range []byte{0, 1} {
			for _, d := range []string{"", jpki.RestoreData, tok, long, "JPKISIM-RESTORF"} {
				forms = append(forms, form(p1, p2, d, false), form(p1, p2, d, true))
			}
		}
	}
	for _, b := range forms {
		c, err := simulator.New(p)
		if err != nil {
			t.Fatal(err)
		}
		c.PowerOn()
		// A try spent first, so that a restore shows in the state.
		for _, h := range []string{"00A4040C0AD392F000260100000001", "00A4020C020018", "002000800430303030"} {
			b, _ := apdu.ParseHex(h)
			if _, err := c.Transmit(b); err != nil {
				t.Fatal(err)
			}
		}
		s := m.Fresh()
		for _, h := range []string{"00A4040C0AD392F000260100000001", "00A4020C020018", "002000800430303030"} {
			b, _ := apdu.ParseHex(h)
			s, _ = m.Step(s, b)
		}
		r, err := c.Transmit(b)
		if err != nil {
			t.Fatal(err)
		}
		next, e := m.Step(s, b)
		got := apdu.StatusWord(uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]))
		if got != e.SW {
			t.Errorf("%X: simulator %04X, model %04X", b, uint16(got), uint16(e.SW))
			continue
		}
		// What the restore did, the model did: the counter given back or not.
		if _, err := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}); err != nil {
			t.Fatal(err)
		}
		if r, err = c.Transmit([]byte{0x00, 0x20, 0x00, 0x98}); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("63C%X", next.Tries[model.Auth])
		if fmt.Sprintf("%X", r) != want {
			t.Errorf("%X: the simulator's auth counter answers %X, the model's is %d", b, r, next.Tries[model.Auth])
		}
	}
}
