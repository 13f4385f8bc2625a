package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/transcript"
)

// askOCSP asks the responder at addr (HOST:PORT) for the status of a
// certificate of kind sign or auth, and parses the answer.
func askOCSP(t *testing.T, addr, kind string, certDER, caDER []byte) *ocsp.Response {
	t.Helper()
	cert, _ := x509.ParseCertificate(certDER)
	ca, _ := x509.ParseCertificate(caDER)
	req, err := ocsp.CreateRequest(cert, ca, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+addr+"/ocsp/"+kind, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r, err := ocsp.ParseResponseForCert(body, cert, ca)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestServePKI: the responder of `serve --pki` publishes the statuses of the
// profile's record: after an address change the signing certificate is
// revoked (affiliationChanged) and the auth certificate good.
func TestServePKI(t *testing.T) {
	p := fixtures.MustProfile("revoked-address-change")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	query := func(kind string, certDER, caDER []byte) *ocsp.Response {
		return askOCSP(t, srv.Addr(), kind, certDER, caDER)
	}
	if r := query("sign", p.SigningCert, p.SigningCACert); r.Status != ocsp.Revoked || r.RevocationReason != ocsp.AffiliationChanged {
		t.Fatalf("signing: %d %d", r.Status, r.RevocationReason)
	}
	if r := query("auth", p.AuthCert, p.AuthCACert); r.Status != ocsp.Good {
		t.Fatalf("auth: %d", r.Status)
	}
	if _, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, "0.0.0.0:0", nil); err == nil {
		t.Fatal("the responder listened beyond loopback")
	}
}

// startPKI serves the default profile's record with the limits given, for
// the test.
func startPKI(t *testing.T, header, read, write, idle time.Duration, conns int) string {
	t.Helper()
	saved := pkiLimits
	t.Cleanup(func() { pkiLimits = saved })
	pkiLimits.header, pkiLimits.read, pkiLimits.write, pkiLimits.idle, pkiLimits.conns = header, read, write, idle, conns
	p := fixtures.MustProfile("default")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

// closedWithin reports whether the server closed c (a read ends) within d,
// the client sending nothing more.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// A client that trickles its request, or keeps an idle connection, is cut
// off by the responder of serve --pki instead of holding a connection for
// as long as it likes (slowloris).
func TestServePKICutsOffSlowClients(t *testing.T) {
	addr := startPKI(t, 300*time.Millisecond, 600*time.Millisecond, time.Second, 600*time.Millisecond, 8)
	// A header that never ends.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /crl/sign.crl HTTP/1.1\r\nHost: x\r\n")
	if !closedWithin(c, 10*time.Second) {
		t.Fatal("a header that never ends held its connection")
	}
	// A body sent one byte at a time, each within the header timeout.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprint(c2, "POST /ocsp/sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: 1000\r\n\r\n")
	cut := false
	for i := 0; i < 100 && !cut; i++ { // 10 s at most
		if _, err := c2.Write([]byte{0x30}); err != nil {
			cut = true
			break
		}
		cut = closedWithin(c2, 100*time.Millisecond)
	}
	if !cut {
		t.Fatal("a body trickled byte by byte held its connection for 10 s")
	}
	// A keep-alive connection left idle after an answer.
	c3, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	fmt.Fprint(c3, "GET /crl/sign.crl HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c3), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CRL: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if !closedWithin(c3, 10*time.Second) {
		t.Fatal("an idle keep-alive connection was kept")
	}
}

// The responder serves at most its cap of connections at once: one more
// client waits, and is answered once a place frees.
func TestServePKICapsConnections(t *testing.T) {
	addr := startPKI(t, 20*time.Second, 20*time.Second, 20*time.Second, 20*time.Second, 2)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "GET /crl/sign.crl HTTP/1.1\r\nHost: x\r\n") // a header not yet ended
		held = append(held, c)
	}
	time.Sleep(200 * time.Millisecond) // both accepted
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/crl/auth.crl")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		t.Fatalf("a third client was served while the cap of 2 was taken (%v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	held[0].Close()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting client was not served once a place was free")
	}
}

// startServe runs `jpkisim serve ARGS --pki ADDR --vpcd ADDR` as a child
// process and returns the responder's address once it serves, and stop,
// which ends it (by its PID; at the test's end at the latest). Nothing
// listens for vpcd: serve keeps dialling it.
func startServe(t *testing.T, args ...string) (addr string, stop func()) {
	t.Helper()
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	pkiAddr, vpcdAddr := free(), free()
	cmd := exec.Command(os.Args[0], append(append([]string{"serve"}, args...), "--pki", pkiAddr, "--vpcd", vpcdAddr)...)
	cmd.Env = append(os.Environ(), "JPKISIM_TEST_AS_CLI=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving OCSP and CRLs") {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("serve ended before it served OCSP")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start its responder")
	}
	return pkiAddr, stop
}

// checkPublished checks what the responder at addr publishes for the
// certificates signDER and authDER of profile p: OCSP for each (revoked
// with reason signReason, or good when signReason is -1; the auth
// certificate good) and CRLs signed by the CAs that list exactly the
// revoked one.
func checkPublished(t *testing.T, addr string, p *simulator.Profile, signDER, authDER []byte, signReason int) {
	t.Helper()
	r := askOCSP(t, addr, "sign", signDER, p.SigningCACert)
	if signReason < 0 && r.Status != ocsp.Good || signReason >= 0 && (r.Status != ocsp.Revoked || r.RevocationReason != signReason) {
		t.Errorf("the signing certificate: status %d, reason %d; want reason %d", r.Status, r.RevocationReason, signReason)
	}
	if r := askOCSP(t, addr, "auth", authDER, p.AuthCACert); r.Status != ocsp.Good {
		t.Errorf("the auth certificate: status %d, want good", r.Status)
	}
	signCert, _ := x509.ParseCertificate(signDER)
	wantSign := map[string]int{}
	if signReason >= 0 {
		wantSign[signCert.SerialNumber.Text(16)] = signReason
	}
	for _, c := range []struct {
		caDER   []byte
		name    string
		revoked map[string]int // serial in hex: reason code
	}{{p.SigningCACert, "sign", wantSign}, {p.AuthCACert, "auth", map[string]int{}}} {
		crl := fetchCRL(t, addr, c.name, c.caDER)
		got := map[string]int{}
		for _, e := range crl.RevokedCertificateEntries {
			got[e.SerialNumber.Text(16)] = e.ReasonCode
		}
		if fmt.Sprint(got) != fmt.Sprint(c.revoked) {
			t.Errorf("the %s CRL lists %v, want %v", c.name, got, c.revoked)
		}
	}
}

// `serve --as-real-card --profile revoked-address-change --pki` publishes the
// profile's record: the signing certificate revoked (OCSP and CRL), the auth
// certificate good. Before, the copy of the profile that --as-real-card makes
// lost the record, kept beside the profile by its pointer, and the revoked
// certificate was published as good with an empty CRL (issue 10).
func TestServeAsRealCardPublishesTheRecord(t *testing.T) {
	p := fixtures.MustProfile("revoked-address-change")
	addr, _ := startServe(t, "--as-real-card", "--profile", "revoked-address-change")
	checkPublished(t, addr, p, p.SigningCert, p.AuthCert, ocsp.AffiliationChanged)
	// Without --as-real-card the same; the default profile's record is good.
	addr, _ = startServe(t, "--profile", "revoked-address-change")
	checkPublished(t, addr, p, p.SigningCert, p.AuthCert, ocsp.AffiliationChanged)
	addr, _ = startServe(t, "--as-real-card")
	checkPublished(t, addr, fixtures.MustProfile("default"), p.SigningCert, p.AuthCert, -1)
}

// `serve --state FILE --pki` publishes the file's record, which card event
// changed: after an address change the signing certificate is revoked.
func TestServeStatePublishesTheFilesRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	p := fixtures.MustProfile("default")
	addr, stop := startServe(t, "--state", path)
	checkPublished(t, addr, p, p.SigningCert, p.AuthCert, -1)
	stop() // serve holds the file
	if code, _, errOut := runCLI(t, "card", "event", "--state", path, "--on", "2026-11-29", "address-change", "--address", "架空県見本市南町二丁目3番4号"); code != 0 {
		t.Fatal(errOut)
	}
	addr, _ = startServe(t, "--state", path)
	checkPublished(t, addr, p, p.SigningCert, p.AuthCert, ocsp.AffiliationChanged)
}

// fetchCRL gets /crl/NAME.crl from the responder at addr and checks its
// signature by the CA.
func fetchCRL(t *testing.T, addr, name string, caDER []byte) *x509.RevocationList {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/crl/" + name + ".crl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	der, _ := io.ReadAll(resp.Body)
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("%s CRL: %v", name, err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := crl.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("%s CRL: %v", name, err)
	}
	return crl
}

// TestServePKIFollowsSlot0: the control interface's transcripts hold the
// requests serve --pki answered — in the open session, and between
// sessions as a session of their own — and a card of another profile put
// into slot 0 has its office's record published from then on.
func TestServePKIFollowsSlot0(t *testing.T) {
	c, d, srv := controlled(t, 1)
	notes := &noteFan{}
	notes.add(c.http)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := fixtures.MustProfile("default")
	ps, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, "127.0.0.1:0", notes.note)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	c.swapped = ps.follow
	if r := askOCSP(t, ps.Addr(), "sign", p.SigningCert, p.SigningCACert); r.Status != ocsp.Good {
		t.Fatalf("default card's signing certificate: %d", r.Status)
	}
	d[0].apdu(ctlSel)
	mustOK(t, srv, "POST", "/slots/0/profile", `{"profile":"revoked-address-change"}`)
	q := fixtures.MustProfile("revoked-address-change")
	if r := askOCSP(t, ps.Addr(), "sign", q.SigningCert, q.SigningCACert); r.Status != ocsp.Revoked {
		t.Fatalf("after the swap, the revoked card's signing certificate: %d, want revoked", r.Status)
	}
	_, _, raw := call(t, srv, "GET", "/slots/0/transcripts", "")
	var got struct {
		Transcripts []transcript.Transcript `json:"transcripts"`
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	var http []string
	for _, tr := range got.Transcripts {
		for _, e := range tr.Events {
			if e.Kind == transcript.HTTP {
				http = append(http, e.Detail)
			}
		}
	}
	if len(http) != 2 || !strings.HasPrefix(http[0], "OCSP POST /ocsp/sign") || !strings.HasPrefix(http[1], "OCSP POST /ocsp/sign") {
		t.Fatalf("HTTP events in the control transcripts: %q", http)
	}
}

// TestSwapRefusedWhenTheResponderCannotFollow: a card whose office record
// serve --pki cannot publish does not go into slot 0 (409), and the card
// there stays: the responder never answers for a card not in the reader.
func TestSwapRefusedWhenTheResponderCannotFollow(t *testing.T) {
	c, _, srv := controlled(t, 1)
	c.swapped = func(*simulator.Profile) error { return errors.New("no responder for it") }
	code, _, raw := call(t, srv, "POST", "/slots/0/profile", `{"profile":"revoked-address-change"}`)
	if code != http.StatusConflict || !strings.Contains(raw, "no responder for it") {
		t.Fatalf("swap: %d %s", code, raw)
	}
	if v := mustOK(t, srv, "GET", "/slots/0", ""); v["profile"] != "default" {
		t.Errorf("the slot holds %v after a refused swap", v["profile"])
	}
}

// TestNotedOCSPStatus: an OCSP request is noted with the HTTP status and
// the OCSP response's own: a garbage body gets HTTP 200 with
// malformedRequest, which is no answer about a certificate (CLIENT-10).
func TestNotedOCSPStatus(t *testing.T) {
	var notes []string
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := fixtures.MustProfile("default")
	ps, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, "127.0.0.1:0", func(d string) { mu.Lock(); notes = append(notes, d); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	askOCSP(t, ps.Addr(), "sign", p.SigningCert, p.SigningCACert)
	resp, err := http.Post("http://"+ps.Addr()+"/ocsp/sign", "application/ocsp-request", strings.NewReader("not an OCSP request"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(notes) != 2 || notes[0] != "OCSP POST /ocsp/sign 200 successful" || notes[1] != "OCSP POST /ocsp/sign 200 malformedRequest" {
		t.Errorf("noted %q", notes)
	}
}
