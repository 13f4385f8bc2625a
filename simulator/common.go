package simulator

import (
	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// The common card application (共通カードAP, docs/card.md §4.4, §8.3) and
// the Juki application (住基AP): JICSAP applications with a record EF, a
// key that answers INTERNAL AUTHENTICATE without a credential, and a PIN
// 001C in each, changed with CHANGE KEY. The two PINs start with one value
// (CardFace.JukiPIN) and keep separate retry counters.

// FIDs of the common card and Juki applications (docs/card.md §4.4).
const (
	commonRecords uint16 = 0x0001 // record EF: serial, municipality code, expiry
	commonKeyRef  uint16 = 0x0002 // a 16-byte key reference (also in the Juki AP)
	commonKey     uint16 = 0x0019 // the INTERNAL AUTHENTICATE key
	jukiPIN       uint16 = 0x001C // the Juki PIN (jpki.JukiPIN), in both applications
)

// commonCommands are the commands the common card application answers
// beyond the OS's (docs/card.md §5.5, §5.7, §5.10): INTERNAL AUTHENTICATE
// with key 0019, CHANGE KEY for its PIN; SET SESSION KEY answers 66F1
// (none configured); no CHANGE REFERENCE DATA (6D00, CHANGE KEY changes the
// PIN) and no COMPUTE DIGITAL SIGNATURE (6D00, the OS's answer); the
// secure-messaging forms of READ BINARY and VERIFY answer 69FC.
var commonCommands = append(table{
	{0x00, 0x88, handler{run: (*Card).internalAuthenticateFree}},
	{0x80, 0x32, handler{run: (*Card).changeKey}},
	{0x80, 0xAE, refuse(apdu.SWSecureMessagingFault)},
	{0x00, 0x24, refuse(apdu.SWINSNotSupported)},
}, secureMessagingRefused...)

// jukiCommands are the commands the Juki application answers beyond the
// OS's (docs/card.md §4.4, §5.5, §5.10): CHANGE KEY for its PIN, INTERNAL
// AUTHENTICATE as in the JPKI application (it holds no key: 6A88, 6986);
// SET SESSION KEY answers 6982; no CHANGE REFERENCE DATA (6D00); the
// secure-messaging forms of READ BINARY and VERIFY answer 69FC.
var jukiCommands = append(table{
	{0x00, 0x88, handler{run: (*Card).internalAuthenticate}},
	{0x80, 0x32, handler{run: (*Card).changeKey}},
	{0x80, 0xAE, refuse(apdu.SWSecurityNotSatisfied)},
	{0x00, 0x24, refuse(apdu.SWINSNotSupported)},
}, secureMessagingRefused...)

// commonApp builds the common card application from the card face.
func commonApp(f *CardFace) *Application {
	records := make([][]byte, len(f.CommonRecords))
	for i, r := range f.CommonRecords {
		records[i] = clone(r)
	}
	return &Application{Name: jpki.Common.String(), AID: jpki.Common.AID(), EFs: []*EF{
		{FID: commonRecords, Kind: Record, Read: Free, Records: records},
		{FID: commonKeyRef, Read: Free, Data: clone(f.CommonKeyRef)},
		{FID: commonKey, Kind: KeyObject, Read: Free, Key: f.CommonKey},
		pinEF(jukiPIN, f.JukiPIN, jpki.JukiPIN.MaxTries(), f.JukiTriesLeft, jpki.JukiPIN.Format()),
	}}
}

// jukiApp builds the Juki application from the card face.
func jukiApp(f *CardFace) *Application {
	return &Application{Name: jpki.Juki.String(), AID: jpki.Juki.AID(), EFs: []*EF{
		{FID: commonKeyRef, Read: Free, Data: clone(f.CommonKeyRef)},
		pinEF(jukiPIN, f.JukiPIN, jpki.JukiPIN.MaxTries(), f.JukiTriesLeft, jpki.JukiPIN.Format()),
	}}
}
