package model_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/model"
)

// content is a small card: certificates of a few bytes in 16-byte EFs.
func content(s model.Settings) model.Content {
	return model.Content{
		ATR: []byte{0x3B, 0x00}, Profile: "t", CertEFSize: 16, CertFiller: 0xFF,
		SigningCert: []byte{1}, SigningCACert: []byte{2}, AuthCert: []byte{3}, AuthCACert: []byte{4},
		CertPresence: []byte{0x8F, 0x8F, 0x00}, AuthPIN: "1234", SigningPIN: "ABC123", Settings: s,
	}
}

// steps runs hex C-APDUs from a fresh card and returns the status words.
func steps(m *model.Model, capdus ...string) string {
	s := m.Fresh()
	var sws []string
	for _, h := range capdus {
		b, err := apdu.ParseHex(h)
		if err != nil {
			panic(err)
		}
		var e model.Expect
		s, e = m.Step(s, b)
		sws = append(sws, fmt.Sprintf("%04X", uint16(e.SW)))
	}
	return strings.Join(sws, " ")
}

// Each setting of docs/card-behaviour.md, "Open questions: defaults and
// settings", against the default, on the commands its row names.
func TestSettings(t *testing.T) {
	const (
		selJPKI  = "00A4040C0AD392F000260100000001"
		selISD   = "00A4040C07A0000001510000"
		selAuth  = "00A4020C020018"
		selSign  = "00A4020C02001B"
		authOK   = "002000800431323334"
		authBad  = "002000800439393939"
		signOK   = "0020008006414243313233"
		overlong = "0020008011" + "3131313131313131313131313131313131" // 17 bytes
	)
	di := "3031300D060960864801650304020105000420" + strings.Repeat("AB", 32)
	sign := "802A0097" + "33" + di + "00" // PKCS#1 v1.5 over a DigestInfo, with the auth key (SFI 17)
	tests := []struct {
		name     string
		settings model.Settings
		capdus   []string
		def, set string // status words by default and with the setting
	}{
		{"Q1 empty VERIFY after a correct one", model.Settings{EmptyVerifyOKWhenVerified: true},
			[]string{selJPKI, selAuth, "00200080", authOK, "00200080", authBad, "00200080"},
			"9000 9000 63C3 9000 63C3 63C2 63C2", "9000 9000 63C3 9000 9000 63C2 63C2"},
		{"Q2 VERIFY with data on a blocked PIN", model.Settings{BlockedVerifySW: 0x63C0},
			[]string{selJPKI, selAuth, authBad, authBad, authBad, authOK, "00200080", "0024018004" + "35363738"},
			"9000 9000 63C2 63C1 63C0 6984 63C0 6984", "9000 9000 63C2 63C1 63C0 63C0 63C0 6984"},
		{"Q2 6983", model.Settings{BlockedVerifySW: 0x6983},
			[]string{selJPKI, selAuth, authBad, authBad, authBad, authBad},
			"9000 9000 63C2 63C1 63C0 6984", "9000 9000 63C2 63C1 63C0 6983"},
		{"Q3 SELECT of EF 0001 before the signing password", model.Settings{SelectChecksReadAccess: true},
			[]string{selJPKI, selAuth, "00A4020C020001", "00B0000001", "00A4020C020009", "00A4020C020002", selSign, signOK, "00A4020C020001", "00B0000001"},
			"9000 9000 9000 6982 9000 9000 9000 9000 9000 9000", "9000 9000 6982 6981 6982 9000 9000 9000 9000 9000"},
		{"Q4 VERIFY data over the maximum", model.Settings{OverlongVerifyCounts: true},
			[]string{selJPKI, selSign, overlong, "00200080"},
			"9000 9000 6700 63C5", "9000 9000 63C4 63C4"},
		{"Q6 SELECT by DF name", model.Settings{SelectDFClearsSecurity: true},
			[]string{selJPKI, selAuth, authOK, selJPKI, sign, "00A4040C0AD392F000260100000099", sign},
			"9000 9000 9000 9000 9000 6A82 9000", "9000 9000 9000 9000 6982 6A82 6982"},
		{"Q6 SELECT by DF name, failed", model.Settings{SelectDFClearsSecurity: true},
			[]string{selJPKI, selAuth, authOK, "00A4040C0AD392F000260100000099", sign, selISD, selJPKI, sign},
			"9000 9000 9000 6A82 9000 9000 9000 9000", "9000 9000 9000 6A82 9000 9000 9000 6982"},
		{"Q6 signatures", model.Settings{SigningConsumesSecurity: true},
			[]string{selJPKI, selAuth, authOK, sign, sign, "802A0097" + "01AB", authOK, sign},
			"9000 9000 9000 9000 9000 6700 9000 9000", "9000 9000 9000 9000 6982 6982 9000 9000"},
		{"Q7 READ BINARY at or past the end", model.Settings{ReadPastEndEmptyOK: true},
			[]string{selJPKI, "00A4020C020008", "00B0000301", "00B0000201", "00B0001001", "00B0000000"},
			"9000 9000 6B00 9000 6B00 9000", "9000 9000 9000 9000 9000 9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := steps(model.New(content(model.Settings{})), tt.capdus...); got != tt.def {
				t.Errorf("default:\n got %s\nwant %s", got, tt.def)
			}
			if got := steps(model.New(content(tt.settings)), tt.capdus...); got != tt.set {
				t.Errorf("with the setting:\n got %s\nwant %s", got, tt.set)
			}
		})
	}
}

// With ReadPastEndEmptyOK the answer past the end carries no data; before
// the end the data are the same.
func TestReadPastEndData(t *testing.T) {
	m := model.New(content(model.Settings{ReadPastEndEmptyOK: true}))
	s := m.Fresh()
	for _, h := range []string{"00A4040C0AD392F000260100000001", "00A4020C020008"} {
		b, _ := apdu.ParseHex(h)
		s, _ = m.Step(s, b)
	}
	_, past := m.Step(s, []byte{0x00, 0xB0, 0x00, 0x03, 0x01})
	_, last := m.Step(s, []byte{0x00, 0xB0, 0x00, 0x02, 0x01})
	if past.SW != apdu.SWOK || len(past.Data) != 0 || !bytes.Equal(last.Data, []byte{0x00}) {
		t.Fatalf("past the end %v %X, last byte %v %X", past.SW.String(), past.Data, last.SW.String(), last.Data)
	}
}
