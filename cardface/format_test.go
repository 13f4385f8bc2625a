package cardface

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/pki"
)

// testKeys loads committed TEST-ONLY RSA-2048 keys of the JPKI fixtures to
// stand for the card-face keys in these unit tests (no test generates
// keys); package fixtures' tests use the card-face keys themselves.
var testKeys = sync.OnceValue(func() map[string]*rsa.PrivateKey {
	out := map[string]*rsa.PrivateKey{}
	for name, file := range map[string]string{
		"hojo-issuer": "TEST-ONLY-sign-ca.key.pem", "kaku-issuer": "TEST-ONLY-auth-ca.key.pem",
		"signer": "default/TEST-ONLY-sign.key.pem", "kenhojo": "default/TEST-ONLY-auth.key.pem",
		"kenkaku": "child/TEST-ONLY-sign.key.pem", "session": "child/TEST-ONLY-auth.key.pem",
	} {
		raw, err := os.ReadFile("../fixtures/pki/" + file)
		if err != nil {
			panic(err)
		}
		k, err := pki.ParsePrivateKeyPEM(raw)
		if err != nil {
			panic(err)
		}
		out[name] = k
	}
	return out
})

func key(t *testing.T, name string) *rsa.PrivateKey {
	t.Helper()
	return testKeys()[name]
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTLVHeaders(t *testing.T) {
	for _, tc := range []struct {
		tag  uint16
		n    int
		want string
	}{
		{0x90, 3, "90 03"}, {0xDF21, 8, "DF 21 08"}, {0xFF20, 0x7F, "FF 20 7F"},
		{0xFF20, 0x80, "FF 20 81 80"}, {0xFF20, 0xFF, "FF 20 81 FF"}, {0x7F21, 0x233, "7F 21 82 02 33"},
	} {
		if got := appendHeader(nil, tc.tag, tc.n); !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("header %X/%d: % X, want %s", tc.tag, tc.n, got, tc.want)
		}
		value := make([]byte, tc.n)
		obj, rest, err := next(append(encode(tc.tag, value), 0xAA))
		if err != nil || obj.tag != tc.tag || len(obj.value) != tc.n || !bytes.Equal(rest, []byte{0xAA}) {
			t.Errorf("next %X/%d: %X %d % X %v", tc.tag, tc.n, obj.tag, len(obj.value), rest, err)
		}
	}
	for _, bad := range []string{"", "90", "DF", "DF 21", "90 05 01 02", "FF 80 01 00", "90 83 00 00 01 00", "90 81", "90 82 01"} {
		if _, _, err := next(unhex(t, bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

func TestKeyID(t *testing.T) {
	if want := unhex(t, "36 30 30 30 30 33 33 08 05 30 30 31 00 00 00 00"); !bytes.Equal(KenhojoIssuerID[:], want) {
		t.Errorf("Kenhojo issuer ID % X", KenhojoIssuerID[:])
	}
	if KenkakuIssuerID.String() != "6000023/001" {
		t.Errorf("Kenkaku issuer ID %v", KenkakuIssuerID)
	}
	if id, err := SignerID("99999"); err != nil || id.String() != "6099999/001" {
		t.Errorf("SignerID: %v %v", id, err)
	}
	for _, bad := range [][2]string{{"600003", "001"}, {"6000033", "01"}, {"600003a", "001"}} {
		if _, err := NewKeyID(bad[0], bad[1]); err == nil {
			t.Errorf("NewKeyID%q: no error", bad)
		}
	}
	if _, err := SignerID("9999"); err == nil {
		t.Error("SignerID of 4 digits: no error")
	}
	// The padding is kept as read (it is not always zero on real cards).
	raw := append(append([]byte{}, KenkakuIssuerID[:12]...), 1, 2, 3, 4)
	if id, err := ParseKeyID(raw); err != nil || !bytes.Equal(id[:], raw) {
		t.Errorf("ParseKeyID: % X %v", id[:], err)
	}
	for _, bad := range [][]byte{raw[:15], append([]byte("600003X"), raw[7:]...), append(append([]byte{}, raw[:9]...), 'x', '0', '1', 0, 0, 0, 0)} {
		if _, err := ParseKeyID(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseKeyID(% X): %v", bad, err)
		}
	}
}

func TestPublicKey(t *testing.T) {
	pub := &key(t, "kenkaku").PublicKey
	b, err := EncodePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != PublicKeyLen || !bytes.HasPrefix(b, unhex(t, "90 03 01 00 01 91 82 01 00")) || !bytes.Equal(b[9:], pub.N.Bytes()) {
		t.Fatalf("encoded key % X…", b[:12])
	}
	back, err := ParsePublicKey(b)
	if err != nil || !samePublicKey(back, pub) {
		t.Fatalf("round trip: %v", err)
	}
	small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537}
	for _, bad := range []*rsa.PublicKey{nil, small, {N: pub.N, E: 3}} {
		if _, err := EncodePublicKey(bad); err == nil {
			t.Errorf("EncodePublicKey(%v): no error", bad)
		}
	}
	for _, bad := range [][]byte{b[:264], append(b, 0x00), b[5:], append(append([]byte{}, b[5:]...), b[:5]...)} {
		if _, err := ParsePublicKey(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParsePublicKey of %d bytes: %v", len(bad), err)
		}
	}
}

func TestCVCertificate(t *testing.T) {
	issuer, subject := key(t, "hojo-issuer"), key(t, "signer")
	sid, _ := SignerID("99999")
	b, err := IssueCV(KenhojoIssuerID, issuer, sid, &subject.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != CVLen || !bytes.HasPrefix(b, unhex(t, "7F 21 82 02 33 5F 4E 82 01 29")) || !bytes.Equal(b[10+297:10+297+5], unhex(t, "5F 37 82 01 00")) {
		t.Fatalf("CV certificate of %d bytes: % X…", len(b), b[:12])
	}
	c, err := ParseCV(append(b, 0xFF, 0xFF)) // filler after it is ignored
	if err != nil {
		t.Fatal(err)
	}
	if c.Certifier != KenhojoIssuerID || c.Subject != sid || !samePublicKey(c.PublicKey, &subject.PublicKey) || !bytes.Equal(c.Body, b[10:307]) {
		t.Fatalf("parsed: %v %v", c.Certifier, c.Subject)
	}
	if err := c.Verify(&issuer.PublicKey); err != nil {
		t.Fatal(err)
	}
	// The signature is PKCS#1 v1.5 SHA-256 over the body, checked here without the package.
	sum := sha256.Sum256(b[10:307])
	if err := rsa.VerifyPKCS1v15(&issuer.PublicKey, crypto.SHA256, sum[:], b[312:]); err != nil {
		t.Fatal("not a PKCS#1 v1.5 SHA-256 signature over the body")
	}
	if err := c.Verify(&key(t, "kaku-issuer").PublicKey); !errors.Is(err, ErrSignature) {
		t.Errorf("another issuer's key: %v", err)
	}
	// GET DATA answers the certificate without its template.
	if c2, err := ParseCV(b[5:]); err != nil || c2.Verify(&issuer.PublicKey) != nil {
		t.Errorf("without the template: %v", err)
	}
	for i := 10; i < 307; i++ {
		bad := bytes.Clone(b)
		bad[i] ^= 0x01
		c, err := ParseCV(bad)
		if err == nil {
			err = c.Verify(&issuer.PublicKey)
		}
		if err == nil {
			t.Fatalf("a flipped byte %d of the body verifies", i)
		}
	}
}

// The My Number file and the check digit, against the test card of
// docs/card.md §8.1.
func TestMyNumberFile(t *testing.T) {
	if c := MyNumberCheckDigit("53768667718"); c != '8' {
		t.Errorf("check digit of the test card's number: %c, want 8", c)
	}
	for s, want := range map[string]byte{"99990000001": '1', "99990000002": '0', "00000000000": '0', "12345678901": '8'} {
		if c := MyNumberCheckDigit(s); c != want {
			t.Errorf("check digit of %s: %c, want %c", s, c, want)
		}
	}
	b, err := MyNumberFile("537686677188")
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "FF 10 0C 35 33 37 36 38 36 36 37 37 31 38 38 FF FF"); !bytes.Equal(b, want) || len(b) != MyNumberFileLen {
		t.Errorf("EF 0001: % X", b)
	}
	if n, err := ParseMyNumberFile(b); err != nil || n != "537686677188" {
		t.Errorf("parse: %q %v", n, err)
	}
	for _, bad := range []string{"537686677187", "53768667718", "5376866771880", "53768667718a"} {
		if _, err := MyNumberFile(bad); err == nil {
			t.Errorf("MyNumberFile(%q): no error", bad)
		}
	}
	if _, err := ParseMyNumberFile(unhex(t, "FF 11 0C 35 33 37 36 38 36 36 37 37 31 38 38")); !errors.Is(err, ErrMalformed) {
		t.Errorf("wrong tag: %v", err)
	}
}

// The basic 4 information, byte for byte the test card's EF 0002 of
// docs/card.md §8.1, then FF.
func TestBasic4(t *testing.T) {
	testCard := unhex(t, `ff2065df2108000e002000590064df22
		0fe9bb92e6a190e38080e5b9b9e4b99f df2336e69db1e4baace983bde6b885e7
		80ace5b882e8a6b3e5b883e5ad90e58d 97efbc91efbc92efbc8defbc97efbc8d
		efbc92efbc90efbc92df240831393830 30323137df250131`)
	b4 := Basic4{Name: "黒桐　幹也", Address: "東京都清瀬市観布子南１２－７－２０２", BirthDate: "19800217", Sex: "1"}
	b, err := b4.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[:len(testCard)], testCard) || len(b) != Basic4MinLen || !bytes.Equal(b[len(testCard):], bytes.Repeat([]byte{0xFF}, Basic4MinLen-len(testCard))) {
		t.Fatalf("EF 0002:\n% X\nwant\n% X", b, testCard)
	}
	if got, err := ParseBasic4(testCard); err != nil || got != b4 {
		t.Fatalf("parse: %+v %v", got, err)
	}
	src, _ := Basic4DigestSource(b)
	if !bytes.Equal(src, testCard[14:]) {
		t.Errorf("digest source starts at % X", src[:4])
	}
	// The offset table is checked, not trusted.
	bad := bytes.Clone(testCard)
	bad[7] = 0x0F
	if _, err := ParseBasic4(bad); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "offset 0") {
		t.Errorf("a wrong offset: %v", err)
	}
	// A longer address takes a long-form length, and the offsets follow it.
	for _, n := range []int{30, 80} {
		long := b4
		long.Address = strings.Repeat("架", n)
		b, err := long.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ParseBasic4(b); err != nil || got != long {
			t.Errorf("%d-character address: %v", n, err)
		}
		if hdr := b[2]; n == 30 && hdr != 0x81 || n == 80 && hdr != 0x82 {
			t.Errorf("%d-character address: length byte %02X", n, hdr)
		}
	}
	for _, bad := range []Basic4{{}, {Name: "a", Address: "b", BirthDate: "19801317", Sex: "1"}, {Name: "a", Address: "b", BirthDate: "19800217", Sex: "3"}, {Name: "\xff", Address: "b", BirthDate: "19800217", Sex: "1"}} {
		if _, err := bad.Encode(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestKenhojoRecords(t *testing.T) {
	signer := key(t, "signer")
	ef1, _ := MyNumberFile("537686677188")
	ef2, _ := Basic4{Name: "試験　花子", Address: "架空県", BirthDate: "19900615", Sex: "2"}.Encode()
	ef3, err := IntegrityRecord(ef1, ef2, signer)
	if err != nil {
		t.Fatal(err)
	}
	if len(ef3) != IntegrityLen || !bytes.HasPrefix(ef3, unhex(t, "FF 30 82 01 4B DF 31 20")) || !bytes.Equal(ef3[40:43], unhex(t, "DF 32 20")) || !bytes.Equal(ef3[75:80], unhex(t, "DF 33 82 01 00")) {
		t.Fatalf("EF 0003 of %d bytes", len(ef3))
	}
	r, err := ParseIntegrity(ef3)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := Basic4DigestSource(ef2)
	if r.MyNumberDigest != sha256.Sum256(ef1) || r.Basic4Digest != sha256.Sum256(src) || !bytes.Equal(r.Signed, ef3[5:75]) {
		t.Fatal("digests")
	}
	sum := sha256.Sum256(ef3[5:75])
	if rsa.VerifyPKCS1v15(&signer.PublicKey, crypto.SHA256, sum[:], r.Signature) != nil {
		t.Fatal("DF33 is not a PKCS#1 v1.5 SHA-256 signature over DF31 and DF32")
	}
	info := KenhojoInfo()
	if len(info) != KenhojoInfoLen || !bytes.HasPrefix(info, unhex(t, "FF 40 81 9E DF 41 04 01 03 0E 01 DF 42 10 36 30 30 30 30 33 34 08 05 30 30 31 00 00 00 00 DF 43 81 80")) ||
		!bytes.Equal(info[34+32:162], bytes.Repeat([]byte{0xFF}, 96)) {
		t.Errorf("EF 0005: % X", info[:40])
	}
	sk, err := SessionKeyFile(&key(t, "session").PublicKey)
	if err != nil || !bytes.HasPrefix(sk, unhex(t, "A1 82 01 09 90 03 01 00 01 91 82 01 00")) {
		t.Fatalf("EF 0006: %v", err)
	}
	if pub, err := ParseSessionKeyFile(sk); err != nil || !samePublicKey(pub, &key(t, "session").PublicKey) {
		t.Errorf("EF 0006 back: %v", err)
	}
	ef7, err := SignedPublicKey(&key(t, "kenhojo").PublicKey, signer)
	if err != nil || len(ef7) != 536 || !bytes.HasPrefix(ef7, unhex(t, "FF 50 82 02 13 DF 51 82 01 09")) || !bytes.Equal(ef7[275:280], unhex(t, "DF 52 82 01 00")) {
		t.Fatalf("EF 0007: %d bytes %v", len(ef7), err)
	}
	kr, err := ParseSignedPublicKey(ef7)
	if err != nil || !samePublicKey(kr.PublicKey, &key(t, "kenhojo").PublicKey) || verifySHA256(&signer.PublicKey, kr.Signed, kr.Signature) != nil {
		t.Errorf("EF 0007 back: %v", err)
	}
	if !bytes.Equal(Unknown16FF(), unhex(t, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")) {
		t.Error("EF 0008")
	}
}

func TestKenkakuRecords(t *testing.T) {
	signer, own := key(t, "signer"), &key(t, "kenkaku").PublicKey
	age, err := AgeRecord{BirthDate: "19900615", PublicKey: own}.Encode(signer)
	if err != nil || len(age) != 547 || !bytes.HasPrefix(age, unhex(t, "FF 10 82 02 1E DF 11 08 31 39 39 30 30 36 31 35 DF 12 82 01 09")) {
		t.Fatalf("EF 0001: %d bytes %v", len(age), err)
	}
	a, err := ParseAgeRecord(age)
	if err != nil || a.BirthDate != "19900615" || !samePublicKey(a.PublicKey, own) || verifySHA256(&signer.PublicKey, a.Signed, a.Signature) != nil || !bytes.Equal(a.Signed, age[5:286]) {
		t.Fatalf("EF 0001 back: %v", err)
	}

	name, _ := TextPNG("試験　花子")
	addr, _ := TextPNG("架空県見本市")
	code, _ := DigitsPNG("4821")
	f := Face{BirthDate: "19900615", Sex: "2", PublicKey: own, NameImage: name, AddressImage: addr, Photo: PhotoJP2(), Expiry: "20360615", SecurityCode: code}
	b, err := f.Encode(signer)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseFace(b)
	if err != nil {
		t.Fatal(err)
	}
	if g.BirthDate != f.BirthDate || g.Sex != f.Sex || !samePublicKey(g.PublicKey, own) || !bytes.Equal(g.NameImage, name) || !bytes.Equal(g.AddressImage, addr) ||
		!bytes.Equal(g.Photo, f.Photo) || g.Expiry != f.Expiry || !bytes.Equal(g.SecurityCode, code) || len(g.Signature) != 256 {
		t.Fatalf("EF 0002 back: %+v", g)
	}
	if err := g.Verify(&signer.PublicKey); err != nil {
		t.Fatal(err)
	}
	// The signature, checked without the package: PKCS#1 v1.5 over the
	// DigestInfo of docs/card.md §8.2 holding the three groups' digests.
	h1, h2, h3 := sha256.Sum256(g.Groups[0]), sha256.Sum256(g.Groups[1]), sha256.Sum256(g.Groups[2])
	di := append(unhex(t, "30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60"), append(append(h1[:], h2[:]...), h3[:]...)...)
	if len(di) != 115 || !bytes.Equal(di, FaceDigestInfo(g.Groups)) || rsa.VerifyPKCS1v15(&signer.PublicKey, crypto.Hash(0), di, g.Signature) != nil {
		t.Fatal("DF28 is not a PKCS#1 v1.5 signature over the DigestInfo of the three digests")
	}
	if !bytes.HasPrefix(g.Groups[0], unhex(t, "DF 22 08 31 39 39 30 30 36 31 35 DF 23 01 32 DF 24 82 01 09")) || !bytes.HasPrefix(g.Groups[2], unhex(t, "DF 27")) {
		t.Errorf("groups: % X / % X", g.Groups[0][:8], g.Groups[2][:4])
	}
	bad := bytes.Clone(b)
	bad[7] ^= 0x01 // the first offset
	if _, err := ParseFace(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("a wrong offset: %v", err)
	}

	info, err := KenkakuInfo("99999")
	if err != nil || len(info) != 320 || !bytes.HasPrefix(info, unhex(t, "FF 30 82 01 3B DF 31 04 06 03 0E 01 DF 32 10 36 30 30 30 30 32 34")) || !bytes.Equal(info[31:48], unhex(t, "DF 33 01 01 DF 34 05 39 39 39 39 39 DF 35 82 01 10")) {
		t.Fatalf("EF 0003: %d bytes %v", len(info), err)
	}
	if code, err := ParseKenkakuInfo(info); err != nil || code != "99999" {
		t.Errorf("EF 0003 back: %q %v", code, err)
	}

	img, _ := DigitsPNG("537686677188")
	ef5, err := ImageRecord{Image: img, PublicKey: own}.Encode(signer)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseImageRecord(ef5)
	if err != nil || !bytes.Equal(r.Image, img) || !samePublicKey(r.PublicKey, own) || verifySHA256(&signer.PublicKey, r.Signed, r.Signature) != nil {
		t.Fatalf("EF 0005 back: %v", err)
	}
}

// The common card record, byte for byte the test card's of docs/card.md
// §8.3.
func TestCommonRecord(t *testing.T) {
	rec, err := CommonRecord("400000012719843", "13221", "20350217")
	if err != nil || !bytes.Equal(rec, []byte("\x01\x1c4000000127198431322120350217")) {
		t.Fatalf("% X %v", rec, err)
	}
	if c, err := ParseCommonRecord(rec); err != nil || c != (CardInfo{"400000012719843", "13221", "20350217"}) {
		t.Errorf("back: %+v %v", c, err)
	}
	for _, bad := range [][3]string{{"40000001271984", "13221", "20350217"}, {"400000012719843", "1322", "20350217"}, {"400000012719843", "13221", "20351317"}} {
		if _, err := CommonRecord(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	for _, bad := range []string{"\x02\x1c4000000127198431322120350217", "\x01\x1b400000012719843132212035021", "\x01\x1c40000001271984313221203502XX"} {
		if _, err := ParseCommonRecord([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// 照合番号B of the test card of docs/card.md §6.
func TestVerificationB(t *testing.T) {
	h := pki.Holder{BirthDate: time.Date(1980, 2, 17, 0, 0, 0, 0, time.UTC), CardExpiry: time.Date(2035, 2, 17, 0, 0, 0, 0, time.UTC), SecurityCode: "2285"}
	if b, err := VerificationB(h); err != nil || b != "55021720352285" {
		t.Errorf("%q %v", b, err)
	}
	h.BirthDate = time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)
	if b, _ := VerificationB(h); b != "01050120352285" {
		t.Errorf("born 2019-05-01: %q", b)
	}
	for _, bad := range []string{"228", "22X5", ""} {
		h.SecurityCode = bad
		if _, err := VerificationB(h); err == nil {
			t.Errorf("security code %q: no error", bad)
		}
	}
}
