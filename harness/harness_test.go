package harness_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
)

func newClient(t *testing.T) (*harness.Client, *transcript.Recorder) {
	t.Helper()
	target := sim.Target{Profile: fixtures.MustProfile("default")}
	c, err := target.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tr := transcript.NewRecorder("test", transcript.Complete, nil)
	cl := harness.NewClient(harness.NewRecorded(c, tr))
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	return cl, tr
}

func TestReadCertificateMatchesProfile(t *testing.T) {
	cl, tr := newClient(t)
	p := fixtures.MustProfile("default")
	der, err := cl.ReadCertificate(0x000A)
	if err != nil {
		t.Fatal(err)
	}
	if string(der) != string(p.AuthCert) {
		t.Fatalf("read %d bytes, profile holds %d", len(der), len(p.AuthCert))
	}
	// OpenSC's strategy: SELECT, 4 bytes, then 256-byte chunks, the last exact.
	ex := tr.Since(1)
	if ex[0].Command != "00A4020C02000A" || ex[1].Command != "00B0000004" || ex[2].Command != "00B0000400" {
		t.Fatalf("exchanges: %v", ex[:3])
	}
	// 4 + k*256 bytes come before the last chunk, which asks for exactly the rest.
	rest := (len(der) - 4) % 256
	off := len(der) - rest
	if want := fmt.Sprintf("00B0%04X%02X", off, rest); rest != 0 && ex[len(ex)-1].Command != want {
		t.Fatalf("last chunk %s, want %s", ex[len(ex)-1].Command, want)
	}
	if _, err := cl.ReadCertificate(0x0001); !errors.Is(err, apdu.SWSecurityNotSatisfied) {
		t.Fatalf("signing certificate before the password: %v", err)
	}
}

func TestPINsAndTraceMasking(t *testing.T) {
	cl, tr := newClient(t)
	if n, err := cl.RetriesLeft(jpki.SigningPIN); err != nil || n != 5 {
		t.Fatalf("RetriesLeft = %d, %v", n, err)
	}
	err := cl.Verify(jpki.AuthPIN, []byte("9999"))
	var sw apdu.StatusWord
	if !errors.As(err, &sw) || sw != 0x63C2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if err := cl.Verify(jpki.AuthPIN, nil); err == nil {
		t.Fatal("an empty VERIFY value was sent")
	}
	if err := cl.Verify(jpki.AuthPIN, []byte("1234")); err != nil {
		t.Fatal(err)
	}
	if err := cl.ChangePIN(jpki.AuthPIN, []byte("4321")); err != nil {
		t.Fatal(err)
	}
	text := transcript.Text(tr.Since(0), "")
	for _, secret := range []string{"39393939", "31323334", "34333231"} {
		if strings.Contains(text, secret) {
			t.Fatalf("trace shows PIN bytes %s:\n%s", secret, text)
		}
	}
	if !strings.Contains(text, "> 0020008004XXXXXXXX") || !strings.Contains(text, "> 0024018004XXXXXXXX") {
		t.Fatalf("trace lacks the masked commands:\n%s", text)
	}
}

func TestRetriesLeftRejectsOtherAnswers(t *testing.T) {
	cl, _ := newClient(t)
	// EF 000A is not a PIN: the empty VERIFY cannot answer 63Cx.
	if err := cl.SelectEF(0x000A); err != nil {
		t.Fatal(err)
	}
	r, err := cl.Send(apdu.Command{INS: 0x20, P2: 0x80})
	if err != nil || r.SW != apdu.SWReferenceNotFound {
		t.Fatalf("%v %v", r.SW, err)
	}
}

func TestSignerIsACryptoSigner(t *testing.T) {
	cl, _ := newClient(t)
	if err := cl.Verify(jpki.SigningPIN, []byte("ABC123")); err != nil {
		t.Fatal(err)
	}
	var s crypto.Signer
	s, err := cl.NewSigner(jpki.Signing)
	if err != nil {
		t.Fatal(err)
	}
	pub := s.Public().(*rsa.PublicKey)
	d := sha256.Sum256([]byte("document"))
	sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
		t.Fatal(err)
	}
	sig, err = s.Sign(rand.Reader, d[:], &rsa.PSSOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(rand.Reader, d[:20], crypto.SHA1); err != nil {
		t.Fatalf("SHA-1 DigestInfo: %v", err)
	}
	if _, err := s.Sign(rand.Reader, d[:5], crypto.SHA256); err == nil {
		t.Fatal("a 5-byte SHA-256 digest was signed")
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	s := harness.Secrets{AuthPIN: []byte("1234"), SigningPIN: []byte("ABC123"), KenhojoPIN: []byte("5678"), JukiPIN: []byte("2468")}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, s)
		// "49" would be the first byte of "1234" printed as a decimal
		// []byte, "53" of "5678", "50" of "2468".
		if strings.Contains(out, "1234") || strings.Contains(out, "ABC123") || strings.Contains(out, "49") ||
			strings.Contains(out, "5678") || strings.Contains(out, "2468") || strings.Contains(out, "53") || strings.Contains(out, "50") {
			t.Fatalf("%s shows a PIN: %s", f, out)
		}
	}
}

func TestPowerCycleKeepsCounters(t *testing.T) {
	cl, _ := newClient(t)
	_ = cl.Verify(jpki.AuthPIN, []byte("0000"))
	pc, ok := harness.PowerCyclerOf(cl.Card)
	if !ok {
		t.Fatal("traced simulator card cannot power-cycle")
	}
	if err := pc.PowerCycle(); err != nil {
		t.Fatal(err)
	}
	if err := cl.SelectJPKI(); err != nil {
		t.Fatal(err)
	}
	if n, err := cl.RetriesLeft(jpki.AuthPIN); err != nil || n != 2 {
		t.Fatalf("after power cycle: %d, %v", n, err)
	}
}

func TestISOT0(t *testing.T) {
	var sent []string
	card := func(responses ...string) harness.RawExchange {
		i := 0
		return func(c []byte) ([]byte, error) {
			sent = append(sent, fmt.Sprintf("%X", c))
			r := responses[i]
			i++
			return apdu.ParseHex(r)
		}
	}
	// 61xx: GET RESPONSE until 9000, data joined.
	sent = nil
	r, err := harness.ISOT0(card("01026103", "0304056100", "0607089000"), []byte{0x80, 0x2A, 0x00, 0x80, 0x01, 0xAA})
	if err != nil || fmt.Sprintf("%X", r) != "0102030405060708"+"9000" {
		t.Fatalf("61xx: %X %v", r, err)
	}
	if strings.Join(sent, " ") != "802A008001AA 00C0000003 00C0000000" {
		t.Fatalf("61xx sent %v", sent)
	}
	// 6Cxx: the same command again with Le = xx.
	sent = nil
	r, err = harness.ISOT0(card("6C03", "0A0B0C9000"), []byte{0x00, 0xB0, 0x00, 0x00, 0x10})
	if err != nil || fmt.Sprintf("%X", r) != "0A0B0C9000" || strings.Join(sent, " ") != "00B0000010 00B0000003" {
		t.Fatalf("6Cxx: %X %v %v", r, err, sent)
	}
	// 6Cxx to a command with data (a VERIFY, say) is never re-sent.
	sent = nil
	r, _ = harness.ISOT0(card("6C00"), []byte{0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34})
	if fmt.Sprintf("%X", r) != "6C00" || len(sent) != 1 {
		t.Fatalf("6Cxx to a VERIFY: %X, sent %v", r, sent)
	}
	// Anything else passes through untouched.
	sent = nil
	r, _ = harness.ISOT0(card("6982"), []byte{0x00, 0xB0, 0x00, 0x00, 0x04})
	if fmt.Sprintf("%X", r) != "6982" || len(sent) != 1 {
		t.Fatalf("6982: %X %v", r, sent)
	}
}

// Secrets holds one value per PIN role: Of gives each its own (it once
// answered the auth PIN for any PIN but the signing password), nothing for
// one not given or for no role, and Set sets exactly the one it names.
func TestSecretsOfEachPIN(t *testing.T) {
	s := harness.Secrets{AuthPIN: []byte("1234"), SigningPIN: []byte("ABC123")}
	if string(s.Of(jpki.AuthPIN)) != "1234" || string(s.Of(jpki.SigningPIN)) != "ABC123" {
		t.Fatal("Of does not give the JPKI PINs")
	}
	for _, p := range []jpki.PIN{jpki.KenhojoPIN, jpki.JukiPIN, 0} {
		if v := s.Of(p); v != nil {
			t.Errorf("Of(%v) gives a value of %d bytes, none was given", p, len(v))
		}
	}
	s.Set(jpki.KenhojoPIN, []byte("5678"))
	s.Set(jpki.JukiPIN, []byte("2468"))
	s.Set(0, []byte("9999"))
	want := map[jpki.PIN]string{jpki.AuthPIN: "1234", jpki.SigningPIN: "ABC123", jpki.KenhojoPIN: "5678", jpki.JukiPIN: "2468", 0: ""}
	for p, v := range want {
		if string(s.Of(p)) != v {
			t.Errorf("after Set, Of(%v) is not the value set", p)
		}
	}
}
