package office_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/rules"
)

// A failed write leaves memory as the disk has it (docs/state-file.md,
// "Guarantees"): when the commit of an office operation fails, the store
// still holds the card as it was, and so does the office.Card in memory —
// the record, the PIN values and counters, the certificates and keys, in
// the very objects callers hold. (Every operation once kept its change in
// memory.)
func TestFailedOfficeWriteLeavesMemoryAsTheStoreHasIt(t *testing.T) {
	diskFull := errors.New("disk full")
	t.Run("card event", func(t *testing.T) {
		c, _ := newCard(t)
		before := c.Meta.Certificates.Clone()
		c.Commit = func() error { return diskFull }
		if _, err := c.Record(rules.AddressChange, day); !errors.Is(err, diskFull) {
			t.Fatalf("Record: %v", err)
		}
		if !reflect.DeepEqual(c.Meta.Certificates, before) {
			t.Errorf("after a failed commit the record in memory is %+v; the store holds %+v", c.Meta.Certificates.Signing, before.Signing)
		}
	})
	t.Run("reset-pin at the office", func(t *testing.T) {
		c, _ := newCard(t)
		auth := pin(c, jpki.EFAuthPIN)
		auth.Remaining = 0
		value := append([]byte(nil), auth.Value...)
		c.Commit = func() error { return diskFull }
		if err := c.ResetPIN(jpki.AuthPIN, []byte("4321"), office.Office, nil, day); !errors.Is(err, diskFull) {
			t.Fatalf("ResetPIN: %v", err)
		}
		if auth.Remaining != 0 || string(auth.Value) != string(value) {
			t.Errorf("after a failed commit the auth PIN in memory has %d tries and a new value (%v); the store holds 0 tries and the old value",
				auth.Remaining, string(auth.Value) != string(value))
		}
	})
	t.Run("reset-pin at a kiosk, the last write", func(t *testing.T) {
		c, _ := newCard(t)
		sign := pin(c, jpki.EFSigningPIN)
		sign.Remaining = 0
		auth := pin(c, jpki.EFAuthPIN)
		proof := append([]byte(nil), auth.Value...)
		writes := 0
		c.Commit = func() error { // the proof's two writes succeed, the reset's fails
			writes++
			if writes > 2 {
				return diskFull
			}
			return nil
		}
		if err := c.ResetPIN(jpki.SigningPIN, []byte("NEWPASS1"), office.Kiosk, proof, day); !errors.Is(err, diskFull) {
			t.Fatalf("ResetPIN: %v (%d writes)", err, writes)
		}
		if sign.Remaining != 0 || string(sign.Value) == "NEWPASS1" {
			t.Errorf("after a failed commit the signing password in memory has %d tries and the new value %v; the store holds 0 tries and the old value",
				sign.Remaining, string(sign.Value) == "NEWPASS1")
		}
	})
	t.Run("renewal", func(t *testing.T) {
		c := cardOf(t, "default")
		japp := c.State.App(jpki.JPKI.AID())
		cert, key := japp.EF(jpki.EFSigningCert), japp.EF(jpki.EFSigningKey)
		data, k, rec := append([]byte(nil), cert.Data...), key.Key, c.Meta.Certificates.Clone()
		c.Commit = func() error { return diskFull }
		if _, err := c.Renew(jst(2030, 4, 1), office.Options{NewKey: spareKeys()}); !errors.Is(err, diskFull) {
			t.Fatalf("Renew: %v", err)
		}
		if string(cert.Data) != string(data) || key.Key != k || !reflect.DeepEqual(c.Meta.Certificates, rec) {
			t.Error("after a failed commit the renewed certificate, key or record stays in memory")
		}
	})
}
