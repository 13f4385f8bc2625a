package store_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"sort"
)

// FuzzDecode's edit scripts: besides being read as a file, each input is
// read as a list of edits of a valid body, 3 bytes each (2 bytes pick a node
// of the body's JSON tree, 1 an operation, some take more bytes), which is
// resealed: every exec then reaches the meaning checks with a well-formed
// body, which random bytes seldom do.

// slot is one node of the JSON tree: an element of its parent object or
// array.
type slot struct {
	obj map[string]any
	key string
	arr []any
	idx int
	// setArr replaces the parent array (to delete or append).
	setArr func([]any)
}

func (s slot) get() any {
	if s.obj != nil {
		return s.obj[s.key]
	}
	return s.arr[s.idx]
}

func (s slot) set(v any) {
	if s.obj != nil {
		s.obj[s.key] = v
	} else {
		s.arr[s.idx] = v
	}
}

// slots lists every node below v in a stable order.
func slots(v any, set func([]any), out []slot) []slot {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, slot{obj: x, key: k})
			child := x[k]
			k := k
			out = slots(child, func(a []any) { x[k] = a }, out)
		}
	case []any:
		for i := range x {
			out = append(out, slot{arr: x, idx: i, setArr: set})
			i := i
			out = slots(x[i], func(a []any) { x[i] = a }, out)
		}
	}
	return out
}

// Values that sit on the edges of the checks.
var (
	edgeNumbers = []any{-1, 0, 1, 2, 3, 4, 5, 6, 15, 16, 17, 100, 255, 256, 32767, 32768, 100000, 1 << 31, 1.5}
	edgeStrings = []string{"", "valid", "revoked", "suspended", "absent", "expired", "good", "pin", "key", "transparent",
		"0018", "001B", "0017", "001A", "0001", "000A", "001E", "FFFF", "ISD", "JPKI", "a0000001510000", "d392f000260100000001",
		"default", "../evil.yaml", "/tmp/x", "death", "departure", "2026-02-30", "2026-11-29", "2026-11-29T03:00:00Z",
		"keyCompromise", "certificateHold", "signing", "auth", "1f", "00", "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}
	edgeSizes = []int{0, 1, 3, 4, 6, 16, 17, 32, 159, 160, 161, 2048, 32767, 32768}
)

// edited applies an edit script to a copy of body (JSON) and returns the
// edited body.
func edited(body []byte, script []byte) []byte {
	var root any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&root) != nil {
		return nil
	}
	next := func() byte {
		if len(script) == 0 {
			return 0
		}
		b := script[0]
		script = script[1:]
		return b
	}
	for len(script) >= 3 {
		all := slots(root, nil, nil)
		if len(all) == 0 {
			break
		}
		s := all[int(binary.BigEndian.Uint16(script))%len(all)]
		op := script[2]
		script = script[3:]
		switch op % 8 {
		case 0: // delete
			if s.obj != nil {
				delete(s.obj, s.key)
			} else if s.setArr != nil {
				s.setArr(append(append([]any(nil), s.arr[:s.idx]...), s.arr[s.idx+1:]...))
			}
		case 1:
			s.set(edgeNumbers[int(next())%len(edgeNumbers)])
		case 2:
			s.set(edgeStrings[int(next())%len(edgeStrings)])
		case 3: // a short string of the script's bytes
			n := int(next() % 20)
			b := make([]byte, 0, n)
			for i := 0; i < n; i++ {
				b = append(b, next())
			}
			s.set(string(b))
		case 4:
			s.set(next()%2 == 0)
		case 5:
			s.set(nil)
		case 6: // base64 data of an edge size
			s.set(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{next()}, edgeSizes[int(next())%len(edgeSizes)])))
		case 7: // duplicate an array element, or copy a value to a sibling key
			if s.arr != nil && s.setArr != nil {
				s.setArr(append(append([]any(nil), s.arr...), deepCopy(s.arr[s.idx])))
			} else if s.obj != nil {
				keys := make([]string, 0, len(s.obj))
				for k := range s.obj {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				s.obj[keys[int(next())%len(keys)]] = deepCopy(s.get())
			}
		}
	}
	out, err := json.Marshal(root)
	if err != nil {
		return nil
	}
	return out
}

func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.Decode(&out)
	return out
}
