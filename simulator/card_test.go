package simulator_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
)

const (
	selJPKI  = "00A4040C0AD392F000260100000001"
	selAuthP = "00A4020C020018"
	selSignP = "00A4020C02001B"
	authOK   = "002000800431323334"     // 1234
	authBad  = "002000800439393939"     // 9999
	signOK   = "0020008006414243313233" // ABC123
	signBad  = "002000800658595A393939" // XYZ999
	signLow  = "0020008006616263313233" // abc123
	diSHA256 = "3031300D060960864801650304020105000420"
)

func profile(t testing.TB, edit func(*simulator.Profile)) *simulator.Profile {
	t.Helper()
	p := *fixtures.MustProfile("default")
	if edit != nil {
		edit(&p)
	}
	return &p
}

// plainProfile is the default profile without the card-face applications:
// a card of the ISD and JPKI alone, as a phone token's.
func plainProfile(t testing.TB) *simulator.Profile {
	return profile(t, func(p *simulator.Profile) { p.CardFace = nil })
}

func newCard(t testing.TB, p *simulator.Profile) *simulator.Card {
	t.Helper()
	if p == nil {
		p = profile(t, nil)
	}
	c, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	return c
}

// exchange sends hex C-APDUs and returns each R-APDU as uppercase hex.
func exchange(t testing.TB, c *simulator.Card, cmds ...string) []string {
	t.Helper()
	out := make([]string, len(cmds))
	for i, h := range cmds {
		var b []byte
		if h != "" {
			var err error
			if b, err = apdu.ParseHex(h); err != nil {
				t.Fatalf("bad test hex %q: %v", h, err)
			}
		}
		r, err := c.Transmit(b)
		if err != nil {
			t.Fatalf("Transmit(%s): %v", h, err)
		}
		out[i] = fmt.Sprintf("%X", r)
	}
	return out
}

// sws returns the last 4 hex digits of each response.
func sws(rs []string) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r[len(r)-4:]
	}
	return out
}

func expectSWs(t *testing.T, c *simulator.Card, pairs ...string) {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		got := sws(exchange(t, c, pairs[i]))[0]
		if got != pairs[i+1] {
			t.Fatalf("step %d: %s answered %s, want %s", i/2+1, apdu.MaskedHex(mustHex(pairs[i])), got, pairs[i+1])
		}
	}
}

func mustHex(s string) []byte {
	if s == "" {
		return nil
	}
	b, err := apdu.ParseHex(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestATRAndPower(t *testing.T) {
	c, err := simulator.New(profile(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(mustHex(selJPKI)); !errors.Is(err, simulator.ErrNoPower) {
		t.Fatalf("Transmit before power-on: %v", err)
	}
	if atr := c.PowerOn(); !bytes.Equal(atr, mustHex("3BE000FF8131FE4514")) {
		t.Fatalf("ATR %X", atr)
	}
	alt := mustHex("3BC5FF8131FB45807300C60100") // any ATR a profile chooses
	c2 := newCard(t, profile(t, func(p *simulator.Profile) { p.ATR = alt }))
	if !bytes.Equal(c2.Reset(), alt) {
		t.Fatal("profile ATR not presented")
	}
}

func TestSelect(t *testing.T) {
	c := newCard(t, plainProfile(t)) // the order with the card-face applications: TestCardFaceApplicationsAreSelected
	expectSWs(t, c,
		"00A40000", "6A86", // ISD current after reset
		"00A4020C020001", "6A82", // no JPKI EFs at the ISD
		"00A4020C02001E", "9000", // the one MF-level EF
		"00B0000001", "6981",
		"00A4020C023F00", "6A82",
		"00A4040C07A0000001510000", "9000", // the ISD by name
		"00A4040C05D392F00026", "9000", // unique prefix
		"00A4020C020006", "9000",
		"00A40000", "9000", // MF select with an AP current: DF unchanged
		"00A4020C02000A", "9000",
		"00A4040C0AD392F000260100000099", "6A82",
		"00A4040C0AD392F000260100000099", "6A82",
		"00A4020C020006", "9000", // a failed SELECT kept the JPKI AP current
		"00A4040101D3", "6A86",
		"00A40402", "6700",
	)
	// P2=00 returns the FCI, truncated to Le.
	r := exchange(t, c, "00A404000AD392F00026010000000100", "00A404000AD392F00026010000000104")
	if r[0] != "6F0C840AD392F0002601000000019000" || r[1] != "6F0C840A9000" {
		t.Fatalf("FCI: %v", r)
	}
	// "Next occurrence" after the ISD finds the JPKI AP; after JPKI, none.
	expectSWs(t, c, "00A4040C01A0", "9000", "00A4040E00", "6700", "00A4040E01D3", "9000", "00A4040E01D3", "6A82")
	// EF select with FCP.
	r = exchange(t, c, "00A4040C0AD392F000260100000001", "00A4020002000800", "00A40200020018FF")
	if r[1] != "620B8002000382010183020008"+"9000" || r[2] != "620782010983020018"+"9000" {
		t.Fatalf("FCP: %v", r)
	}
}

func TestReadBinary(t *testing.T) {
	c := newCard(t, nil)
	exchange(t, c, selJPKI)
	r := exchange(t, c,
		"00A4020C020008", "00B0000003", "00B0000100", "00B0000301", "00B07FFF01",
		"00B0880003", // SFI 08
		"00B0860020", // SFI 06: token label
		"00B00000",
		"00B0000001FF01",
	)
	want := []string{"9000", "8F8F009000", "8F009000", "6B00", "6B00", "8F8F009000",
		fmt.Sprintf("%X9000", []byte("JPKIAPICCTOKEN2                 ")), "6700", "6700"}
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("read %d: %s, want %s", i, r[i], want[i])
		}
	}
	// Extended Le 65536 by SFI returns the whole 2048-byte EF.
	r = exchange(t, c, "00B08A00000000")
	if len(r[0]) != 2*(2048+2) || !strings.HasSuffix(r[0], "9000") || !strings.HasPrefix(r[0], "3082") {
		t.Fatalf("extended read: %d hex digits", len(r[0]))
	}
	// Read of an internal EF.
	expectSWs(t, c, "00A4020C020017", "9000", "00B0000004", "6981", "00B0980004", "6981")
}

func TestSigningCertificateAccess(t *testing.T) {
	c := newCard(t, nil)
	expectSWs(t, c, selJPKI, "9000",
		"00A4020C020001", "9000",
		"00B0000004", "6982",
		"00B0810004", "6982",
		selAuthP, "9000", authOK, "9000",
		"00B0810004", "6982", // the auth PIN does not open it
		selSignP, "9000", signOK, "9000",
		"00B0810004", "9000",
	)
	c.Reset()
	expectSWs(t, c, selJPKI, "9000", "00B0810004", "6982")
}

func TestVerifyCounting(t *testing.T) {
	c := newCard(t, nil)
	expectSWs(t, c, selJPKI, "9000",
		selAuthP, "9000",
		"00200080", "63C3",
		authBad, "63C2",
		"00200080", "63C2",
		authOK, "9000",
		"00200080", "63C3", // never 9000, even right after a correct VERIFY
		authBad, "63C2", authBad, "63C1", authBad, "63C0",
		authOK, "6984", authBad, "6984",
		"00200080", "63C0",
		"0020009804", "6700", // VERIFY with Le
		"0020009805", "6700",
		"00200098", "63C0", // by SFI
	)
	expectSWs(t, c,
		selSignP, "9000", "00200080", "63C5",
		signLow, "63C4", // lower case is a wrong try
		"00200080113132333435363738393031323334353637", "6700", // 17 bytes: no try
		"00200080", "63C4",
		signOK, "9000", "00200080", "63C5",
		"002000800131", "63C4", // 1 byte: compared and counted
	)
}

func TestRetryCountersArePersistent(t *testing.T) {
	c := newCard(t, nil)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2")
	c.PowerOff()
	c.PowerOn()
	expectSWs(t, c, selJPKI, "9000", "00200098", "63C2")
	c.Reset()
	expectSWs(t, c, selJPKI, "9000", "00200098", "63C2")
}

func TestChangeReferenceData(t *testing.T) {
	c := newCard(t, nil)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000",
		"002401800439383736", "6982", // before VERIFY
		authOK, "9000",
		"0024018003393837", "6A80", // 3 digits
		"00240180043938374A", "6A80", // a letter
		"00240180", "6700",
		"002400800439383736", "6A86",
		"002401800439383736", "9000",
		authOK, "63C2", // old value now wrong
		"002000800439383736", "9000",
		"00200080", "63C3",
	)
	expectSWs(t, c, selSignP, "9000", signOK, "9000",
		"00240180054142433132", "6A80", // 5 characters
		"0024018006616263313233", "6A80", // lower case
		"00240180064142432D3132", "6A80", // a symbol
		"0024018006414243444546", "9000", // letters only: the chip does not check the mix
		"0020008006414243444546", "9000",
	)
}

func TestComputeDigitalSignature(t *testing.T) {
	p := profile(t, nil)
	c := newCard(t, p)
	msg := []byte("message")
	h := sha256.Sum256(msg)
	di := fmt.Sprintf("%s%X", diSHA256, h[:])
	sign := func(p1, p2 byte, data []byte) string {
		b := apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: p2, Data: data, Ne: 256}.MustEncode()
		return exchange(t, c, fmt.Sprintf("%X", b))[0]
	}
	exchange(t, c, selJPKI, "00A4020C020017")
	if r := sign(0, 0x80, mustHex(di)); r != "6982" {
		t.Fatalf("sign without PIN: %s", r)
	}
	exchange(t, c, selAuthP, authOK, "00A4020C020017")
	authPub := &p.AuthKey.PublicKey
	for p1 := byte(0); p1 <= 5; p1++ {
		var data []byte
		switch p1 {
		case 0:
			data = mustHex(di)
		case 2, 4:
			data = h[:]
		default:
			data = msg
		}
		r := sign(p1, 0x80, data)
		if len(r) != 2*258 || !strings.HasSuffix(r, "9000") {
			t.Fatalf("P1 %02X: %s", p1, r)
		}
		sig := mustHex(r[:512])
		var err error
		switch p1 {
		case 0, 2, 3:
			err = rsa.VerifyPKCS1v15(authPub, crypto.SHA256, h[:], sig)
		case 1:
			err = rsa.VerifyPKCS1v15(authPub, crypto.Hash(0), h[:], sig)
		default:
			err = rsa.VerifyPSS(authPub, crypto.SHA256, h[:], sig, nil)
		}
		if err != nil {
			t.Fatalf("P1 %02X signature does not verify: %v", p1, err)
		}
	}
	// The signature verifies with the public key of the auth certificate.
	cert, err := x509.ParseCertificate(p.AuthCert)
	if err != nil {
		t.Fatal(err)
	}
	r := sign(0, 0x97, mustHex(di))
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, h[:], mustHex(r[:512])); err != nil {
		t.Fatalf("by SFI 97: %v", err)
	}
	for _, tc := range []struct {
		p1, p2 byte
		n      int
		sw     string
	}{
		{0x06, 0x80, 51, "6A86"},
		{0xFF, 0x80, 51, "6A86"},
		{0x00, 0x00, 51, "6A86"},
		{0x00, 0x9A, 51, "6982"}, // the signing key needs the signing password
		{0x00, 0x98, 51, "6A88"}, // a PIN is not a key
		{0x00, 0x80, 246, "6700"},
		{0x02, 0x80, 31, "6700"},
		{0x04, 0x80, 33, "6700"},
		{0x01, 0x80, 256, "6700"},
	} {
		if r := sign(tc.p1, tc.p2, bytes.Repeat([]byte{1}, tc.n)); r != tc.sw {
			t.Errorf("80 2A %02X %02X with %d bytes: %s, want %s", tc.p1, tc.p2, tc.n, r, tc.sw)
		}
	}
	// A short Le under 256 cannot hold the signature.
	if r := exchange(t, c, "802A00970133FF")[0]; r != "6700" {
		t.Fatalf("Le FF: %s", r)
	}
	// Reset clears the security status.
	c.Reset()
	exchange(t, c, selJPKI)
	if r := sign(0, 0x97, mustHex(di)); r != "6982" {
		t.Fatalf("after reset: %s", r)
	}
}

func TestClassAndInstruction(t *testing.T) {
	c := newCard(t, nil)
	expectSWs(t, c,
		"", "6700", "00", "6700", "00A4", "6700", "00A404", "6700",
		"90A40000", "6E00", "FFA40000", "6E00",
		"00120000", "6D00", "80120000", "6D00", "80AE0000", "6D00",
		"0CB0000004", "6882",
		selJPKI, "9000",
		"08B0000004", "69FC",
		"80AE000000", "6982",
		"80FC0000", "6700",
		"0084000008", "9000",
		"00840000000008", "6985",
		"00840001", "6A86",
	)
}

// TestBehaviourSettings checks each profile setting of the decisions table.
func TestBehaviourSettings(t *testing.T) {
	t.Run("blocked VERIFY answers 63C0", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.BlockedVerifySW = 0x63C0 }))
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2", authBad, "63C1", authBad, "63C0", authOK, "63C0")
	})
	t.Run("empty VERIFY 9000 while verified", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.EmptyVerifyOKWhenVerified = true }))
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", "00200080", "63C3", authOK, "9000", "00200080", "9000")
	})
	t.Run("overlong VERIFY counts", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.OverlongVerifyCounts = true }))
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", "00200080053132333435", "63C2")
	})
	t.Run("SELECT by DF name clears security", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.SelectDFClearsSecurity = true }))
		expectSWs(t, c, selJPKI, "9000", selSignP, "9000", signOK, "9000", "00B0810001", "9000", selJPKI, "9000", "00B0810001", "6982")
	})
	t.Run("default: SELECT by DF name keeps security", func(t *testing.T) {
		c := newCard(t, nil)
		expectSWs(t, c, selJPKI, "9000", selSignP, "9000", signOK, "9000", selJPKI, "9000", "00B0810001", "9000")
	})
	t.Run("signature consumes security", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.SigningConsumesSecurity = true }))
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "9000", "802A0097"+"33"+diSHA256+strings.Repeat("00", 32)+"00", "9000",
			"802A0097"+"33"+diSHA256+strings.Repeat("00", 32)+"00", "6982")
	})
	t.Run("SELECT checks read access", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.SelectChecksReadAccess = true }))
		expectSWs(t, c, selJPKI, "9000", "00A4020C020001", "6982", selSignP, "9000", signOK, "9000", "00A4020C020001", "9000")
	})
	t.Run("read past end answers empty 9000", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.ReadPastEndEmptyOK = true }))
		if r := exchange(t, c, selJPKI, "00B0880301")[1]; r != "9000" {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("auth certificate behind the auth PIN", func(t *testing.T) {
		c := newCard(t, profile(t, func(p *simulator.Profile) { p.AuthCertNeedsPIN = true }))
		expectSWs(t, c, selJPKI, "9000", "00B08A0004", "6982", selAuthP, "9000", authOK, "9000", "00B08A0004", "9000")
	})
}

// recorder is a Persister that records the retry counter at each commit and
// whether an answer had left the card by then.
type recorder struct {
	counters []int
}

func (r *recorder) Commit(s *simulator.State) error {
	r.counters = append(r.counters, s.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN.Remaining)
	return nil
}

// recordedCard is a powered default card whose commits a recorder sees.
func recordedCard(t *testing.T) (*simulator.Card, *recorder) {
	t.Helper()
	p := profile(t, nil)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := simulator.NewWithState(p, st, rec)
	c.PowerOn()
	return c, rec
}

func TestCounterCommittedBeforeAnswer(t *testing.T) {
	c, rec := recordedCard(t)
	var atAnswer [][]int
	c.SetObserver(func(simulator.Exchange) { atAnswer = append(atAnswer, append([]int(nil), rec.counters...)) })
	exchange(t, c, selJPKI, selAuthP, authBad, authOK)
	// The wrong VERIFY committed 2 before its answer; the correct one
	// committed 1 (the decrement) and then 3 (the restore) before its answer.
	if got := fmt.Sprint(atAnswer[2], atAnswer[3]); got != "[2] [2 1 3]" {
		t.Fatalf("commits at each answer: %s", got)
	}
}

func TestProfileValidation(t *testing.T) {
	for name, edit := range map[string]func(*simulator.Profile){
		"no key":            func(p *simulator.Profile) { p.AuthKey = nil },
		"auth PIN letters":  func(p *simulator.Profile) { p.AuthPIN = []byte("12A4") },
		"short password":    func(p *simulator.Profile) { p.SigningPIN = []byte("AB1") },
		"cert too big":      func(p *simulator.Profile) { p.CertEFSize = 100 },
		"presence 2 bytes":  func(p *simulator.Profile) { p.CertPresence = []byte{0x8F, 0x8F} },
		"label of 33 bytes": func(p *simulator.Profile) { p.TokenLabel = strings.Repeat("A", 33) },
	} {
		if _, err := simulator.New(profile(t, edit)); err == nil {
			t.Errorf("%s: profile accepted", name)
		}
	}
}

func TestPINFormatErrorHidesValue(t *testing.T) {
	err := jpki.SigningPIN.Format().Check([]byte("SECRET-9"))
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("error %v", err)
	}
}

func TestTokenInfoLayout(t *testing.T) {
	ti := simulator.TokenInfo("", "0000000020500003")
	if len(ti) != 160 {
		t.Fatalf("%d bytes", len(ti))
	}
	if string(ti[80:96]) != "0000000020500003" || !bytes.Equal(ti[96:100], []byte{0, 0, 4, 0x0D}) ||
		!bytes.Equal(ti[116:124], []byte{0, 0, 0, 16, 0, 0, 0, 6}) || string(ti[140:144]) != "0301" {
		t.Fatalf("layout: %X", ti)
	}
}

// FuzzTransmit sends any bytes to a card in any state reached by a prefix
// of commands: every answer has at least 2 bytes and never the 6F00 that
// marks an internal panic.
func FuzzTransmit(f *testing.F) {
	for _, s := range []string{selJPKI, "00B0000000", "00B08A00000000", authOK, "802A00970133FF", "00A404000AD392F00026010000000100", "0020009805"} {
		f.Add(uint8(0), mustHex(s))
		f.Add(uint8(3), mustHex(s))
	}
	p := profile(f, nil)
	prefix := []string{selJPKI, selAuthP, authOK, selSignP, signOK, "00A4020C020017"}
	f.Fuzz(func(t *testing.T, state uint8, b []byte) {
		c := newCard(t, p)
		exchange(t, c, prefix[:int(state)%(len(prefix)+1)]...)
		r, err := c.Transmit(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) < 2 {
			t.Fatalf("%d-byte answer", len(r))
		}
		if sw := apdu.NewStatusWord(r[len(r)-2], r[len(r)-1]); sw == apdu.SWUnknown {
			t.Fatalf("6F00 for %X", b)
		}
		// The card still answers normally afterwards.
		if got := sws(exchange(t, c, selJPKI))[0]; got != "9000" {
			t.Fatalf("SELECT after %X: %s", b, got)
		}
	})
}

func TestOtherCommandsOfTheCard(t *testing.T) {
	c := newCard(t, nil)
	expectSWs(t, c,
		"01A4040C0AD392F000260100000001", "6881", // logical channel 1
		"10A4040C0AD392F000260100000001", "6884", // command chaining
		"00A4020C02001E", "9000",
		"00B2010400", "6981", // READ RECORD on the MF-level EF 001E (card.md §2)
		"00CA000100", "6A88", // GET DATA of an absent object
		"00CA5F51", "6700",
		selJPKI, "9000",
		"00B2010C00", "6981", // READ RECORD of SFI 1: a transparent EF
		"00B201FC00", "6A82",
		"00880080080102030405060708"+"00", "6A88", // current EF 0001 is not a key
		"00880097080102030405060708"+"00", "6982", // INTERNAL AUTHENTICATE: behind a PIN
		"0088008A080102030405060708"+"00", "6A88",
		"80A2000000", "6A86",
		"00A4020C020009", "9000", "00B0000001", "6982", // protected, never opened
		"00A4020C020010", "9000", "00B0000001", "6981",
		"00A4020C020016", "9000", "00B0000001", "6981",
	)
	if r := exchange(t, c, "00CA5F5100")[0]; r != "E000FF8131FE45149000" {
		t.Fatalf("GET DATA 5F51: %s", r)
	}
	// COMPUTE DIGITAL SIGNATURE is case 4: without Le it answers 6700.
	expectSWs(t, c, selAuthP, "9000", authOK, "9000", "802A00970133", "6700")
}

// failing is a Persister that fails from the n-th commit on.
type failing struct{ left int }

func (f *failing) Commit(*simulator.State) error {
	if f.left <= 0 {
		return errors.New("disk full")
	}
	f.left--
	return nil
}

func TestCommitFailures(t *testing.T) {
	p := profile(t, nil)
	mk := func(commits int) (*simulator.Card, *simulator.State) {
		st, err := simulator.NewState(p)
		if err != nil {
			t.Fatal(err)
		}
		c := simulator.NewWithState(p, st, &failing{left: commits})
		c.PowerOn()
		return c, st
	}
	pin := func(st *simulator.State) *simulator.PIN { return st.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN }

	// The decrement cannot be made durable: no comparison, 6581.
	c, st := mk(0)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "6581")
	if got := pin(st).Remaining; got != 3 {
		t.Fatalf("counter %d in memory after a decrement that was not written, want 3", got)
	}
	// The restore cannot be made durable: the try stays spent, not verified.
	c, st = mk(1)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "6581", "00A4020C020017", "9000",
		"802A0080"+"33"+diSHA256+strings.Repeat("00", 32)+"00", "6982")
	if got := pin(st).Remaining; got != 2 {
		t.Fatalf("counter %d after a failed restore, want 2", got)
	}
	// A change that cannot be made durable is rolled back.
	c, st = mk(2)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "9000", "002401800439383736", "6581")
	if string(pin(st).Value) != "1234" {
		t.Fatal("a PIN change that failed to commit stayed in effect")
	}
}

func TestBlockedVerifySWMustNotBeOK(t *testing.T) {
	if _, err := simulator.New(profile(t, func(p *simulator.Profile) { p.Behaviour.BlockedVerifySW = 0x9000 })); err == nil {
		t.Fatal("a profile answering 9000 on a blocked PIN was accepted")
	}
}

func TestMarkerAndRestore(t *testing.T) {
	c := newCard(t, nil)
	r := exchange(t, c, "00CADF6A00")[0]
	if want := fmt.Sprintf("%X9000", jpki.Marker("default")); r != want {
		t.Fatalf("marker %s, want %s", r, want)
	}
	restore := fmt.Sprintf("80EE00000F%X", jpki.RestoreData)
	expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2", authBad, "63C1",
		"80EE00000F4A504B4953494D2D524553544F5246", "6A80", // wrong data
		"80EE00010F4A504B4953494D2D524553544F5245", "6A86",
		restore, "9000",
		"00A4020C020018", "6A82", // restore left the ISD current, as after reset
		selJPKI, "9000", "00200098", "63C3")
	// A card posing as a real one hides both.
	c2 := newCard(t, profile(t, func(p *simulator.Profile) { p.Behaviour.PoseAsRealCard = true }))
	expectSWs(t, c2, "00CADF6A00", "6A88", restore, "6D00")
}

// Update: what f commits stays even when f fails afterwards (a try spent
// before a comparison is never given back); uncommitted changes of a failed
// f are dropped; a successful f's changes are committed and the card comes
// back unpowered.
func TestUpdateKeepsWhatWasCommitted(t *testing.T) {
	c, rec := recordedCard(t)
	pin := func(st *simulator.State) *simulator.PIN { return st.App(jpki.JPKI.AID()).EF(jpki.EFAuthPIN).PIN }
	refused := errors.New("refused")
	err := c.Update(func(st *simulator.State, commit func() error) error {
		pin(st).Remaining--
		if err := commit(); err != nil {
			return err
		}
		pin(st).Value = []byte("0000") // never committed
		return refused
	})
	if !errors.Is(err, refused) || c.Powered() || len(rec.counters) != 1 || rec.counters[0] != 2 {
		t.Fatalf("%v, powered %v, commits %v", err, c.Powered(), rec.counters)
	}
	c.PowerOn()
	if r, _ := c.Transmit(mustHex("00A4040C0AD392F000260100000001")); !bytes.Equal(r, []byte{0x90, 0}) {
		t.Fatalf("% X", r)
	}
	if r, _ := c.Transmit(mustHex("00200098")); !bytes.Equal(r, []byte{0x63, 0xC2}) {
		t.Fatalf("the committed try was given back: % X", r)
	}
	if r, _ := c.Transmit(mustHex("002000980431323334")); !bytes.Equal(r, []byte{0x90, 0}) {
		t.Fatalf("an uncommitted change stayed: % X", r)
	}
	if err := c.Update(func(st *simulator.State, _ func() error) error { pin(st).Remaining = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.counters); n < 2 || rec.counters[n-1] != 1 {
		t.Fatalf("commits %v", rec.counters)
	}
}

// An office operation leaves a pending tearing fault for the card's next
// command: the office's writes are not the card's.
func TestUpdateLeavesTearingForTheNextCommand(t *testing.T) {
	p := profile(t, nil)
	c, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	c.SetFaults(&simulator.Faults{TearNext: true})
	if err := c.Update(func(st *simulator.State, commit func() error) error { return commit() }); err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	c.Transmit(mustHex("00A4040C0AD392F000260100000001"))
	if _, err := c.Transmit(mustHex("002000980439393939")); !errors.Is(err, simulator.ErrPowerLost) {
		t.Fatalf("the tearing fault was used up by the office: %v", err)
	}
}

// disk is a Persister over an in-memory "disk": it keeps a copy of the last
// state it made durable, and while full it refuses every write, as a full
// disk or a read-only directory does. written, when set, makes a refused
// write one that replaced the old state but could not be confirmed durable
// (the directory's fsync failed after the rename).
type disk struct {
	held    *simulator.State
	full    bool
	allow   int // writes that still succeed once full
	written bool
}

func (d *disk) Commit(st *simulator.State) error {
	if d.full && d.allow > 0 {
		d.allow--
	} else if d.full {
		if d.written {
			d.held = st.Clone()
			return fmt.Errorf("directory not synced: %w", simulator.ErrNotDurable)
		}
		return errors.New("no space left on device")
	}
	d.held = st.Clone()
	return nil
}

// onDisk is the retry counter of a PIN EF as the disk holds it.
func (d *disk) onDisk(fid uint16) int {
	return d.held.App(jpki.JPKI.AID()).EF(fid).PIN.Remaining
}

func diskCard(t *testing.T) (*simulator.Card, *disk) {
	t.Helper()
	p := profile(t, nil)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	d := &disk{held: st.Clone()}
	c := simulator.NewWithState(p, st, d)
	c.PowerOn()
	return c, d
}

// inMemory asks the card for a PIN's retry counter with the empty VERIFY
// (no try spent), selecting the JPKI application first.
func inMemory(t *testing.T, c *simulator.Card, fid uint16) int {
	t.Helper()
	r := exchange(t, c, selJPKI, fmt.Sprintf("00A4020C02%04X", fid), "00200080")
	if r[0] != "9000" || r[1] != "9000" || !strings.HasPrefix(r[2], "63C") {
		t.Fatalf("counter query: %v", r)
	}
	n, _ := strconv.ParseUint(r[2][3:], 16, 8)
	return int(n)
}

// TestAFailedWriteChangesNothing: when the write before a comparison fails
// (a full disk, a read-only directory) the card answers 6581 and its memory
// still equals what the disk holds, so that once the disk takes writes
// again no try was spent by the commands that failed. Reproduced before the
// fix: four correct auth PINs on a full disk answered 6581 6581 6581 6984.
func TestAFailedWriteChangesNothing(t *testing.T) {
	t.Run("VERIFY", func(t *testing.T) {
		c, d := diskCard(t)
		d.full = true
		for i := 0; i < 4; i++ {
			expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "6581")
			if m, f := inMemory(t, c, jpki.EFAuthPIN), d.onDisk(jpki.EFAuthPIN); m != 3 || f != 3 {
				t.Fatalf("after failed write %d: %d tries in memory, %d on disk, want 3 and 3", i+1, m, f)
			}
		}
		for i := 0; i < 6; i++ { // wrong values spend nothing either
			expectSWs(t, c, selJPKI, "9000", selSignP, "9000", "0020008006414243313234", "6581")
		}
		if m, f := inMemory(t, c, jpki.EFSigningPIN), d.onDisk(jpki.EFSigningPIN); m != 5 || f != 5 {
			t.Fatalf("signing password: %d tries in memory, %d on disk, want 5 and 5", m, f)
		}
		d.full = false // space came back: the PIN is as it was
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "9000")
		if f := d.onDisk(jpki.EFAuthPIN); f != 3 {
			t.Fatalf("%d tries on disk after a correct PIN", f)
		}
	})
	t.Run("match restore", func(t *testing.T) {
		// The decrement is durable, the restore to the maximum is not: the
		// decremented counter is what both hold, and the PIN is not verified.
		c, d := diskCard(t)
		d.full, d.allow = true, 1
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "6581")
		if m, f := inMemory(t, c, jpki.EFAuthPIN), d.onDisk(jpki.EFAuthPIN); m != 2 || f != 2 {
			t.Fatalf("%d tries in memory, %d on disk, want 2 and 2", m, f)
		}
	})
	t.Run("written, not confirmed durable", func(t *testing.T) {
		// The rename replaced the file but the directory's fsync failed:
		// the file holds the decrement, so memory keeps it too; the card
		// answers 6581 without comparing.
		c, d := diskCard(t)
		d.full, d.written = true, true
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authOK, "6581")
		if m, f := inMemory(t, c, jpki.EFAuthPIN), d.onDisk(jpki.EFAuthPIN); m != 2 || f != 2 {
			t.Fatalf("%d tries in memory, %d on disk, want 2 and 2", m, f)
		}
	})
	t.Run("CHANGE REFERENCE DATA", func(t *testing.T) {
		c, d := diskCard(t)
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2", authOK, "9000")
		d.full = true
		expectSWs(t, c, "002401800439383736", "6581")
		d.full = false
		expectSWs(t, c, authOK, "9000") // the old value still opens it
	})
	t.Run("restore command", func(t *testing.T) {
		c, d := diskCard(t)
		expectSWs(t, c, selJPKI, "9000", selAuthP, "9000", authBad, "63C2")
		d.full = true
		expectSWs(t, c, fmt.Sprintf("80EE00000F%X", jpki.RestoreData), "6581")
		if m, f := inMemory(t, c, jpki.EFAuthPIN), d.onDisk(jpki.EFAuthPIN); m != 2 || f != 2 {
			t.Fatalf("after a failed restore: %d tries in memory, %d on disk, want 2 and 2", m, f)
		}
	})
	t.Run("Update", func(t *testing.T) {
		c, d := diskCard(t)
		d.full = true
		err := c.Update(func(st *simulator.State, commit func() error) error {
			st.App(jpki.JPKI.AID()).EF(jpki.EFSigningPIN).PIN.Remaining = 0
			return commit()
		})
		if err == nil {
			t.Fatal("an Update whose write failed reported success")
		}
		c.PowerOn()
		if m := inMemory(t, c, jpki.EFSigningPIN); m != 5 {
			t.Fatalf("after a failed Update: %d tries in memory, want 5 (the disk's)", m)
		}
	})
}

// 80 A2 (a terminal CV certificate) answers each form as the source that
// sent it saw on a card (docs/card-behaviour.md): 6700 for 80 A2 00 C1 with
// a body of meaningless bytes, 6A86 without a body or with another P1-P2.
// (Every form once answered 6A86.)
func TestTerminalCertificateAnswers(t *testing.T) {
	body := strings.Repeat("00", 256)
	expectSWs(t, newCard(t, nil),
		"00A4040C0AD392F000260100000001", "9000",
		"80A200C1000100"+body, "6700", // extended Lc, as a 256-byte body needs
		"80A200C1000100"+body+"0000", "6700",
		"80A200C1", "6A86",
		"80A206C120"+body[:64], "6A86",
		"80A20000", "6A86",
	)
}
