package jpki

import (
	"bytes"
	"fmt"
)

// App names one application of the card, or the issuer security domain
// that is the current DF after reset (docs/card.md §1). The zero value
// names none.
type App int

// The applications of the card (docs/card.md §1).
const (
	ISD     App = iota + 1 // GlobalPlatform issuer security domain, current after reset
	JPKI                   // 公的個人認証AP: the two key pairs and certificates
	Kenhojo                // 券面事項入力補助AP: the card face as text (the "text AP")
	Kenkaku                // 券面事項確認AP: the card face as an image (the "visual AP")
	Common                 // 共通カードAP
	Juki                   // 住基AP: the resident registry application
)

// Apps lists every application, in the order of the constants.
var Apps = []App{ISD, JPKI, Kenhojo, Kenkaku, Common, Juki}

var aids = map[App]string{
	ISD:     "\xA0\x00\x00\x01\x51\x00\x00",
	JPKI:    "\xD3\x92\xF0\x00\x26\x01\x00\x00\x00\x01",
	Kenhojo: "\xD3\x92\x10\x00\x31\x00\x01\x01\x04\x08",
	Kenkaku: "\xD3\x92\x10\x00\x31\x00\x01\x01\x04\x02",
	Common:  "\xD3\x92\x10\x00\x31\x00\x01\x01\x01\x00",
	Juki:    "\xD3\x92\x10\x00\x31\x00\x01\x01\x04\x01",
}

// AID returns the application's AID (its DF name, 7 or 10 bytes), a fresh
// copy the caller may keep; nil for an App that names none.
func (a App) AID() []byte {
	s, ok := aids[a]
	if !ok {
		return nil
	}
	return []byte(s)
}

// AppByAID returns the application whose AID is exactly aid, or false.
func AppByAID(aid []byte) (App, bool) {
	for _, a := range Apps {
		if bytes.Equal([]byte(aids[a]), aid) {
			return a, true
		}
	}
	return 0, false
}

// String returns the application's name as the project writes it: "ISD",
// "JPKI", "Kenhojo", "Kenkaku", "Common", "Juki"; "App(n)" for none.
func (a App) String() string {
	switch a {
	case ISD:
		return "ISD"
	case JPKI:
		return "JPKI"
	case Kenhojo:
		return "Kenhojo"
	case Kenkaku:
		return "Kenkaku"
	case Common:
		return "Common"
	case Juki:
		return "Juki"
	}
	return fmt.Sprintf("App(%d)", int(a))
}

// DefaultATR is the T=1 contact ATR that OpenSC's JPKI driver lists
// (docs/card.md §3): 3B E0 00 FF 81 31 FE 45 14, no historical bytes. A
// fresh copy each call.
func DefaultATR() []byte {
	return []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
}
