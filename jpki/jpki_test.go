package jpki_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
)

func TestAppsAreFoundByTheirAID(t *testing.T) {
	seen := map[string]jpki.App{}
	for _, a := range jpki.Apps {
		aid := a.AID()
		if len(aid) != 7 && len(aid) != 10 {
			t.Errorf("%v: AID of %d bytes", a, len(aid))
		}
		if b, ok := seen[string(aid)]; ok {
			t.Errorf("%v and %v share an AID", a, b)
		}
		seen[string(aid)] = a
		if got, ok := jpki.AppByAID(aid); !ok || got != a {
			t.Errorf("AppByAID(%X) = %v, %v; want %v", aid, got, ok, a)
		}
		aid[0] ^= 0xFF
		if a.AID()[0] == aid[0] {
			t.Errorf("%v: AID returns shared storage", a)
		}
	}
	if _, ok := jpki.AppByAID(jpki.JPKI.AID()[:9]); ok {
		t.Error("a prefix of the JPKI AID names an application")
	}
}

func TestPINRoles(t *testing.T) {
	for _, p := range jpki.PINs {
		got, err := jpki.ParsePIN(p.Name())
		if err != nil || got != p {
			t.Errorf("ParsePIN(%q) = %v, %v", p.Name(), got, err)
		}
		b, err := json.Marshal(map[string]jpki.PIN{"p": p})
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]jpki.PIN
		if err := json.Unmarshal(b, &back); err != nil || back["p"] != p {
			t.Errorf("%s round trip: %v %v", b, back, err)
		}
		if p.MaxTries() < 3 || p.FID() == 0 || p.App() == 0 {
			t.Errorf("%v: tries %d, FID %04X, app %v", p, p.MaxTries(), p.FID(), p.App())
		}
	}
	for _, p := range jpki.JPKIPINs {
		o, ok := p.Other()
		if !ok || o == p || o.App() != jpki.JPKI {
			t.Errorf("%v: other %v %v", p, o, ok)
		}
		if q, ok := jpki.PINByFID(p.FID()); !ok || q != p {
			t.Errorf("PINByFID(%04X) = %v", p.FID(), q)
		}
	}
	if _, ok := jpki.KenhojoPIN.Other(); ok {
		t.Error("the Kenhojo PIN has an other PIN")
	}
	if _, err := jpki.ParsePIN("Auth"); err == nil {
		t.Error("ParsePIN takes a name in another case")
	}
	if _, err := json.Marshal(jpki.PIN(0)); err == nil {
		t.Error("the zero PIN marshals")
	}
}

func TestFormatCheckNeverShowsTheValue(t *testing.T) {
	f := jpki.SigningPIN.Format()
	for _, v := range []string{"ABC12", "ABCDEFGHIJKLMNOPQ", "abc123", "ABC 123"} {
		err := f.Check([]byte(v))
		if !errors.Is(err, jpki.ErrPINFormat) {
			t.Errorf("a value of %d bytes: %v", len(v), err)
		} else if len(v) > 3 && strings.Contains(err.Error(), v) {
			t.Errorf("the error shows the value")
		}
	}
	if err := f.Check([]byte("ABC123")); err != nil {
		t.Error(err)
	}
	if err := jpki.AuthPIN.Format().Check([]byte("12a4")); err == nil {
		t.Error("the auth PIN takes a letter")
	}
	// One allowed length is said as one number, a range as a range.
	if err := jpki.AuthPIN.Format().Check([]byte("12345")); err == nil || !strings.HasSuffix(err.Error(), "length 5, want 4") {
		t.Errorf("5 digits: %v", err)
	}
	if err := f.Check([]byte("ABC12")); err == nil || !strings.HasSuffix(err.Error(), "length 5, want 6 to 16") {
		t.Errorf("5 characters: %v", err)
	}
}

func TestKindsName(t *testing.T) {
	for _, k := range jpki.Kinds {
		if k.PIN().App() != jpki.JPKI {
			t.Errorf("%v opened by %v", k, k.PIN())
		}
		if got, ok := jpki.KindByKeyFID(k.KeyFID()); !ok || got != k {
			t.Errorf("KindByKeyFID(%04X) = %v", k.KeyFID(), got)
		}
		if k.CertFID() == k.CACertFID() || k.CertFID() == 0 {
			t.Errorf("%v: certificate %04X CA %04X", k, k.CertFID(), k.CACertFID())
		}
		if got, err := jpki.ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v %v", k, got, err)
		}
	}
	if jpki.Signing.CertFID() == jpki.Auth.CertFID() {
		t.Error("both kinds name one certificate")
	}
}

func TestEFRef(t *testing.T) {
	for p2 := 0; p2 < 256; p2++ {
		sfi, ok := jpki.EFRef(byte(p2))
		switch {
		case p2 >= 0x80 && p2 <= 0x9F:
			if !ok || sfi != byte(p2-0x80) {
				t.Errorf("P2 %02X: SFI %02X, %v; want %02X", p2, sfi, ok, p2-0x80)
			}
		case ok:
			t.Errorf("P2 %02X names SFI %02X; it names no EF", p2, sfi)
		}
	}
	if sfi, ok := jpki.EFRef(0x80); !ok || sfi != 0 {
		t.Errorf("P2 80 is not the current EF: %02X %v", sfi, ok)
	}
	if sfi, _ := jpki.EFRef(0x80 | byte(jpki.EFAuthPIN)); uint16(sfi) != jpki.EFAuthPIN {
		t.Errorf("P2 98 names SFI %02X, not the auth PIN's EF", sfi)
	}
}
