package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
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
		"other version":  bytes.Replace(good, []byte(`"version": 1`), []byte(`"version": 2`), 1),
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
			if name == "extra field" && !strings.Contains(err.Error(), `unknown field "surprise"`) {
				t.Fatalf("the error does not name the field: %v", err)
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
	if err := store.Create(missing, st, store.Meta{}); err == nil || !strings.HasPrefix(err.Error(), missing+": cannot write in ") || strings.Contains(err.Error(), ".tmp-") {
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

func FuzzDecode(f *testing.F) {
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	good, _ := store.Encode(st, store.Meta{Profile: "default"})
	f.Add(good)
	f.Add([]byte(`{"format":"jpkisim-card-state","version":1,"sha256":"","body":{}}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, _, err := store.Decode(b)
		if err == nil && (st == nil || len(st.Apps) < 2) {
			t.Fatal("a state without its applications was accepted")
		}
		if err != nil && !errors.Is(err, store.ErrBadState) {
			t.Fatalf("error not wrapping ErrBadState: %v", err)
		}
	})
}
