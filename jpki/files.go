package jpki

// File identifiers of the JPKI application (docs/card.md §4.1). Each FID
// from 0001 to 001E doubles as the EF's SFI (SFI).
const (
	EFSigningCert   uint16 = 0x0001 // 署名用証明書, readable after the signing password
	EFSigningCACert uint16 = 0x0002 // 署名用CA証明書
	EFTokenInfo     uint16 = 0x0006 // 160-byte CK_TOKEN_INFO (§7)
	EFCertPresence  uint16 = 0x0008 // 3 bytes, 8F 8F 00 with both certificates
	EFUnknown09     uint16 = 0x0009 // transparent, protected: no credential opens it
	EFAuthCert      uint16 = 0x000A // 利用者証明用証明書
	EFAuthCACert    uint16 = 0x000B // 利用者証明用CA証明書
	EFKeyRef10      uint16 = 0x0010 // key reference, purpose unknown
	EFTerminalCAKey uint16 = 0x0016 // terminal-CA key reference used by 80 A2
	EFAuthKey       uint16 = 0x0017 // 利用者証明用秘密鍵
	EFAuthPIN       uint16 = 0x0018 // 利用者証明用暗証番号 (AuthPIN)
	EFSigningKey    uint16 = 0x001A // 署名用秘密鍵
	EFSigningPIN    uint16 = 0x001B // 署名用パスワード (SigningPIN)
	EFISDInternal   uint16 = 0x001E // selectable at the ISD, never readable (§2)
)

// File identifiers of the card level (docs/card.md §2).
const (
	FIDMF uint16 = 0x3F00 // the MF
	EFDIR uint16 = 0x2F00 // EF.DIR (ISO/IEC 7816-4), absent on this card
)

// SFI returns the short EF identifier by which READ BINARY, VERIFY and the
// signature commands may name the EF with this FID (its low five bits when
// the FID is 0001 to 001E), or false when the FID has none.
func SFI(fid uint16) (byte, bool) {
	if fid >= 1 && fid <= 0x1E {
		return byte(fid), true
	}
	return 0, false
}

// EFRef reads the P2 by which VERIFY, CHANGE REFERENCE DATA, INTERNAL
// AUTHENTICATE and COMPUTE DIGITAL SIGNATURE name the PIN or key EF they act
// on (docs/card.md §5.4, §5.6; docs/card-behaviour.md, "Command by command
// (JPKI application)"): P2 80 names the current EF (sfi 0), P2 80|SFI the
// EF of the current DF with that SFI (sfi 01 to 1F). ok is false for every
// other P2 (00 among them), which names no EF: the card answers 6A86.
func EFRef(p2 byte) (sfi byte, ok bool) {
	return p2 & 0x1F, p2&0xE0 == 0x80
}
