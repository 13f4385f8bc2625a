package cardface

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"unicode/utf8"
)

// The images of the card face are TEST ONLY: patterns made in code, of the
// formats and sizes real cards use where the sources give them
// (docs/card.md §8.2, §8.4): 1-bit greyscale PNG for the rendered text,
// JPEG 2000 (JP2) greyscale for the photo.

// cellHeight is the height of every rendered text image, in pixels.
const cellHeight = 12

// digitWidth is the width of one digit in DigitsPNG: 12 digits make the
// 72×12 My Number image, 4 the 24×12 security-code image of docs/card.md
// §4.3 and §8.2.
const digitWidth = 6

// digitFont holds 5×7 glyphs of the digits, one row per byte, the glyph's
// leftmost column in bit 4.
var digitFont = [10][7]byte{
	{0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, // 0
	{0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}, // 1
	{0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, // 2
	{0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}, // 3
	{0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, // 4
	{0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}, // 5
	{0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, // 6
	{0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, // 7
	{0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, // 8
	{0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}, // 9
}

// bitmap is a 1-bit image, true for black ink.
type bitmap struct {
	w, h int
	ink  []bool
}

func newBitmap(w, h int) *bitmap { return &bitmap{w, h, make([]bool, w*h)} }

func (b *bitmap) set(x, y int) { b.ink[y*b.w+x] = true }

// DigitsPNG renders ASCII digits black on white, 6×12 pixels each (a 5×7
// glyph from the third row), as a 1-bit greyscale PNG: the My Number image
// of Kenkaku EF 0005 and the security-code image of EF 0002 DF2A. It fails
// for anything but digits.
func DigitsPNG(s string) ([]byte, error) {
	if s == "" || !digits(s, len(s)) {
		return nil, errors.New("cardface: DigitsPNG renders ASCII digits")
	}
	b := newBitmap(digitWidth*len(s), cellHeight)
	for i := 0; i < len(s); i++ {
		for row, bits := range digitFont[s[i]-'0'] {
			for col := 0; col < 5; col++ {
				if bits&(0x10>>col) != 0 {
					b.set(i*digitWidth+col, 2+row)
				}
			}
		}
	}
	return encodePNG(b), nil
}

// TextPNG renders UTF-8 text as a 1-bit greyscale PNG 12 pixels high, 12
// pixels per character: each character is a TEST-ONLY mark made from the
// SHA-256 of its code point (10×10 pixels in its cell), not a glyph — no
// font is needed, and different texts give different images. The name and
// address images of Kenkaku EF 0002. It fails for empty or invalid text.
func TextPNG(s string) ([]byte, error) {
	if s == "" || !utf8.ValidString(s) {
		return nil, errors.New("cardface: TextPNG renders non-empty UTF-8 text")
	}
	n := utf8.RuneCountInString(s)
	b := newBitmap(cellHeight*n, cellHeight)
	i := 0
	for _, r := range s {
		sum := sha256.Sum256([]byte(string(r)))
		for k := 0; k < 100; k++ {
			if sum[k/8]&(0x80>>(k%8)) != 0 {
				b.set(i*cellHeight+1+k%10, 1+k/10)
			}
		}
		i++
	}
	return encodePNG(b), nil
}

// encodePNG writes b as a PNG of bit depth 1, colour type 0 (greyscale: 0
// black, 1 white), one IDAT chunk, no filtering. The standard library's
// encoder writes 1-bit images only as paletted PNGs; the card's rendered
// fields are greyscale.
func encodePNG(b *bitmap) []byte {
	stride := (b.w + 7) / 8
	raw := make([]byte, 0, b.h*(stride+1))
	for y := 0; y < b.h; y++ {
		row := make([]byte, stride+1) // filter byte 0: none
		for x := 0; x < b.w; x++ {
			if !b.ink[y*b.w+x] {
				row[1+x/8] |= 0x80 >> (x % 8)
			}
		}
		raw = append(raw, row...)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(raw)
	zw.Close()
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(b.w)), uint32(b.h))
	ihdr = append(ihdr, 1, 0, 0, 0, 0) // bit depth 1, greyscale, deflate, no filter method, no interlace
	out := []byte("\x89PNG\r\n\x1a\n")
	out = pngChunk(out, "IHDR", ihdr)
	out = pngChunk(out, "IDAT", z.Bytes())
	return pngChunk(out, "IEND", nil)
}

func pngChunk(dst []byte, typ string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	start := len(dst)
	dst = append(append(dst, typ...), data...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// The size of the TEST-ONLY photo, in pixels.
const photoWidth, photoHeight = 16, 20

// PhotoJP2 returns the TEST-ONLY face photo of Kenkaku EF 0002 DF27: a
// JPEG 2000 file in the JP2 container (ISO/IEC 15444-1 Annex I: the
// signature, file type, header with image header and greyscale colour
// specification, contiguous codestream boxes) holding a 16×20, 8-bit
// greyscale codestream of one tile, no wavelet decomposition, one layer,
// whose one packet is empty, so that a decoder shows a uniform mid-grey
// image (every coefficient zero, the DC level shift giving 128). It is
// built here rather than committed, and it is the same for every holder.
func PhotoJP2() []byte {
	u16 := func(b []byte, v int) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
	u32 := func(b []byte, v int) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
	var cs []byte
	cs = append(cs, 0xFF, 0x4F) // SOC
	// SIZ: Lsiz 41, Rsiz 0, image and tile sizes, origins 0, one 8-bit unsigned component, no subsampling.
	cs = u16(append(cs, 0xFF, 0x51), 41)
	cs = u16(cs, 0)
	for _, v := range []int{photoWidth, photoHeight, 0, 0, photoWidth, photoHeight, 0, 0} {
		cs = u32(cs, v)
	}
	cs = append(u16(cs, 1), 0x07, 0x01, 0x01)
	// COD: Lcod 12, Scod 0, LRCP, 1 layer, no component transform, 0 decompositions, 64×64 code-blocks, style 0, 5-3 reversible.
	cs = append(u16(append(cs, 0xFF, 0x52), 12), 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x04, 0x04, 0x00, 0x01)
	// QCD: Lqcd 4, no quantisation with 2 guard bits, exponent 8 for the one subband.
	cs = append(u16(append(cs, 0xFF, 0x5C), 4), 0x40, 0x40)
	// SOT: Lsot 10, tile 0, Psot = SOT(12) + SOD(2) + one byte, tile-part 0 of 1.
	cs = append(u16(append(cs, 0xFF, 0x90), 10), 0x00, 0x00)
	cs = append(u32(cs, 15), 0x00, 0x01)
	cs = append(cs, 0xFF, 0x93) // SOD
	cs = append(cs, 0x00)       // the empty packet
	cs = append(cs, 0xFF, 0xD9) // EOC

	box := func(typ string, content ...[]byte) []byte {
		n := 8
		for _, c := range content {
			n += len(c)
		}
		b := append(u32(nil, n), typ...)
		for _, c := range content {
			b = append(b, c...)
		}
		return b
	}
	ihdr := append(u16(u32(u32(nil, photoHeight), photoWidth), 1), 0x07, 0x07, 0x00, 0x00) // NC 1, BPC 8 unsigned, C 7 (JPEG 2000), UnkC 0, IPR 0
	colr := u32([]byte{0x01, 0x00, 0x00}, 17)                                              // enumerated colour space 17: greyscale
	var out []byte
	out = append(out, box("jP  ", []byte{0x0D, 0x0A, 0x87, 0x0A})...)
	out = append(out, box("ftyp", []byte("jp2 "), []byte{0, 0, 0, 0}, []byte("jp2 "))...)
	out = append(out, box("jp2h", box("ihdr", ihdr), box("colr", colr))...)
	return append(out, box("jp2c", cs)...)
}
