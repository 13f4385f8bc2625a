package store_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// The key references of the test card face, and a value of each format
// that none of them has.
const (
	faceKenhojoPIN = "4321"
	faceJukiPIN    = "5678"
)

// 照合番号A and B and the birth-date key of the default profile's holder
// (they are signed into its card face, so a test cannot choose them).
var (
	faceA     = string(fixtures.MustProfile("default").CardFace.VerificationA)
	faceB     = string(fixtures.MustProfile("default").CardFace.VerificationB)
	faceBirth = string(fixtures.MustProfile("default").CardFace.BirthDateKey)
)

// faceProfile is the default profile, whose card face the fixtures build
// from its holder and sign with the TEST-ONLY keys, with Kenhojo and Juki
// PINs of the test's own: no key is generated.
func faceProfile(t testing.TB) *simulator.Profile {
	t.Helper()
	p := fixtures.MustProfile("default")
	p.CardFace.KenhojoPIN, p.CardFace.JukiPIN = []byte(faceKenhojoPIN), []byte(faceJukiPIN)
	return p
}

// faceFile is the state file of a new card of faceProfile.
func faceFile(t testing.TB) (*simulator.Profile, []byte) {
	t.Helper()
	p := faceProfile(t)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := store.Encode(st, office.NewMeta(p))
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

// appEF finds an EF object of application i in an edited body.
func appEF(body map[string]any, i int, fid string) map[string]any {
	for _, e := range body["apps"].([]any)[i].(map[string]any)["efs"].([]any) {
		if m := e.(map[string]any); m["fid"] == fid {
			return m
		}
	}
	panic(fmt.Sprintf("no EF %s in application %d", fid, i))
}

// A card with the card-face applications is written as version 2, loads
// as it was written, and is written back byte for byte; its counters and
// PIN changes survive a restart of the store, each application's own.
func TestCardFaceStateRoundTrip(t *testing.T) {
	p, data := faceFile(t)
	var env struct{ Version int }
	if err := json.Unmarshal(data, &env); err != nil || env.Version != store.VersionCardFace {
		t.Fatalf("version %d, %v", env.Version, err)
	}
	st, meta, err := store.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := store.Encode(st, meta); err != nil || !bytes.Equal(again, data) {
		t.Fatalf("written back differently (%v)", err)
	}
	if len(st.Apps) != 6 || len(st.MFData) != len(faceProfile(t).CardFace.MFData) || st.App(jpki.Common.AID()).EF(0x0001).Records == nil {
		t.Fatalf("%d applications, %d objects", len(st.Apps), len(st.MFData))
	}
	path := filepath.Join(t.TempDir(), "card.json")
	if err := store.Create(path, st, meta); err != nil {
		t.Fatal(err)
	}
	s, st, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := simulator.NewWithState(p, st, s)
	c.PowerOn()
	for _, step := range []struct{ capdu, want string }{
		{"00A4040C0AD3921000310001010408", "9000"},
		{"002000910430303030", "63C2"},                                     // a wrong Kenhojo PIN
		{"002000940D" + fmt.Sprintf("%X", faceA+"0"), "6700"},              // A is 12 digits: no try spent
		{"002000940C" + fmt.Sprintf("%X", "000000000000"), "63C9"},         // a wrong 照合番号A
		{"0020009104" + fmt.Sprintf("%X", faceKenhojoPIN), "9000"},         // the Kenhojo PIN
		{"0024019104" + fmt.Sprintf("%X", "1111"), "9000"},                 // changed
		{"00A4040C0AD3921000310001010100", "9000"},                         //
		{"0020009C04" + fmt.Sprintf("%X", "0000"), "63C2"},                 // a wrong Juki PIN in the common AP
		{"00B2010C00", fmt.Sprintf("%X9000", p.CardFace.CommonRecords[0])}, // the record
		{"00A4040C07A0000001510000", "9000"},                               //
		{"00CA00F000", fmt.Sprintf("%X9000", p.CardFace.MFData[0x00F0])},   // a card-level object
	} {
		if got := send(t, c, step.capdu); got != step.want {
			t.Fatalf("%s: %s, want %s", step.capdu, got, step.want)
		}
	}
	s.Close()
	s, st, _, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c = simulator.NewWithState(p, st, s)
	c.PowerOn()
	for _, step := range []struct{ capdu, want string }{
		{"00A4040C0AD3921000310001010408", "9000"},
		{"00200091", "63C3"}, {"00200094", "63C9"},
		{"0020009104" + fmt.Sprintf("%X", "1111"), "9000"},
		{"00A4040C0AD3921000310001010100", "9000"}, {"0020009C", "63C2"},
		{"00A4040C0AD3921000310001010401", "9000"}, {"0020009C", "63C3"},
	} {
		if got := send(t, c, step.capdu); got != step.want {
			t.Fatalf("after a restart, %s: %s, want %s", step.capdu, got, step.want)
		}
	}
}

// The checks of docs/state-file.md, "Validation", for the card-face
// applications: each edit of a version-2 file, resealed, is refused with
// the field named and nothing quoted, and the file left as it was.
func TestCardFaceMeaningIsChecked(t *testing.T) {
	_, good := faceFile(t)
	const kenhojo, kenkaku, common, juki = 2, 3, 4, 5
	pin := func(b map[string]any, app int, fid string) map[string]any {
		return appEF(b, app, fid)["pin"].(map[string]any)
	}
	cases := []struct {
		name, field string
		quoted      string
		version     int // 0: as the file has it
		edit        func(b map[string]any)
	}{
		{"version 2 without the card-face applications", "body.apps", "", 0, func(b map[string]any) {
			b["apps"] = b["apps"].([]any)[:2]
			delete(b, "mf_data")
		}},
		{"version 1 with them", "body.apps", "", 1, func(map[string]any) {}},
		{"version 1 with card-level objects", "body.mf_data", "", 1, func(b map[string]any) {
			b["apps"] = b["apps"].([]any)[:2]
		}},
		{"Kenhojo 0001 after the PIN alone", "(EF 0001).read_pin", "", 0, func(b map[string]any) {
			delete(appEF(b, kenhojo, "0001"), "read_pin_or")
		}},
		{"Kenhojo 0002 after A", "(EF 0002).read_pin", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0002")["read_pin_or"] = []any{"0014"}
		}},
		{"Kenkaku 0005 after B too", "(EF 0005).read_pin", "", 0, func(b map[string]any) {
			appEF(b, kenkaku, "0005")["read_pin_or"] = []any{"0012"}
		}},
		{"three more PINs", "(EF 0003).read_pin_or", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0003")["read_pin_or"] = []any{"0014", "0015", "0012"}
		}},
		{"more PINs without a first", "(EF 0004).read_pin_or", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0004")["read_pin_or"] = []any{"0014"}
		}},
		{"a bad FID among them", "read_pin_or[0]", "XYZ9", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0003")["read_pin_or"] = []any{"XYZ9", "0015"}
		}},
		{"the blocked key with tries", "(EF 0012).pin.max_tries", "", 0, func(b map[string]any) {
			p := pin(b, kenhojo, "0012")
			p["max_tries"], p["remaining"] = 3, 3
		}},
		{"the blocked key with a value", "(EF 0012).pin", "", 0, func(b map[string]any) {
			pin(b, kenhojo, "0012")["value"] = b64("1234")
		}},
		{"照合番号A with 100 tries", "(EF 0014).pin.max_tries", "100", 0, func(b map[string]any) {
			p := pin(b, kenhojo, "0014")
			p["max_tries"], p["remaining"] = 100, 100
		}},
		{"照合番号B of 13 digits", "(EF 0015).pin", "", 0, func(b map[string]any) {
			pin(b, kenhojo, "0015")["value"] = b64(faceB[:13])
		}},
		{"the birth-date key with letters", "(EF 0011).pin.value", "55O217", 0, func(b map[string]any) {
			pin(b, kenkaku, "0011")["value"] = b64("55O217")
		}},
		{"the Kenhojo PIN with 5 tries", "(EF 0011).pin.max_tries", "", 0, func(b map[string]any) {
			pin(b, kenhojo, "0011")["max_tries"] = 5
		}},
		{"the Juki PIN of 5 digits", "(EF 001C).pin", "", 0, func(b map[string]any) {
			pin(b, juki, "001C")["value"] = b64("12345")
		}},
		{"照合番号A not the same in Kenkaku", "(EF 0013).pin.value", "", 0, func(b map[string]any) {
			pin(b, kenkaku, "0013")["value"] = b64("111111111111")
		}},
		{"照合番号B not the same in Kenkaku", "(EF 0012).pin.value", "", 0, func(b map[string]any) {
			pin(b, kenkaku, "0012")["value"] = b64("11111111111111")
		}},
		{"a My Number that is not 照合番号A", "(EF 0001).data", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0001")["data"] = b64("\xFF\x10\x0C111111111111\xFF\xFF")
		}},
		{"a My Number EF of 18 bytes", "(EF 0001).data", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0001")["data"] = b64("\xFF\x10\x0C" + faceA + "\xFF\xFF\xFF")
		}},
		{"an empty Kenkaku EF", "(EF 0006).data", "", 0, func(b map[string]any) { delete(appEF(b, kenkaku, "0006"), "data") }},
		{"a missing Kenkaku EF", "efs: EF 0005 is missing", "", 0, func(b map[string]any) {
			app := b["apps"].([]any)[kenkaku].(map[string]any)
			var keep []any
			for _, e := range app["efs"].([]any) {
				if e.(map[string]any)["fid"] != "0005" {
					keep = append(keep, e)
				}
			}
			app["efs"] = keep
		}},
		{"the own key gone", "(EF 0013).key", "", 0, func(b map[string]any) { delete(appEF(b, kenhojo, "0013"), "key") }},
		{"a session key that is not 0006's", "(EF 0006).key", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0006")["key"] = appEF(b, kenhojo, "0013")["key"]
		}},
		{"0006 without its public key", "(EF 0006).key", "", 0, func(b map[string]any) { appEF(b, kenhojo, "0006")["data"] = b64("\xA1\x00") }},
		{"a key kept with another transparent EF", "(EF 0007).key", "", 0, func(b map[string]any) {
			appEF(b, kenhojo, "0007")["key"] = appEF(b, kenhojo, "0006")["key"]
		}},
		{"the common key behind the PIN", "(EF 0019).read_pin", "", 0, func(b map[string]any) { appEF(b, common, "0019")["read_pin"] = "001C" }},
		{"no common record", "(EF 0001).records", "", 0, func(b map[string]any) { delete(appEF(b, common, "0001"), "records") }},
		{"an empty common record", "(EF 0001).records[1]", "", 0, func(b map[string]any) {
			e := appEF(b, common, "0001")
			e["records"] = append(e["records"].([]any), "")
		}},
		{"a record of 256 bytes", "(EF 0001).records[0]", "", 0, func(b map[string]any) {
			appEF(b, common, "0001")["records"] = []any{b64(strings.Repeat("1", 256))}
		}},
		{"records in a transparent EF", "(EF 0002).records", "", 0, func(b map[string]any) {
			appEF(b, common, "0002")["records"] = []any{b64("x")}
		}},
		{"the record EF transparent", "(EF 0001).kind", "", 0, func(b map[string]any) { appEF(b, common, "0001")["kind"] = "transparent" }},
		{"a key reference of 15 bytes", "(EF 0002).data", "", 0, func(b map[string]any) { appEF(b, juki, "0002")["data"] = b64("123456789012345") }},
		{"Juki and Kenkaku swapped", "body.apps[3].name", "", 0, func(b map[string]any) {
			apps := b["apps"].([]any)
			apps[kenkaku], apps[juki] = apps[juki], apps[kenkaku]
		}},
		{"the ATR as a card-level object", "body.mf_data (object 5F51).tag", "", 0, func(b map[string]any) {
			b["mf_data"] = append(b["mf_data"].([]any), map[string]any{"tag": "5F51", "data": b64("x")})
		}},
		{"a card-level object twice", "body.mf_data[7].tag", "", 0, func(b map[string]any) {
			b["mf_data"] = append(b["mf_data"].([]any), map[string]any{"tag": "00F0", "data": b64("x")})
		}},
		{"an empty card-level object", "body.mf_data (object 0042).data", "", 0, func(b map[string]any) {
			b["mf_data"].([]any)[0].(map[string]any)["data"] = ""
		}},
		{"a card-level tag that is no hex", "body.mf_data[0].tag", "QQ12", 0, func(b map[string]any) {
			b["mf_data"].([]any)[0].(map[string]any)["tag"] = "QQ12"
		}},
		{"more card-face content than a card holds", "the card-face applications and card-level objects hold at most", "", 0, func(b map[string]any) {
			for _, fid := range []string{"0002", "0003", "0004", "0005", "0006"} {
				appEF(b, kenkaku, fid)["data"] = b64(strings.Repeat("x", simulator.MaxEFSize))
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := resealVersion(t, good, tc.version, tc.edit)
			path := filepath.Join(t.TempDir(), "card.json")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, _, err := store.Open(path)
			if err == nil {
				t.Fatal("accepted")
			}
			msg, named := strings.CutPrefix(err.Error(), path+": ")
			if !errors.Is(err, store.ErrBadState) || !named || !strings.Contains(msg, tc.field) {
				t.Fatalf("the error does not name the file and the field %q: %v", tc.field, err)
			}
			if tc.quoted != "" && strings.Contains(msg, tc.quoted) {
				t.Fatalf("the error quotes the file: %v", err)
			}
			for _, v := range []string{faceKenhojoPIN, faceJukiPIN, faceA, faceB, faceBirth, b64(faceA), b64(faceB)} {
				if strings.Contains(msg, v) {
					t.Fatalf("the error quotes a secret: %v", err)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Fatal("the refused file was changed")
			}
		})
	}
	if _, _, err := store.Decode(resealVersion(t, good, 0, func(map[string]any) {})); err != nil {
		t.Fatalf("the unedited body: %v", err)
	}
}

// resealVersion is reseal with the envelope's version set (0: the
// version the file has).
func resealVersion(t testing.TB, file []byte, version int, edit func(body map[string]any)) []byte {
	t.Helper()
	out := reseal(t, file, edit)
	if version == 0 {
		var env struct{ Version int }
		if err := json.Unmarshal(file, &env); err != nil {
			t.Fatal(err)
		}
		version = env.Version
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	env["version"] = json.RawMessage(fmt.Sprint(version))
	out, _ = json.Marshal(env)
	return out
}

// bigSerial is the largest certificate serial a file holds: 20 octets.
func bigSerial() *big.Int {
	n, _ := new(big.Int).SetString(strings.Repeat("f", 40), 16)
	return n
}

// The largest card-face content the checks admit, with the largest JPKI
// application, fits the file's size bound.
func TestLargestCardFaceFits(t *testing.T) {
	p := faceProfile(t)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, fid := range []uint16{jpki.EFSigningCert, jpki.EFSigningCACert, jpki.EFAuthCert, jpki.EFAuthCACert} {
		e := st.App(jpki.JPKI.AID()).EF(fid)
		e.Data = append(e.Data, bytes.Repeat([]byte{0xFF}, store.MaxCertEFSize-len(e.Data))...)
	}
	used := 0
	for _, a := range st.Apps[2:] {
		for _, e := range a.EFs {
			used += len(e.Data)
			for _, r := range e.Records {
				used += len(r)
			}
		}
	}
	for _, d := range st.MFData {
		used += len(d)
	}
	k := st.App(jpki.Kenkaku.AID())
	for left := store.MaxCardFaceSize - used; left > 0; {
		for _, fid := range []uint16{0x0002, 0x0003, 0x0004, 0x0005} {
			e := k.EF(fid)
			n := min(left, simulator.MaxEFSize-len(e.Data))
			e.Data = append(e.Data, make([]byte, n)...)
			left -= n
		}
	}
	meta := office.NewMeta(p)
	for range 100 {
		meta.Certificates.Former = append(meta.Certificates.Former, former(bigSerial()))
	}
	data, err := store.Encode(st, meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("largest card with the card-face applications: %d bytes of %d", len(data), store.MaxFileSize)
	if _, _, err := store.Decode(data); err != nil {
		t.Fatal(err)
	}
	k.EF(0x0006).Data = append(k.EF(0x0006).Data, 0)
	if _, err := store.Encode(st, meta); !errors.Is(err, store.ErrBadState) {
		t.Fatalf("one byte more: %v", err)
	}
}

// The committed version-2 file (written by faceFile when the format was
// made) loads and answers as a card with the card-face applications; the
// version-1 files answer 6A82 to them (TestVersion1FilesStillLoad: they
// are cards without them).
func TestVersion2FileLoads(t *testing.T) {
	st, meta, err := store.Load(filepath.Join("testdata", "v2-cardface.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := simulator.NewWithState(fixtures.MustProfile(meta.Profile), st, nil)
	c.PowerOn()
	for _, step := range []struct{ capdu, want string }{
		{"00CA00F200", fmt.Sprintf("%X9000", "20360615")},
		{"00A4040C0AD3921000310001010408", "9000"}, {"00200091", "63C3"}, {"00200092", "63C0"},
		{"002000940C" + fmt.Sprintf("%X", faceA), "9000"}, {"00B0810000", fmt.Sprintf("FF100C%X", faceA) + "FFFF9000"},
		{"00A4040C0AD3921000310001010402", "9000"}, {"00200011", "6A86"}, {"00200091", "63CA"},
		{"00A4040C0AD3921000310001010401", "9000"}, {"0020009C", "63C3"},
	} {
		if got := send(t, c, step.capdu); got != step.want {
			t.Fatalf("%s: %s, want %s", step.capdu, got, step.want)
		}
	}
	// The key kept with Kenhojo EF 0006 came out of the file: it takes a
	// session key after the PIN.
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &st.App(jpki.Kenhojo.AID()).EF(0x0006).Key.PublicKey,
		append([]byte{0xA0, 0x22, 0x80, 0x20}, make([]byte, 32)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	deliver := fmt.Sprintf("%X", apdu.Command{CLA: 0x80, INS: 0xAE, Data: ct, Extended: true}.MustEncode())
	for _, step := range []struct{ capdu, want string }{
		{"00A4040C0AD3921000310001010408", "9000"}, {"0020009104" + fmt.Sprintf("%X", faceKenhojoPIN), "9000"}, {deliver, "9000"},
	} {
		if got := send(t, c, step.capdu); got != step.want {
			t.Fatalf("%.30s: %s, want %s", step.capdu, got, step.want)
		}
	}
	st, _, err = store.Load(filepath.Join("testdata", "v1-default.json"))
	if err != nil {
		t.Fatal(err)
	}
	c = simulator.NewWithState(faceProfile(t), st, nil) // a profile with a card face: the file decides
	c.PowerOn()
	if got := send(t, c, "00A4040C0AD3921000310001010408"); got != "6A82" {
		t.Fatalf("SELECT Kenhojo on a version-1 card: %s", got)
	}
}
