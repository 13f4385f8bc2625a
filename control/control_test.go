package control

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
)

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]Addr{
		"127.0.0.1:35980":        {"tcp", "127.0.0.1:35980"},
		"http://127.0.0.1:0/":    {"tcp", "127.0.0.1:0"},
		"[::1]:1":                {"tcp", "[::1]:1"},
		"localhost:2":            {"tcp", "localhost:2"},
		"unix:/tmp/jpkisim.sock": {"unix", "/tmp/jpkisim.sock"},
	} {
		got, err := ParseAddr(in)
		if err != nil || got != want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "unix:", "10.0.0.1:80", "example.com:80", "127.0.0.1", "127.0.0.1:70000"} {
		if _, err := ParseAddr(bad); !errors.Is(err, ErrBadAddr) {
			t.Errorf("ParseAddr(%q): %v, want ErrBadAddr", bad, err)
		}
	}
}

// server answers as the control interface does, and keeps each request's
// method, path and body.
func server(t *testing.T, status int, answer string) (*Client, *[]string) {
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(ts.Close)
	c, err := Dial(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

func TestTypedCallsSendTheDocumentedRequests(t *testing.T) {
	c, got := server(t, 200, `{"slot":1,"reader":"Virtual PCD 00 01","tries":[{"pin":"signing","app":"JPKI","fid":"001B","left":1,"max":5}]}`)
	s, err := c.Tries(1, jpki.SigningPIN, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := s.TriesLeft(jpki.SigningPIN); !ok || n != 1 || s.Reader != "Virtual PCD 00 01" {
		t.Errorf("state %+v: want the signing password at 1 in Virtual PCD 00 01", s)
	}
	if _, ok := s.TriesLeft(jpki.AuthPIN); ok {
		t.Error("TriesLeft finds the auth PIN in a state that does not list it")
	}
	if _, err := c.Profile(1, "signing-locked"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ForceSW(0, []byte{0, 0x20, 0, 0x80}, 0x6A80, true, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Latency(0, 0x2A, 2000_000_000, false); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`POST /slots/1/tries {"pin":"signing","tries":1}`,
		`POST /slots/1/profile {"profile":"signing-locked"}`,
		`POST /slots/0/faults/sw {"exact":true,"once":false,"prefix":"00200080","sw":"6A80"}`,
		`POST /slots/0/faults/latency {"ins":"2A","ms":2000,"once":false}`,
	}
	if strings.Join(*got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(*got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTranscripts(t *testing.T) {
	c, got := server(t, 200, `{"transcripts":[{"version":1,"reader":"Virtual PCD 00 00","events":[]},{"version":1,"reader":"Virtual PCD 00 00","events":[]}]}`)
	ts, err := c.Transcripts(0, 2)
	if err != nil || len(ts) != 2 || ts[1].Reader != "Virtual PCD 00 00" {
		t.Fatalf("Transcripts = %+v, %v", ts, err)
	}
	if (*got)[0] != "GET /slots/0/transcripts?last=2 " {
		t.Errorf("request %q", (*got)[0])
	}
}

func TestRefusalsAndUnreachable(t *testing.T) {
	for status, bad := range map[int]bool{400: true, 404: true, 413: true, 409: false, 405: false, 500: false} {
		c, _ := server(t, status, `{"error":"one line"}`)
		_, err := c.Reset(0)
		var e *Error
		if !errors.As(err, &e) || e.Status != status || e.Msg != "one line" || e.BadRequest() != bad {
			t.Errorf("status %d: %v (%#v), want *Error with BadRequest %v", status, err, e, bad)
		}
		if errors.Is(err, ErrUnreachable) {
			t.Errorf("status %d: a refusal is not unreachable", status)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, a := range []string{addr, "unix:" + filepath.Join(t.TempDir(), "none.sock")} {
		c, err := Dial(a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Status(); !errors.Is(err, ErrUnreachable) {
			t.Errorf("%s: %v, want ErrUnreachable", a, err)
		}
	}
}

func TestStateDecodesTheDocumentedExample(t *testing.T) {
	var s State
	doc := `{"slot":0,"reader":"Virtual PCD 00 00","profile":"default","inserted":true,"in_reader":true,"powered":false,
	"tries":[{"pin":"auth","app":"JPKI","fid":"0018","left":3,"max":3}],
	"faults":{"latency":[{"ins":"2A","ms":2000}],"sw":[{"prefix":"00200080","sw":"6A80","exact":true}],"t0":false,"remove":{"ins":"2A"},"tear":false},
	"snapshots":["fresh"],"sessions":3}`
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Faults.Remove == nil || s.Faults.Remove.INS != "2A" || s.Faults.SW[0].SW != "6A80" || s.Sessions != 3 {
		t.Errorf("decoded %+v", s)
	}
}
