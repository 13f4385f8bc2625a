package simulator

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"

	"github.com/jpkisim/jpkisim/apdu"
)

// sessionKeyLen is the length of the key material SET SESSION KEY carries
// (docs/card.md §8.1, after myna-card's sm.rs: fixed at 32 bytes).
const sessionKeyLen = 32

// setSessionKey is SET SESSION KEY (80 AE 00 00 Lc data) in the Kenhojo
// application (docs/card.md §5.10, §8.1): the data is the message
// A0 22 80 20 <32 bytes of key material> encrypted with RSA-OAEP (SHA-256,
// MGF1-SHA-256, no label) to the public key of EF 0006. The card decrypts it
// with the private half it keeps with EF 0006 (CardFace.KenhojoSessionKey);
// a card without one answers every delivery 6A80 (docs/card-behaviour.md,
// "The card-face, common card and Juki applications").
//
//	P1-P2 other than 0000              6A86
//	no data, or an Le                  6700
//	the Kenhojo PIN 0011 not verified  6982 (照合番号A or B do not do;
//	                                   checked before anything is decrypted)
//	data that does not decrypt, or any other message
//	(81: a MAC key, with or without 80; another length)   6A80
//	otherwise                          9000
//
// Secure messaging itself is not modelled: a delivered key changes
// nothing, and the secure-messaging commands keep answering 69FC.
func (c *Card) setSessionKey(cmd apdu.Command) ([]byte, error) {
	if cmd.P1P2() != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) == 0 || cmd.Ne != 0 {
		return nil, apdu.SWWrongLength
	}
	if !c.pinVerified(kenhojoPIN) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	e := c.df.EF(kenhojoSessionKeyEF)
	if e == nil || e.Key == nil {
		return nil, apdu.SWWrongData
	}
	msg, err := rsa.DecryptOAEP(sha256.New(), nil, e.Key, cmd.Data, nil)
	if err != nil || !sessionKeyMessage(msg) {
		return nil, apdu.SWWrongData
	}
	return nil, nil
}

// sessionKeyMessage reports whether msg is A0 22 80 20 and 32 bytes: an
// encryption key alone.
func sessionKeyMessage(msg []byte) bool {
	head := []byte{0xA0, 2 + sessionKeyLen, 0x80, sessionKeyLen}
	return len(msg) == len(head)+sessionKeyLen && bytes.HasPrefix(msg, head)
}
