package harness_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator"
)

// The README's "In Go tests" example: a virtual card, the auth PIN, and a
// crypto.Signer whose signature verifies with the auth certificate.
func ExampleClient() {
	profile := fixtures.MustProfile("default")
	card, err := simulator.New(profile)
	if err != nil {
		panic(err)
	}
	client := harness.NewClient(sim.NewCard(card))
	if err := client.SelectJPKI(); err != nil {
		panic(err)
	}
	n, _ := client.RetriesLeft(jpki.AuthPIN)
	fmt.Println("auth PIN tries:", n)
	fmt.Println("wrong PIN:", client.Verify(jpki.AuthPIN, []byte("0000")))
	if err := client.Verify(jpki.AuthPIN, profile.AuthPIN); err != nil {
		panic(err)
	}
	signer, err := client.NewSigner(jpki.Auth)
	if err != nil {
		panic(err)
	}
	digest := sha256.Sum256([]byte("challenge"))
	sig, err := signer.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		panic(err)
	}
	fmt.Println("signature verifies:", rsa.VerifyPKCS1v15(signer.Public().(*rsa.PublicKey), crypto.SHA256, digest[:], sig) == nil)
	// Output:
	// auth PIN tries: 3
	// wrong PIN: card answered 63C2 verification failed, 2 tries left
	// signature verifies: true
}
