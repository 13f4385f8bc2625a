package simulator_test

import (
	"crypto/rsa"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// sharedByDesign are the types a Profile shares between its copies: the
// private keys, which nothing changes.
var sharedByDesign = map[reflect.Type]bool{reflect.TypeFor[*rsa.PrivateKey](): true}

// fill sets every field reachable from v, through pointers, slices, maps
// and exported struct fields, to a value that is not zero, the same on
// every call with a fresh counter: nil pointers, slices and maps are made,
// so that a field added to Profile later is covered without a change here.
func fill(v reflect.Value, n *int, key *rsa.PrivateKey) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		switch {
		case sharedByDesign[v.Type()]:
			v.Set(reflect.ValueOf(key))
		case v.Type() == reflect.TypeFor[*big.Int]():
			v.Set(reflect.ValueOf(big.NewInt(int64(*n))))
		default:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), n, key)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(v.Index(i), n, key)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n, key)
		fill(e, n, key)
		v.SetMapIndex(k, e)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(*n)*1000, 0)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n, key)
			}
		}
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n%100) + 1)
	}
}

// mutate changes everything reachable from v through pointers, slices and
// maps (and the exported fields of structs on the way), except what is
// shared by design, and counts the changes made behind a pointer, slice or
// map: a change there shows in the original unless Clone copied it.
func mutate(v reflect.Value, behind bool, n *int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || sharedByDesign[v.Type()] {
			return
		}
		if b, ok := v.Interface().(*big.Int); ok {
			b.Add(b, big.NewInt(1))
			*n++
			return
		}
		mutate(v.Elem(), true, n)
	case reflect.Slice:
		for i := range v.Len() {
			mutate(v.Index(i), true, n)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e, true, n)
			v.SetMapIndex(k, e)
		}
		k := reflect.New(v.Type().Key()).Elem()
		v.SetMapIndex(k, reflect.New(v.Type().Elem()).Elem()) // a new entry
		*n++
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			v.Set(reflect.ValueOf(t.Add(time.Hour)))
			if behind {
				*n++
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				mutate(v.Field(i), behind, n)
			}
		}
	default:
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(v.Int() + 1)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v.SetUint(v.Uint() + 1)
		default:
			return
		}
		if behind {
			*n++
		}
	}
}

// filled is a Profile with every field set, pointers, slices and maps
// made, and the given key as both private keys.
func filled(key *rsa.PrivateKey) *simulator.Profile {
	p := &simulator.Profile{}
	n := 0
	fill(reflect.ValueOf(p).Elem(), &n, key)
	return p
}

// Clone is deep: changing everything a clone holds behind a pointer, a
// slice or a map (by reflection, so that a field added later is covered
// too) leaves the original as it was; only the private keys are shared.
func TestCloneIsDeep(t *testing.T) {
	key := fixtures.MustProfile("default").SigningKey
	orig, want := filled(key), filled(key)
	if !reflect.DeepEqual(orig, want) {
		t.Fatal("fill is not deterministic")
	}
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatal("the clone differs from the original")
	}
	if c.SigningKey != orig.SigningKey || c.AuthKey != orig.AuthKey {
		t.Error("the clone has keys of its own: they are shared by design")
	}
	n := 0
	mutate(reflect.ValueOf(c), false, &n)
	if n < 20 {
		t.Fatalf("only %d changes reached", n)
	}
	if !reflect.DeepEqual(orig, want) {
		t.Fatal("a change to the clone shows in the original")
	}
	// The check itself: a shallow copy, changed the same way, changes the
	// original.
	shallow := *orig
	n = 0
	mutate(reflect.ValueOf(&shallow), false, &n)
	if reflect.DeepEqual(orig, want) {
		t.Fatal("mutate does not reach what a shallow copy shares")
	}
	if (*simulator.Profile)(nil).Clone() != nil {
		t.Error("the clone of nil is not nil")
	}
}

// A copy of a fixtures profile keeps its office record: the record is
// part of the profile, not kept beside it.
func TestCloneKeepsTheOfficeRecord(t *testing.T) {
	p := fixtures.MustProfile("revoked-address-change")
	for _, q := range []*simulator.Profile{p.Clone(), func() *simulator.Profile { c := *p; return &c }()} {
		if s := q.Office.For(jpki.Signing); s.State() != rules.Revoked || s.Reason != rules.AffiliationChanged {
			t.Fatalf("signing: %+v", *s)
		}
		if q.Office.For(jpki.Auth).State() != rules.Valid {
			t.Fatalf("auth: %+v", q.Office.Auth)
		}
	}
}
