package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// reseal recomputes the checksum of a state file after its body was
// edited, as anyone can: the checksum tells damage, not an edit.
func reseal(t testing.TB, file []byte, edit func(body map[string]any)) []byte {
	t.Helper()
	var env map[string]json.RawMessage
	if err := json.Unmarshal(file, &env); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(env["body"]))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	edit(body)
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return sealBody(raw)
}

// sealBody wraps a body in an envelope with its correct checksum, of
// version 2 when the body has more than two applications or card-level
// objects, 1 otherwise.
func sealBody(raw []byte) []byte {
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		compact.Reset()
		compact.Write(raw)
	}
	sum := sha256.Sum256(compact.Bytes())
	version := store.Version
	var b struct {
		Apps   []json.RawMessage
		MFData json.RawMessage `json:"mf_data"`
	}
	if json.Unmarshal(raw, &b) == nil && (len(b.Apps) > 2 || len(b.MFData) > 0) {
		version = store.VersionCardFace
	}
	out, _ := json.Marshal(map[string]any{"format": store.Format, "version": version,
		"sha256": hex.EncodeToString(sum[:]), "body": json.RawMessage(compact.Bytes())})
	return out
}

// efOf finds an EF object of the JPKI application in an edited body.
func efOf(body map[string]any, fid string) map[string]any {
	for _, e := range jpkiEFs(body) {
		if m := e.(map[string]any); m["fid"] == fid {
			return m
		}
	}
	panic("no EF " + fid)
}

func jpkiEFs(body map[string]any) []any {
	return body["apps"].([]any)[1].(map[string]any)["efs"].([]any)
}

func setJPKIEFs(body map[string]any, efs []any) {
	body["apps"].([]any)[1].(map[string]any)["efs"] = efs
}

func cert(body map[string]any, which string) map[string]any {
	return body["certificates"].(map[string]any)[which].(map[string]any)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// former is an auth certificate a renewal replaced, as the state file
// keeps it.
func former(serial *big.Int) record.Former {
	return record.Former{Kind: jpki.Auth, Cert: record.Cert{Status: rules.Revoked, Reason: rules.Superseded, Serial: serial,
		Since: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 6, 15, 14, 59, 59, 0, time.UTC)}}
}

// TestMeaningIsChecked: a state file whose checksum was recomputed after an
// edit is refused when it holds what no card can hold, with an error that
// names the file and the field and quotes nothing of the file. Each case was
// accepted before the checks (max_tries 100 made the 4-digit auth PIN
// answer 63CF; EF 0018 of another kind made card show panic).
func TestMeaningIsChecked(t *testing.T) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	meta := office.NewMeta(p)
	meta.Certificates.Former = []record.Former{former(big.NewInt(0x1f))}
	good, err := store.Encode(st, meta)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, field string
		quoted      string // a value the edit put in, which the error must not show
		edit        func(b map[string]any)
	}{
		{"auth PIN with 100 tries", "efs[10] (EF 0018).pin.max_tries", "100", func(b map[string]any) {
			pin := efOf(b, "0018")["pin"].(map[string]any)
			pin["max_tries"], pin["remaining"] = 100, 100
		}},
		{"signing password with 15 tries", "(EF 001B).pin.max_tries", "", func(b map[string]any) {
			efOf(b, "001B")["pin"].(map[string]any)["max_tries"] = 15
		}},
		{"max_len 100000", "(EF 001B).pin.max_len", "100000", func(b map[string]any) {
			efOf(b, "001B")["pin"].(map[string]any)["max_len"] = 100000
		}},
		{"min_len 1", "(EF 0018).pin.min_len", "", func(b map[string]any) {
			efOf(b, "0018")["pin"].(map[string]any)["min_len"] = 1
		}},
		{"another alphabet", "(EF 0018).pin.alphabet", "0123456789abcdef", func(b map[string]any) {
			efOf(b, "0018")["pin"].(map[string]any)["alphabet"] = "0123456789abcdef"
		}},
		{"a PIN value outside its format", "(EF 0018).pin.value", "SECRETVALUE", func(b map[string]any) {
			efOf(b, "0018")["pin"].(map[string]any)["value"] = b64("SECRETVALUE")
		}},
		{"a signing password in lower case", "(EF 001B).pin.value", "abc123", func(b map[string]any) {
			efOf(b, "001B")["pin"].(map[string]any)["value"] = b64("abc123")
		}},
		{"remaining over the maximum", "(EF 0018).pin.remaining", "", func(b map[string]any) {
			efOf(b, "0018")["pin"].(map[string]any)["remaining"] = 4
		}},
		{"EF 0018 of another kind", "(EF 0018).kind", "", func(b map[string]any) {
			e := efOf(b, "0018")
			e["kind"] = "transparent"
			delete(e, "pin")
			e["data"] = b64("1234")
		}},
		{"EF 001B a key", "(EF 001B).kind", "", func(b map[string]any) { efOf(b, "001B")["kind"] = "key" }},
		{"a key EF made transparent", "(EF 0017).kind", "", func(b map[string]any) {
			e := efOf(b, "0017")
			e["kind"] = "transparent"
			delete(e, "key")
		}},
		{"duplicate FID", "EF 0018 appears twice", "", func(b map[string]any) {
			efs := jpkiEFs(b)
			dup := map[string]any{}
			for k, v := range efOf(b, "0018") {
				dup[k] = v
			}
			setJPKIEFs(b, append(efs, dup))
		}},
		{"a missing EF", "efs: EF 001B is missing", "", func(b map[string]any) {
			var keep []any
			for _, e := range jpkiEFs(b) {
				if e.(map[string]any)["fid"] != "001B" {
					keep = append(keep, e)
				}
			}
			setJPKIEFs(b, keep)
		}},
		{"an EF the card has not", "fid: no such EF", "", func(b map[string]any) {
			setJPKIEFs(b, append(jpkiEFs(b), map[string]any{"fid": "0042", "kind": "transparent", "data": b64("x")}))
		}},
		{"a bad FID", ".fid: not a FID", "XYZ9", func(b map[string]any) { efOf(b, "0006")["fid"] = "XYZ9" }},
		{"an unknown kind", "(EF 0006).kind", "record", func(b map[string]any) { efOf(b, "0006")["kind"] = "record" }},
		{"the signing key without its PIN", "(EF 001A).read_pin", "", func(b map[string]any) { delete(efOf(b, "001A"), "read_pin") }},
		{"the signing certificate free", "(EF 0001).read_pin", "", func(b map[string]any) { delete(efOf(b, "0001"), "read_pin") }},
		{"a free EF also never", "(EF 0002).read_pin", "", func(b map[string]any) { efOf(b, "0002")["never"] = true }},
		{"data in a PIN EF", "(EF 0018).data", "", func(b map[string]any) { efOf(b, "0018")["data"] = b64("1234") }},
		{"token info of 161 bytes", "(EF 0006).data", "", func(b map[string]any) {
			efOf(b, "0006")["data"] = b64(strings.Repeat("x", 161))
		}},
		{"a certificate EF over what READ BINARY reaches", "(EF 0002).data", "", func(b map[string]any) {
			efOf(b, "0002")["data"] = b64(strings.Repeat("x", store.MaxCertEFSize+1))
		}},
		{"an empty certificate EF", "(EF 000B).data", "", func(b map[string]any) { delete(efOf(b, "000B"), "data") }},
		{"the auth key missing", "(EF 0017).key", "", func(b map[string]any) { delete(efOf(b, "0017"), "key") }},
		{"a key where the card has none", "(EF 0010).key", "", func(b map[string]any) { efOf(b, "0010")["key"] = efOf(b, "0017")["key"] }},
		{"a key that does not parse", "(EF 0017).key", "", func(b map[string]any) { efOf(b, "0017")["key"] = b64("not DER") }},
		{"a third application", "body.apps", "", func(b map[string]any) {
			apps := b["apps"].([]any)
			b["apps"] = append(apps, map[string]any{"name": "JPKI", "aid": "d392f000260100000001", "efs": []any{}})
		}},
		{"another AID for JPKI", "body.apps[1].aid", "d392f0002601000000ff", func(b map[string]any) {
			b["apps"].([]any)[1].(map[string]any)["aid"] = "d392f0002601000000ff"
		}},
		{"a certificate status good", "body.certificates.signing.status", "good", func(b map[string]any) {
			cert(b, "signing")["status"] = "good"
		}},
		{"an unknown reason", "body.certificates.auth.reason", "becauseIsaidso", func(b map[string]any) {
			cert(b, "auth")["status"], cert(b, "auth")["reason"] = "revoked", "becauseIsaidso"
		}},
		{"a reason on a valid certificate", "body.certificates.auth.reason", "", func(b map[string]any) {
			cert(b, "auth")["reason"] = "keyCompromise"
		}},
		{"a since that is no time", "body.certificates.auth.since", "yesterday", func(b map[string]any) {
			cert(b, "auth")["status"], cert(b, "auth")["since"] = "suspended", "yesterday"
		}},
		{"a serial that is no hex", "body.certificates.auth.serial", "zz-top", func(b map[string]any) { cert(b, "auth")["serial"] = "zz-top" }},
		{"a day that does not exist", "body.card_expiry", "2026-02-30", func(b map[string]any) { b["card_expiry"] = "2026-02-30" }},
		{"an unknown lapse", "body.lapsed", "abroad", func(b map[string]any) { b["lapsed"] = "abroad" }},
		{"a profile that is a path", "body.profile", "../../etc/evil.yaml", func(b map[string]any) { b["profile"] = "../../etc/evil.yaml" }},
		{"an absolute profile path", "body.profile", "/tmp/x", func(b map[string]any) { b["profile"] = "/tmp/x" }},
		{"no profile", "body.profile", "", func(b map[string]any) { delete(b, "profile") }},
		{"an unknown field", "body", "zz1234", func(b map[string]any) { b["zz1234"] = 1 }},
		{"an unknown field in an EF", "body", "pin1234", func(b map[string]any) { efOf(b, "0018")["pin1234"] = true }},
		{"an unknown profile name", "body.profile", "nosuch-1234", func(b map[string]any) { b["profile"] = "nosuch-1234" }},
		{"auth and signing keys swapped", "(EF 0017).key", "", func(b map[string]any) {
			efOf(b, "0017")["key"], efOf(b, "001A")["key"] = efOf(b, "001A")["key"], efOf(b, "0017")["key"]
		}},
		{"the signing key gone, its certificate kept", "(EF 001A).key", "", func(b map[string]any) { delete(efOf(b, "001A"), "key") }},
		{"the signing certificate AAAA", "(EF 0001).data", "", func(b map[string]any) { efOf(b, "0001")["data"] = b64("AAAA") }},
		{"the signing CA certificate AAAA", "(EF 0002).data", "", func(b map[string]any) { efOf(b, "0002")["data"] = b64("AAAA") }},
		{"the auth certificate AAAA", "(EF 000A).data", "", func(b map[string]any) { efOf(b, "000A")["data"] = b64("AAAA") }},
		{"the auth CA certificate AAAA", "(EF 000B).data", "", func(b map[string]any) { efOf(b, "000B")["data"] = b64("AAAA") }},
		{"a certificate followed by more than filler", "(EF 000A).data", "", func(b map[string]any) {
			d, _ := base64.StdEncoding.DecodeString(efOf(b, "000A")["data"].(string))
			d[len(d)-1] = 0x42
			efOf(b, "000A")["data"] = base64.StdEncoding.EncodeToString(d)
		}},
		{"the auth certificate swapped for the signing one", "(EF 0017).key", "", func(b map[string]any) {
			efOf(b, "000A")["data"], efOf(b, "0001")["data"] = efOf(b, "0001")["data"], efOf(b, "000A")["data"]
		}},
		{"a former certificate of another kind", "body.former[0].certificate", "mystery", func(b map[string]any) {
			b["former"].([]any)[0].(map[string]any)["certificate"] = "mystery"
		}},
		{"a former serial of zero", "body.former[0].serial", "", func(b map[string]any) {
			b["former"].([]any)[0].(map[string]any)["serial"] = "00"
		}},
		{"a former not_after that is no time", "body.former[0].not_after", "soon", func(b map[string]any) {
			b["former"].([]any)[0].(map[string]any)["not_after"] = "soon"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := reseal(t, good, tc.edit)
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
			for _, v := range []string{"1234", b64("1234"), "ABC123", b64("ABC123")} {
				if strings.Contains(msg, v) {
					t.Fatalf("the error quotes a PIN: %v", err)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Fatal("the refused file was changed")
			}
			if _, _, err := store.Load(path); err == nil {
				t.Fatal("Load accepted what Open refused")
			}
		})
	}
	// The edits themselves are sound: the same body unedited loads.
	if _, _, err := store.Decode(reseal(t, good, func(map[string]any) {})); err != nil {
		t.Fatal(err)
	}
}

// A state no card can hold is never written either: Encode, Create and
// Commit refuse it.
func TestImpossibleStatesAreNotWritten(t *testing.T) {
	path, _ := newFile(t)
	s, st, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, _ := os.ReadFile(path)
	st.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN.MaxTries = 100
	if err := s.Commit(st); !errors.Is(err, store.ErrBadState) {
		t.Fatalf("an auth PIN with 100 tries was written: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the file changed")
	}
	if err := store.Create(filepath.Join(t.TempDir(), "x.json"), st, store.Meta{Profile: "default"}); !errors.Is(err, store.ErrBadState) {
		t.Fatalf("Create: %v", err)
	}
}

// The committed files of format version 1, written before the meaning
// checks existed (default, under-15, suspended) or before the office's
// record had one type (died, reissued-lost), still load, and answer as a
// card of their profile.
func TestVersion1FilesStillLoad(t *testing.T) {
	for _, name := range []string{"default", "under-15", "suspended", "died", "reissued-lost"} {
		st, meta, err := store.Load(filepath.Join("testdata", "v1-"+name+".json"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		profile := map[string]string{"died": "foreign-resident", "reissued-lost": "default"}[name]
		if profile == "" {
			profile = name
		}
		if meta.Profile != profile {
			t.Fatalf("%s: profile %q", name, meta.Profile)
		}
		c := simulator.NewWithState(fixtures.MustProfile(profile), st, nil)
		c.PowerOn()
		send(t, c, "00A4040C0AD392F000260100000001")
		if got := send(t, c, "00200098"); got != "63C3" {
			t.Fatalf("%s: %s", name, got)
		}
	}
}

// Every committed state file is written back byte for byte as it was: the
// JSON shape of docs/state-file.md does not change when the code that
// reads and writes it does (reissued-lost has every field of the office's
// record: statuses, reasons, a serial, dates, a former certificate, the
// card's expiry and the end of stay; died a lapsed card; v2-cardface the
// card-face applications and card-level objects), and in its version.
func TestStateFilesKeepTheirShape(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "v[12]-*.json"))
	if err != nil || len(files) < 6 {
		t.Fatalf("%d files: %v", len(files), err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		st, meta, err := store.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		again, err := store.Encode(st, meta)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Equal(again, bytes.TrimRight(data, "\n")) {
			t.Errorf("%s: written back differently", f)
		}
	}
}

// The office's record comes out of the file typed (record.Certificates):
// statuses, reasons, serials and times as the office wrote them.
func TestRecordIsRead(t *testing.T) {
	_, meta, err := store.Load(filepath.Join("testdata", "v1-reissued-lost.json"))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := record.Certificates{
		Signing: record.Cert{Status: rules.Suspended, Reason: rules.CertificateHold, Serial: big.NewInt(0x792ddab7), Since: at("2027-01-10T00:30:00Z")},
		Auth:    record.Cert{Status: rules.Suspended, Reason: rules.CertificateHold, Since: at("2027-01-10T00:30:00Z")},
		Former: []record.Former{{Kind: jpki.Signing, Cert: record.Cert{Status: rules.Revoked, Reason: rules.AffiliationChanged,
			Serial: big.NewInt(0x1001), Since: at("2026-11-29T03:00:00Z"), NotAfter: at("2030-06-15T14:59:59Z")}}},
	}
	if !reflect.DeepEqual(meta.Certificates, want) {
		t.Fatalf("record %+v\nwant   %+v", meta.Certificates, want)
	}
	if meta.CardExpiry != "2035-01-01" || meta.StayEnds != "2029-03-31" || meta.Lapsed != "" {
		t.Fatalf("meta %+v", meta)
	}
}

// Encode refuses a record no card can have, naming the field: nothing
// writes a file that would be refused when read.
func TestImpossibleRecordsAreNotWritten(t *testing.T) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	for field, edit := range map[string]func(*record.Certificates){
		"body.former[0]":                   func(c *record.Certificates) { c.Former[0].Status = rules.Valid },
		"body.former[0].certificate":       func(c *record.Certificates) { c.Former[0].Kind = 0 },
		"body.former[0].serial":            func(c *record.Certificates) { c.Former[0].Serial = nil },
		"body.certificates.signing.reason": func(c *record.Certificates) { c.Signing.Reason = rules.Superseded },
		"body.certificates.auth.status":    func(c *record.Certificates) { c.Auth.Status = "expired" },
		"body.certificates.auth.reason":    func(c *record.Certificates) { c.Auth.Status, c.Auth.Reason = rules.Revoked, 99 },
		"body.certificates.auth.serial":    func(c *record.Certificates) { c.Auth.Serial = big.NewInt(-1) },
	} {
		meta := office.NewMeta(p)
		meta.Certificates.Former = []record.Former{former(big.NewInt(0x1f))}
		edit(&meta.Certificates)
		if _, err := store.Encode(st, meta); !errors.Is(err, store.ErrBadState) || !strings.Contains(err.Error(), "field "+field+":") {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// A file over MaxFileSize is refused before it is read: a 280 MB file took
// 2.8 GB of memory before the bound. The file here is sparse, so it takes
// no disk; what the refusal allocates is measured.
func TestOversizedFileIsNotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join("testdata", "v1-default.json"))
	f.Write(good)
	if err := f.Truncate(280 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, _, _, err = store.Open(path)
	runtime.ReadMemStats(&m1)
	if err == nil || !errors.Is(err, store.ErrBadState) || !strings.Contains(err.Error(), fmt.Sprintf("over %d bytes", store.MaxFileSize)) {
		t.Fatalf("a 280 MB file: %v", err)
	}
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("refusing a 280 MB file allocated %d bytes", alloc)
	if alloc > 1<<20 {
		t.Fatalf("refusing a 280 MB file allocated %d bytes", alloc)
	}
	if _, _, err := store.Load(path); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("over %d bytes", store.MaxFileSize)) {
		t.Fatalf("Load: %v", err)
	}
	if _, _, err := store.Decode(make([]byte, store.MaxFileSize+1)); !errors.Is(err, store.ErrBadState) {
		t.Fatalf("Decode: %v", err)
	}
}

// The largest card the checks admit still fits the size bound, so that a
// valid state is never refused for its size.
func TestLargestCardFits(t *testing.T) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	for _, fid := range []uint16{jpki.EFSigningCert, jpki.EFSigningCACert, jpki.EFAuthCert, jpki.EFAuthCACert} {
		e := st.App(jpki.JPKI.AID()).EF(fid)
		e.Data = append(e.Data, bytes.Repeat([]byte{0xFF}, store.MaxCertEFSize-len(e.Data))...)
	}
	meta := office.NewMeta(p)
	for i := 0; i < 100; i++ { // a hundred renewals' worth of replaced certificates
		serial, _ := new(big.Int).SetString(strings.Repeat("f", 40), 16)
		meta.Certificates.Former = append(meta.Certificates.Former, former(serial))
	}
	data, err := store.Encode(st, meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("largest card: %d bytes of %d", len(data), store.MaxFileSize)
	if _, _, err := store.Decode(data); err != nil {
		t.Fatal(err)
	}
}

// A loaded state answers through the card without a panic: what the
// loader lets through is something the card can run.
func checkLoaded(t *testing.T, st *simulator.State, meta store.Meta) {
	t.Helper()
	p := fixtures.MustProfile("default")
	c := simulator.NewWithState(p, st, nil)
	c.PowerOn()
	for _, h := range []string{"00A4040C0AD392F000260100000001", "00200098", "0020009B", "00B08A0000", "00B0860020",
		"0020009804FFFFFFFF", "00A4020C020001", "00B0000004",
		"00A4040C07A0000001510000", "00CA00F000", "00CA00F800",
		"00A4040C0AD3921000310001010408", "00200091", "00200094", "00B0810000", "00B0830000", "802A00000133",
		"00A4040C0AD3921000310001010402", "00200093", "00B0820000", "0088009A01AA00",
		"00A4040C0AD3921000310001010100", "00B2010C00", "0088009901AA", "0020009C",
		"00A4040C0AD3921000310001010401", "0020009C", "00B0820000"} {
		b, _ := apdu.ParseHex(h)
		r, err := c.Transmit(b)
		if err != nil || len(r) < 2 || (r[len(r)-2] == 0x6F && r[len(r)-1] == 0x00) {
			t.Fatalf("%s: % X %v", h, r, err)
		}
	}
	office.RecordOf(st, meta) // the office reads a record the loader accepted
}

// Anything after the envelope but whitespace is refused, and not quoted:
// before, the decoder stopped after the first JSON value and the file
// loaded.
func TestTrailingDataIsRefused(t *testing.T) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	good, err := store.Encode(st, office.NewMeta(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Decode(append(bytes.Clone(good), " \n\t\r\n"...)); err != nil {
		t.Fatalf("trailing whitespace: %v", err)
	}
	for _, tail := range []string{"garbage 1234 garbage", "\n{}", "0", "\n1234"} {
		_, _, err := store.Decode(append(bytes.Clone(good), tail...))
		if !errors.Is(err, store.ErrBadState) {
			t.Errorf("%q after the envelope: %v", tail, err)
		} else if strings.Contains(err.Error(), "1234") || strings.Contains(err.Error(), "garbage") {
			t.Errorf("the error quotes the file: %v", err)
		}
	}
}

// A card without a signing certificate (a holder under 15: EF 0001 holds
// only filler) has no signing key, and loads; given a signing key, it is
// refused.
func TestChildsCardHasNoSigningKey(t *testing.T) {
	p := fixtures.MustProfile("under-15")
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	meta := office.NewMeta(p)
	data, err := store.Encode(st, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Decode(data); err != nil {
		t.Fatal(err)
	}
	st.App(jpki.JPKI.AID()).EF(jpki.EFSigningKey).Key = fixtures.MustProfile("default").SigningKey
	if _, err := store.Encode(st, meta); !errors.Is(err, store.ErrBadState) || !strings.Contains(err.Error(), "(EF 001A).key") {
		t.Fatalf("a signing key without its certificate: %v", err)
	}
}
