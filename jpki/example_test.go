package jpki_test

import (
	"fmt"

	"github.com/jpkisim/jpkisim/jpki"
)

// The facts of a PIN role: where its EF is, how many tries it has, what the
// card accepts as new reference data and which PIN proves it at a kiosk.
func ExamplePIN() {
	p := jpki.SigningPIN
	other, _ := p.Other()
	fmt.Printf("%v: %v EF %04X, %d tries, %d-%d bytes; kiosk proof: %v\n",
		p, p.App(), p.FID(), p.MaxTries(), p.Format().MinLen, p.Format().MaxLen, other)
	fmt.Println(p.Format().Check([]byte("abc123")) != nil) // lower case is another password
	// Output:
	// signing password: JPKI EF 001B, 5 tries, 6-16 bytes; kiosk proof: auth PIN
	// true
}

// A kind names a key pair with its certificate, its CA certificate and the
// PIN that opens the key.
func ExampleKind() {
	for _, k := range jpki.Kinds {
		fmt.Printf("%v: key %04X, certificate %04X, CA %04X, after the %v\n", k, k.KeyFID(), k.CertFID(), k.CACertFID(), k.PIN())
	}
	// Output:
	// signing: key 001A, certificate 0001, CA 0002, after the signing password
	// auth: key 0017, certificate 000A, CA 000B, after the auth PIN
}

// Finding an application by the AID a SELECT names.
func ExampleAppByAID() {
	a, ok := jpki.AppByAID([]byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01})
	fmt.Println(a, ok)
	_, ok = jpki.AppByAID([]byte{0xD3, 0x92, 0xF0})
	fmt.Println(ok)
	// Output:
	// JPKI true
	// false
}
