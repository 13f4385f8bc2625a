package simulator

import (
	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// The Kenkaku application (券面事項確認AP, docs/card.md §4.3, §8.2): the
// card face as images, opened by what is printed on the card, and the
// application's own key, which signs without a credential. It has no
// secure messaging.

// FIDs of the Kenkaku application's key references (docs/card.md §4.3).
const (
	kenkakuBirthDate uint16 = 0x0011 // the birth-date key
	kenkakuB         uint16 = 0x0012 // 照合番号B
	kenkakuA         uint16 = 0x0013 // 照合番号A
	kenkakuKey       uint16 = 0x001A // the application's own key
)

// kenkakuFiles are the transparent EFs of the Kenkaku application and what
// opens each (docs/card.md §4.3): 0001 the birth-date key, 0002 and 0006
// 照合番号A or B, 0005 A only, 0003 and 0004 free.
var kenkakuFiles = []fileSpec{
	{0x0001, AnyOf(kenkakuBirthDate), 0},
	{0x0002, AnyOf(kenkakuA, kenkakuB), 0},
	{0x0003, Free, 0},
	{0x0004, Free, 0},
	{0x0005, AnyOf(kenkakuA), 0},
	{0x0006, AnyOf(kenkakuA, kenkakuB), 0},
}

// kenkakuCommands are the commands the Kenkaku application answers beyond
// the OS's (docs/card.md §4.3, §5.6, §5.7, §5.10): its own key signs with
// COMPUTE DIGITAL SIGNATURE and refuses INTERNAL AUTHENTICATE; SET SESSION
// KEY answers 66F1 (none configured); it has no CHANGE REFERENCE DATA
// (6D00: nothing here is changed by the holder); the secure-messaging forms
// of READ BINARY and VERIFY answer 69FC.
var kenkakuCommands = append(table{
	{0x80, 0x2A, handler{run: (*Card).computeOwnSignature}},
	{0x00, 0x88, handler{run: (*Card).internalAuthenticateOwnKey}},
	{0x80, 0xAE, refuse(apdu.SWSecureMessagingFault)},
	{0x00, 0x24, refuse(apdu.SWINSNotSupported)},
}, secureMessagingRefused...)

// kenkakuApp builds the Kenkaku application from the card face.
func kenkakuApp(f *CardFace) *Application {
	a := &Application{Name: jpki.Kenkaku.String(), AID: jpki.Kenkaku.AID()}
	a.EFs = append(a.EFs, transparentEFs(kenkakuFiles, f.Kenkaku)...)
	a.EFs = append(a.EFs,
		pinEF(kenkakuBirthDate, f.BirthDateKey, jpki.VerificationTries, nil, jpki.BirthDateKeyFormat),
		pinEF(kenkakuB, f.VerificationB, jpki.VerificationTries, nil, jpki.VerificationBFormat),
		pinEF(kenkakuA, f.VerificationA, jpki.VerificationTries, nil, jpki.VerificationAFormat),
		&EF{FID: kenkakuKey, Kind: KeyObject, Read: Free, Key: f.KenkakuKey},
	)
	return a
}
