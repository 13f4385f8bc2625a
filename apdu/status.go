package apdu

import "fmt"

// StatusWord is SW1-SW2 as one big-endian 16-bit value. It is comparable,
// prints as four uppercase hex digits with its meaning, and implements error,
// so that a client can return a non-9000 status word as is and a caller can
// test it with errors.As or ==.
type StatusWord uint16

// Status words used by the JPKI card (card.md §10; ISO/IEC 7816-4 §5.6).
const (
	SWOK                        StatusWord = 0x9000
	SWEndOfFileReached          StatusWord = 0x6282
	SWVerifyFailed              StatusWord = 0x63C0 // 63Cx: x = tries left
	SWNoInfo                    StatusWord = 0x6300
	SWMemoryFailure             StatusWord = 0x6581
	SWSecureMessagingFault      StatusWord = 0x66F1
	SWWrongLength               StatusWord = 0x6700
	SWLogicalChannelUnsupported StatusWord = 0x6881
	SWSecureMessagingUnsupp     StatusWord = 0x6882
	SWChainingUnsupported       StatusWord = 0x6884
	SWIncompatibleFile          StatusWord = 0x6981
	SWSecurityNotSatisfied      StatusWord = 0x6982
	SWAuthMethodBlocked         StatusWord = 0x6983
	SWReferenceDataUnusable     StatusWord = 0x6984
	SWConditionsNotSatisfied    StatusWord = 0x6985
	SWNoCurrentEF               StatusWord = 0x6986
	SWSecureMessagingRefused    StatusWord = 0x69FC
	SWWrongData                 StatusWord = 0x6A80
	SWFunctionNotSupported      StatusWord = 0x6A81
	SWFileNotFound              StatusWord = 0x6A82
	SWRecordNotFound            StatusWord = 0x6A83
	SWIncorrectP1P2             StatusWord = 0x6A86
	SWReferenceNotFound         StatusWord = 0x6A88
	SWWrongP1P2                 StatusWord = 0x6B00
	SWINSNotSupported           StatusWord = 0x6D00
	SWCLANotSupported           StatusWord = 0x6E00
	SWUnknown                   StatusWord = 0x6F00
)

// NewStatusWord joins SW1 and SW2.
func NewStatusWord(sw1, sw2 byte) StatusWord { return StatusWord(uint16(sw1)<<8 | uint16(sw2)) }

// VerifyFailed returns 63Cx with x = tries (0..15), the answer to a wrong or
// empty VERIFY (ISO/IEC 7816-4 §11.5.6; card.md §5.4).
func VerifyFailed(tries int) StatusWord {
	if tries < 0 {
		tries = 0
	}
	if tries > 15 {
		tries = 15
	}
	return SWVerifyFailed | StatusWord(tries)
}

// SW1 returns the first status byte.
func (sw StatusWord) SW1() byte { return byte(sw >> 8) }

// SW2 returns the second status byte.
func (sw StatusWord) SW2() byte { return byte(sw) }

// Bytes returns SW1 and SW2.
func (sw StatusWord) Bytes() [2]byte { return [2]byte{sw.SW1(), sw.SW2()} }

// OK reports whether the status word is 9000.
func (sw StatusWord) OK() bool { return sw == SWOK }

// Tries reports the retry counter carried by 63Cx: x and true; false for any
// other status word.
func (sw StatusWord) Tries() (int, bool) {
	if sw&0xFFF0 == SWVerifyFailed {
		return int(sw & 0x000F), true
	}
	return 0, false
}

// Meaning returns a short English description of the status word.
func (sw StatusWord) Meaning() string {
	if m, ok := meanings[sw]; ok {
		return m
	}
	switch {
	case sw&0xFFF0 == SWVerifyFailed:
		if sw&0x0F == 1 {
			return "verification failed, 1 try left"
		}
		return fmt.Sprintf("verification failed, %d tries left", sw&0x0F)
	case sw.SW1() == 0x61:
		return fmt.Sprintf("%d more response bytes available (GET RESPONSE)", respLen(sw.SW2()))
	case sw.SW1() == 0x6C:
		return fmt.Sprintf("wrong Le: %d bytes available", respLen(sw.SW2()))
	case sw.SW1() == 0x62 || sw.SW1() == 0x63:
		return "warning"
	case sw.SW1() == 0x64 || sw.SW1() == 0x65:
		return "execution error"
	}
	return "unknown status"
}

func respLen(b byte) int {
	if b == 0 {
		return 256
	}
	return int(b)
}

var meanings = map[StatusWord]string{
	SWOK:                        "normal processing",
	SWEndOfFileReached:          "end of file reached before Le bytes",
	SWNoInfo:                    "verification failed, no retry counter",
	SWMemoryFailure:             "memory failure",
	SWSecureMessagingFault:      "secure messaging not configured",
	SWWrongLength:               "wrong length",
	SWLogicalChannelUnsupported: "logical channel not supported",
	SWSecureMessagingUnsupp:     "secure messaging not supported",
	SWChainingUnsupported:       "command chaining not supported",
	SWIncompatibleFile:          "command incompatible with file structure",
	SWSecurityNotSatisfied:      "security status not satisfied",
	SWAuthMethodBlocked:         "authentication method blocked",
	SWReferenceDataUnusable:     "reference data not usable (blocked)",
	SWConditionsNotSatisfied:    "conditions of use not satisfied",
	SWNoCurrentEF:               "command not allowed (no current EF)",
	SWSecureMessagingRefused:    "secure messaging refused by this application",
	SWWrongData:                 "incorrect data field",
	SWFunctionNotSupported:      "function not supported",
	SWFileNotFound:              "file or application not found",
	SWRecordNotFound:            "record not found",
	SWIncorrectP1P2:             "incorrect P1-P2",
	SWReferenceNotFound:         "referenced data not found",
	SWWrongP1P2:                 "wrong parameters (offset outside the EF)",
	SWINSNotSupported:           "instruction not supported",
	SWCLANotSupported:           "class not supported",
	SWUnknown:                   "no precise diagnosis",
}

// String renders "6982 security status not satisfied".
func (sw StatusWord) String() string {
	return fmt.Sprintf("%04X %s", uint16(sw), sw.Meaning())
}

// Error makes a StatusWord usable as an error: "card answered 6982 security
// status not satisfied".
func (sw StatusWord) Error() string { return "card answered " + sw.String() }
