package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
)

// pinPlaceholder matches the PIN placeholders of `jpkisim apdu` (README,
// "Poke the card"): {auth-pin} and {signing-pin} stand for the PIN's ASCII
// bytes, {len:auth-pin} and {len:signing-pin} for its length as one byte (an
// Lc). The values come from JPKISIM_AUTH_PIN and JPKISIM_SIGN_PIN, or the
// target's own PINs, so that a PIN never shows in the process's arguments.
var pinPlaceholder = regexp.MustCompile(`\{[^{}]*\}`)

// hasPINPlaceholder reports whether any argument holds a placeholder.
func hasPINPlaceholder(args []string) bool {
	for _, a := range args {
		if strings.ContainsAny(a, "{}") {
			return true
		}
	}
	return false
}

// expandC parses one hex argument of `jpkisim apdu`, filling its PIN
// placeholders from secrets. Errors name the position, never a value, and a
// placeholder is accepted only in a C-APDU whose data the traces mask
// (apdu.CarriesSecret).
func expandC(arg string, secrets harness.Secrets) ([]byte, error) {
	var bad error
	used := false
	filled := pinPlaceholder.ReplaceAllStringFunc(arg, func(m string) string {
		name, length := strings.CutPrefix(m[1:len(m)-1], "len:")
		var v []byte
		var env string
		switch name {
		case "auth-pin":
			v, env = secrets.AuthPIN, "JPKISIM_AUTH_PIN"
		case "signing-pin":
			v, env = secrets.SigningPIN, "JPKISIM_SIGN_PIN"
		default:
			if bad == nil {
				bad = fmt.Errorf("unknown placeholder at position %d (use {auth-pin}, {signing-pin}, {len:auth-pin} or {len:signing-pin})", strings.Index(arg, m)+1)
			}
			return ""
		}
		if len(v) == 0 && bad == nil {
			bad = fmt.Errorf("{%s}: no %s known for this card; set %s", name, strings.ReplaceAll(name, "-", " "), env)
		}
		used = true
		if length {
			return fmt.Sprintf("%02X", len(v))
		}
		return hex.EncodeToString(v)
	})
	if bad != nil {
		return nil, bad
	}
	if strings.ContainsAny(filled, "{}") {
		return nil, errors.New("unbalanced { or } in a placeholder")
	}
	b, err := apdu.ParseHex(filled)
	if err != nil {
		if used {
			return nil, errors.New("not hex once its placeholders are filled in") // positions would point into a PIN
		}
		return nil, err
	}
	if used && (len(b) < 2 || !apdu.CarriesSecret(b[0], b[1])) {
		return nil, errors.New("a PIN placeholder is taken only in a command that carries a PIN (VERIFY, CHANGE REFERENCE DATA, ...), whose data every trace masks")
	}
	return b, nil
}
