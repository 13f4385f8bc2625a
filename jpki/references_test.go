package jpki_test

import (
	"fmt"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
)

// The reference data of each application, as docs/card.md §4.1–§4.4 and §6
// list them; the ISD's are not known.
func TestReferences(t *testing.T) {
	want := map[jpki.App]string{
		jpki.JPKI:    "[JPKI EF 0018 (the auth PIN) JPKI EF 001B (the signing password)]",
		jpki.Kenhojo: "[Kenhojo EF 0011 (the Kenhojo PIN) Kenhojo EF 0012 (the key reference blocked as issued) Kenhojo EF 0014 (照合番号A) Kenhojo EF 0015 (照合番号B)]",
		jpki.Kenkaku: "[Kenkaku EF 0011 (the birth-date key) Kenkaku EF 0012 (照合番号B) Kenkaku EF 0013 (照合番号A)]",
		jpki.Common:  "[Common EF 001C (the common card AP's PIN)]",
		jpki.Juki:    "[Juki EF 001C (the Juki PIN)]",
	}
	for _, a := range jpki.Apps {
		refs, ok := jpki.References(a)
		if w, listed := want[a]; ok != listed || (listed && fmt.Sprint(refs) != w) {
			t.Errorf("%v: %v %v, want %s", a, refs, ok, w)
		}
		for _, r := range refs {
			if r.App != a {
				t.Errorf("%v lists %v", a, r)
			}
			if got, ok := jpki.ReferenceAt(a, r.FID); !ok || got != r {
				t.Errorf("ReferenceAt(%v, %04X): %v %v", a, r.FID, got, ok)
			}
		}
	}
	// Each PIN role is where its facts say, with its limit.
	for _, p := range jpki.PINs {
		r, ok := jpki.ReferenceAt(p.App(), p.FID())
		if !ok || r.PIN != p || r.MaxTries != p.MaxTries() {
			t.Errorf("%v: %v %v", p, r, ok)
		}
	}
	if r, _ := jpki.ReferenceAt(jpki.Kenhojo, 0x0012); !r.Blocked || r.MaxTries != 0 {
		t.Errorf("Kenhojo 0012: %+v", r)
	}
	if _, ok := jpki.ReferenceAt(jpki.Kenhojo, 0x0013); ok {
		t.Error("Kenhojo 0013 is the application's own key, which compares no secret")
	}
	refs, _ := jpki.References(jpki.JPKI)
	refs[0].FID = 0x9999
	if r, _ := jpki.References(jpki.JPKI); r[0].FID != jpki.EFAuthPIN {
		t.Error("References hands out the table")
	}
}
