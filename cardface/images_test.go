package cardface

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"
)

// readDigits reads an image DigitsPNG made back into digits by matching
// each 6×12 cell against the font: the image shows the number it was made
// for.
func readDigits(t *testing.T, img image.Image) string {
	t.Helper()
	var out []byte
	for cell := 0; cell < img.Bounds().Dx()/digitWidth; cell++ {
		found := -1
		for d, glyph := range digitFont {
			match := true
			for y := 0; y < cellHeight && match; y++ {
				for x := 0; x < digitWidth; x++ {
					ink := y >= 2 && y < 9 && x < 5 && glyph[y-2]&(0x10>>x) != 0
					r, _, _, _ := img.At(cell*digitWidth+x, y).RGBA()
					if (r == 0) != ink {
						match = false
						break
					}
				}
			}
			if match {
				found = d
			}
		}
		if found < 0 {
			t.Fatalf("cell %d matches no digit", cell)
		}
		out = append(out, byte('0'+found))
	}
	return string(out)
}

func TestDigitsPNG(t *testing.T) {
	for _, tc := range []struct {
		s    string
		w, h int
	}{{"537686677188", 72, 12}, {"2285", 24, 12}, {"0123456789", 60, 12}} {
		b, err := DigitsPNG(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		// 1-bit greyscale: IHDR bit depth 1, colour type 0.
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")) || b[24] != 1 || b[25] != 0 {
			t.Errorf("%s: header % X", tc.s, b[:26])
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := img.(*image.Gray); !ok || img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h {
			t.Errorf("%s: %T %v", tc.s, img, img.Bounds())
		}
		if got := readDigits(t, img); got != tc.s {
			t.Errorf("the image of %s reads %s", tc.s, got)
		}
	}
	for _, bad := range []string{"", "12a4", "１２"} {
		if _, err := DigitsPNG(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTextPNG(t *testing.T) {
	a, err := TextPNG("試験　花子")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil || img.Bounds().Dx() != 60 || img.Bounds().Dy() != 12 {
		t.Fatalf("%v %v", img.Bounds(), err)
	}
	inked := 0
	for y := 0; y < 12; y++ {
		for x := 0; x < 60; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r == 0 {
				inked++
			} else if r != 0xFFFF {
				t.Fatalf("grey pixel at %d,%d", x, y)
			}
		}
	}
	if inked < 100 || inked > 400 {
		t.Errorf("%d black pixels of 720", inked)
	}
	if b, _ := TextPNG("試験　花代"); bytes.Equal(a, b) {
		t.Error("two names, one image")
	}
	if _, err := TextPNG(""); err == nil {
		t.Error("empty text: no error")
	}
}

// PhotoJP2 is a JP2 file whose boxes and codestream markers are where
// ISO/IEC 15444-1 puts them.
func TestPhotoJP2(t *testing.T) {
	b := PhotoJP2()
	var boxes []string
	var codestream []byte
	for rest := b; len(rest) > 0; {
		if len(rest) < 8 {
			t.Fatalf("%d bytes left after the boxes %v", len(rest), boxes)
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n < 8 || n > len(rest) {
			t.Fatalf("box %q of length %d in %d bytes", rest[4:8], n, len(rest))
		}
		typ, content := string(rest[4:8]), rest[8:n]
		boxes = append(boxes, typ)
		switch typ {
		case "jP  ":
			if !bytes.Equal(content, []byte{0x0D, 0x0A, 0x87, 0x0A}) {
				t.Errorf("signature box % X", content)
			}
		case "ftyp":
			if string(content[:4]) != "jp2 " || string(content[8:]) != "jp2 " {
				t.Errorf("file type box %q", content)
			}
		case "jp2h":
			if len(content) != 22+15 || string(content[4:8]) != "ihdr" || string(content[26:30]) != "colr" {
				t.Fatalf("header box % X", content)
			}
			ih := content[8:22]
			if h, w := binary.BigEndian.Uint32(ih), binary.BigEndian.Uint32(ih[4:]); h != photoHeight || w != photoWidth || ih[8] != 0 || ih[9] != 1 || ih[10] != 7 || ih[11] != 7 {
				t.Errorf("image header % X", ih)
			}
			if cs := binary.BigEndian.Uint32(content[33:37]); content[30] != 1 || cs != 17 {
				t.Errorf("colour specification % X", content[30:])
			}
		case "jp2c":
			codestream = content
		}
		rest = rest[n:]
	}
	if want := []string{"jP  ", "ftyp", "jp2h", "jp2c"}; len(boxes) != 4 || boxes[0] != want[0] || boxes[1] != want[1] || boxes[2] != want[2] || boxes[3] != want[3] {
		t.Fatalf("boxes %q", boxes)
	}
	// SOC, SIZ with the image size, …, SOT whose Psot runs to EOC, EOC.
	if !bytes.HasPrefix(codestream, []byte{0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29}) || !bytes.HasSuffix(codestream, []byte{0xFF, 0xD9}) {
		t.Fatalf("codestream % X … % X", codestream[:6], codestream[len(codestream)-2:])
	}
	if w, h := binary.BigEndian.Uint32(codestream[8:]), binary.BigEndian.Uint32(codestream[12:]); w != photoWidth || h != photoHeight {
		t.Errorf("SIZ %d×%d", w, h)
	}
	sot := bytes.Index(codestream, []byte{0xFF, 0x90})
	if sot < 0 || int(binary.BigEndian.Uint32(codestream[sot+6:])) != len(codestream)-2-sot {
		t.Errorf("SOT at %d does not cover the tile up to EOC", sot)
	}
}
