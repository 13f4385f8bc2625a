package simulator

import "github.com/jpkisim/jpkisim/apdu"

// jpkiCommands are the commands the JPKI application (公的個人認証AP)
// answers beyond the OS's (card.md §5): its signature and authentication
// commands, each in its jpki_*.go file, and the ones it refuses whatever
// follows the header, answered here.
var jpkiCommands = table{
	{0x80, 0x2A, handler{run: (*Card).computeSignature}},
	{0x00, 0x88, handler{run: (*Card).internalAuthenticate}},
	// SET SESSION KEY: no secure messaging in the JPKI AP (card.md §5.10).
	{0x80, 0xAE, refuse(apdu.SWSecurityNotSatisfied)},
	// The terminal CV certificate (§5.10): jpki_verify_certificate.go.
	{0x80, 0xA2, handler{run: (*Card).verifyCertificate}},
	// READ BINARY with secure messaging: 69FC (§5.10).
	{0x08, 0xB0, refuse(apdu.SWSecureMessagingRefused)},
	{0x0C, 0xB0, refuse(apdu.SWSecureMessagingRefused)},
}
