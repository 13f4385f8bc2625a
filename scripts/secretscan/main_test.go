package main

import (
	"encoding/base64"
	"testing"
)

func TestFind(t *testing.T) {
	pins := []string{"8642", "QW7ZX93K"}
	for text, want := range map[string]int{
		"nothing here":          0,
		"pin=8642.":             1, // ASCII, as a token
		"a hex dump 0A1286421F": 0, // 4 digits inside hex: chance, not a PIN
		"0020008004 38363432":   1, // hex
		"51 57 QW7ZX93K":        1, // letters: anywhere
		"5157375a5839334b":      1, // hex lower
		base64.StdEncoding.EncodeToString([]byte("x 38363432 y")): 0, // only main() decodes base64
	} {
		if got := len(find([]byte(text), pins)); got != want {
			t.Errorf("%q: %d hits, want %d", text, got, want)
		}
	}
}
