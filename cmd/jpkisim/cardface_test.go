package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/jpkisim/jpkisim/cardface"
	"github.com/jpkisim/jpkisim/fixtures"
)

const (
	selKenhojo = "00A4040C0AD3921000310001010408"
	selKenkaku = "00A4040C0AD3921000310001010402"
)

// readEFs reads the transparent EFs fids of the state file's card through
// `jpkisim apdu --state`: the application's SELECT, then open (the
// VERIFYs that open them, each answering 9000), then per EF its SELECT and
// a READ BINARY with extended Le 0, which returns the whole EF.
func readEFs(t *testing.T, path, sel string, open []string, fids ...uint16) map[uint16][]byte {
	t.Helper()
	files := map[uint16][]byte{}
	for _, fid := range fids {
		args := append(append([]string{"apdu", "--state", path, sel}, open...), "00A4020C02"+hex.EncodeToString([]byte{byte(fid >> 8), byte(fid)}), "00B00000000000")
		code, out, errOut := runCLI(t, args...)
		lines := strings.Fields(out)
		if code != 0 || len(lines) != len(args)-3 {
			t.Fatalf("read EF %04X: exit %d, %q, %q", fid, code, out, errOut)
		}
		for i, l := range lines[:len(lines)-1] {
			if l != "9000" {
				t.Fatalf("read EF %04X: C-APDU %d answered %s", fid, i+1, l)
			}
		}
		last := lines[len(lines)-1]
		if !strings.HasSuffix(last, "9000") {
			t.Fatalf("READ BINARY of EF %04X answered %s", fid, last)
		}
		b, err := hex.DecodeString(strings.TrimSuffix(last, "9000"))
		if err != nil {
			t.Fatal(err)
		}
		files[fid] = b
	}
	return files
}

// After `card event address-change --address`, the new address reads back
// from Kenhojo EF 0002 (after the Kenhojo PIN) and from Kenkaku EF 0002
// (after 照合番号A), both applications' files verify from the card's own CV
// certificates, and serve --state --pki publishes the signing certificate
// as revoked (issue 11, "Done when").
func TestAddressChangeReadsBackFromTheCardFace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	h, err := fixtures.Holder("default")
	if err != nil {
		t.Fatal(err)
	}
	const moved = "架空県見本市南町二丁目3番4号"
	code, out, errOut := runCLI(t, "card", "event", "--state", path, "address-change", "--address", moved, "--on", "2026-11-29", "--json")
	if code != 0 || out != `{"card_face":["Kenhojo EF 0002","Kenhojo EF 0003","Kenkaku EF 0002"],"changes":[{"certificate":"signing","from":"valid","to":"revoked","reason":"affiliationChanged","rule":"REVOKE-01"}],"event":"address-change"}`+"\n" {
		t.Fatalf("card event: exit %d, %q, %q", code, out, errOut)
	}
	kenhojoPIN := []string{"00A4020C020011", "0020008004" + hex.EncodeToString([]byte("5678"))}
	hojo := readEFs(t, path, selKenhojo, kenhojoPIN, 0x0001, 0x0002, 0x0003, 0x0004, 0x0007)
	b4, err := cardface.ParseBasic4(hojo[0x0002])
	if err != nil {
		t.Fatal(err)
	}
	if b4.Address != moved || b4.Name != h.Name {
		t.Errorf("Kenhojo EF 0002 reads %q, %q; want %q, %q", b4.Name, b4.Address, h.Name, moved)
	}
	verificationA := []string{"00A4020C020013", "002000800C" + hex.EncodeToString([]byte(h.MyNumber))}
	kaku := readEFs(t, path, selKenkaku, verificationA, 0x0002, 0x0004)
	face, err := cardface.ParseFace(kaku[0x0002])
	if err != nil {
		t.Fatal(err)
	}
	image, _ := cardface.TextPNG(moved)
	if !bytes.Equal(face.AddressImage, image) {
		t.Error("Kenkaku EF 0002's address image is not the new address")
	}
	ih, ik, err := fixtures.CardFaceIssuers()
	if err != nil {
		t.Fatal(err)
	}
	if err := cardface.VerifyKenhojo(hojo, ih); err != nil {
		t.Errorf("Kenhojo: %v", err)
	}
	if err := cardface.VerifyKenkaku(kaku, ik); err != nil {
		t.Errorf("Kenkaku: %v", err)
	}
	// card show gives the card face's holder, the new address.
	if code, out, _ := runCLI(t, "card", "show", "--state", path); code != 0 || !strings.Contains(out, moved) {
		t.Errorf("card show: %d %q", code, out)
	}
	p := fixtures.MustProfile("default")
	addr, _ := startServe(t, "--state", path)
	checkPublished(t, addr, p, p.SigningCert, p.AuthCert, ocsp.AffiliationChanged)
}

// The shape of card event's new basic information: usage errors (exit 2)
// that leave the file as it was, and a refusal on a card that ended.
func TestCardEventUpdateErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	h, _ := fixtures.Holder("default")
	before, _ := os.ReadFile(path)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"address-change"}, "give the new address with --address"},
		{[]string{"name-change"}, "give the new name with --name"},
		{[]string{"address-change", "--name", "見本　花子"}, "give the new address"},
		{[]string{"address-change", "--address", "架空県", "--name", "見本　花子"}, "--name goes with name-change only"},
		{[]string{"loss", "--address", "架空県"}, "--address goes with address-change only"},
		{[]string{"address-change", "--address", h.Address}, "the card face already holds it"},
		{[]string{"address-change", "--address", "架空県\n見本市"}, "control character"},
		{[]string{"address-change", "--address", "   "}, "the new value is blank"},
		{[]string{"name-change", "--name", "　"}, "the new value is blank"},
	} {
		code, out, errOut := runCLI(t, append([]string{"card", "event", "--state", path}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, %q, %q", tc.args, code, out, errOut)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Fatalf("%q changed the state file", tc.args)
		}
	}
	if code, _, errOut := runCLI(t, "card", "event", "--state", path, "death"); code != 0 {
		t.Fatal(errOut)
	}
	before, _ = os.ReadFile(path)
	code, _, errOut := runCLI(t, "card", "event", "--state", path, "address-change", "--address", "架空県見本市南町")
	if after, _ := os.ReadFile(path); code != 1 || !strings.Contains(errOut, "REVOKE-02") || !bytes.Equal(before, after) {
		t.Fatalf("a move after death: exit %d, %q", code, errOut)
	}
}

// The Kenhojo and Juki PINs of `card new` come from JPKISIM_KENHOJO_PIN and
// JPKISIM_JUKI_PIN (the profile's test PINs when unset) and open the card;
// `card reset-pin --pin kenhojo|juki` sets them at the office and is
// refused at a kiosk (UNLOCK-04, the file untouched); a value of the wrong
// format is a one-line usage error. No output holds a value.
func TestCardFacePINsFromTheEnvironment(t *testing.T) {
	unsetPINVars(t)
	const kenhojo, juki, newKenhojo, newJuki = "7391", "5024", "6183", "2957"
	path := filepath.Join(t.TempDir(), "card.json")
	t.Setenv("JPKISIM_KENHOJO_PIN", kenhojo)
	t.Setenv("JPKISIM_JUKI_PIN", juki)
	var outputs []string
	code, out, errOut := runCLI(t, "card", "new", "--state", path, "--json")
	outputs = append(outputs, out, errOut)
	if code != 0 || out != `{"auth_pin_from":"the profile's test PINs","juki_pin_from":"JPKISIM_JUKI_PIN","kenhojo_pin_from":"JPKISIM_KENHOJO_PIN","profile":"default","signing_password_from":"the profile's test PINs","state":"`+path+`"}`+"\n" {
		t.Fatalf("card new: exit %d, %q, %q", code, out, errOut)
	}
	const selJuki, selCommon = "00A4040C0AD3921000310001010401", "00A4040C0AD3921000310001010100"
	verify := func(sel, fid, placeholder string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "apdu", "--state", path, sel, "00A4020C02"+fid, "00200080{len:"+placeholder+"}{"+placeholder+"}")
		outputs = append(outputs, out, errOut)
		if code != 0 {
			t.Fatalf("apdu: exit %d, %q", code, errOut)
		}
		return strings.Fields(out)[2]
	}
	for _, v := range []struct{ sel, fid, placeholder string }{
		{selKenhojo, "0011", "kenhojo-pin"}, {selJuki, "001C", "juki-pin"}, {selCommon, "001C", "juki-pin"},
	} {
		if sw := verify(v.sel, v.fid, v.placeholder); sw != "9000" {
			t.Errorf("VERIFY of %s with the environment's PIN: %s", v.placeholder, sw)
		}
	}
	// The profile's test PIN is not the card's now.
	if code, out, _ := runCLI(t, "apdu", "--state", path, selKenhojo, "00A4020C020011", "0020008004"+hex.EncodeToString([]byte("5678"))); code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "63C2") {
		t.Fatalf("the profile's Kenhojo PIN: %d %q", code, out)
	}

	// A kiosk never resets them; the office does.
	t.Setenv("JPKISIM_KENHOJO_PIN", newKenhojo)
	t.Setenv("JPKISIM_JUKI_PIN", newJuki)
	for _, which := range []string{"kenhojo", "juki"} {
		before, _ := os.ReadFile(path)
		code, out, errOut := runCLI(t, "card", "reset-pin", "--state", path, "--pin", which, "--at", "kiosk", "--on", "2026-11-29")
		outputs = append(outputs, out, errOut)
		if after, _ := os.ReadFile(path); code != 1 || !strings.Contains(errOut, "refused (UNLOCK-04)") || !bytes.Equal(before, after) {
			t.Fatalf("--pin %s at a kiosk: exit %d, %q", which, code, errOut)
		}
		code, out, errOut = runCLI(t, "card", "reset-pin", "--state", path, "--pin", which)
		outputs = append(outputs, out, errOut)
		if code != 0 || !strings.Contains(out, "reset at the office: new value from JPKISIM_") {
			t.Fatalf("--pin %s at the office: exit %d, %q, %q", which, code, out, errOut)
		}
	}
	for _, v := range []struct{ sel, fid, placeholder string }{
		{selKenhojo, "0011", "kenhojo-pin"}, {selJuki, "001C", "juki-pin"}, {selCommon, "001C", "juki-pin"},
	} {
		if sw := verify(v.sel, v.fid, v.placeholder); sw != "9000" {
			t.Errorf("VERIFY of %s with the new PIN: %s", v.placeholder, sw)
		}
	}
	code, out, errOut = runCLI(t, "card", "show", "--state", path, "--json")
	outputs = append(outputs, out, errOut)
	if code != 0 {
		t.Fatal(errOut)
	}

	// A value of the wrong format: one line, exit 2, never the value.
	for _, bad := range []struct{ name, value string }{
		{"JPKISIM_KENHOJO_PIN", "73a1"}, {"JPKISIM_JUKI_PIN", "50245"}, {"JPKISIM_JUKI_PIN", "502"},
	} {
		t.Setenv(bad.name, bad.value)
		for _, args := range [][]string{
			{"card", "new", "--state", filepath.Join(t.TempDir(), "x.json")},
			{"card", "reset-pin", "--state", path, "--pin", "juki"},
		} {
			code, out, errOut := runCLI(t, args...)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, bad.name) || strings.Contains(errOut, bad.value) {
				t.Errorf("%s of a wrong format, %s: exit %d, %q, %q", bad.name, args[1], code, out, errOut)
			}
		}
		t.Setenv(bad.name, newJuki)
	}
	for _, o := range outputs {
		for _, v := range []string{kenhojo, juki, newKenhojo, newJuki} {
			if strings.Contains(o, v) || strings.Contains(strings.ToUpper(o), strings.ToUpper(hex.EncodeToString([]byte(v)))) {
				t.Errorf("an output shows a PIN: %q", o)
			}
		}
	}
}

// card show gives every retry counter of the card: the JPKI pair, and on a
// card with the card-face applications the Kenhojo PIN and the Juki PIN of
// the common card and of the Juki application, each its own (it once showed
// the JPKI pair alone). A card without them (a phone token) shows none.
func TestCardShowGivesEveryRetryCounter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	// A wrong Juki PIN in the common card application only.
	if code, _, errOut := runCLI(t, "apdu", "--state", path, "00A4040C0AD3921000310001010100", "0020009C0430303030"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCLI(t, "card", "show", "--state", path)
	if code != 0 || !strings.Contains(out, "Kenhojo PIN: 3 of 3 tries left; Juki PIN: 2 of 3 tries left in the common card application, 3 of 3 tries left in the Juki application") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "card", "show", "--state", path, "--json")
	var v struct {
		Tries struct {
			Kenhojo    *struct{ Left, Max int } `json:"kenhojo"`
			JukiCommon *struct{ Left, Max int } `json:"juki_common"`
			Juki       *struct{ Left, Max int } `json:"juki"`
		} `json:"tries"`
	}
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || v.Tries.Kenhojo == nil || v.Tries.JukiCommon == nil ||
		v.Tries.Juki == nil || v.Tries.JukiCommon.Left != 2 || v.Tries.Juki.Left != 3 || v.Tries.Kenhojo.Max != 3 {
		t.Fatalf("--json: %s (%v)", out, err)
	}
	phone := filepath.Join(t.TempDir(), "phone.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", phone, "--profile", "android"); code != 0 {
		t.Fatal(errOut)
	}
	if _, out, _ := runCLI(t, "card", "show", "--state", phone); strings.Contains(out, "Kenhojo") {
		t.Fatalf("a phone token shows card-face counters:\n%s", out)
	}
}
