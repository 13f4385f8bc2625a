package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
)

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestAge(t *testing.T) {
	for _, tc := range []struct {
		birth, on string
		want      int
	}{
		{"2000-04-02", "2001-04-01", 0},
		{"2000-04-02", "2001-04-02", 1}, // older on the birthday itself
		{"2011-12-01", "2026-11-30", 14},
		{"2011-12-01", "2026-12-01", 15},
		{"2000-02-29", "2001-02-28", 0}, // 29 February: in a common year ...
		{"2000-02-29", "2001-03-01", 1}, // ... the year is gained on 1 March
		{"2000-02-29", "2004-02-28", 3},
		{"2000-02-29", "2004-02-29", 4}, // in a leap year on 29 February
	} {
		if got := Age(d(tc.birth), d(tc.on)); got != tc.want {
			t.Errorf("Age(%s, %s) = %d, want %d", tc.birth, tc.on, got, tc.want)
		}
	}
}

func TestNthBirthdayAfter(t *testing.T) {
	for _, tc := range []struct {
		birth, from string
		n           int
		want        string
	}{
		{"1990-06-15", "2026-04-01", 5, "2030-06-15"}, // the default card
		{"1980-02-17", "2025-10-27", 5, "2030-02-17"}, // the JPKI test card of card.md §9.1
		{"1990-06-15", "2026-06-15", 5, "2031-06-15"}, // issued on the birthday: it does not count
		{"1990-06-15", "2026-06-16", 1, "2027-06-15"},
		{"2000-02-29", "2026-04-01", 1, "2027-03-01"},
		{"2000-02-29", "2026-04-01", 2, "2028-02-29"},
	} {
		if got := NthBirthdayAfter(d(tc.birth), d(tc.from), tc.n).String(); got != tc.want {
			t.Errorf("NthBirthdayAfter(%s, %s, %d) = %s, want %s", tc.birth, tc.from, tc.n, got, tc.want)
		}
	}
}

func TestAddMonths(t *testing.T) {
	for in, want := range map[string]string{"2026-05-31": "2026-02-28", "2028-05-31": "2028-02-29", "2030-06-15": "2030-03-15", "2026-01-15": "2025-10-15"} {
		if got := d(in).AddMonths(-3).String(); got != want {
			t.Errorf("%s - 3 months = %s, want %s", in, got, want)
		}
	}
}

func TestComputeValidity(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    ValidityInput
		want  string
		rules string
	}{
		{"5th birthday", ValidityInput{Birth: d("1990-06-15"), Issued: d("2026-04-01")}, "2030-06-15", "VALID-01"},
		{"capped by the card", ValidityInput{Birth: d("1990-06-15"), Issued: d("2026-04-01"), CardExpiry: d("2029-01-10")}, "2029-01-10", "VALID-01 VALID-05"},
		{"issued on the card's last day", ValidityInput{Birth: d("1990-06-15"), Issued: d("2029-01-10"), CardExpiry: d("2029-01-10")}, "2029-01-10", "VALID-01 VALID-05"},
		{"renewal with under 3 months left", ValidityInput{Birth: d("1990-06-15"), Issued: d("2030-04-01"), RenewalOf: d("2030-06-15")}, "2035-06-15", "VALID-01 VALID-02"},
		{"renewal 3 months before to the day", ValidityInput{Birth: d("1990-06-15"), Issued: d("2030-03-15"), RenewalOf: d("2030-06-15")}, "2035-06-15", "VALID-01 VALID-02"},
		{"early renewal", ValidityInput{Birth: d("1990-06-15"), Issued: d("2030-03-14"), RenewalOf: d("2030-06-15")}, "2034-06-15", "VALID-01"},
		{"period of stay ends first", ValidityInput{Birth: d("1990-06-15"), Issued: d("2026-04-01"), Residence: Other, ResidenceExpiry: d("2028-03-31")}, "2028-03-31", "VALID-01 VALID-06"},
		{"permanent resident", ValidityInput{Birth: d("1990-06-15"), Issued: d("2026-04-01"), Residence: Permanent}, "2030-06-15", "VALID-01"},
	} {
		v, err := ComputeValidity(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if v.SigningExpiry.String() != tc.want || v.AuthExpiry != v.SigningExpiry || strings.Join(v.Rules, " ") != tc.rules {
			t.Errorf("%s: %+v, want %s %s", tc.name, v, tc.want, tc.rules)
		}
	}
	for name, in := range map[string]ValidityInput{
		"issued before birth":            {Birth: d("2000-01-01"), Issued: d("1999-01-01")},
		"card expired before issuance":   {Birth: d("1990-01-01"), Issued: d("2026-01-01"), CardExpiry: d("2025-01-01")},
		"period of stay without its end": {Birth: d("1990-01-01"), Issued: d("2026-01-01"), Residence: Other},
		"residence end for a permanent":  {Birth: d("1990-01-01"), Issued: d("2026-01-01"), Residence: Permanent, ResidenceExpiry: d("2027-01-01")},
		"renewal after the expiry":       {Birth: d("1990-01-01"), Issued: d("2031-01-01"), RenewalOf: d("2030-01-01")},
	} {
		if _, err := ComputeValidity(in); !errors.Is(err, ErrImpossible) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCardExpiry(t *testing.T) {
	for _, tc := range []struct{ birth, applied, issued, want string }{
		{"1990-06-15", "2026-03-01", "2026-04-01", "2035-06-15"}, // adult: 10th birthday
		{"2010-01-01", "2026-01-10", "2026-02-01", "2031-01-01"}, // 16: 5th birthday
		{"2004-01-01", "2022-03-31", "2022-05-01", "2027-01-01"}, // 18 but applied before 2022-04-01: threshold 20
		{"2004-01-01", "2022-04-01", "2022-05-01", "2032-01-01"}, // 18 from 2022-04-01
	} {
		if got := CardExpiry(d(tc.birth), d(tc.applied), d(tc.issued)).String(); got != tc.want {
			t.Errorf("CardExpiry(%s, %s, %s) = %s, want %s", tc.birth, tc.applied, tc.issued, got, tc.want)
		}
	}
}

func TestEligibility(t *testing.T) {
	s, a := Eligibility(d("2011-12-01"), d("2026-11-30"), false)
	if s.Allowed || s.Rule != "AGE-01" || !a.Allowed || a.Rule != "AGE-03" || !strings.Contains(a.Reason, "legal representative") {
		t.Fatalf("14: %+v %+v", s, a)
	}
	s, _ = Eligibility(d("2011-12-01"), d("2026-12-01"), false)
	if !s.Allowed {
		t.Fatalf("15 on the birthday: %+v", s)
	}
	s, a = Eligibility(d("1970-01-01"), d("2026-12-01"), true)
	if s.Allowed || !a.Allowed {
		t.Fatalf("adult ward: %+v %+v", s, a)
	}
}

func TestRenewalWindow(t *testing.T) {
	exp := d("2030-06-15")
	for _, tc := range []struct {
		on, card string
		open     bool
		rule     string
	}{
		{"2030-03-14", "", false, "RENEW-01"},
		{"2030-03-15", "", true, "RENEW-01"},
		{"2030-06-15", "", true, "RENEW-01"},
		{"2030-06-16", "", true, "RENEW-04"},
		{"2031-01-01", "2030-12-31", false, "RENEW-04"},
	} {
		var card Date
		if tc.card != "" {
			card = d(tc.card)
		}
		r := RenewalWindow(exp, d(tc.on), card)
		if r.Open != tc.open || r.Rule != tc.rule || r.OpensOn.String() != "2030-03-15" {
			t.Errorf("on %s: %+v", tc.on, r)
		}
	}
}

func TestPINFormats(t *testing.T) {
	for v, atIssue := range map[string]bool{"A12345B": true, "ABC123": true, "ABCDEF": false, "1234567890123456": false} {
		if err := CheckSigningPassword(v, atIssue); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	for v, rule := range map[string]string{"ABCDE": "PIN-01", "ABCDEFGHIJKLMNOPQ": "PIN-01", "abc123": "PIN-01", "ABC-12": "PIN-01", "ABCDEF": "PIN-02", "123456": "PIN-02"} {
		err := CheckSigningPassword(v, true)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), rule) || strings.Contains(err.Error(), v) {
			t.Errorf("%s: %v, want %s without the value", v, err, rule)
		}
	}
	if CheckFourDigitPIN("1234") != nil || CheckFourDigitPIN("123") == nil || CheckFourDigitPIN("12a4") == nil || CheckFourDigitPIN("12345") == nil {
		t.Fatal("4-digit PINs")
	}
}

func TestEffects(t *testing.T) {
	for _, tc := range []struct {
		e          Event
		sign, auth Status
		reason     Reason
	}{
		{AddressChange, Revoked, "", AffiliationChanged},
		{NameChange, Revoked, "", AffiliationChanged},
		{Death, Revoked, Revoked, CessationOfOperation},
		{DepartureKeep, Revoked, "", CessationOfOperation},
		{Departure, Revoked, Revoked, CessationOfOperation},
		{RevokeAuth, "", Revoked, CessationOfOperation},
		{KeyCompromised, Revoked, Revoked, KeyCompromise},
		{Loss, Suspended, Suspended, CertificateHold},
		{Found, Valid, Valid, 0},
	} {
		s, a, err := Effects(tc.e)
		if err != nil || s.Status != tc.sign || a.Status != tc.auth {
			t.Errorf("%s: %+v %+v %v", tc.e, s, a, err)
		}
		if s.Status == Revoked && s.Reason != tc.reason {
			t.Errorf("%s: reason %d", tc.e, s.Reason)
		}
	}
	if _, _, err := Effects("marriage"); err == nil {
		t.Fatal("unknown event accepted")
	}
	for _, e := range Events {
		if _, _, err := Effects(e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
}

func TestFeesAndUnlock(t *testing.T) {
	for op, want := range map[Operation]int{FirstIssuance: 0, RenewalOp: 0, ReissueCard: 800, ReissueWithCerts: 1000, ReissueFree: 0, RevocationRequest: 0} {
		if yen, rule, err := Fee(op); err != nil || yen != want || rule == "" {
			t.Errorf("%s: %d %s %v", op, yen, rule, err)
		}
	}
	if _, _, err := Fee("lost"); err == nil || !strings.Contains(err.Error(), "operations: first-issuance, renewal,") {
		t.Errorf("an unknown operation does not list the known ones: %v", err)
	}
	if p := UnlockPaths(jpki.SigningPIN, true); len(p) != 2 || p[1].Where != "kiosk" || !strings.Contains(p[1].Needs, "auth PIN") {
		t.Fatalf("%+v", p)
	}
	if p := UnlockPaths(jpki.AuthPIN, false); len(p) != 1 || p[0].Rule != "UNLOCK-01" {
		t.Fatalf("%+v", p)
	}
	if p := UnlockPaths(jpki.KenhojoPIN, true); len(p) != 1 {
		t.Fatalf("kenhojo at a kiosk: %+v", p)
	}
}

func TestParseDate(t *testing.T) {
	for _, bad := range []string{"2026-02-30", "2026-13-01", "20260101", "", "tomorrow"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
