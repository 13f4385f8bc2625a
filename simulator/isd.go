package simulator

// isdCommands are the commands the issuer security domain, the current DF
// after reset (card.md §2), answers beyond the OS's: COMPUTE DIGITAL
// SIGNATURE and INTERNAL AUTHENTICATE, as the JPKI application answers them
// (jpki_*.go), over the ISD's own files. Its one EF, 001E, is a key
// reference without a key: a signature with it answers 6985, INTERNAL
// AUTHENTICATE 6982, any other reference 6A88. What a real card's ISD
// answers to them is not in the public record; these are the virtual
// card's answers since its first version, and the model's.
var isdCommands = table{
	{0x80, 0x2A, handler{run: (*Card).computeSignature}},
	{0x00, 0x88, handler{run: (*Card).internalAuthenticate}},
}
