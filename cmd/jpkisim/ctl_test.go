package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
	"github.com/jpkisim/jpkisim/transcript"
)

// driver plays vpcd's side of one slot: it accepts the card's connection,
// polls it and powers it, and sends C-APDUs.
type driver struct {
	t    testing.TB
	ln   net.Listener
	conn net.Conn
	fr   *vpcd.FrameReader
}

func newDriver(t testing.TB) *driver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &driver{t: t, ln: ln}
}

func (d *driver) port() int { return d.ln.Addr().(*net.TCPAddr).Port }

// accept takes the card's next connection, polls it and powers it.
func (d *driver) accept() {
	d.t.Helper()
	d.ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := d.ln.Accept()
	if err != nil {
		d.t.Fatalf("no card connected: %v", err)
	}
	d.t.Cleanup(func() { c.Close() })
	d.conn, d.fr = c, vpcd.NewFrameReader(c)
	d.send([]byte{0x04})
	d.recv()
	d.send([]byte{0x01})
}

func (d *driver) send(p []byte) {
	d.t.Helper()
	var hdr [2]byte
	binary.BigEndian.PutUint16(hdr[:], uint16(len(p)))
	if _, err := d.conn.Write(append(hdr[:], p...)); err != nil {
		d.t.Fatal(err)
	}
}

func (d *driver) recv() []byte {
	d.t.Helper()
	d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	p, err := d.fr.Next()
	if err != nil {
		d.t.Fatalf("no answer: %v", err)
	}
	return append([]byte(nil), p...)
}

// apdu sends C-APDUs in hex and returns the last R-APDU's SW in hex.
func (d *driver) apdu(cmds ...string) string {
	d.t.Helper()
	var r []byte
	for _, c := range cmds {
		b, err := hex.DecodeString(c)
		if err != nil {
			d.t.Fatal(err)
		}
		d.send(b)
		r = d.recv()
	}
	return fmt.Sprintf("%X", r[len(r)-2:])
}

// hungUp reports whether the card closed the connection without answering.
func (d *driver) hungUp() bool {
	d.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err := d.fr.Next()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// controlled starts a controller of n default cards whose slots serve the
// drivers returned, connected and powered; the handler is served by
// httptest.
func controlled(t testing.TB, n int) (*controller, []*driver, *httptest.Server) {
	t.Helper()
	cards := make([]*simulator.Card, n)
	for i := range cards {
		var err error
		if cards[i], err = simulator.New(fixtures.MustProfile("default")); err != nil {
			t.Fatal(err)
		}
	}
	c := newController(slog.New(slog.DiscardHandler), cards, "", false, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var drivers []*driver
	done := make(chan struct{}, n)
	for i := range cards {
		d := newDriver(t)
		slot := &vpcd.Slot{Addr: d.ln.Addr().String(), MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
		c.attach(i, slot)
		go func() { slot.Run(ctx); done <- struct{}{} }()
		d.accept()
		drivers = append(drivers, d)
	}
	t.Cleanup(func() {
		cancel()
		for range cards {
			<-done
		}
		c.close()
	})
	srv := httptest.NewServer(c.handler())
	t.Cleanup(srv.Close)
	return c, drivers, srv
}

// call sends one request and decodes the JSON answer into a map.
func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: answer not JSON: %q", method, path, b)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, path, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, m, string(b)
}

// mustOK is call that fails the test on any status but 200.
func mustOK(t *testing.T, srv *httptest.Server, method, path, body string) map[string]any {
	t.Helper()
	code, m, raw := call(t, srv, method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s %s: %d %s", method, path, body, code, raw)
	}
	return m
}

// triesOf is the tries left of the reference with pin name (and app) in a
// slot view.
func triesOf(t *testing.T, v map[string]any, app, pin string) int {
	t.Helper()
	for _, r := range v["tries"].([]any) {
		m := r.(map[string]any)
		if m["app"] == app && (pin == "" || m["pin"] == pin) {
			return int(m["left"].(float64))
		}
	}
	t.Fatalf("no %s %s in %v", app, pin, v["tries"])
	return -1
}

const (
	ctlSel      = "00A4040C0AD392F000260100000001"
	ctlSelAuth  = "00A4020C020018"
	ctlSelSign  = "00A4020C02001B"
	ctlEmptyVfy = "00200080"
)

// TestControlTries: a PIN's counter set through the control interface is
// what the card answers (63C1; 0 is 6984 to a VERIFY with data); the Juki
// PIN sets both its EFs; a bad PIN name, tries over the maximum, a missing
// count and a reference the card lacks are refused (400) and change nothing.
func TestControlTries(t *testing.T) {
	_, d, srv := controlled(t, 1)
	v := mustOK(t, srv, "POST", "/slots/0/tries", `{"pin":"signing","tries":1}`)
	if triesOf(t, v, "JPKI", "signing") != 1 || triesOf(t, v, "JPKI", "auth") != 3 {
		t.Fatalf("view after tries: %v", v["tries"])
	}
	if sw := d[0].apdu(ctlSel, ctlSelSign, ctlEmptyVfy); sw != "63C1" {
		t.Fatalf("the empty VERIFY after tries 1: %s", sw)
	}
	mustOK(t, srv, "POST", "/slots/0/tries", `{"pin":"signing","tries":0}`)
	if sw := d[0].apdu(ctlSel, ctlSelSign, "0020008006414243313233"); sw != "6984" {
		t.Fatalf("VERIFY of the right password after tries 0: %s", sw)
	}
	v = mustOK(t, srv, "POST", "/slots/0/tries", `{"pin":"juki","tries":2}`)
	if triesOf(t, v, "Juki", "juki") != 2 || triesOf(t, v, "Common", "juki") != 2 {
		t.Fatalf("the Juki PIN's two EFs: %v", v["tries"])
	}
	v = mustOK(t, srv, "POST", "/slots/0/tries", `{"app":"kenhojo","fid":"0014","tries":4}`)
	found := false
	for _, r := range v["tries"].([]any) {
		m := r.(map[string]any)
		found = found || m["app"] == "Kenhojo" && m["fid"] == "0014" && m["left"] == 4.0
	}
	if !found {
		t.Fatalf("照合番号A after tries 4: %v", v["tries"])
	}
	for _, body := range []string{
		`{"pin":"master","tries":1}`,
		`{"pin":"auth","tries":4}`,
		`{"pin":"auth","tries":-1}`,
		`{"pin":"auth"}`,
		`{"pin":"auth","app":"JPKI","fid":"0018","tries":1}`,
		`{"app":"JPKI","fid":"0019","tries":1}`,
		`{"app":"Nowhere","fid":"0018","tries":1}`,
		`{"pin":"auth","tries":1,"value":"1234"}`,
		`{"pin":"auth","tries":1}{}`,
		`not json`,
	} {
		code, m, _ := call(t, srv, "POST", "/slots/0/tries", body)
		if code != http.StatusBadRequest || m["error"] == "" || strings.Contains(m["error"].(string), "\n") {
			t.Errorf("%s: %d %v", body, code, m)
		}
	}
	if v := mustOK(t, srv, "GET", "/slots/0", ""); triesOf(t, v, "JPKI", "auth") != 3 {
		t.Fatalf("a refused request changed the auth PIN: %v", v["tries"])
	}
	// A phone token has no Kenhojo PIN.
	mustOK(t, srv, "POST", "/slots/0/profile", `{"profile":"android"}`)
	d[0].accept()
	if code, m, _ := call(t, srv, "POST", "/slots/0/tries", `{"pin":"kenhojo","tries":1}`); code != http.StatusBadRequest {
		t.Fatalf("the Kenhojo PIN of a phone token: %d %v", code, m)
	}
}

// TestControlBadRequests: a bad slot is 404, an unknown endpoint 404, a
// wrong method 405, an oversize body 413 — each a JSON error of one line.
func TestControlBadRequests(t *testing.T) {
	_, _, srv := controlled(t, 2)
	for _, tc := range []struct {
		method, path, body string
		code               int
	}{
		{"GET", "/slots/2", "", 404},
		{"GET", "/slots/-1", "", 404},
		{"GET", "/slots/01", "", 404},
		{"GET", "/slots/x", "", 404},
		{"POST", "/slots/9/tries", `{"pin":"auth","tries":1}`, 404},
		{"GET", "/nothing", "", 404},
		{"GET", "/slots/0/insert", "", 405},
		{"PUT", "/slots", "", 405},
		{"POST", "/slots/0/insert", `{"card":"x"}`, 400},
		{"POST", "/slots/0/tries", `{"pin":"` + strings.Repeat("a", 70<<10) + `","tries":1}`, 413},
		{"POST", "/slots/0/profile", `{}`, 400},
		{"POST", "/slots/0/profile", `{"profile":"default","state":"x.json"}`, 400},
		{"POST", "/slots/0/profile", `{"profile":"no-such-profile"}`, 400},
		{"POST", "/slots/0/profile", `{"state":"` + filepath.Join(t.TempDir(), "none.json") + `"}`, 400},
		{"POST", "/slots/0/faults/latency", `{"ins":"2A"}`, 400},
		{"POST", "/slots/0/faults/latency", `{"ins":"2A2A","ms":10}`, 400},
		{"POST", "/slots/0/faults/latency", `{"ins":"2A","ms":999999}`, 400},
		{"POST", "/slots/0/faults/latency", `{"ins":"2A","ms":0,"once":true}`, 400},
		{"POST", "/slots/0/faults/sw", `{"prefix":"","sw":"6A80"}`, 400},
		{"POST", "/slots/0/faults/sw", `{"prefix":"0020","sw":"6A8"}`, 400},
		{"POST", "/slots/0/faults/remove", `{"ins":"00"}`, 400},
		{"POST", "/slots/0/snapshots", `{"name":"a/b"}`, 400},
		{"POST", "/slots/0/snapshots", `{"name":""}`, 400},
		{"POST", "/slots/0/snapshots/none/restore", "", 404},
		{"GET", "/slots/0/transcript", "", 404},
		{"GET", "/slots/0/transcripts?last=0", "", 400},
	} {
		code, m, raw := call(t, srv, tc.method, tc.path, tc.body)
		if code != tc.code || m["error"] == nil || strings.Count(raw, "\n") != 3 {
			t.Errorf("%s %s %.40s: %d %s, want %d and one error line", tc.method, tc.path, tc.body, code, raw, tc.code)
		}
	}
}

// TestControlAddress: only loopback addresses and Unix sockets; serve
// refuses any other with a usage error before it starts.
func TestControlAddress(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:0", "127.0.0.1:35980", "http://127.0.0.1:35980", "[::1]:1", "localhost:1", "unix:/tmp/x.sock"} {
		if _, err := parseControlAddr(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"0.0.0.0:35980", ":35980", "192.0.2.1:1", "example.com:1", "127.0.0.1", "127.0.0.1:99999", "unix:", ""} {
		if _, err := parseControlAddr(bad); err == nil {
			t.Errorf("%s accepted", bad)
		} else if exitStatus(err) != exitUsage {
			t.Errorf("%s: exit %d", bad, exitStatus(err))
		}
	}
	code, _, errOut := runCLI(t, "serve", "--control", "0.0.0.0:35980", "--vpcd", "127.0.0.1:1")
	if code != exitUsage || !strings.Contains(errOut, "loopback only") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("serve --control 0.0.0.0: exit %d %q", code, errOut)
	}
}

// TestControlInsertRemoveResetPowerCycle: remove takes the card out (the
// driver's connection closes; reset is refused, 409), insert brings it
// back unpowered; reset clears the security status; power-cycle ends the
// session.
func TestControlInsertRemoveResetPowerCycle(t *testing.T) {
	_, d, srv := controlled(t, 1)
	v := mustOK(t, srv, "POST", "/slots/0/remove", "")
	if v["inserted"] != false || v["in_reader"] != false {
		t.Fatalf("after remove: %v", v)
	}
	if !d[0].hungUp() {
		t.Fatal("remove left the connection open")
	}
	if code, m, _ := call(t, srv, "POST", "/slots/0/reset", ""); code != http.StatusConflict {
		t.Fatalf("reset of a card out of the reader: %d %v", code, m)
	}
	v = mustOK(t, srv, "POST", "/slots/0/insert", "")
	if v["inserted"] != true {
		t.Fatalf("after insert: %v", v)
	}
	d[0].accept()
	// Verify the auth PIN, then reset: the key needs the PIN again.
	if sw := d[0].apdu(ctlSel, ctlSelAuth, "002000800431323334"); sw != "9000" {
		t.Fatalf("VERIFY: %s", sw)
	}
	v = mustOK(t, srv, "POST", "/slots/0/reset", "")
	if v["powered"] != true {
		t.Fatalf("after reset: %v", v)
	}
	if sw := d[0].apdu(ctlSel, ctlSelAuth, ctlEmptyVfy); sw != "63C3" {
		t.Fatalf("the empty VERIFY after the reset: %s (still verified?)", sw)
	}
	mustOK(t, srv, "POST", "/slots/0/power-cycle", "")
	if sw := d[0].apdu(ctlSel, ctlSelAuth, ctlEmptyVfy); sw != "63C3" {
		t.Fatalf("after the power cycle: %s", sw)
	}
	var all struct {
		Transcripts []transcript.Transcript `json:"transcripts"`
	}
	_, _, raw := call(t, srv, "GET", "/slots/0/transcripts", "")
	if err := json.Unmarshal([]byte(raw), &all); err != nil || len(all.Transcripts) != 2 {
		t.Fatalf("sessions after a power cycle: %v %d", err, len(all.Transcripts))
	}
	kinds := ""
	for _, e := range all.Transcripts[0].Events {
		kinds += string(e.Kind) + " "
	}
	if !strings.Contains(kinds, "reset") || !strings.HasSuffix(kinds, "power-off ") {
		t.Fatalf("first session's events: %s", kinds)
	}
}

// TestControlFaults: latency (lasting and one-shot), a forced SW (once:
// the next matching C-APDU only), removal at the next command with INS 2A
// (no answer, the slot out), tearing, and clear back to the profile's.
func TestControlFaults(t *testing.T) {
	_, d, srv := controlled(t, 1)
	v := mustOK(t, srv, "POST", "/slots/0/faults/latency", `{"ins":"84","ms":150}`)
	lat := v["faults"].(map[string]any)["latency"].([]any)
	if len(lat) != 1 || lat[0].(map[string]any)["ms"] != 150.0 {
		t.Fatalf("latency view: %v", v["faults"])
	}
	start := time.Now()
	d[0].apdu("0084000008")
	if time.Since(start) < 150*time.Millisecond {
		t.Fatal("the latency was not applied")
	}
	mustOK(t, srv, "POST", "/slots/0/faults/latency", `{"ins":"84","ms":0}`)
	mustOK(t, srv, "POST", "/slots/0/faults/latency", `{"ins":"A4","ms":150,"once":true}`)
	start = time.Now()
	d[0].apdu(ctlSel)
	if time.Since(start) < 150*time.Millisecond {
		t.Fatal("the one-shot latency was not applied")
	}
	v = mustOK(t, srv, "GET", "/slots/0", "")
	if lat := v["faults"].(map[string]any)["latency"].([]any); len(lat) != 0 {
		t.Fatalf("latencies left after the one-shot one: %v", lat)
	}
	mustOK(t, srv, "POST", "/slots/0/faults/sw", `{"prefix":"00200080","sw":"6A80","exact":true,"once":true}`)
	if sw := d[0].apdu(ctlSelAuth, ctlEmptyVfy); sw != "6A80" {
		t.Fatalf("the forced SW: %s", sw)
	}
	if sw := d[0].apdu(ctlEmptyVfy); sw != "63C3" {
		t.Fatalf("after the one-shot SW: %s", sw)
	}
	mustOK(t, srv, "POST", "/slots/0/faults/sw", `{"prefix":"00B0","sw":"6B00"}`)
	if sw := d[0].apdu("00B0000001"); sw != "6B00" {
		t.Fatalf("the lasting SW: %s", sw)
	}
	if sw := d[0].apdu("00B0000001"); sw != "6B00" {
		t.Fatalf("the lasting SW, twice: %s", sw)
	}
	v = mustOK(t, srv, "DELETE", "/slots/0/faults", "")
	if f := v["faults"].(map[string]any); len(f["sw"].([]any)) != 0 || len(f["latency"].([]any)) != 0 {
		t.Fatalf("faults after clear: %v", f)
	}
	mustOK(t, srv, "POST", "/slots/0/faults/tear", "")
	if v := mustOK(t, srv, "GET", "/slots/0", ""); v["faults"].(map[string]any)["tear"] != true {
		t.Fatalf("tear not shown: %v", v["faults"])
	}
	mustOK(t, srv, "DELETE", "/slots/0/faults", "")
	v = mustOK(t, srv, "POST", "/slots/0/faults/remove", `{"ins":"2A"}`)
	if r := v["faults"].(map[string]any)["remove"]; r == nil || r.(map[string]any)["ins"] != "2A" {
		t.Fatalf("remove not shown: %v", v["faults"])
	}
	d[0].apdu(ctlSel, ctlSelSign) // not 2A: answered
	d[0].send([]byte{0x80, 0x2A, 0x00, 0x80, 0x02, 0x30, 0x00})
	if !d[0].hungUp() {
		t.Fatal("the signature the card was pulled out in was answered")
	}
	v = mustOK(t, srv, "GET", "/slots/0", "")
	if v["inserted"] != false || v["faults"].(map[string]any)["remove"] != nil {
		t.Fatalf("after the removal: %v", v)
	}
	mustOK(t, srv, "POST", "/slots/0/insert", "")
	d[0].accept()
	if sw := d[0].apdu(ctlSel); sw != "9000" {
		t.Fatalf("after insert: %s", sw)
	}
	// Clear keeps a profile's own faults: the t0 card still speaks T=0.
	mustOK(t, srv, "POST", "/slots/0/profile", `{"profile":"t0"}`)
	d[0].accept()
	v = mustOK(t, srv, "DELETE", "/slots/0/faults", "")
	if v["profile"] != "t0" || v["faults"].(map[string]any)["t0"] != true {
		t.Fatalf("the t0 card after clear: %v", v)
	}
}

// TestControlSnapshotsAndProfiles: a snapshot taken, the card changed,
// the snapshot restored; another profile's card goes in (the old one's
// snapshot is refused on it, 409); a state file's card goes in, its
// counters written to the file, and the file is freed when it leaves.
func TestControlSnapshotsAndProfiles(t *testing.T) {
	_, d, srv := controlled(t, 1)
	mustOK(t, srv, "POST", "/slots/0/snapshots", `{"name":"fresh"}`)
	mustOK(t, srv, "POST", "/slots/0/tries", `{"pin":"auth","tries":1}`)
	mustOK(t, srv, "POST", "/slots/0/snapshots", `{"name":"one-left"}`)
	v := mustOK(t, srv, "POST", "/slots/0/snapshots/fresh/restore", "")
	if triesOf(t, v, "JPKI", "auth") != 3 {
		t.Fatalf("after restoring fresh: %v", v["tries"])
	}
	if sw := d[0].apdu(ctlSel, ctlSelAuth, ctlEmptyVfy); sw != "63C3" {
		t.Fatalf("the card after the restore: %s", sw)
	}
	v = mustOK(t, srv, "GET", "/slots/0/snapshots", "")
	if s := v["snapshots"].([]any); len(s) != 2 || s[0].(map[string]any)["name"] != "fresh" || s[1].(map[string]any)["of_the_card_now"] != true {
		t.Fatalf("snapshot list: %v", v)
	}
	v = mustOK(t, srv, "POST", "/slots/0/profile", `{"profile":"signing-locked"}`)
	if v["profile"] != "signing-locked" || triesOf(t, v, "JPKI", "signing") != 0 {
		t.Fatalf("after the profile switch: %v", v)
	}
	if !d[0].hungUp() {
		t.Fatal("the old card stayed in the reader")
	}
	d[0].accept()
	if sw := d[0].apdu(ctlSel, ctlSelSign, ctlEmptyVfy); sw != "63C0" {
		t.Fatalf("the signing-locked card: %s", sw)
	}
	if code, m, _ := call(t, srv, "POST", "/slots/0/snapshots/one-left/restore", ""); code != http.StatusConflict {
		t.Fatalf("restoring another card's snapshot: %d %v", code, m)
	}
	// A state file's card.
	state := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", state); code != 0 {
		t.Fatalf("card new: %s", errOut)
	}
	v = mustOK(t, srv, "POST", "/slots/0/profile", `{"state":"`+state+`"}`)
	if v["state_file"] != state {
		t.Fatalf("state file not shown: %v", v)
	}
	d[0].accept()
	mustOK(t, srv, "POST", "/slots/0/tries", `{"pin":"signing","tries":2}`)
	if code, out, errOut := runCLI(t, "card", "show", "--state", state, "--json"); code != 0 || !strings.Contains(out, `"signing":2,`) {
		t.Fatalf("card show after tries 2: %d %s %s", code, out, errOut)
	}
	// Held while in the slot: the office cannot take it.
	if code, _, _ := runCLI(t, "card", "event", "--state", state, "loss"); code != exitCard {
		t.Fatalf("card event on a file the slot holds: exit %d", code)
	}
	mustOK(t, srv, "POST", "/slots/0/profile", `{"profile":"default"}`)
	if code, _, errOut := runCLI(t, "card", "event", "--state", state, "loss"); code != 0 {
		t.Fatalf("card event once the card left the slot: %s", errOut)
	}
}

// TestControlTranscript: the session so far, as transcript JSON that
// transcript.Read takes, its PIN data masked; no answer of the control
// interface holds a PIN.
func TestControlTranscript(t *testing.T) {
	_, d, srv := controlled(t, 1)
	d[0].apdu(ctlSel, ctlSelAuth, "002000800431323334", ctlEmptyVfy)
	code, _, raw := call(t, srv, "GET", "/slots/0/transcript", "")
	if code != 200 {
		t.Fatalf("transcript: %d %s", code, raw)
	}
	tr, err := transcript.Read(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	ex := tr.Exchanges()
	if len(ex) != 4 || ex[2].Command != "0020008004XXXXXXXX" || ex[2].Secret == nil || ex[2].Secret.Value != transcript.Configured || tr.Reader != "Virtual PCD 00 00" {
		t.Fatalf("exchanges %+v", ex)
	}
	for _, p := range []string{"/slots", "/slots/0", "/slots/0/transcripts", "/slots/0/snapshots"} {
		_, _, raw := call(t, srv, "GET", p, "")
		if strings.Contains(raw, "31323334") || strings.Contains(raw, "1234") || strings.Contains(raw, "ABC123") || strings.Contains(raw, "414243313233") {
			t.Fatalf("%s holds a PIN: %s", p, raw)
		}
	}
}

// TestCtlCommand: jpkisim ctl through a Unix socket: each subcommand's
// answer, and its exit statuses: 3 when nothing answers, 2 for a bad
// argument (before sending, or refused by the server as one), 1 for an
// operation the server refused.
func TestCtlCommand(t *testing.T) {
	c, d, _ := controlled(t, 2)
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	ctx, cancel := context.WithCancel(context.Background())
	a, err := parseControlAddr("unix:" + sock)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := serveControl(ctx, slog.New(slog.DiscardHandler), c, a); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	t.Setenv("JPKISIM_CONTROL", "unix:"+sock)
	ctl := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append([]string{"ctl"}, args...)...)
	}
	code, out, errOut := ctl("status")
	var all struct {
		Slots []slotView `json:"slots"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all.Slots) != 2 {
		t.Fatalf("ctl status: %d %s %s", code, out, errOut)
	}
	if code, out, _ = ctl("tries", "--pin", "signing", "1", "--slot", "1"); code != 0 || !strings.Contains(out, `"slot": 1`) {
		t.Fatalf("ctl tries: %d %s", code, out)
	}
	if sw := d[1].apdu(ctlSel, ctlSelSign, ctlEmptyVfy); sw != "63C1" {
		t.Fatalf("slot 1 after ctl tries: %s", sw)
	}
	for _, args := range [][]string{
		{"fault", "latency", "--ins", "2A", "2000ms"},
		{"fault", "latency", "--ins", "2A", "0"},
		{"fault", "latency", "--ins", "B0", "20ms", "--once"},
		{"fault", "sw", "--prefix", "00200080", "6A80", "--exact"},
		{"fault", "remove", "--ins", "2A"},
		{"fault", "tear"},
		{"fault", "clear"},
		{"snapshot", "take", "x"},
		{"snapshot", "list"},
		{"snapshot", "restore", "x"},
		{"reset"},
		{"power-cycle"},
		{"status", "--slot", "1"},
	} {
		if code, out, errOut := ctl(args...); code != 0 || !json.Valid([]byte(out)) {
			t.Errorf("ctl %v: %d %s %s", args, code, out, errOut)
		}
	}
	d[0].apdu(ctlSel)
	if code, out, _ := ctl("transcript", "--text"); code != 0 || !strings.Contains(out, "> "+ctlSel) {
		t.Fatalf("ctl transcript --text: %d %s", code, out)
	}
	if code, out, _ := ctl("transcript", "--sessions", "2"); code != 0 || !strings.Contains(out, `"transcripts"`) {
		t.Fatalf("ctl transcript --sessions: %d %s", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"tries", "--pin", "master", "1"}, 2},
		{[]string{"tries", "--pin", "auth", "9"}, 2}, // the server's refusal of a bad argument
		{[]string{"tries", "--pin", "auth", "x"}, 2},
		{[]string{"status", "--slot", "5"}, 2},
		{[]string{"fault", "latency", "--ins", "2A", "soon"}, 2},
		{[]string{"fault", "sw", "--prefix", "zz", "6A80"}, 2},
		{[]string{"profile"}, 2},
		{[]string{"snapshot", "restore", "none"}, 2},
		{[]string{"remove"}, 0},
		{[]string{"reset"}, 1}, // the card is out: refused
		{[]string{"insert"}, 0},
		{[]string{"status", "--control", "127.0.0.1:1"}, 3},
		{[]string{"status", "--control", "unix:" + sock + ".none"}, 3},
		{[]string{"status", "--control", "0.0.0.0:1"}, 2},
	} {
		code, _, errOut := ctl(tc.args...)

		if code != tc.code || (code != 0 && strings.Count(errOut, "\n") != 1) {
			t.Errorf("ctl %v: exit %d %q, want %d and one line", tc.args, code, errOut, tc.code)
		}
	}
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(sock); os.IsNotExist(err) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the socket stayed after the control interface stopped")
}

// TestServeReady: the ready line once every slot's card was polled, and
// the ready file written whole, removed when serve stops.
func TestServeReady(t *testing.T) {
	d0 := newDriver(t)
	// Slot 1 is the next port: find two adjacent free ports.
	d1ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", d0.port()+1))
	if err != nil {
		t.Skipf("port %d taken: %v", d0.port()+1, err)
	}
	d1 := &driver{t: t, ln: d1ln}
	t.Cleanup(func() { d1ln.Close() })
	cards := make([]*simulator.Card, 2)
	for i := range cards {
		cards[i], _ = simulator.New(fixtures.MustProfile("default"))
	}
	ready := filepath.Join(t.TempDir(), "ready.json")
	os.WriteFile(ready, []byte("stale"), 0o644)
	var out syncBuffer
	a, _ := parseControlAddr("127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveCards(ctx, slog.New(slog.DiscardHandler), cards, "127.0.0.1", d0.port(), nil, serveOptions{stdout: &out, readyFile: ready, control: &a})
	}()
	d0.accept()
	time.Sleep(100 * time.Millisecond)
	if out.String() != "" {
		t.Fatalf("ready with one slot of two: %q", out.String())
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Fatal("the stale ready file was not removed")
	}
	d1.accept()
	deadline := time.Now().Add(3 * time.Second)
	for out.String() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	line := out.String()
	if !strings.HasPrefix(line, "ready: 2 slots, control http://127.0.0.1:") || strings.Count(line, "\n") != 1 {
		t.Fatalf("ready line %q", line)
	}
	b, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	var info readyInfo
	if err := json.Unmarshal(b, &info); err != nil || len(info.Slots) != 2 || info.Slots[1].Reader != "Virtual PCD 00 01" || info.PID != os.Getpid() || "ready: 2 slots, control "+info.Control+"\n" != line {
		t.Fatalf("ready file %s: %v", b, err)
	}
	// The control address it names answers.
	resp, err := http.Get(info.Control + "/slots")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /slots at the ready file's address: %v", err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Fatal("the ready file stayed after serve stopped")
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestControlCutsOffSlowClients: a client that trickles its header is cut
// off, as by the --pki responder (controlLimits).
func TestControlCutsOffSlowClients(t *testing.T) {
	saved := controlLimits
	t.Cleanup(func() { controlLimits = saved })
	controlLimits.header, controlLimits.read = 300*time.Millisecond, 600*time.Millisecond
	c, _, _ := controlled(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, _ := parseControlAddr("127.0.0.1:0")
	bound, _, err := serveControl(ctx, slog.New(slog.DiscardHandler), c, a)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", bound.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /slots HTTP/1.1\r\nHost: x\r\n")
	if !closedWithin(conn, 10*time.Second) {
		t.Fatal("a header that never ends held its connection")
	}
}

// BenchmarkControlTries: one `ctl tries` round trip — a request through
// the Unix socket of the control interface, the counter set, the slot's
// state answered — as jpkisim ctl's client sends it.
func BenchmarkControlTries(b *testing.B) {
	c, _, _ := controlled(b, 1)
	sock := filepath.Join(b.TempDir(), "ctl.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, _ := parseControlAddr("unix:" + sock)
	if _, _, err := serveControl(ctx, slog.New(slog.DiscardHandler), c, a); err != nil {
		b.Fatal(err)
	}
	b.Run("unix", func(b *testing.B) {
		cl, err := newCtlClient("unix:" + sock)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			if _, err := cl.Tries(0, jpki.SigningPIN, 1+i%5); err != nil {
				b.Fatal(err)
			}
		}
	})
	bound, _, err := serveControl(ctx, slog.New(slog.DiscardHandler), c, controlAddress{network: "tcp", addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("http", func(b *testing.B) {
		cl, err := newCtlClient(bound.String())
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			if _, err := cl.Tries(0, jpki.SigningPIN, 1+i%5); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestServeRemovesItsControlSocket: once serveCards returns, its Unix
// control socket is gone — serve's process may exit right after, before a
// goroutine closing it on the context's end would have run (a socket left
// behind was seen in make test).
func TestServeRemovesItsControlSocket(t *testing.T) {
	for i := range 20 {
		d := newDriver(t)
		card, _ := simulator.New(fixtures.MustProfile("default"))
		sock := filepath.Join(t.TempDir(), "ctl.sock")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- serveCards(ctx, slog.New(slog.DiscardHandler), []*simulator.Card{card}, "127.0.0.1", d.port(), nil,
				serveOptions{stdout: io.Discard, control: &controlAddress{network: "unix", addr: sock}})
		}()
		d.accept()
		for j := 0; j < 100; j++ {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Fatalf("round %d: the control socket is still there after serveCards returned", i)
		}
	}
}
