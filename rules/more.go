package rules

import (
	"time"

	"github.com/jpkisim/jpkisim/jpki"
)

// ExpiryNotice is the period in which J-LIS's expiry notice (the blue
// envelope) is expected: about 2 to 3 months before the expiry (RENEW-02).
func ExpiryNotice(expiry Date) (from, to Date) { return expiry.AddMonths(-3), expiry.AddMonths(-2) }

// KioskOpen reports whether a convenience-store kiosk takes PIN resets at
// t, Japan time: 06:30 to 23:00 (UNLOCK-03).
func KioskOpen(t time.Time) bool {
	t = t.In(JST)
	m := t.Hour()*60 + t.Minute()
	return m >= 6*60+30 && m < 23*60
}

// Party is who asks J-LIS for revocation information.
type Party string

// Relying parties (RP-01, RP-02).
const (
	Government       Party = "government"
	Court            Party = "court"
	AccreditedCA     Party = "accredited-ca"
	ApprovedBusiness Party = "approved-business" // approved by the Minister
	PlatformOperator Party = "platform-operator"
	ServiceProvider  Party = "service-provider" // a private business that is not approved
)

// RevocationAccess says how a party gets revocation information: directly
// when registered in advance with J-LIS as a verifier (RP-01), otherwise
// through a platform operator that verifies on its behalf (RP-02).
func RevocationAccess(p Party) Decision {
	switch p {
	case Government, Court, AccreditedCA, ApprovedBusiness, PlatformOperator:
		return Decision{true, "RP-01", "registered verifier: CRL or OCSP from J-LIS (RP-03)"}
	}
	return Decision{false, "RP-02", "not a registered verifier: through a platform operator"}
}

// ContinuedUse says whether a Japanese national can still apply, on day on,
// to keep the card after departing on departure: no later than the day
// before departure, not on the day (ABROAD-01).
func ContinuedUse(departure, on Date) Decision {
	if on.Before(departure) {
		return Decision{true, "ABROAD-01", "apply with the move-out notice, by the day before departure"}
	}
	return Decision{false, "ABROAD-01", "too late: the card lapses (ABROAD-02); re-issue is free within 90 days"}
}

// NewCardAbroad says whether someone living abroad can apply for a card at
// an embassy or consulate: Japanese nationals who left after 2015-10-05,
// not foreign nationals (ABROAD-05).
func NewCardAbroad(japanese bool, left Date) Decision {
	switch {
	case !japanese:
		return Decision{false, "ABROAD-05", "foreign nationals are excluded"}
	case !left.After(D(2015, 10, 5)):
		return Decision{false, "ABROAD-05", "left Japan on or before 2015-10-05"}
	}
	return Decision{true, "ABROAD-05", "at an embassy, a consulate or the municipal office"}
}

// Service is something a card is used for.
type Service string

// Services (ABROAD-06, CERT-02, VALID-07).
const (
	Mynaportal          Service = "mynaportal"
	ETaxSigning         Service = "e-tax-signing"
	KioskFamilyRegister Service = "kiosk-family-register"
	KioskResidentRecord Service = "kiosk-resident-record"
	HealthInsurance     Service = "health-insurance"
	PhotoID             Service = "photo-id"
)

// Needs is the certificate a service uses: jpki.Signing, jpki.Auth, or
// false for a service that uses none.
func Needs(s Service) (jpki.Kind, bool) {
	switch s {
	case ETaxSigning:
		return jpki.Signing, true
	case Mynaportal, KioskFamilyRegister, KioskResidentRecord, HealthInsurance:
		return jpki.Auth, true
	}
	return 0, false
}

// UsableAbroad says whether a service works for a holder living abroad with
// the continued-use card (ABROAD-06).
func UsableAbroad(s Service) Decision {
	if s == KioskResidentRecord {
		return Decision{false, "ABROAD-06", "no resident record while living abroad"}
	}
	return Decision{true, "ABROAD-06", "usable from abroad"}
}

// UsableAfterExpiry says whether a service works, on day on, with
// certificates that expired on expiry: none that needs a certificate, but
// the card stays a photo ID, and health insurance has a 3-month grace period
// (VALID-07).
func UsableAfterExpiry(s Service, expiry, on Date) Decision {
	switch {
	case !on.After(expiry):
		return Decision{true, "VALID-07", "not expired"}
	case s == PhotoID:
		return Decision{true, "VALID-07", "the card itself still proves identity"}
	case s == HealthInsurance && !on.After(expiry.AddMonths(3)):
		return Decision{true, "VALID-07", "within the 3-month grace period for health insurance"}
	}
	return Decision{false, "VALID-07", "the certificate has expired"}
}

// Platform is a smartphone platform for the phone certificates.
type Platform string

// Platforms (PHONE-01, PHONE-02).
const (
	Android Platform = "android"
	IPhone  Platform = "iphone"
)

// PhoneProvisioning says whether smartphone certificates can be set up on
// day on: Android from 2023-05-11 (PHONE-01), iPhone from 2025-06-24
// (PHONE-02), both from a card with a valid signing certificate and its
// password.
func PhoneProvisioning(p Platform, on Date, validSigningCert bool) Decision {
	rule, from := "PHONE-01", D(2023, 5, 11)
	if p == IPhone {
		rule, from = "PHONE-02", D(2025, 6, 24)
	}
	switch {
	case on.Before(from):
		return Decision{false, rule, "not available before " + from.String()}
	case !validSigningCert:
		return Decision{false, rule, "needs a card with a valid signing certificate and its password"}
	}
	return Decision{true, rule, "in the Mynaportal app"}
}

// LiftHold says where a hold is lifted: at the municipal counter for the
// card (HOLD-02), in the Mynaportal app for the phone's auth certificate,
// while the phone's signing certificate is re-issued (HOLD-03, PHONE-04).
func LiftHold(phone bool) Path {
	if phone {
		return Path{Where: "app", Rule: "HOLD-03", Needs: "the Mynaportal app; the phone's signing certificate is re-issued (PHONE-04)"}
	}
	return Path{Where: "office", Rule: "HOLD-02", Needs: "the municipal counter; J-LIS advises revoking and re-issuing the certificates"}
}
