package simulator_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

// The test values of the card-face applications' key references (synthetic
// test-card data of docs/card.md §6 and §8 for A and B).
const (
	kenhojoPIN   = "4321"
	jukiPIN      = "5678"
	verifyA      = "537686677188"   // 照合番号A: the My Number
	verifyB      = "55021720352285" // 照合番号B
	birthDateKey = "550217"
)

const (
	selKenhojo = "00A4040C0AD39210003100010104" + "08"
	selKenkaku = "00A4040C0AD39210003100010104" + "02"
	selCommon  = "00A4040C0AD39210003100010101" + "00"
	selJuki    = "00A4040C0AD39210003100010104" + "01"
	selISD     = "00A4040C07A0000001510000"
)

// tlv is a BER object with a one- or two-byte tag and a definite length.
func tlv(tag uint16, value []byte) []byte {
	var out []byte
	if tag > 0xFF {
		out = append(out, byte(tag>>8))
	}
	out = append(out, byte(tag))
	switch n := len(value); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, value...)
}

// sized is obj followed by filler up to n bytes.
func sized(obj []byte, n int) []byte {
	return append(obj, bytes.Repeat([]byte{0xFF}, n-len(obj))...)
}

// publicKeyTLV is the 券面 form of an RSA public key: 90 e, 91 n.
func publicKeyTLV(k *rsa.PublicKey) []byte {
	return append(tlv(0x90, []byte{0x01, 0x00, 0x01}), tlv(0x91, k.N.Bytes())...)
}

// cardFace is a CardFace of synthetic bytes of the right shapes (docs/card.md
// §8), with the default profile's two JPKI keys and the TEST-ONLY auth CA
// key as the three own keys and the signing CA key as the session key: no
// key is generated.
func cardFace(t testing.TB) *simulator.CardFace {
	t.Helper()
	p := fixtures.MustProfile("default")
	caKey, err := fixtures.CAKey(jpki.Auth)
	if err != nil {
		t.Fatal(err)
	}
	sessionKey, err := fixtures.CAKey(jpki.Signing)
	if err != nil {
		t.Fatal(err)
	}
	kenhojoKey, kenkakuKey := p.AuthKey, p.SigningKey
	myNumber := append(tlv(0xFF10, []byte(verifyA)), 0xFF, 0xFF)
	basic4 := tlv(0xFF20, append(tlv(0xDF21, []byte{0, 0x0E, 0, 0x20, 0, 0x30, 0, 0x3A}),
		append(append(tlv(0xDF22, []byte("テスト　花子")), tlv(0xDF23, []byte("東京都"))...),
			append(tlv(0xDF24, []byte("19800217")), tlv(0xDF25, []byte("2"))...)...)...))
	return &simulator.CardFace{
		Kenhojo: map[uint16][]byte{
			0x0001: myNumber,
			0x0002: sized(basic4, 256),
			0x0003: sized(tlv(0xFF30, append(tlv(0xDF31, make([]byte, 32)), tlv(0xDF32, make([]byte, 32))...)), 336),
			0x0004: sized(tlv(0x7F21, tlv(0x5F4E, make([]byte, 297))), 568),
			0x0005: sized(tlv(0xFF40, tlv(0xDF41, []byte{1, 3, 0x0E, 1})), 256),
			0x0006: tlv(0xA1, publicKeyTLV(&sessionKey.PublicKey)),
			0x0007: tlv(0xFF50, tlv(0xDF51, publicKeyTLV(&kenhojoKey.PublicKey))),
			0x0008: bytes.Repeat([]byte{0xFF}, 16),
		},
		Kenkaku: map[uint16][]byte{
			0x0001: tlv(0xFF10, tlv(0xDF11, []byte("19800217"))),
			0x0002: sized(tlv(0xFF20, tlv(0xDF22, []byte("19800217"))), 1200),
			0x0003: tlv(0xFF30, tlv(0xDF34, []byte("13221"))),
			0x0004: sized(tlv(0x7F21, tlv(0x5F4E, make([]byte, 297))), 568),
			0x0005: tlv(0xFF40, tlv(0xDF41, []byte("PNG"))),
			0x0006: bytes.Repeat([]byte{0xFF}, 16),
		},
		CommonRecords: [][]byte{append([]byte{0x01, 0x1C}, "4000000127198431322120350217"...), {0x02, 0x01, 0x07}},
		CommonKeyRef:  []byte("6000033\x08\x05001\x00\x00\x00\x00"),
		KenhojoPIN:    []byte(kenhojoPIN), JukiPIN: []byte(jukiPIN),
		VerificationA: []byte(verifyA), VerificationB: []byte(verifyB), BirthDateKey: []byte(birthDateKey),
		KenhojoKey: kenhojoKey, KenkakuKey: kenkakuKey, CommonKey: caKey, KenhojoSessionKey: sessionKey,
		MFData: map[uint16][]byte{
			0x00F0: []byte("13221"),
			0x00F2: []byte("20350217"),
			0x00F8: sized(tlv(0x7F21, make([]byte, 290)), 300), // over 256 bytes: extended Le only
		},
	}
}

// faceCard is a powered card of the default profile with cardFace, edited.
func faceCard(t testing.TB, edit func(*simulator.CardFace)) *simulator.Card {
	t.Helper()
	f := cardFace(t)
	if edit != nil {
		edit(f)
	}
	return newCard(t, profile(t, func(p *simulator.Profile) { p.CardFace = f }))
}

// verifyAPDU is VERIFY of the key reference fid by its SFI with value.
func verifyAPDU(fid uint16, value string) string {
	return fmt.Sprintf("00200%03X%02X%X", 0x080|fid, len(value), value)
}

// readCmd reads the current EF (P1 00), or the EF of P1 80|SFI, from its
// start with an extended Le: the whole EF.
func readCmd(p1 byte) string { return fmt.Sprintf("00B0%02X00000000", p1) }

// Every application is selected by its AID on a card with a card face, and
// none on a card without one (a phone token, docs/card.md §14.1).
func TestCardFaceApplicationsAreSelected(t *testing.T) {
	c := faceCard(t, nil)
	for _, sel := range []string{selKenhojo, selKenkaku, selCommon, selJuki, selJPKI, selISD} {
		expectSWs(t, c, sel, "9000")
	}
	phone := newCard(t, plainProfile(t))
	for _, sel := range []string{selKenhojo, selKenkaku, selCommon, selJuki} {
		expectSWs(t, phone, sel, "6A82")
	}
	// The applications stand in card order: JPKI, Kenhojo, Kenkaku, common,
	// Juki; a prefix of their AIDs finds each in turn (P2 02: the next).
	r := exchange(t, c, "00A4040008D392100031000101"+"00", "00A4040208D392100031000101"+"00",
		"00A4040208D392100031000101"+"00", "00A4040208D392100031000101"+"00", "00A4040208D392100031000101"+"00")
	want := []string{"D3921000310001010408", "D3921000310001010402", "D3921000310001010100", "D3921000310001010401"}
	for i, aid := range want {
		if r[i] != "6F0C840A"+aid+"9000" {
			t.Fatalf("occurrence %d: %s, want %s", i+1, r[i], aid)
		}
	}
	if r[4] != "6A82" {
		t.Fatalf("after the last application: %s", r[4])
	}
}

// credential is one key reference of a card-face application and its value.
type credential struct {
	name  string
	fid   uint16
	value string
}

// Which credential opens which EF, as docs/card.md §4.2 and §4.3 list it:
// for every EF of the Kenhojo and Kenkaku applications and every credential
// alone (and none), READ BINARY answers the EF's bytes or 6982, by the
// current EF and by SFI with an extended Le. A credential of one
// application opens nothing in another.
func TestCardFaceAccessRules(t *testing.T) {
	f := cardFace(t)
	kenhojo := []credential{{"PIN", 0x0011, kenhojoPIN}, {"A", 0x0014, verifyA}, {"B", 0x0015, verifyB}}
	kenkaku := []credential{{"birth date", 0x0011, birthDateKey}, {"B", 0x0012, verifyB}, {"A", 0x0013, verifyA}}
	for _, app := range []struct {
		name, sel string
		creds     []credential
		files     map[uint16][]byte
		opens     map[uint16][]string // nil: free
	}{
		{"Kenhojo", selKenhojo, kenhojo, f.Kenhojo, map[uint16][]string{
			0x0001: {"PIN", "A"},
			0x0002: {"PIN", "B"},
			0x0003: {"PIN", "A", "B"},
			0x0004: nil,
			0x0005: nil,
			0x0006: {"PIN", "A", "B"},
			0x0007: {"PIN", "A", "B"},
			0x0008: nil,
		}},
		{"Kenkaku", selKenkaku, kenkaku, f.Kenkaku, map[uint16][]string{
			0x0001: {"birth date"},
			0x0002: {"A", "B"},
			0x0003: nil,
			0x0004: nil,
			0x0005: {"A"},
			0x0006: {"A", "B"},
		}},
	} {
		for fid, opens := range app.opens {
			for _, cred := range append([]credential{{name: "nothing"}}, app.creds...) {
				t.Run(fmt.Sprintf("%s %04X after %s", app.name, fid, cred.name), func(t *testing.T) {
					c := faceCard(t, nil)
					expectSWs(t, c, app.sel, "9000")
					if cred.fid != 0 {
						expectSWs(t, c, verifyAPDU(cred.fid, cred.value), "9000")
					}
					want := "6982"
					if opens == nil || slices.Contains(opens, cred.name) && cred.fid != 0 {
						want = fmt.Sprintf("%X9000", app.files[fid])
					}
					r := exchange(t, c, fmt.Sprintf("00A4020C02%04X", fid), readCmd(0), readCmd(0x80|byte(fid)))
					if r[0] != "9000" || r[1] != want || r[2] != want {
						t.Fatalf("SELECT %s, READ BINARY %.40s, by SFI %.40s; want %.40s", r[0], r[1], r[2], want)
					}
				})
			}
		}
	}
	// A credential opens the files of its own application only.
	c := faceCard(t, nil)
	expectSWs(t, c, selKenhojo, "9000", verifyAPDU(0x0011, kenhojoPIN), "9000", verifyAPDU(0x0014, verifyA), "9000",
		selKenkaku, "9000", readCmd(0x82), "6982", readCmd(0x85), "6982",
		selKenhojo, "9000", readCmd(0x81), "9000") // and it stays verified in its own
	c = faceCard(t, nil)
	expectSWs(t, c, selKenkaku, "9000", verifyAPDU(0x0013, verifyA), "9000", selKenhojo, "9000", readCmd(0x81), "6982")
}

// The retry counters of every key reference of the new applications
// (docs/card.md §4.2–§4.4, §6): the Kenhojo and Juki PINs 3 tries, 照合番号A,
// B and the birth-date key jpki.VerificationTries, Kenhojo 0012 blocked as
// issued; the same secret in two applications, and the Juki PIN in the
// common and Juki applications, count apart.
func TestCardFaceCounters(t *testing.T) {
	full := fmt.Sprintf("63C%X", jpki.VerificationTries)
	for _, tc := range []struct {
		sel      string
		fid      uint16
		value    string
		max      int
		emptySW  string
		wrongLen string
	}{
		{selKenhojo, 0x0011, kenhojoPIN, 3, "63C3", "12345"},
		{selKenhojo, 0x0014, verifyA, jpki.VerificationTries, full, verifyA + "1"},
		{selKenhojo, 0x0015, verifyB, jpki.VerificationTries, full, verifyB + "1"},
		{selKenkaku, 0x0011, birthDateKey, jpki.VerificationTries, full, birthDateKey + "1"},
		{selKenkaku, 0x0012, verifyB, jpki.VerificationTries, full, verifyB + "1"},
		{selKenkaku, 0x0013, verifyA, jpki.VerificationTries, full, verifyA + "1"},
		{selCommon, 0x001C, jukiPIN, 3, "63C3", "12345"},
		{selJuki, 0x001C, jukiPIN, 3, "63C3", "12345"},
	} {
		t.Run(fmt.Sprintf("%s %04X", tc.sel[len(tc.sel)-4:], tc.fid), func(t *testing.T) {
			c := faceCard(t, nil)
			empty := fmt.Sprintf("00200%03X", 0x080|tc.fid)
			wrong := verifyAPDU(tc.fid, strings.Repeat("0", len(tc.value)))
			expectSWs(t, c, tc.sel, "9000", empty, tc.emptySW,
				verifyAPDU(tc.fid, tc.wrongLen), "6700", empty, tc.emptySW, // too long: no try spent
				wrong, fmt.Sprintf("63C%X", tc.max-1),
				verifyAPDU(tc.fid, tc.value), "9000", empty, tc.emptySW) // a match fills the counter
			for left := tc.max - 1; left >= 0; left-- {
				expectSWs(t, c, wrong, fmt.Sprintf("63C%X", left))
			}
			expectSWs(t, c, empty, "63C0", verifyAPDU(tc.fid, tc.value), "6984", wrong, "6984")
			c.Reset()
			expectSWs(t, c, tc.sel, "9000", empty, "63C0") // blocked for good
		})
	}
	c := faceCard(t, nil)
	expectSWs(t, c, selKenhojo, "9000", "00A4020C020012", "9000", "00200080", "63C0",
		"002000800431323334", "6984", "00200092", "63C0", "002401800431323334", "6984")
	// Apart: a wrong Juki PIN in the common application, a wrong A in Kenhojo.
	expectSWs(t, c, selCommon, "9000", verifyAPDU(0x001C, "0000"), "63C2",
		selJuki, "9000", "0020009C", "63C3",
		selKenhojo, "9000", verifyAPDU(0x0014, "000000000000"), fmt.Sprintf("63C%X", jpki.VerificationTries-1),
		selKenkaku, "9000", "00200093", full)
	// The profile's tries left.
	one, none := 1, 0
	c = faceCard(t, func(f *simulator.CardFace) { f.KenhojoTriesLeft, f.JukiTriesLeft = &one, &none })
	expectSWs(t, c, selKenhojo, "9000", "00200091", "63C1", selCommon, "9000", "0020009C", "63C0",
		selJuki, "9000", "0020009C", "63C0")
}

// The Kenhojo PIN changes with CHANGE REFERENCE DATA (00 24), the Juki PIN
// of each of the common and Juki applications with CHANGE KEY (80 32 00 80)
// and not 00 24, apart; 照合番号A and B change with neither (docs/card.md
// §5.5; docs/card-behaviour.md, "The card-face, common card and Juki
// applications").
func TestCardFacePINChanges(t *testing.T) {
	c := faceCard(t, nil)
	newPIN := fmt.Sprintf("04%X", "1111")
	expectSWs(t, c, selKenhojo, "9000", "00A4020C020011", "9000",
		"00240180"+newPIN, "6982", // not verified
		"00200080"+fmt.Sprintf("04%X", kenhojoPIN), "9000",
		"00240180053131313131", "6A80", "002401800431313161", "6A80", // 5 digits, a letter
		"803200800431313131", "6D00", // no CHANGE KEY here
		"00240180"+newPIN, "9000",
		verifyAPDU(0x0011, kenhojoPIN), "63C2", verifyAPDU(0x0011, "1111"), "9000",
		verifyAPDU(0x0014, verifyA), "9000", "00240194"+fmt.Sprintf("0C%X", "111111111111"), "6982", // A is fixed
		verifyAPDU(0x0015, verifyB), "9000", "00240195"+fmt.Sprintf("0E%X", "11111111111111"), "6982",
	)
	c.Reset()
	expectSWs(t, c, selKenhojo, "9000", verifyAPDU(0x0011, "1111"), "9000", verifyAPDU(0x0014, verifyA), "9000")

	c = faceCard(t, nil)
	expectSWs(t, c, selKenkaku, "9000", verifyAPDU(0x0013, verifyA), "9000", "00240193"+fmt.Sprintf("0C%X", verifyA), "6D00")
	expectSWs(t, c, selCommon, "9000", "00A4020C02001C", "9000",
		"80320080"+newPIN, "6982",
		verifyAPDU(0x001C, jukiPIN), "9000",
		"00240180"+newPIN, "6D00", // not 00 24
		"80320180"+newPIN, "6A86",
		"80320080053131313131", "6A80",
		"80320080"+newPIN+"00", "6700", // an Le
		"80320081"+newPIN, "6A88", // SFI 1 is the record EF
		"80320080"+newPIN, "9000",
		verifyAPDU(0x001C, "1111"), "9000",
		selJuki, "9000", verifyAPDU(0x001C, "1111"), "63C2", verifyAPDU(0x001C, jukiPIN), "9000", // apart
		"8032009C"+fmt.Sprintf("04%X", "2222"), "9000", verifyAPDU(0x001C, "2222"), "9000",
		selCommon, "9000", verifyAPDU(0x001C, "1111"), "9000")
}

// The own keys sign without a credential (docs/card.md §5.6): Kenhojo 0013
// and Kenkaku 001A with 80 2A 00 00 + a DigestInfo (PKCS#1 v1.5) and
// 80 2A 05 00 (SHA-256, RSASSA-PSS), also named by SFI; they refuse
// INTERNAL AUTHENTICATE with 6985, and the common card application's key
// 0019 answers it, sha256WithRSAEncryption over the challenge (§5.7).
func TestCardFaceKeys(t *testing.T) {
	f := cardFace(t)
	c := faceCard(t, nil)
	challenge := []byte("a challenge of the terminal")
	h := sha256.Sum256(challenge)
	di := append(mustHex(diSHA256), h[:]...)
	run := func(cmd apdu.Command) string {
		return exchange(t, c, fmt.Sprintf("%X", cmd.MustEncode()))[0]
	}
	sig := func(r string) []byte {
		t.Helper()
		if len(r) != 2*258 || !strings.HasSuffix(r, "9000") {
			t.Fatalf("no signature: %.60s", r)
		}
		return mustHex(r[:512])
	}
	for _, k := range []struct {
		sel string
		sfi byte
		key *rsa.PrivateKey
	}{{selKenhojo, 0x13, f.KenhojoKey}, {selKenkaku, 0x1A, f.KenkakuKey}} {
		expectSWs(t, c, k.sel, "9000")
		for _, p2 := range []byte{0x00, 0x80 | k.sfi} {
			s := sig(run(apdu.Command{CLA: 0x80, INS: 0x2A, P1: 0x00, P2: p2, Data: di, Ne: 256}))
			if err := rsa.VerifyPKCS1v15(&k.key.PublicKey, crypto.SHA256, h[:], s); err != nil {
				t.Fatalf("80 2A 00 %02X: %v", p2, err)
			}
			s = sig(run(apdu.Command{CLA: 0x80, INS: 0x2A, P1: 0x05, P2: p2, Data: challenge, Ne: 256}))
			if err := rsa.VerifyPSS(&k.key.PublicKey, crypto.SHA256, h[:], s, nil); err != nil {
				t.Fatalf("80 2A 05 %02X: %v", p2, err)
			}
		}
		expectSWs(t, c, fmt.Sprintf("00A4020C0200%02X", k.sfi), "9000")
		s := sig(run(apdu.Command{CLA: 0x80, INS: 0x2A, P1: 0x03, P2: 0x80, Data: challenge, Ne: 256}))
		if err := rsa.VerifyPKCS1v15(&k.key.PublicKey, crypto.SHA256, h[:], s); err != nil {
			t.Fatalf("80 2A 03 80: %v", err)
		}
		expectSWs(t, c,
			fmt.Sprintf("802A0600%02X%X00", len(di), di), "6A86",
			fmt.Sprintf("802A0000%02X%X", len(di), di), "6700", // no Le
			fmt.Sprintf("802A0000%02X%X10", len(di), di), "6700", // short Le
			fmt.Sprintf("802A0081%02X%X00", len(di), di), "6A88", // EF 0001 is not a key
			fmt.Sprintf("00880000%02X%X00", len(challenge), challenge), "6A86",
			fmt.Sprintf("008800%02X%02X%X00", 0x80|k.sfi, len(challenge), challenge), "6985",
			fmt.Sprintf("00880080%02X%X00", len(challenge), challenge), "6985", // the current EF
		)
	}
	// The common card application's key 0019.
	expectSWs(t, c, selCommon, "9000")
	s := sig(run(apdu.Command{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x99, Data: challenge, Ne: 256}))
	if err := rsa.VerifyPKCS1v15(&f.CommonKey.PublicKey, crypto.SHA256, h[:], s); err != nil {
		t.Fatalf("00 88 00 99: %v", err)
	}
	expectSWs(t, c, "00A4020C020019", "9000")
	s = sig(run(apdu.Command{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x80, Data: challenge, Ne: 256}))
	if err := rsa.VerifyPKCS1v15(&f.CommonKey.PublicKey, crypto.SHA256, h[:], s); err != nil {
		t.Fatalf("00 88 00 80: %v", err)
	}
	if r := run(apdu.Command{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x99, Data: make([]byte, 255), Ne: 256}); len(r) != 2*258 {
		t.Fatalf("a 255-byte challenge: %.40s", r)
	}
	for _, cmd := range []apdu.Command{
		{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x99, Data: make([]byte, 256), Ne: 256, Extended: true},
		{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x99, Data: challenge, Ne: 0x10},
		{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x99, Data: challenge},
	} {
		if r := run(cmd); r != "6700" {
			t.Fatalf("%v: %s", cmd, r)
		}
	}
	expectSWs(t, c,
		fmt.Sprintf("00880182%02X%X00", len(challenge), challenge), "6A86",
		fmt.Sprintf("0088009C%02X%X00", len(challenge), challenge), "6A88", // the PIN
		fmt.Sprintf("802A0099%02X%X00", len(di), di), "6D00", // no COMPUTE DIGITAL SIGNATURE here
		selJuki, "9000",
		fmt.Sprintf("00880099%02X%X00", len(challenge), challenge), "6A88",
		fmt.Sprintf("00880080%02X%X00", len(challenge), challenge), "6986",
		selJPKI, "9000",
		fmt.Sprintf("00880097%02X%X00", len(challenge), challenge), "6982",
		fmt.Sprintf("802A0000%02X%X00", len(di), di), "6A86", // P2 00 names no key in JPKI
	)
}

// SET SESSION KEY in every application (docs/card.md §5.10): JPKI and Juki
// 6982, common and Kenkaku 66F1, the ISD 6D00; Kenhojo takes A0 {80: 32
// bytes} encrypted to its EF 0006 key after the PIN (not after 照合番号A),
// and answers 6A80 to the forms with 81 and to another key (its own
// signing key among them); a card face without a session key 6A80 to all.
func TestSetSessionKey(t *testing.T) {
	f := cardFace(t)
	c := faceCard(t, nil)
	deliver := func(msg []byte, to *rsa.PublicKey) string {
		ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, to, msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%X", apdu.Command{CLA: 0x80, INS: 0xAE, Data: ct, Extended: true}.MustEncode())
	}
	key := make([]byte, 32)
	enc := append([]byte{0xA0, 0x22, 0x80, 0x20}, key...)
	mac := append([]byte{0xA0, 0x22, 0x81, 0x20}, key...)
	both := append(append([]byte{0xA0, 0x44, 0x80, 0x20}, key...), append([]byte{0x81, 0x20}, key...)...)
	short := append([]byte{0xA0, 0x12, 0x80, 0x10}, key[:16]...)
	kenhojoKey := &f.KenhojoSessionKey.PublicKey
	expectSWs(t, c,
		"80AE000000", "6D00", // the ISD
		selJPKI, "9000", "80AE000000", "6982",
		selJuki, "9000", "80AE000000", "6982",
		selCommon, "9000", "80AE000000", "66F1",
		selKenkaku, "9000", "80AE000000", "66F1",
		selKenhojo, "9000",
		deliver(enc, kenhojoKey), "6982", // no PIN
		verifyAPDU(0x0014, verifyA), "9000", deliver(enc, kenhojoKey), "6982", // 照合番号A is not enough
		verifyAPDU(0x0011, kenhojoPIN), "9000",
		deliver(enc, kenhojoKey), "9000",
		deliver(mac, kenhojoKey), "6A80",
		deliver(both, kenhojoKey), "6A80",
		deliver(short, kenhojoKey), "6A80",
		deliver(enc, &f.KenkakuKey.PublicKey), "6A80", // the wrong key
		deliver(enc, &f.KenhojoKey.PublicKey), "6A80", // the own key 0013 is not the session key
		"80AE000004"+"01020304", "6A80",
		"80AE0001"+"04"+"01020304", "6A86",
		"80AE0000", "6700",
		"08B0810000", "69FC", "0C20009100", "69FC", // no secure messaging follows
	)
	c = faceCard(t, func(f *simulator.CardFace) { f.KenhojoSessionKey = nil })
	expectSWs(t, c, selKenhojo, "9000", deliver(enc, kenhojoKey), "6982",
		verifyAPDU(0x0011, kenhojoPIN), "9000", deliver(enc, kenhojoKey), "6A80")
	// The key is not a file: EF 0006 reads as its public key alone.
	if r := exchange(t, c, readCmd(0x86))[0]; r != fmt.Sprintf("%X9000", f.Kenhojo[0x0006]) {
		t.Fatalf("EF 0006: %.40s", r)
	}
}

// READ RECORD (docs/card.md §5.3): 00 B2 01 0C 00 reads record 1 of SFI 1
// without a SELECT; mode 04 the current EF, 05 to the last record; a
// missing record 6A83; a transparent EF 6981, and READ BINARY on the record
// EF 6981.
func TestReadRecord(t *testing.T) {
	f := cardFace(t)
	c := faceCard(t, nil)
	rec1, rec2 := fmt.Sprintf("%X", f.CommonRecords[0]), fmt.Sprintf("%X", f.CommonRecords[1])
	r := exchange(t, c, selCommon, "00B2010C00", "00B2010400", "00B2020400", "00B2010500", "00B2020C00",
		"00B2010C05", "00B2030400", "00B2000400", "00B2010600", "00B2010100", "00B2010C",
		"00B0000001", "00B2011400", "00B201CC00", "00B201FC00")
	want := []string{"9000", rec1 + "9000", rec1 + "9000", rec2 + "9000", rec1 + rec2 + "9000", rec2 + "9000",
		rec1[:10] + "9000", "6A83", "6A83", "6A86", "6A86", "6700",
		"6981", "6981", "6981", "6A82"}
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("step %d: %s, want %s", i, r[i], want[i])
		}
	}
	expectSWs(t, c, selJuki, "9000", "00B2010C00", "6A82", "00B2011400", "6981")
	// The record EF's FCP: a linear EF of variable-size records, no size.
	if r := exchange(t, c, selCommon, "00A40200020001FF")[1]; r != "620782010483020001"+"9000" {
		t.Fatalf("FCP: %s", r)
	}
}

// GET DATA (docs/card.md §2, §5.9): the card-level objects while the ISD is
// current (after reset, or selected by its AID), one over 256 bytes only
// with an extended Le, absent ones and those asked for inside an
// application 6A88; 5F51 everywhere.
func TestMFData(t *testing.T) {
	f := cardFace(t)
	c := faceCard(t, nil)
	big := fmt.Sprintf("%X9000", f.MFData[0x00F8])
	r := exchange(t, c, "00CA00F000", "00CA00F200", "00CA00F800", "00CA00F8000000", "00CA004200",
		selKenhojo, "00CA00F000", "00CA5F5100", selISD, "00CA00F003")
	want := []string{fmt.Sprintf("%X9000", "13221"), fmt.Sprintf("%X9000", "20350217"), "6700", big, "6A88",
		"9000", "6A88", "E000FF8131FE45149000", "9000", fmt.Sprintf("%X9000", "132")}
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("step %d: %.60s, want %.60s", i, r[i], want[i])
		}
	}
	expectSWs(t, newCard(t, plainProfile(t)), "00CA00F000", "6A88") // a card without a card face
}

// GET CHALLENGE answers Le random bytes, 1 to 256, in every application;
// the extended form 6985 (docs/card.md §5.8).
func TestGetChallengeInEveryApplication(t *testing.T) {
	c := faceCard(t, nil)
	for _, sel := range []string{selISD, selKenhojo, selKenkaku, selCommon, selJuki, selJPKI} {
		r := exchange(t, c, sel, "0084000001", "0084000000", "00840000000100")
		if r[0] != "9000" || len(r[1]) != 2*3 || len(r[2]) != 2*258 || r[3] != "6985" {
			t.Fatalf("%s: %v", sel, r)
		}
	}
}

// The JPKI application of a card with a card face answers byte for byte as
// that of a card without one.
func TestJPKIUnchangedByTheCardFace(t *testing.T) {
	msg := sha256.Sum256([]byte("m"))
	seq := []string{"00A40000", selJPKI, "00A4020C020018", "00200080", authBad, authOK, "00A4020C02000A", "00B0000004",
		"00B0000000", "00B08A00000000", "00A4020C020017", fmt.Sprintf("802A008033%s%X00", diSHA256, msg[:]),
		"802A0000", "00880097083132333435363738" + "00", "80AE000000", "00B2010C00", "00CA00F000", "00CA5F5100",
		"08B0810000", "80320080043131313100", "00240180043131313100", "00A4040C05D392F00026", "00A4040E05D392F00026",
		"00A4040005D392100031" + "00"}
	plain := exchange(t, newCard(t, plainProfile(t)), seq...)
	face := exchange(t, faceCard(t, nil), seq[:len(seq)-1]...)
	for i := range face {
		if face[i] != plain[i] {
			t.Fatalf("%s: %.40s with a card face, %.40s without", apdu.MaskedHex(mustHex(seq[i])), face[i], plain[i])
		}
	}
	if last := plain[len(plain)-1]; last != "6A82" {
		t.Fatalf("the Kenhojo prefix on a card without a card face: %s", last)
	}
}

// A profile whose card face the card cannot hold is refused, without its
// values in the error.
func TestCardFaceValidation(t *testing.T) {
	for name, edit := range map[string]func(*simulator.CardFace){
		"an EF missing":          func(f *simulator.CardFace) { delete(f.Kenhojo, 0x0003) },
		"an EF too many":         func(f *simulator.CardFace) { f.Kenkaku[0x0007] = []byte{1} },
		"My Number of 16 bytes":  func(f *simulator.CardFace) { f.Kenhojo[0x0001] = f.Kenhojo[0x0001][:16] },
		"an empty EF":            func(f *simulator.CardFace) { f.Kenkaku[0x0006] = nil },
		"an EF over 32767":       func(f *simulator.CardFace) { f.Kenkaku[0x0002] = make([]byte, 0x8000) },
		"A of 11 digits":         func(f *simulator.CardFace) { f.VerificationA = []byte(verifyA[:11]) },
		"B with a letter":        func(f *simulator.CardFace) { f.VerificationB = []byte("5502172035228X") },
		"a birth date of 8":      func(f *simulator.CardFace) { f.BirthDateKey = []byte("19800217") },
		"a Kenhojo PIN of 5":     func(f *simulator.CardFace) { f.KenhojoPIN = []byte("12345") },
		"no common record":       func(f *simulator.CardFace) { f.CommonRecords = nil },
		"an empty common record": func(f *simulator.CardFace) { f.CommonRecords[1] = nil },
		"a key reference of 15":  func(f *simulator.CardFace) { f.CommonKeyRef = f.CommonKeyRef[:15] },
		"the ATR object":         func(f *simulator.CardFace) { f.MFData[0x5F51] = []byte{1} },
		"the marker object":      func(f *simulator.CardFace) { f.MFData[jpki.MarkerTag] = []byte{1} },
		"no common key":          func(f *simulator.CardFace) { f.CommonKey = nil },
		"4 tries of the Juki":    func(f *simulator.CardFace) { n := 4; f.JukiTriesLeft = &n },
	} {
		t.Run(name, func(t *testing.T) {
			f := cardFace(t)
			edit(f)
			_, err := simulator.New(profile(t, func(p *simulator.Profile) { p.CardFace = f }))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, v := range []string{kenhojoPIN, jukiPIN, verifyA, verifyB, birthDateKey} {
				if strings.Contains(err.Error(), v) {
					t.Fatalf("the error shows a value: %v", err)
				}
			}
		})
	}
}

// Restore and Snapshot hold the new applications' counters like the JPKI
// ones: the card returns to them.
func TestRestoreReturnsTheCardFaceCounters(t *testing.T) {
	c := faceCard(t, nil)
	expectSWs(t, c, selKenhojo, "9000", verifyAPDU(0x0011, "0000"), "63C2")
	c.Snapshot()
	expectSWs(t, c, verifyAPDU(0x0011, "0000"), "63C1", selCommon, "9000", verifyAPDU(0x001C, "0000"), "63C2")
	if err := c.Restore(); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	expectSWs(t, c, selKenhojo, "9000", "00200091", "63C2", selCommon, "9000", "0020009C", "63C3")
}
