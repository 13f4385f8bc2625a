package simulator_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
)

// Benchmarks of docs/benchmarks.md: one C-APDU through Transmit, parse to
// R-APDU, on a powered virtual card with the JPKI application selected.

func benchCard(b *testing.B, setup ...string) func([]byte) []byte {
	c := newCard(b, nil)
	exchange(b, c, append([]string{selJPKI}, setup...)...)
	return func(cmd []byte) []byte {
		r, err := c.Transmit(cmd)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
}

func BenchmarkSelectEF(b *testing.B) {
	tx := benchCard(b)
	cmd := mustHex("00A4020C02000A")
	b.ReportAllocs()
	for b.Loop() {
		if r := tx(cmd); len(r) != 2 || r[0] != 0x90 {
			b.Fatalf("%X", r)
		}
	}
}

func BenchmarkReadBinary256(b *testing.B) {
	tx := benchCard(b, "00A4020C02000A")
	cmd := mustHex("00B0010000")
	b.ReportAllocs()
	b.SetBytes(256)
	for b.Loop() {
		if r := tx(cmd); len(r) != 258 {
			b.Fatalf("%d bytes", len(r))
		}
	}
}

// BenchmarkVerify is a correct VERIFY of the auth PIN: decrement, compare in
// constant time, restore.
func BenchmarkVerify(b *testing.B) {
	tx := benchCard(b, selAuthP)
	cmd := mustHex(authOK)
	b.ReportAllocs()
	for b.Loop() {
		if r := tx(cmd); r[0] != 0x90 {
			b.Fatalf("%X", r)
		}
	}
}

func BenchmarkEmptyVerify(b *testing.B) {
	tx := benchCard(b, selAuthP)
	cmd := mustHex("00200080")
	b.ReportAllocs()
	for b.Loop() {
		tx(cmd)
	}
}

func signInput() []byte {
	h := sha256.Sum256([]byte("benchmark"))
	return append(mustHex(diSHA256), h[:]...)
}

// BenchmarkSignature is COMPUTE DIGITAL SIGNATURE 80 2A 00 80 with a
// SHA-256 DigestInfo and the auth key (RSA-2048 PKCS#1 v1.5).
func BenchmarkSignature(b *testing.B) {
	tx := benchCard(b, selAuthP, authOK, "00A4020C020017")
	cmd := apdu.Command{CLA: 0x80, INS: 0x2A, P2: 0x80, Data: signInput(), Ne: 256}.MustEncode()
	b.ReportAllocs()
	for b.Loop() {
		if r := tx(cmd); len(r) != 258 {
			b.Fatalf("%X", r)
		}
	}
}

// BenchmarkBareRSASign is crypto/rsa.SignPKCS1v15 with the same key and the
// same input, the yardstick for BenchmarkSignature.
func BenchmarkBareRSASign(b *testing.B) {
	key := profile(b, nil).AuthKey
	in := signInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.Hash(0), in); err != nil {
			b.Fatal(err)
		}
	}
}
