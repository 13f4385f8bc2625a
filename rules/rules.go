package rules

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Birthday is the day in year on which a person born on birth gains a year.
//
// Japanese age counting (Act on Age Calculation, with Civil Code art. 143):
// a year of age ends at the end of the day before the anniversary of birth,
// so the person is older from the birthday itself. For a birth on 29
// February, a common year has no corresponding day; art. 143(2) then ends
// the year on the last day of February, so the person is older from 1
// March. This package therefore puts a 29 February birthday on 1 March in
// common years, for ages and for the "Nth birthday" of validity alike.
func Birthday(birth Date, year int) Date {
	if birth.Month == time.February && birth.Day == 29 && !IsLeap(year) {
		return Date{year, time.March, 1}
	}
	return Date{year, birth.Month, birth.Day}
}

// Age is the age in full years on day on (see Birthday).
func Age(birth, on Date) int {
	age := on.Year - birth.Year
	if on.Before(Birthday(birth, on.Year)) {
		age--
	}
	return age
}

// NthBirthdayAfter is the n-th birthday strictly after day from: a birthday
// on the day itself does not count (the certificate issued on a birthday
// runs to the 5th birthday to come).
func NthBirthdayAfter(birth, from Date, n int) Date {
	first := Birthday(birth, from.Year)
	if !first.After(from) {
		first = Birthday(birth, from.Year+1)
	}
	return Birthday(birth, first.Year+n-1)
}

// ErrFormat is wrapped by the PIN format checks; the error names the rule,
// never the value.
var ErrFormat = errors.New("PIN format")

// CheckSigningPassword checks a signing password: 6-16 characters of A-Z
// and 0-9 (PIN-01); at issuance also at least one letter and one digit
// (PIN-02, a registration rule the chip does not check, PIN-04).
func CheckSigningPassword(v string, atIssuance bool) error {
	if len(v) < 6 || len(v) > 16 {
		return fmt.Errorf("%w: PIN-01: the signing password has 6 to 16 characters, not %d", ErrFormat, len(v))
	}
	letter, digit := false, false
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z':
			return fmt.Errorf("%w: PIN-01: the signing password takes only A-Z and 0-9 (PIN-03: lower case is a different password)", ErrFormat)
		default:
			return fmt.Errorf("%w: PIN-01: the signing password takes only A-Z and 0-9", ErrFormat)
		}
	}
	if atIssuance && !(letter && digit) {
		return fmt.Errorf("%w: PIN-02: the signing password needs at least one letter and one digit", ErrFormat)
	}
	return nil
}

// CheckFourDigitPIN checks the auth PIN (PIN-06) and the other 4-digit PINs
// of the card (PIN-07): exactly four digits.
func CheckFourDigitPIN(v string) error {
	if len(v) != 4 || strings.Trim(v, "0123456789") != "" {
		return fmt.Errorf("%w: PIN-06: a 4-digit PIN is exactly four digits", ErrFormat)
	}
	return nil
}

// Decision is an answer of the rules with the ID of the rule that gave it.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
}

// Eligibility says who may hold each certificate on day on: the signing
// certificate not under 15 nor for an adult ward (AGE-01, treated as hard,
// AGE-02); the auth certificate at any age, applied for by the legal
// representative for under-15s and wards (AGE-03).
func Eligibility(birth, on Date, adultWard bool) (signing, auth Decision) {
	age := Age(birth, on)
	switch {
	case age < 15:
		signing = Decision{false, "AGE-01", fmt.Sprintf("under 15 (age %d): no signing certificate", age)}
	case adultWard:
		signing = Decision{false, "AGE-01", "an adult ward (成年被後見人): no signing certificate"}
	default:
		signing = Decision{true, "AGE-01", fmt.Sprintf("age %d, not an adult ward", age)}
	}
	auth = Decision{true, "AGE-03", "no age limit"}
	if age < 15 || adultWard {
		auth.Reason = "no age limit; the legal representative applies and sets the PIN"
	}
	return signing, auth
}

// Residence is a foreign resident's status for validity (VALID-06).
type Residence int

// Residence statuses. None is a Japanese national.
const (
	None Residence = iota
	Permanent
	SpecialPermanent
	Other // any status with a period of stay
)

// ParseResidence reads permanent, special-permanent, other or "" (none).
func ParseResidence(s string) (Residence, error) {
	switch s {
	case "", "none":
		return None, nil
	case "permanent":
		return Permanent, nil
	case "special-permanent":
		return SpecialPermanent, nil
	case "other":
		return Other, nil
	}
	return None, fmt.Errorf("residence %q: want permanent, special-permanent or other", s)
}

// CardExpiry is the card's own expiry (VALID-05): the 10th birthday after
// issuance if the holder was an adult at application — 18 or over for
// applications from 2022-04-01, 20 or over before — otherwise the 5th.
func CardExpiry(birth, applied, issued Date) Date {
	adult := 18
	if applied.Before(D(2022, 4, 1)) {
		adult = 20
	}
	if Age(birth, applied) >= adult {
		return NthBirthdayAfter(birth, issued, 10)
	}
	return NthBirthdayAfter(birth, issued, 5)
}

// ValidityInput describes one issuance of the certificates.
type ValidityInput struct {
	Birth, Issued Date
	// CardExpiry caps the certificates when given (VALID-01).
	CardExpiry Date
	// Residence and ResidenceExpiry cap them for a foreign resident who is
	// neither a permanent nor a special permanent resident (VALID-06).
	Residence       Residence
	ResidenceExpiry Date
	// RenewalOf is the expiry of the certificate being renewed, when this
	// issuance is a renewal (VALID-02).
	RenewalOf Date
}

// Validity is when the certificates of one issuance expire (both the same).
type Validity struct {
	SigningExpiry Date     `json:"signing_expiry"`
	AuthExpiry    Date     `json:"auth_expiry"`
	Rules         []string `json:"rules"`
}

// ErrImpossible is wrapped for inputs that cannot describe a real case.
var ErrImpossible = errors.New("impossible combination")

// ComputeValidity applies VALID-01, -02, -05 and -06: the 5th birthday after
// issuance (the 6th for a renewal while fewer than 3 months remained),
// capped by the card's expiry and, for residents with a period of stay, by
// its end. Each certificate expires at 23:59:59 JST on the day returned.
func ComputeValidity(in ValidityInput) (Validity, error) {
	switch {
	case in.Issued.Before(in.Birth):
		return Validity{}, fmt.Errorf("%w: issued %s before birth %s", ErrImpossible, in.Issued, in.Birth)
	case !in.CardExpiry.IsZero() && in.CardExpiry.Before(in.Issued):
		return Validity{}, fmt.Errorf("%w: the card expired (%s) before the issuance (%s)", ErrImpossible, in.CardExpiry, in.Issued)
	case in.Residence == Other && in.ResidenceExpiry.IsZero():
		return Validity{}, fmt.Errorf("%w: a resident with a period of stay needs its end (--residence-expiry)", ErrImpossible)
	case in.Residence != Other && !in.ResidenceExpiry.IsZero():
		return Validity{}, fmt.Errorf("%w: a residence expiry only applies to --residence other", ErrImpossible)
	case !in.RenewalOf.IsZero() && in.Issued.After(in.RenewalOf):
		return Validity{}, fmt.Errorf("%w: a renewal on %s after the old certificate expired (%s) is a new issuance (RENEW-04)", ErrImpossible, in.Issued, in.RenewalOf)
	}
	n, rules := 5, []string{"VALID-01"}
	if !in.RenewalOf.IsZero() && !in.Issued.Before(in.RenewalOf.AddMonths(-3)) {
		n, rules = 6, append(rules, "VALID-02")
	}
	end := NthBirthdayAfter(in.Birth, in.Issued, n)
	if !in.CardExpiry.IsZero() && in.CardExpiry.Before(end) {
		end = in.CardExpiry
		rules = append(rules, "VALID-05")
	}
	if in.Residence == Other && in.ResidenceExpiry.Before(end) {
		end = in.ResidenceExpiry
		rules = append(rules, "VALID-06")
	}
	return Validity{SigningExpiry: end, AuthExpiry: end, Rules: rules}, nil
}

// Renewal says whether renewal is open on day on for a certificate expiring
// on expiry.
type Renewal struct {
	Open    bool   `json:"open"`
	OpensOn Date   `json:"opens_on"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
}

// RenewalWindow applies RENEW-01 and RENEW-04: renewal opens 3 months before
// the expiry date (Inagi's reading; Azumino opens it one day later, the day
// after that date), and after expiry a new certificate can be issued at any
// time while the card is valid (cardExpiry zero: assumed valid).
func RenewalWindow(expiry, on, cardExpiry Date) Renewal {
	opens := expiry.AddMonths(-3)
	switch {
	case !cardExpiry.IsZero() && on.After(cardExpiry):
		return Renewal{false, opens, "RENEW-04", "the card itself has expired: a new card is needed"}
	case on.After(expiry):
		return Renewal{true, opens, "RENEW-04", "expired: a new certificate can be issued while the card is valid"}
	case on.Before(opens):
		return Renewal{false, opens, "RENEW-01", fmt.Sprintf("opens on %s, 3 months before the expiry", opens)}
	}
	return Renewal{true, opens, "RENEW-01", "within the 3 months before the expiry"}
}
