// Command secretscan searches files for PIN values, for the secrets check of
// scripts/pcsc-test.sh: each PIN in ASCII and in hex (upper and lower case),
// also inside base64 strings of JSON reports (Cucumber attachments). A PIN
// made only of hex digits is searched in ASCII as a whole token only (not
// inside longer hex runs, where any 4 digits turn up by chance).
//
//	JPKISIM_SCAN_PINS="8642 QW7ZX93K" go run ./scripts/secretscan FILE...
//
// It prints where a PIN was found (file, offset, which form) — never the
// PIN — and exits 1 when one was.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
)

var b64 = regexp.MustCompile(`[A-Za-z0-9+/]{12,}={0,2}`)

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// find reports each form of each PIN in data.
func find(data []byte, pins []string) []string {
	var hits []string
	for i, pin := range pins {
		forms := map[string]string{"hex": strings.ToUpper(hex.EncodeToString([]byte(pin)))}
		if lower := hex.EncodeToString([]byte(pin)); lower != forms["hex"] {
			forms["hex lower"] = lower
		}
		allHex := strings.IndexFunc(pin, func(r rune) bool { return !isHex(byte(r)) }) < 0
		for form, needle := range forms {
			if off := bytes.Index(data, []byte(needle)); off >= 0 {
				hits = append(hits, fmt.Sprintf("PIN #%d in %s at byte %d", i+1, form, off))
			}
		}
		for off := 0; ; {
			j := bytes.Index(data[off:], []byte(pin))
			if j < 0 {
				break
			}
			at := off + j
			before, after := byte(' '), byte(' ')
			if at > 0 {
				before = data[at-1]
			}
			if end := at + len(pin); end < len(data) {
				after = data[end]
			}
			if !allHex || !isHex(before) && !isHex(after) {
				hits = append(hits, fmt.Sprintf("PIN #%d in ASCII at byte %d", i+1, at))
				break
			}
			off = at + 1
		}
	}
	return hits
}

func main() {
	pins := strings.Fields(os.Getenv("JPKISIM_SCAN_PINS"))
	if len(pins) == 0 || len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: JPKISIM_SCAN_PINS=\"PIN...\" secretscan FILE...")
		os.Exit(2)
	}
	found, scanned := false, 0
	for _, name := range os.Args[1:] {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "secretscan:", err)
			os.Exit(2)
		}
		scanned += len(data)
		hits := find(data, pins)
		for _, m := range b64.FindAll(data, -1) {
			if dec, err := base64.StdEncoding.DecodeString(string(m)); err == nil {
				for _, h := range find(dec, pins) {
					hits = append(hits, h+" of a base64 string")
				}
			}
		}
		for _, h := range hits {
			fmt.Printf("%s: %s\n", name, h)
			found = true
		}
	}
	if found {
		os.Exit(1)
	}
	fmt.Printf("no PIN in %d files (%d bytes), in ASCII, hex or base64\n", len(os.Args)-1, scanned)
}
