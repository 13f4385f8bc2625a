package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/targets"
)

// pinPlaceholder matches the PIN placeholders of `jpkisim apdu` (README,
// "Poke the card"): {auth-pin}, {signing-pin}, {kenhojo-pin} and
// {juki-pin} stand for the PIN's ASCII bytes, {len:auth-pin} … for its
// length as one byte (an Lc). The values come from JPKISIM_AUTH_PIN,
// JPKISIM_SIGN_PIN, JPKISIM_KENHOJO_PIN and JPKISIM_JUKI_PIN, or the
// target's own PINs, so that a PIN never shows in the process's arguments.
var pinPlaceholder = regexp.MustCompile(`\{[^{}]*\}`)

// placeholder reads one placeholder match, {name} or {len:name}: the PIN it
// names, whether it stands for the length, and false for an unknown name.
func placeholder(m string) (ref jpki.PIN, length, ok bool) {
	name, length := strings.CutPrefix(m[1:len(m)-1], "len:")
	short, ok := strings.CutSuffix(name, "-pin")
	if !ok {
		return 0, length, false
	}
	p, err := jpki.ParsePIN(short)
	return p, length, err == nil
}

// placeholderPINs lists the PINs the arguments' placeholders name, so that
// a prompt asks for those only; none, and no prompt is needed.
func placeholderPINs(args []string) []jpki.PIN {
	refs := []jpki.PIN{}
	seen := map[jpki.PIN]bool{}
	for _, a := range args {
		for _, m := range pinPlaceholder.FindAllString(a, -1) {
			if ref, _, ok := placeholder(m); ok && !seen[ref] {
				seen[ref] = true
				refs = append(refs, ref)
			}
		}
	}
	return refs
}

// expandC parses one hex argument of `jpkisim apdu`, filling its PIN
// placeholders from secrets. A PIN goes only into the data field of a
// C-APDU whose data every trace masks (apdu.CarriesSecret), {len:...} only
// into its Lc: anywhere else (P1, P2) a trace would show it. Errors name the
// position, never a value.
func expandC(arg string, secrets harness.Secrets) ([]byte, error) {
	type filled struct {
		at, n  int // byte offset and length in the C-APDU
		length bool
	}
	var out []byte
	var places []filled
	rest := arg
	for rest != "" {
		loc := pinPlaceholder.FindStringIndex(rest)
		lit := rest
		if loc != nil {
			lit = rest[:loc[0]]
		}
		if strings.ContainsAny(lit, "{}") {
			return nil, errors.New("unbalanced { or } in a placeholder")
		}
		if strings.TrimFunc(lit, func(r rune) bool { return r == ' ' || r == ':' || r == '\t' }) != "" {
			b, err := apdu.ParseHex(lit)
			if err != nil {
				if loc != nil || len(places) > 0 {
					return nil, errors.New("not hex around its placeholders (an odd number of digits, or not a hex digit)")
				}
				return nil, err
			}
			out = append(out, b...)
		}
		if loc == nil {
			break
		}
		m := rest[loc[0]:loc[1]]
		ref, length, ok := placeholder(m)
		if !ok {
			return nil, fmt.Errorf("unknown placeholder at position %d (use {auth-pin}, {signing-pin}, {kenhojo-pin}, {juki-pin}, or {len:...} of one)", len(arg)-len(rest)+loc[0]+1)
		}
		v := secrets.Of(ref)
		if len(v) == 0 {
			return nil, fmt.Errorf("%s: none known for this card; set %s", m, targets.EnvVar(ref))
		}
		if length {
			places = append(places, filled{at: len(out), n: 1, length: true})
			out = append(out, byte(len(v)))
		} else {
			places = append(places, filled{at: len(out), n: len(v)})
			out = append(out, v...)
		}
		rest = rest[loc[1]:]
	}
	if len(out) == 0 {
		return nil, errors.New("empty hex string")
	}
	if len(places) == 0 {
		return out, nil
	}
	c, err := apdu.Parse(out)
	if err != nil || !apdu.CarriesSecret(out[0], out[1]) || len(c.Data) == 0 {
		return nil, errors.New("a PIN placeholder is taken only in a well-formed command that carries a PIN (VERIFY, CHANGE REFERENCE DATA, ...), whose data every trace masks")
	}
	data := 5 // CLA INS P1 P2 Lc
	if c.Extended {
		data = 7
	}
	for _, f := range places {
		switch {
		case f.length && f.at != 4:
			return nil, errors.New("{len:...} goes into the Lc, the fifth byte")
		case !f.length && (f.at < data || f.at+f.n > data+len(c.Data)):
			return nil, errors.New("a PIN placeholder goes into the data field, after CLA INS P1 P2 Lc, where every trace masks it")
		}
	}
	return out, nil
}
