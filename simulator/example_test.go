package simulator_test

import (
	"bytes"
	"fmt"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

// The default card answering raw C-APDUs: SELECT of the JPKI application,
// the token label in EF 0006, the auth PIN's retry counter (the empty
// VERIFY), and a VERIFY with the profile's test PIN, which is sent but never
// printed.
func ExampleCard() {
	card, err := simulator.New(fixtures.MustProfile(fixtures.DefaultProfile)) // unpowered
	if err != nil {
		panic(err)
	}
	fmt.Printf("ATR % X\n", card.PowerOn())

	send := func(c apdu.Command) apdu.Response {
		raw, err := card.Transmit(c.MustEncode()) // the only error: ErrNoPower
		if err != nil {
			panic(err)
		}
		r, err := apdu.ParseResponse(raw)
		if err != nil {
			panic(err)
		}
		return r
	}
	fmt.Println("SELECT JPKI:", send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.JPKI.AID()}).SW.String())
	fmt.Println("SELECT EF 0006:", send(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x06}}).SW.String())
	r := send(apdu.Command{INS: 0xB0, Ne: 32}) // the first 32 bytes: the token label
	fmt.Printf("token label %q, %s\n", bytes.TrimRight(r.Data, " "), r.SW.String())

	send(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x18}}) // the auth PIN's EF
	fmt.Println("empty VERIFY:", send(apdu.Command{INS: 0x20, P2: 0x80}).SW.String())
	pin := card.Profile().AuthPIN
	fmt.Println("VERIFY:", send(apdu.Command{INS: 0x20, P2: 0x80, Data: pin}).SW.String())
	// Output:
	// ATR 3B E0 00 FF 81 31 FE 45 14
	// SELECT JPKI: 9000 normal processing
	// SELECT EF 0006: 9000 normal processing
	// token label "JPKIAPICCTOKEN2", 9000 normal processing
	// empty VERIFY: 63C3 verification failed, 3 tries left
	// VERIFY: 9000 normal processing
}

// Before PowerOn (and after PowerOff) a card answers nothing: Transmit
// returns ErrNoPower. Once powered, every input gets at least a status word.
func ExampleCard_Transmit() {
	card, err := simulator.New(fixtures.MustProfile(fixtures.DefaultProfile))
	if err != nil {
		panic(err)
	}
	_, err = card.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C})
	fmt.Println(err)
	card.PowerOn()
	for _, c := range [][]byte{{0x00}, {0x90, 0xA4, 0x00, 0x00}, {0x00, 0x12, 0x00, 0x00}} {
		r, _ := card.Transmit(c)
		fmt.Printf("%X -> %X\n", c, r)
	}
	// Output:
	// card is not powered
	// 00 -> 6700
	// 90A40000 -> 6E00
	// 00120000 -> 6D00
}
