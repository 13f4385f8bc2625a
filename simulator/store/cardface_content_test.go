package store_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jpkisim/jpkisim/simulator/store"
)

// Review of issue 11: a version-2 file whose card-face content has the wrong
// shape, or whose Kenhojo own key is not the key of its CV certificate, is
// a card no issuer makes: it must be refused and left untouched
// (helper standards: "a broken or impossible state file is refused"). These
// load today, and the card then serves a card face that does not parse or
// verify (the office's address-change then stops at cardface: malformed).
func TestCardFaceContentOfTheWrongShapeIsRefused(t *testing.T) {
	_, good := faceFile(t)
	const kenhojo, kenkaku = 2, 3
	set := func(app int, fid string, data []byte) func(b map[string]any) {
		return func(b map[string]any) { appEF(b, app, fid)["data"] = base64.StdEncoding.EncodeToString(data) }
	}
	efLen := func(app int, fid string) int {
		var n int
		resealVersion(t, good, 0, func(b map[string]any) {
			d, _ := base64.StdEncoding.DecodeString(appEF(b, app, fid)["data"].(string))
			n = len(d)
		})
		return n
	}
	cases := []struct {
		name string
		edit func(b map[string]any)
	}{
		{"Kenhojo 0002 of two bytes", set(kenhojo, "0002", []byte{0xDF, 0x21})},
		{"Kenhojo 0002 not a basic 4 information", set(kenhojo, "0002", bytes.Repeat([]byte{'A'}, efLen(kenhojo, "0002")))},
		{"Kenhojo 0003 not an integrity record", set(kenhojo, "0003", bytes.Repeat([]byte{0}, efLen(kenhojo, "0003")))},
		{"Kenkaku 0002 not a card face", set(kenkaku, "0002", bytes.Repeat([]byte{0}, efLen(kenkaku, "0002")))},
		{"Kenhojo 0013 the key of Kenkaku 001A", func(b map[string]any) {
			h, k := appEF(b, kenhojo, "0013"), appEF(b, kenkaku, "001A")
			h["key"], k["key"] = k["key"], h["key"]
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := resealVersion(t, good, 0, tc.edit)
			path := filepath.Join(t.TempDir(), "card.json")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, _, _, err := store.Open(path)
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, store.ErrBadState) {
				t.Fatalf("refused, but not as a bad state file: %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Fatal("the refused file was changed")
			}
		})
	}
}
