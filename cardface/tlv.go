package cardface

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every decoder for bytes that are not the
// format it reads.
var ErrMalformed = errors.New("cardface: malformed")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// tlv is one BER-TLV object of the card-face files: a tag of one or two
// bytes (0x90, 0xDF21, 0xFF20, 0x7F21), its value, and the object's own
// bytes, header included.
type tlv struct {
	tag   uint16
	value []byte
	raw   []byte
}

// appendHeader appends a BER tag (one byte, or two when tag > 0xFF) and a
// definite length in its shortest form: one byte up to 127, 81 nn up to
// 255, 82 nn nn up to 65535 (docs/card.md §8.1). Longer values do not occur
// in these files.
func appendHeader(dst []byte, tag uint16, n int) []byte {
	if tag > 0xFF {
		dst = append(dst, byte(tag>>8))
	}
	dst = append(dst, byte(tag))
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	}
	panic(fmt.Sprintf("cardface: a value of %d bytes does not fit these files", n))
}

// encode returns tag, length and the concatenated values.
func encode(tag uint16, values ...[]byte) []byte {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	out := appendHeader(make([]byte, 0, n+5), tag, n)
	for _, v := range values {
		out = append(out, v...)
	}
	return out
}

// headerLen is the length of the header appendHeader writes.
func headerLen(tag uint16, n int) int { return len(appendHeader(nil, tag, n)) }

// next reads the object at the start of b and returns it and what follows.
func next(b []byte) (tlv, []byte, error) {
	if len(b) < 2 {
		return tlv{}, nil, malformed("%d bytes where a TLV header should be", len(b))
	}
	tag, i := uint16(b[0]), 1
	if b[0]&0x1F == 0x1F {
		if b[1]&0x80 != 0 {
			return tlv{}, nil, malformed("tag %02X %02X is longer than two bytes", b[0], b[1])
		}
		tag, i = tag<<8|uint16(b[1]), 2
	}
	if i >= len(b) {
		return tlv{}, nil, malformed("tag %X has no length", tag)
	}
	n, l := int(b[i]), b[i]
	i++
	switch {
	case l < 0x80:
	case l == 0x81 && i < len(b):
		n, i = int(b[i]), i+1
	case l == 0x82 && i+1 < len(b):
		n, i = int(b[i])<<8|int(b[i+1]), i+2
	default:
		return tlv{}, nil, malformed("tag %X: length byte %02X", tag, l)
	}
	if n > len(b)-i {
		return tlv{}, nil, malformed("tag %X: %d bytes announced, %d there", tag, n, len(b)-i)
	}
	return tlv{tag: tag, value: b[i : i+n], raw: b[:i+n]}, b[i+n:], nil
}

// outer reads the object a file starts with, which must have tag want;
// what follows it in the file (filler) is ignored.
func outer(file []byte, want uint16) (tlv, error) {
	t, _, err := next(file)
	if err != nil {
		return tlv{}, err
	}
	if t.tag != want {
		return tlv{}, malformed("tag %X where %X should be", t.tag, want)
	}
	return t, nil
}

// children reads the objects of a constructed value, in order, and stops
// at a byte 00 or FF where an object would start (filler).
func children(value []byte) ([]tlv, error) {
	var out []tlv
	for len(value) > 0 && value[0] != 0x00 && value[0] != 0xFF {
		t, rest, err := next(value)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		value = rest
	}
	return out, nil
}

// fields reads a file made of one object with tag want whose children have
// exactly the tags in order, and returns the children.
func fields(file []byte, want uint16, tags ...uint16) ([]tlv, error) {
	o, err := outer(file, want)
	if err != nil {
		return nil, err
	}
	cs, err := children(o.value)
	if err != nil {
		return nil, err
	}
	if len(cs) != len(tags) {
		return nil, malformed("%X holds %d objects, want %d", want, len(cs), len(tags))
	}
	for i, c := range cs {
		if c.tag != tags[i] {
			return nil, malformed("%X: object %d has tag %X, want %X", want, i, c.tag, tags[i])
		}
	}
	return cs, nil
}

// encodeWithOffsets encodes the object outerTag holding an offset table
// (tag offsetTag, a big-endian 16-bit offset per following object, counted
// from the first byte of the file) and then objs, as Kenhojo and Kenkaku
// EF 0002 are (docs/card.md §8.1, §8.2).
func encodeWithOffsets(outerTag, offsetTag uint16, objs ...[]byte) []byte {
	table := make([]byte, 2*len(objs))
	n := headerLen(offsetTag, len(table)) + len(table)
	for _, o := range objs {
		n += len(o)
	}
	pos := headerLen(outerTag, n) + headerLen(offsetTag, len(table)) + len(table)
	for i, o := range objs {
		table[2*i], table[2*i+1] = byte(pos>>8), byte(pos)
		pos += len(o)
	}
	return encode(outerTag, append([][]byte{encode(offsetTag, table)}, objs...)...)
}

// fieldsWithOffsets reads what encodeWithOffsets writes: the offset table
// must come first and name where each following object starts. It returns
// the objects after the table.
func fieldsWithOffsets(file []byte, outerTag, offsetTag uint16, tags ...uint16) ([]tlv, error) {
	cs, err := fields(file, outerTag, append([]uint16{offsetTag}, tags...)...)
	if err != nil {
		return nil, err
	}
	table, objs := cs[0].value, cs[1:]
	if len(table) != 2*len(objs) {
		return nil, malformed("offset table of %d bytes for %d objects", len(table), len(objs))
	}
	o, _ := outer(file, outerTag) // read once already by fields
	pos := len(o.raw) - len(o.value) + len(cs[0].raw)
	for i, c := range objs {
		if got := int(table[2*i])<<8 | int(table[2*i+1]); got != pos {
			return nil, malformed("offset %d says %d, the object with tag %X starts at %d", i, got, c.tag, pos)
		}
		pos += len(c.raw)
	}
	return objs, nil
}

// simpleRecord encodes a simple-TLV record (tag, one length byte, value),
// the form of the common card AP's record EF (docs/card.md §8.3).
func simpleRecord(tag byte, value []byte) []byte {
	return append([]byte{tag, byte(len(value))}, value...)
}
