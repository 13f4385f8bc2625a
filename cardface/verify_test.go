package cardface

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/pki"
)

func testHolder() pki.Holder {
	return pki.Holder{Name: "試験　花子", Sex: "2", BirthDate: time.Date(1990, 6, 15, 0, 0, 0, 0, time.UTC),
		Address: "架空県見本市試験町一丁目２番３号", MunicipalityCode: "99999",
		MyNumber: "999900000011", CardExpiry: time.Date(2036, 6, 15, 0, 0, 0, 0, time.UTC), SecurityCode: "4821", CardSerial: "900000000000001"}
}

func testBuildKeys(t *testing.T) Keys {
	return Keys{KenhojoIssuer: key(t, "hojo-issuer"), KenkakuIssuer: key(t, "kaku-issuer"), Signer: key(t, "signer"),
		Kenhojo: &key(t, "kenhojo").PublicKey, Kenkaku: &key(t, "kenkaku").PublicKey, Session: &key(t, "session").PublicKey}
}

func issuers(t *testing.T) (hojo, kaku Issuer) {
	return Issuer{KenhojoIssuerID, &key(t, "hojo-issuer").PublicKey}, Issuer{KenkakuIssuerID, &key(t, "kaku-issuer").PublicKey}
}

func TestBuild(t *testing.T) {
	h := testHolder()
	c, err := Build(h, testBuildKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ParseMyNumberFile(c.Kenhojo[1]); err != nil || n != h.MyNumber {
		t.Errorf("Kenhojo EF 0001: %q %v", n, err)
	}
	if b, err := ParseBasic4(c.Kenhojo[2]); err != nil || b != (Basic4{h.Name, h.Address, "19900615", "2"}) {
		t.Errorf("Kenhojo EF 0002: %+v %v", b, err)
	}
	f, err := ParseFace(c.Kenkaku[2])
	if err != nil || f.BirthDate != "19900615" || f.Sex != "2" || f.Expiry != "20360615" || !samePublicKey(f.PublicKey, &key(t, "kenkaku").PublicKey) {
		t.Errorf("Kenkaku EF 0002: %v", err)
	}
	if want, _ := DigitsPNG("4821"); !bytes.Equal(f.SecurityCode, want) {
		t.Error("the security-code image is not the holder's code")
	}
	if r, err := ParseImageRecord(c.Kenkaku[5]); err != nil {
		t.Error(err)
	} else if want, _ := DigitsPNG(h.MyNumber); !bytes.Equal(r.Image, want) {
		t.Error("the My Number image is not the holder's number")
	}
	if info, err := ParseCommonRecord(c.CommonRecords[0]); err != nil || info != (CardInfo{h.CardSerial, "99999", "20360615"}) {
		t.Errorf("common record: %+v %v", info, err)
	}
	if string(c.VerificationA) != "999900000011" || string(c.VerificationB) != "02061520364821" || string(c.BirthDateKey) != "020615" {
		t.Errorf("secrets: %s %s %s", c.VerificationA, c.VerificationB, c.BirthDateKey)
	}
	if len(c.CommonKeyRef) != 16 || len(c.Kenhojo) != 8 || len(c.Kenkaku) != 6 || !bytes.Equal(c.Kenhojo[8], Unknown16FF()) {
		t.Error("file set")
	}
	sid, _ := SignerID("99999")
	if !bytes.Equal(c.MFData[TagIssuerID], KenhojoIssuerID[:]) || !bytes.Equal(c.MFData[TagIntermediateID], sid[:]) ||
		string(c.MFData[TagMunicipalityCode]) != "99999" || string(c.MFData[TagExpiry]) != "20360615" || string(c.MFData[TagCardID]) != h.CardSerial ||
		!bytes.HasPrefix(c.MFData[TagCardRecognition], []byte{0x66}) {
		t.Errorf("card-level objects: %v", c.MFData)
	}
	if cv, err := ParseCV(c.MFData[TagCVCertificate]); err != nil || cv.Verify(&key(t, "hojo-issuer").PublicKey) != nil || cv.Subject != sid {
		t.Errorf("00F8: %v", err)
	}
	// Pure: the same holder and keys give the same bytes.
	d, _ := Build(h, testBuildKeys(t))
	if !maps.EqualFunc(c.Kenkaku, d.Kenkaku, bytes.Equal) || !maps.EqualFunc(c.Kenhojo, d.Kenhojo, bytes.Equal) {
		t.Error("two builds differ")
	}
	for name, edit := range map[string]func(*pki.Holder){
		"check digit":      func(h *pki.Holder) { h.MyNumber = "999900000012" },
		"security code":    func(h *pki.Holder) { h.SecurityCode = "482" },
		"card serial":      func(h *pki.Holder) { h.CardSerial = "9" },
		"municipality":     func(h *pki.Holder) { h.MunicipalityCode = "9999" },
		"sex":              func(h *pki.Holder) { h.Sex = "3" },
		"birth before era": func(h *pki.Holder) { h.BirthDate = time.Date(1860, 1, 1, 0, 0, 0, 0, time.UTC) },
		"no name":          func(h *pki.Holder) { h.Name = "" },
	} {
		h := testHolder()
		edit(&h)
		if _, err := Build(h, testBuildKeys(t)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	k := testBuildKeys(t)
	k.Signer = nil
	if _, err := Build(h, k); err == nil {
		t.Error("no signer: no error")
	}
}

// flip returns files with one byte of one file changed.
func flip(files map[uint16][]byte, fid uint16, i int) map[uint16][]byte {
	out := maps.Clone(files)
	out[fid] = bytes.Clone(files[fid])
	out[fid][i] ^= 0x01
	return out
}

// The relying party's check accepts the card as built and refuses it with
// any byte changed in what the signatures and digests cover — every byte
// of Kenhojo 0001 (filler included), 0003 and 0004, every byte of 0002's
// object, every byte of Kenkaku 0001, 0004, 0005 and of 0002 up to its
// signature — while a change in what they do not cover (Kenhojo 0002's
// filler, Kenkaku DF29 and DF2A) passes, as on a real card.
func TestVerify(t *testing.T) {
	c, err := Build(testHolder(), testBuildKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	hojo, kaku := issuers(t)
	if err := VerifyKenhojo(c.Kenhojo, hojo); err != nil {
		t.Fatal(err)
	}
	if err := VerifyKenkaku(c.Kenkaku, kaku); err != nil {
		t.Fatal(err)
	}
	objLen := func(file []byte, tag uint16) int { o, _ := outer(file, tag); return len(o.raw) }
	for _, tc := range []struct {
		fid uint16
		end int
	}{{1, MyNumberFileLen}, {2, objLen(c.Kenhojo[2], 0xFF20)}, {3, IntegrityLen}, {4, CVLen}, {7, len(c.Kenhojo[7])}} {
		for i := 0; i < tc.end; i++ {
			if err := VerifyKenhojo(flip(c.Kenhojo, tc.fid, i), hojo); err == nil {
				t.Fatalf("Kenhojo EF %04X with byte %d flipped verifies", tc.fid, i)
			}
		}
	}
	if err := VerifyKenhojo(flip(c.Kenhojo, 2, objLen(c.Kenhojo[2], 0xFF20)), hojo); err != nil {
		t.Errorf("EF 0002's filler is not covered by DF32, yet: %v", err)
	}
	face, _ := ParseFace(c.Kenkaku[2])
	signedEnd := bytes.Index(c.Kenkaku[2], face.Signature) + len(face.Signature)
	for _, tc := range []struct {
		fid uint16
		end int
	}{{1, len(c.Kenkaku[1])}, {2, signedEnd}, {4, CVLen}, {5, len(c.Kenkaku[5])}} {
		for i := 0; i < tc.end; i++ {
			if err := VerifyKenkaku(flip(c.Kenkaku, tc.fid, i), kaku); err == nil {
				t.Fatalf("Kenkaku EF %04X with byte %d flipped verifies", tc.fid, i)
			}
		}
	}
	// DF29 (expiry) and DF2A (security-code image) follow the signature:
	// the same objects up to DF28 with other ones after it still verify.
	o, _ := outer(c.Kenkaku[2], 0xFF20)
	cs, _ := children(o.value)
	code, _ := DigitsPNG("0000")
	var objs [][]byte
	for _, x := range cs[1:8] {
		objs = append(objs, x.raw)
	}
	objs = append(objs, encode(0xDF29, []byte("20990101")), encode(0xDF2A, code))
	if err := VerifyKenkaku(withFile(c.Kenkaku, 2, encodeWithOffsets(0xFF20, 0xDF21, objs...)), kaku); err != nil {
		t.Errorf("DF29 and DF2A are not covered by the signature, yet: %v", err)
	}

	// The wrong issuer, or a certificate naming another certifier.
	for name, tc := range map[string]struct {
		files  map[uint16][]byte
		issuer Issuer
		verify func(map[uint16][]byte, Issuer) error
	}{
		"Kenhojo with the Kenkaku issuer's key":         {c.Kenhojo, Issuer{KenhojoIssuerID, kaku.Key}, VerifyKenhojo},
		"Kenhojo's certificate as Kenkaku's":            {c.Kenhojo, kaku, VerifyKenhojo},
		"Kenkaku with the Kenhojo issuer's key":         {c.Kenkaku, Issuer{KenkakuIssuerID, hojo.Key}, VerifyKenkaku},
		"Kenkaku records, a certificate of another key": {withFile(c.Kenkaku, 4, otherCV(t)), kaku, VerifyKenkaku},
		"Kenkaku EF 0001 with another card's key":       {withFile(c.Kenkaku, 1, otherAge(t)), kaku, VerifyKenkaku},
		"Kenhojo EF 0003 of another holder's files":     {withFile(c.Kenhojo, 3, otherIntegrity(t, c)), hojo, VerifyKenhojo},
	} {
		if err := tc.verify(tc.files, tc.issuer); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
	// A terminal that opened only part of Kenkaku verifies what it read.
	for _, fids := range [][]uint16{{1, 4}, {2, 4}, {2, 4, 1}} {
		part := map[uint16][]byte{}
		for _, f := range fids {
			part[f] = c.Kenkaku[f]
		}
		if err := VerifyKenkaku(part, kaku); err != nil {
			t.Errorf("Kenkaku %v: %v", fids, err)
		}
	}
	if err := VerifyKenkaku(map[uint16][]byte{4: c.Kenkaku[4]}, kaku); err == nil {
		t.Error("a certificate alone verifies a card face")
	}
}

func withFile(files map[uint16][]byte, fid uint16, b []byte) map[uint16][]byte {
	out := maps.Clone(files)
	out[fid] = b
	return out
}

// otherCV is a good Kenkaku certificate of a key that signed nothing.
func otherCV(t *testing.T) []byte {
	sid, _ := SignerID("99999")
	b, err := IssueCV(KenkakuIssuerID, key(t, "kaku-issuer"), sid, &key(t, "session").PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func otherAge(t *testing.T) []byte {
	b, err := AgeRecord{BirthDate: "19900615", PublicKey: &key(t, "session").PublicKey}.Encode(key(t, "signer"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// otherIntegrity is a good integrity record, for another holder's EF 0002.
func otherIntegrity(t *testing.T, c *Content) []byte {
	ef2, _ := Basic4{Name: "試験　花代", Address: "架空県", BirthDate: "19900615", Sex: "2"}.Encode()
	b, err := IntegrityRecord(c.Kenhojo[1], ef2, key(t, "signer"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func Example() {
	// A relying party checks Kenhojo's files from the card's own CV
	// certificate up to the issuer key it trusts (not one from the card).
	fmt.Println(errors.Is(VerifyKenhojo(map[uint16][]byte{}, Issuer{}), ErrMalformed))
	// Output: true
}
