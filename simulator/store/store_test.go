package store_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

func newFile(t *testing.T) (string, *simulator.Profile) {
	t.Helper()
	p := fixtures.MustProfile("default")
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "card.json")
	if err := store.Create(path, st, store.Meta{Profile: p.Name}); err != nil {
		t.Fatal(err)
	}
	return path, p
}

func send(t *testing.T, c *simulator.Card, h string) string {
	t.Helper()
	b, err := apdu.ParseHex(h)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Transmit(b)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(strings.TrimSpace(apdu.Response{Data: r[:len(r)-2], SW: apdu.NewStatusWord(r[len(r)-2], r[len(r)-1])}.String()))
}

func TestCountersSurviveARestart(t *testing.T) {
	path, p := newFile(t)
	s, st, meta, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Profile != "default" {
		t.Fatalf("meta %+v", meta)
	}
	c := simulator.NewWithState(p, st, s)
	c.PowerOn()
	send(t, c, "00A4040C0AD392F000260100000001")
	if got := send(t, c, "002000980439393939"); got != "63C2" {
		t.Fatalf("wrong PIN: %s", got)
	}
	if s.Commits != 1 {
		t.Fatalf("%d commits for one wrong VERIFY, want 1 (the decrement)", s.Commits)
	}
	// Another process cannot drive the same file meanwhile.
	if _, _, _, err := store.Open(path); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	s.Close()
	// The next process finds the counter where it was.
	s2, st2, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c2 := simulator.NewWithState(p, st2, s2)
	c2.PowerOn()
	send(t, c2, "00A4040C0AD392F000260100000001")
	if got := send(t, c2, "00200098"); got != "63C2" {
		t.Fatalf("after restart: %s", got)
	}
	// The certificates and keys came back too: a signature verifies as before.
	send(t, c2, "002000980431323334")
	sig := send(t, c2, "802A009733"+"3031300D060960864801650304020105000420"+strings.Repeat("AB", 32)+"00")
	if len(sig) != 2*258 {
		t.Fatalf("signature after restart: %s", sig)
	}
}

func TestBrokenFilesAreRefusedAndLeftAlone(t *testing.T) {
	path, _ := newFile(t)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"truncated":      good[:len(good)/2],
		"empty":          {},
		"not JSON":       []byte("PK\x03\x04 a zip file"),
		"counter edited": bytes.Replace(good, []byte(`"remaining": 3`), []byte(`"remaining": 2`), 1),
		"other version":  regexp.MustCompile(`"version": \d+`).ReplaceAll(good, []byte(`"version": 3`)),
		"other format":   bytes.Replace(good, []byte(store.Format), []byte("something-else"), 1),
		"extra field":    bytes.Replace(good, []byte(`"format"`), []byte(`"surprise": 1, "format"`), 1),
	}
	// A body edited with its checksum recomputed, whose PIN object is impossible.
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "card.json")
			if err := os.WriteFile(f, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, _, err := store.Open(f)
			if err == nil || !strings.Contains(err.Error(), f) {
				t.Fatalf("accepted or unnamed: %v", err)
			}
			if name != "empty" && !errors.Is(err, store.ErrBadState) {
				t.Fatalf("%v", err)
			}
			if name == "extra field" && (!strings.Contains(err.Error(), "a field this format does not have") || strings.Contains(err.Error(), "surprise")) {
				t.Fatalf("the error does not say a field is unknown, or quotes its name: %v", err)
			}
			after, _ := os.ReadFile(f)
			if !bytes.Equal(after, data) {
				t.Fatal("the refused file was changed")
			}
			if strings.Contains(err.Error(), "MTIzNA") || strings.Contains(err.Error(), "1234") {
				t.Fatal("the error quotes the PIN")
			}
			// The lock was released: the same file can be opened (and refused) again.
			if _, _, _, err2 := store.Open(f); errors.Is(err2, store.ErrLocked) {
				t.Fatal("a refused file stayed locked")
			}
		})
	}
	if err := store.Create(path, nil, store.Meta{}); err == nil {
		t.Fatal("Create replaced an existing file")
	}
	st, _ := simulator.NewState(fixtures.MustProfile("default"))
	missing := filepath.Join(t.TempDir(), "no-such-dir", "card.json")
	if err := store.Create(missing, st, store.Meta{Profile: "default"}); err == nil || !strings.HasPrefix(err.Error(), missing+": cannot write in ") || strings.Contains(err.Error(), ".tmp-") {
		t.Fatalf("a missing directory: %v", err)
	}
}

func TestRoundTripKeepsEveryAnswer(t *testing.T) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	data, err := store.Encode(st, store.Meta{Profile: "default"})
	if err != nil {
		t.Fatal(err)
	}
	st2, _, err := store.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	a, b := simulator.NewWithState(p, st, nil), simulator.NewWithState(p, st2, nil)
	a.PowerOn()
	b.PowerOn()
	for _, h := range []string{"00A4040C0AD392F000260100000001", "00B08A0000", "00B0860020", "00B0880003", "00200098", "0020009B",
		"00A4020C020001", "00B0000004", "0020009B06414243313233", "00B0810000", "00A4020C020017", "00B0000001"} {
		if x, y := send(t, a, h), send(t, b, h); x != y {
			t.Fatalf("%s: %s before, %s after the round trip", h, x, y)
		}
	}
}

// FuzzDecode feeds the loader arbitrary files. The checksum is recomputed
// for every input (a body alone is sealed into an envelope, an envelope's
// body is resealed), so that the checks of the body's meaning are fuzzed,
// not only the checksum; and every input is also read as an edit script
// for a valid body (fuzzedit_test.go), so that most execs reach those
// checks with well-formed JSON. The placeholders "@authkey" and "@signkey" stand
// for the fixture keys, so that the seeds stay small (short inputs are
// mutated and minimised much faster) while the loaded cards have real
// keys. Whatever loads must run on the card without a panic, be readable
// by the office, and survive a round trip unchanged.
func FuzzDecode(f *testing.F) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	var env struct{ Body json.RawMessage }
	sm, _ := store.Encode(st, office.NewMeta(p))
	json.Unmarshal(sm, &env)
	var body bytes.Buffer
	json.Compact(&body, env.Body)
	seed := body.Bytes()
	for _, k := range fuzzKeys {
		seed = bytes.ReplaceAll(seed, []byte(k.b64), []byte(k.name))
	}
	if _, _, err := store.Decode(sealed(withKeys(seed))); err != nil {
		f.Fatalf("the seed does not load: %v", err) // then the fuzzer would never get past the checks
	}
	f.Add(seed)
	f.Add(sealed(seed))
	f.Add([]byte(`{"format":"jpkisim-card-state","version":1,"sha256":"","body":{}}`))
	f.Add([]byte("{}"))
	valid := withKeys(seed)
	f.Add([]byte{0x00, 0x10, 0x01, 0x07}) // an edit: a number into the 17th node
	// A card with the card-face applications (version 2), whose body the
	// edits also change.
	_, faceData := faceFile(f)
	json.Unmarshal(faceData, &env)
	body.Reset()
	json.Compact(&body, env.Body)
	face := bytes.Clone(body.Bytes())
	for _, k := range fuzzKeys {
		face = bytes.ReplaceAll(face, []byte(k.b64), []byte(k.name))
	}
	f.Add(face)
	validFace := withKeys(face)
	if _, _, err := store.Decode(sealBody(validFace)); err != nil {
		f.Fatalf("the card-face seed does not load: %v", err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = withKeys(b)
		for _, in := range [][]byte{b, sealed(b), sealBody(edited(valid, b)), sealBody(edited(validFace, b))} {
			st, meta, err := store.Decode(in)
			if err != nil {
				if !errors.Is(err, store.ErrBadState) {
					t.Fatalf("error not wrapping ErrBadState: %v", err)
				}
				continue
			}
			checkLoaded(t, st, meta)
			again, err := store.Encode(st, meta)
			if err != nil {
				t.Fatalf("a loaded state does not encode: %v", err)
			}
			st2, meta2, err := store.Decode(again)
			if err != nil {
				t.Fatalf("a loaded state does not load after a round trip: %v", err)
			}
			if again2, _ := store.Encode(st2, meta2); !bytes.Equal(again, again2) {
				t.Fatal("the round trip changed the state")
			}
		}
	})
}

// fuzzKeys are the placeholders of FuzzDecode's seeds and the base64 of
// the fixture keys they stand for.
var fuzzKeys = func() []struct{ name, b64 string } {
	p := fixtures.MustProfile("default")
	var out []struct{ name, b64 string }
	for _, k := range []struct {
		name string
		key  *rsa.PrivateKey
	}{{"@authkey", p.AuthKey}, {"@signkey", p.SigningKey}, {"@cakey", caKey()}} {
		der, _ := x509.MarshalPKCS8PrivateKey(k.key)
		out = append(out, struct{ name, b64 string }{k.name, base64.StdEncoding.EncodeToString(der)})
	}
	st, _ := simulator.NewState(p)
	for _, fid := range []uint16{jpki.EFSigningCert, jpki.EFSigningCACert, jpki.EFAuthCert, jpki.EFAuthCACert} {
		out = append(out, struct{ name, b64 string }{fmt.Sprintf("@cert%04X", fid),
			base64.StdEncoding.EncodeToString(st.App(jpki.JPKI.AID()).EF(fid).Data)})
	}
	return out
}()

// caKey is the TEST-ONLY auth CA key, the common card key of faceProfile.
func caKey() *rsa.PrivateKey {
	k, err := fixtures.CAKey(jpki.Auth)
	if err != nil {
		panic(err)
	}
	return k
}

// withKeys puts the fixture keys in place of their placeholders.
func withKeys(b []byte) []byte {
	for _, k := range fuzzKeys {
		b = bytes.ReplaceAll(b, []byte(k.name), []byte(k.b64))
	}
	return b
}

// sealed gives b the checksum it lacks: an envelope's body is resealed,
// anything else is taken as a body.
func sealed(b []byte) []byte {
	var env struct{ Body json.RawMessage }
	if json.Unmarshal(b, &env) == nil && len(env.Body) > 0 {
		return sealBody(env.Body)
	}
	return sealBody(b)
}

// BenchmarkCommit is one durable write of a default card: the one-writer
// checks (the lock file's identity, the file's identity and SHA-256), the
// encoding with its meaning checks, the temporary file's write and fsync,
// the rename and the directory's fsync.
func BenchmarkCommit(b *testing.B) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	path := filepath.Join(b.TempDir(), "card.json")
	if err := store.Create(path, st, store.Meta{Profile: p.Name}); err != nil {
		b.Fatal(err)
	}
	s, st, _, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := s.Commit(st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode is the load of a default card's state file, with every
// check of its meaning.
func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "v1-default.json"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := store.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCardFace is the load of the committed version-2 file (a
// card with the card-face applications), with every check of its meaning.
func BenchmarkDecodeCardFace(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "v2-cardface.json"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := store.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
