//go:build cgo

package pcsc_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/ebfe/scard"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/pcsc"
)

// These tests need the PC/SC stack that scripts/pcsc-test.sh starts:
// JPKISIM_TEST_READER names the reader of `jpkisim serve`, and
// JPKISIM_TEST_REAL_READER one whose virtual card poses as a real one.
func reader(t *testing.T, env string) string {
	t.Helper()
	r := os.Getenv(env)
	if r == "" {
		t.Skipf("%s not set: run scripts/pcsc-test.sh (make test) for the PC/SC stack", env)
	}
	return r
}

// fresh returns a target on the virtual card that has taken its snapshot
// (the card as the test found it: the factory state, as every test leaves
// it) and restores it when the test ends.
func fresh(t *testing.T) *pcsc.Target {
	t.Helper()
	tg, err := pcsc.NewTarget(reader(t, "JPKISIM_TEST_READER"), harness.GuardPolicy{}, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	t.Cleanup(func() {
		if err := tg.RestoreSnapshot(); err != nil {
			t.Error(err)
		}
	})
	return tg
}

func TestPCSCReadersAndProbe(t *testing.T) {
	r0, r1 := reader(t, "JPKISIM_TEST_READER"), reader(t, "JPKISIM_TEST_REAL_READER")
	names, err := pcsc.Readers()
	if err != nil {
		t.Fatal(err)
	}
	if !sortedContains(names, r0) || !sortedContains(names, r1) {
		t.Fatalf("readers %q", names)
	}
	if v, profile, hasJPKI, err := pcsc.Probe(r0); err != nil || !v || profile != "default" || !hasJPKI {
		t.Fatalf("probe %s: virtual %v profile %q jpki %v err %v", r0, v, profile, hasJPKI, err)
	}
	if v, _, hasJPKI, err := pcsc.Probe(r1); err != nil || v || !hasJPKI {
		t.Fatalf("probe %s: virtual %v jpki %v err %v", r1, v, hasJPKI, err)
	}
	// Only the readers the test script created: a test never touches another.
	first := min(r0, r1)
	if got, err := pcsc.FindJPKI(func(n string) bool { return n != r0 && n != r1 }); err != nil || got != first {
		t.Fatalf("FindJPKI = %q, %v; want %q", got, err, first)
	}
}

func sortedContains(names []string, n string) bool {
	for i := range names {
		if i > 0 && names[i-1] > names[i] {
			return false
		}
	}
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

func TestPCSCErrors(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	if _, err := pcsc.Open("No Such Reader 99"); !errors.Is(err, harness.ErrUnknownReader) {
		t.Fatalf("unknown reader: %v", err)
	}
	c, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, b := range [][]byte{nil, {0x00}, {0x04}} {
		if _, err := c.Transmit(b); !errors.Is(err, pcsc.ErrOneByte) {
			t.Fatalf("%X: %v", b, err)
		}
	}
	if r, err := c.Transmit([]byte{0x00, 0xA4}); err != nil || !bytes.Equal(r, []byte{0x67, 0x00}) {
		t.Fatalf("2-byte C-APDU: %X %v", r, err)
	}
	// Nested transactions and a whole operation inside one.
	cl := harness.NewClient(c)
	err = c.Transaction(func() error {
		if err := cl.SelectJPKI(); err != nil {
			return err
		}
		_, err := cl.RetriesLeft(jpki.AuthPIN)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.ATR(), []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}) {
		t.Fatalf("ATR %X", c.ATR())
	}
	c.Close()
	if _, err := c.Transmit([]byte{0, 0xA4, 0, 0}); err == nil {
		t.Fatal("transmit after close")
	}
}

func TestPCSCRestoreGivesAFreshCard(t *testing.T) {
	tg := fresh(t)
	c, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	_ = cl.Verify(jpki.AuthPIN, []byte("0000"))
	if n, _ := cl.RetriesLeft(jpki.AuthPIN); n != 2 {
		t.Fatalf("%d tries after a wrong PIN", n)
	}
	c.Close()
	c, err = tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl = harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	if n, _ := cl.RetriesLeft(jpki.AuthPIN); n != 3 {
		t.Fatalf("%d tries after restore, want 3", n)
	}
}

// run runs an OpenSC tool with PINs passed as env:NAME, never on the
// command line, and returns its combined output.
func run(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
}

func TestOpenSCBindsTheCard(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	needTool(t, "pkcs15-tool")
	fresh(t)
	out, err := run(t, nil, "pkcs15-tool", "--reader", r, "-D")
	if err != nil {
		t.Fatalf("pkcs15-tool -D: %v\n%s", err, out)
	}
	checks := []struct {
		re   string
		want int
	}{
		{`PKCS#15 Card \[JPKI\]`, 1},
		{`(?m)^PIN \[`, 2},
		{`Tries left\s*: 3`, 1},
		{`Tries left\s*: 5`, 1},
		{`(?m)^Private RSA Key`, 2},
		{`ModLength\s*: 2048`, 2},
		{`(?m)^X\.509 Certificate`, 4},
	}
	for _, c := range checks {
		if n := len(regexp.MustCompile(c.re).FindAllString(out, -1)); n != c.want {
			t.Errorf("%q found %d times, want %d\n%s", c.re, n, c.want, out)
		}
	}
}

func TestOpenSCReadsTheAuthCertificate(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	needTool(t, "pkcs15-tool")
	fresh(t)
	file := filepath.Join(t.TempDir(), "auth.pem")
	if out, err := run(t, nil, "pkcs15-tool", "--reader", r, "--read-certificate", "01", "-o", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil || !bytes.Equal(blk.Bytes, fixtures.MustProfile("default").AuthCert) {
		t.Fatal("the certificate OpenSC read is not the fixture's auth certificate")
	}
}

// TestOpenSCSignsAndOpenSSLVerifies signs with each key through OpenSC's
// PKCS#11 module and verifies the signature with openssl against the
// certificate on the card.
func TestOpenSCSignsAndOpenSSLVerifies(t *testing.T) {
	reader(t, "JPKISIM_TEST_READER")
	needTool(t, "pkcs11-tool")
	needTool(t, "openssl")
	p := fixtures.MustProfile("default")
	for _, k := range []struct {
		name, token, id string
		pin             []byte
		cert            []byte
	}{
		{"auth", "JPKI (User Authentication PIN)", "01", p.AuthPIN, p.AuthCert},
		{"signing", "JPKI (Digital Signature PIN)", "02", p.SigningPIN, p.SigningCert},
	} {
		t.Run(k.name, func(t *testing.T) {
			fresh(t)
			dir := t.TempDir()
			data, sig, certFile, pub := filepath.Join(dir, "data"), filepath.Join(dir, "sig"), filepath.Join(dir, "cert.der"), filepath.Join(dir, "pub.pem")
			os.WriteFile(data, []byte("e-Tax return, TEST ONLY"), 0o600)
			os.WriteFile(certFile, k.cert, 0o600)
			env := []string{"JPKISIM_TEST_PIN=" + string(k.pin)}
			out, err := run(t, env, "pkcs11-tool", "--module", module, "--token-label", k.token, "--login", "--pin", "env:JPKISIM_TEST_PIN",
				"--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", k.id, "-i", data, "-o", sig)
			if err != nil {
				t.Fatalf("pkcs11-tool --sign: %v\n%s", err, out)
			}
			if strings.Contains(out, string(k.pin)) {
				t.Fatal("pkcs11-tool printed the PIN")
			}
			if out, err := run(t, nil, "openssl", "x509", "-inform", "DER", "-in", certFile, "-pubkey", "-noout", "-out", pub); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			out, err = run(t, nil, "openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig, data)
			if err != nil || !strings.Contains(out, "Verified OK") {
				t.Fatalf("openssl: %v\n%s", err, out)
			}
		})
	}
}

// TestOpenSCReportsAWrongPIN presents a wrong auth PIN through pkcs11-tool:
// OpenSC refuses the login, reports the tries left, and the card's own
// counter (the empty VERIFY) shows the same.
func TestOpenSCReportsAWrongPIN(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	needTool(t, "pkcs11-tool")
	tg := fresh(t)
	env := []string{"JPKISIM_TEST_PIN=9999"}
	out, err := run(t, env, "pkcs11-tool", "--module", module, "--token-label", "JPKI (User Authentication PIN)", "--login", "--pin", "env:JPKISIM_TEST_PIN", "--list-objects")
	if err == nil || !strings.Contains(out, "CKR_PIN_INCORRECT") {
		t.Fatalf("wrong PIN: %v\n%s", err, out)
	}
	out, err = run(t, nil, "pkcs15-tool", "--reader", r, "-D")
	m := regexp.MustCompile(`(?s)PIN \[User Authentication PIN\].*?Tries left\s*: (\d+)`).FindStringSubmatch(out)
	if err != nil || m == nil || m[1] != "2" {
		t.Fatalf("pkcs15-tool does not report 2 tries left: %v\n%s", err, out)
	}
	tg.Restore = false
	c, err := tg.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	if n, err := cl.RetriesLeft(jpki.AuthPIN); err != nil || n != 2 {
		t.Fatalf("card counter %d, %v; want 2", n, err)
	}
}

// TestPCSCTwoClientsInterleave: two PC/SC clients, each in its own context,
// read different certificates from one virtual card at once, over and over.
// Each read (SELECT, then chunks) holds a transaction, so neither ever sees
// the other's SELECT: every certificate comes back whole and right.
func TestPCSCTwoClientsInterleave(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	fresh(t)
	p := fixtures.MustProfile("default")
	want := map[uint16][]byte{0x000A: p.AuthCert, 0x0002: p.SigningCACert, 0x000B: p.AuthCACert}
	errs := make(chan error, 3)
	for fid, der := range want {
		go func(fid uint16, der []byte) {
			c, err := pcsc.Open(r)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			cl := harness.NewClient(c)
			if err := cl.SelectJPKI(); err != nil {
				errs <- err
				return
			}
			for i := 0; i < 60; i++ {
				got, err := cl.ReadCertificate(fid)
				if err != nil {
					errs <- fmt.Errorf("EF %04X, read %d: %w", fid, i, err)
					return
				}
				if !bytes.Equal(got, der) {
					errs <- fmt.Errorf("EF %04X, read %d: a torn read (%d bytes)", fid, i, len(got))
					return
				}
			}
			errs <- nil
		}(fid, der)
	}
	for range want {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// hold makes a second PC/SC client take a transaction on reader and keep it
// until the returned release is called.
func hold(t *testing.T, reader string) (release func()) {
	t.Helper()
	c, err := pcsc.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	held, let := make(chan struct{}), make(chan struct{})
	ended := make(chan error, 1)
	go func() {
		ended <- c.Transaction(func() error {
			close(held)
			<-let
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-ended:
		t.Fatalf("the second client could not take a transaction: %v", err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(let)
			if err := <-ended; err != nil {
				t.Errorf("the holder's transaction: %v", err)
			}
			c.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// TestTransactionHeldElsewhereTimesOut (run on its own by scripts/pcsc-test.sh: it
// holds the card other tests use): while another client holds a
// transaction on the card, a Transmit and a new connection each give up
// after TransactionTimeout with harness.ErrTimeout instead of waiting for
// ever; the connection that gave up is refused for further use and its
// Close does not block; once the other client lets go a new connection
// works and the card is free for others.
func TestTransactionHeldElsewhereTimesOut(t *testing.T) {
	r := reader(t, "JPKISIM_TEST_READER")
	fresh(t)
	defer func(d time.Duration) { pcsc.TransactionTimeout = d }(pcsc.TransactionTimeout)
	pcsc.TransactionTimeout = 300 * time.Millisecond
	c, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	release := hold(t, r)
	type answer struct {
		r   []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		r, err := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01})
		done <- answer{r, err}
	}()
	select {
	case a := <-done:
		if !errors.Is(a.err, harness.ErrTimeout) || !strings.Contains(a.err.Error(), "another program held the card") {
			t.Fatalf("with the card held elsewhere: %X, %v", a.r, a.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Transmit waited for another client's transaction without a bound")
	}
	if _, err := c.Transmit([]byte{0x00, 0xA4, 0x00, 0x00}); !errors.Is(err, harness.ErrTimeout) {
		t.Fatalf("a wedged connection took another call: %v", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked behind the call given up on")
	}
	// A new connection waits in pcscd's connect: bounded the same way.
	opened := make(chan error, 1)
	go func() {
		c, err := pcsc.Open(r)
		if err == nil {
			c.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		if !errors.Is(err, harness.ErrTimeout) || !strings.Contains(err.Error(), "another program held the card") {
			t.Fatalf("connect with the card held elsewhere: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Open waited for another client's transaction without a bound")
	}
	release()
	// The abandoned waits end, their late connection and transaction are
	// released in the background, and the card serves others again.
	pcsc.TransactionTimeout = 10 * time.Second
	c2, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if r, err := c2.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}); err != nil || !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Fatalf("after the other client let go: %X %v", r, err)
	}
}

// TestExclusiveReaderIsNamed (run on its own, as above): a reader another program holds in
// exclusive mode is named as such when FindJPKI looks for a card, and
// connecting to it reports harness.ErrSharingViolation.
func TestExclusiveReaderIsNamed(t *testing.T) {
	r1 := reader(t, "JPKISIM_TEST_REAL_READER")
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	ex, err := ctx.Connect(r1, scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Disconnect(scard.LeaveCard)
	if _, err := pcsc.Open(r1); !errors.Is(err, harness.ErrSharingViolation) {
		t.Fatalf("connect to a reader held exclusively: %v", err)
	}
	_, err = pcsc.FindJPKI(func(n string) bool { return n != r1 })
	if !errors.Is(err, harness.ErrNotJPKI) || !strings.Contains(err.Error(), r1+" (in exclusive use by another program)") {
		t.Fatalf("FindJPKI with the only reader held exclusively: %v", err)
	}
}
