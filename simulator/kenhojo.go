package simulator

import (
	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// The Kenhojo application (券面事項入力補助AP, docs/card.md §4.2, §8.1):
// the My Number and the basic 4 information as text, each behind its own
// credentials, and the application's own key, which signs without one.

// FIDs of the Kenhojo application's key references (docs/card.md §4.2).
const (
	kenhojoPIN     uint16 = 0x0011 // the Kenhojo PIN (jpki.KenhojoPIN)
	kenhojoBlocked uint16 = 0x0012 // a key reference blocked as issued
	kenhojoKey     uint16 = 0x0013 // the application's own key
	kenhojoA       uint16 = 0x0014 // 照合番号A
	kenhojoB       uint16 = 0x0015 // 照合番号B
	// kenhojoSessionKeyEF is the EF that holds the public key of SET
	// SESSION KEY; the card keeps its private half with it (EF.Key of a
	// transparent EF: no FID of its own, none selects or reads it).
	kenhojoSessionKeyEF uint16 = 0x0006
)

// kenhojoFiles are the transparent EFs of the Kenhojo application and what
// opens each (docs/card.md §4.2): 0001 the PIN or 照合番号A (not B), 0002
// the PIN or B (not A), 0003, 0006 and 0007 the PIN or either, 0004, 0005
// and 0008 free (docs/card-behaviour.md, "The card-face, common card and
// Juki applications", for 0008).
var kenhojoFiles = []fileSpec{
	{0x0001, AnyOf(kenhojoPIN, kenhojoA), 17},
	{0x0002, AnyOf(kenhojoPIN, kenhojoB), 0},
	{0x0003, AnyOf(kenhojoPIN, kenhojoA, kenhojoB), 0},
	{0x0004, Free, 0},
	{0x0005, Free, 0},
	{0x0006, AnyOf(kenhojoPIN, kenhojoA, kenhojoB), 0},
	{0x0007, AnyOf(kenhojoPIN, kenhojoA, kenhojoB), 0},
	{0x0008, Free, 0},
}

// secureMessagingRefused are the secure-messaging forms (CLA 08, 0C) of
// READ BINARY and VERIFY, which the card-face, common card and Juki
// applications answer 69FC (docs/card-behaviour.md, "The card-face, common
// card and Juki applications"): one table the four append.
var secureMessagingRefused = table{
	{0x08, 0xB0, refuse(apdu.SWSecureMessagingRefused)},
	{0x0C, 0xB0, refuse(apdu.SWSecureMessagingRefused)},
	{0x08, 0x20, refuse(apdu.SWSecureMessagingRefused)},
	{0x0C, 0x20, refuse(apdu.SWSecureMessagingRefused)},
}

// kenhojoCommands are the commands the Kenhojo application answers beyond
// the OS's (docs/card.md §5.6, §5.7, §5.10): its own key signs with
// COMPUTE DIGITAL SIGNATURE and refuses INTERNAL AUTHENTICATE, SET SESSION
// KEY takes a session key after the PIN, CHANGE REFERENCE DATA changes the
// PIN alone, and the secure-messaging forms of READ BINARY and VERIFY
// answer 69FC.
var kenhojoCommands = append(table{
	{0x80, 0x2A, handler{run: (*Card).computeOwnSignature}},
	{0x00, 0x88, handler{run: (*Card).internalAuthenticateOwnKey}},
	{0x80, 0xAE, handler{run: (*Card).setSessionKey}},
	{0x00, 0x24, handler{run: (*Card).changeKenhojoPIN}},
}, secureMessagingRefused...)

// kenhojoApp builds the Kenhojo application from the card face.
func kenhojoApp(f *CardFace) *Application {
	a := &Application{Name: jpki.Kenhojo.String(), AID: jpki.Kenhojo.AID()}
	a.EFs = append(a.EFs, transparentEFs(kenhojoFiles, f.Kenhojo)...)
	a.EF(kenhojoSessionKeyEF).Key = f.KenhojoSessionKey // the private half of its public key, with it
	a.EFs = append(a.EFs,
		pinEF(kenhojoPIN, f.KenhojoPIN, jpki.KenhojoPIN.MaxTries(), f.KenhojoTriesLeft, jpki.KenhojoPIN.Format()),
		&EF{FID: kenhojoBlocked, Kind: PINObject, PIN: &PIN{}}, // no value, no tries: blocked as issued
		&EF{FID: kenhojoKey, Kind: KeyObject, Read: Free, Key: f.KenhojoKey},
		pinEF(kenhojoA, f.VerificationA, jpki.VerificationTries, nil, jpki.VerificationAFormat),
		pinEF(kenhojoB, f.VerificationB, jpki.VerificationTries, nil, jpki.VerificationBFormat),
	)
	return a
}

// changeKenhojoPIN is CHANGE REFERENCE DATA (00 24 01 P2) in the Kenhojo
// application: the PIN 0011 changes as a JPKI PIN does
// (changeReferenceData); 照合番号A and B, which the card face fixes,
// answer 6982, and the blocked 0012 answers 6984 (docs/card-behaviour.md,
// "The card-face, common card and Juki applications").
func (c *Card) changeKenhojoPIN(cmd apdu.Command) ([]byte, error) {
	return c.changePIN(cmd, 0x01, func(fid uint16) bool { return fid == kenhojoPIN })
}
