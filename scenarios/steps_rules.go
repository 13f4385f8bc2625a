package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/rules"
)

// ruleWorld is the part of a scenario about a holder and the rules, with no
// card involved.
type ruleWorld struct {
	birth                 rules.Date
	ward                  bool
	residence             rules.Residence
	residenceEnd, cardEnd rules.Date
	validity              rules.Validity
	renewalExpiry         rules.Date
	renewal               rules.Renewal
}

const date = `(\d{4}-\d{2}-\d{2})`

func pd(s string) (rules.Date, error) { return rules.ParseDate(s) }

// rulesSteps are the steps of the lifecycle features. They never touch the
// card: they check the rules package against rules.md's examples.
type rulesSteps struct{ *ruleWorld }

func (s rulesSteps) register(sc stepper) {
	sc.Step(`^a holder born on `+date+`$`, s.holderBornOn)
	sc.Step(`^the holder is an adult ward$`, s.holderIsAdultWard)
	sc.Step(`^the holder is a foreign resident whose period of stay ends on `+date+`$`, s.holderIsForeignResident)
	sc.Step(`^the holder is a (permanent|special-permanent) resident$`, s.holderIsPermanentResident)
	sc.Step(`^the card expires on `+date+`$`, s.cardExpiresOn)
	sc.Step(`^the certificates are issued on `+date+`$`, s.certificatesIssuedOn)
	sc.Step(`^the certificates are renewed on `+date+` from certificates expiring on `+date+`$`, s.certificatesRenewedOn)
	sc.Step(`^both certificates expire on `+date+` at 23:59:59 Japan time$`, s.bothCertificatesExpireOn)
	sc.Step(`^the expiry follows ([A-Z0-9 ,-]+)$`, s.expiryFollows)
	sc.Step(`^a card applied for on `+date+` and issued on `+date+` expires on `+date+`$`, s.cardAppliedForExpiresOn)
	sc.Step(`^on `+date+` the holder is (\d+) years old$`, s.holderAgeOn)
	sc.Step(`^on `+date+` the holder (may|may not) hold a signing certificate$`, s.holderMayHoldSigning)
	sc.Step(`^on `+date+` the holder may hold an auth certificate applied for by (the holder|the legal representative)$`, s.holderMayHoldAuth)
	sc.Step(`^for certificates expiring on `+date+` renewal is (open|closed) on `+date+`$`, s.renewalOpenOn)
	sc.Step(`^renewal opens on `+date+` under ([A-Z]+-\d+)$`, s.renewalOpensOn)
	sc.Step(`^the expiry notice for certificates expiring on `+date+` is expected from `+date+` to `+date+`$`, s.expiryNoticeExpected)
	sc.Step(`^"([a-z-]+)" leaves the (signing|auth) certificate (revoked|suspended|valid|unchanged)(?: with reason (\w+))?(?: under ([A-Z]+-\d+))?$`, s.eventLeavesCertificate)
	sc.Step(`^"([a-z-]+)" costs (\d+) yen under ([A-Z]+-\d+)$`, s.operationCosts)
	sc.Step(`^a holder who (knows|has forgotten) the other JPKI PIN can reset the (signing password|auth PIN|Kenhojo PIN|Juki PIN) (at a kiosk and at the office|only at the office)$`, s.holderCanResetPIN)
	sc.Step(`^a kiosk (takes|does not take) PIN resets at (\d{2}):(\d{2}) Japan time$`, s.kioskTakesResetsAt)
	sc.Step(`^a hold on a (card|phone) is lifted (at the office|in the app)$`, s.holdLifted)
	sc.Step(`^(?:a|an) (government|court|accredited-ca|approved-business|platform-operator|service-provider) gets revocation information (directly|through a platform operator)$`, s.partyGetsRevocationInformation)
	sc.Step(`^for a departure on `+date+` the continued-use application is (accepted|refused) on `+date+`$`, s.continuedUseApplication)
	sc.Step(`^a (Japanese|foreign) national who left Japan on `+date+` (can|cannot) apply for a card abroad$`, s.nationalCanApplyAbroad)
	sc.Step(`^"([a-z-]+)" (is|is not) usable from abroad$`, s.serviceUsableFromAbroad)
	sc.Step(`^"([a-z-]+)" (is|is not) usable on `+date+` with certificates that expired on `+date+`$`, s.serviceUsableAfterExpiry)
	sc.Step(`^"([a-z-]+)" uses the (signing|auth) certificate$`, s.serviceUsesCertificate)
	sc.Step(`^on `+date+` phone certificates (can|cannot) be set up on (android|iphone)( without a valid signing certificate)?$`, s.phoneCertificatesSetUp)
	sc.Step(`^"([A-Za-z0-9-]*)" (is|is not) a valid signing password (at issuance|on the chip)$`, s.validSigningPassword)
	sc.Step(`^"([A-Za-z0-9]*)" (is|is not) a valid 4-digit PIN$`, s.validFourDigitPIN)
	sc.Step(`^the signing password allows (\d+) tries and each 4-digit PIN (\d+)$`, s.pinTries)
}

func (s rulesSteps) holderBornOn(day string) (err error) {
	s.birth, err = pd(day)
	return
}

func (s rulesSteps) holderIsAdultWard() { s.ward = true }

func (s rulesSteps) holderIsForeignResident(day string) (err error) {
	s.residence = rules.Other
	s.residenceEnd, err = pd(day)
	return
}

func (s rulesSteps) holderIsPermanentResident(kind string) (err error) {
	s.residence, err = rules.ParseResidence(kind)
	return
}

func (s rulesSteps) cardExpiresOn(day string) (err error) {
	s.cardEnd, err = pd(day)
	return
}

func (s rulesSteps) certificatesIssuedOn(day string) error { return s.issue(day, "") }

func (s rulesSteps) certificatesRenewedOn(day, renewalOf string) error {
	return s.issue(day, renewalOf)
}

// issue computes the validity of certificates issued on day, as a renewal
// of certificates expiring on renewalOf when it is not empty.
func (s rulesSteps) issue(day, renewalOf string) error {
	in := rules.ValidityInput{Birth: s.birth, CardExpiry: s.cardEnd, Residence: s.residence, ResidenceExpiry: s.residenceEnd}
	var err error
	if in.Issued, err = pd(day); err != nil {
		return err
	}
	if renewalOf != "" {
		if in.RenewalOf, err = pd(renewalOf); err != nil {
			return err
		}
	}
	s.validity, err = rules.ComputeValidity(in)
	return err
}

func (s rulesSteps) bothCertificatesExpireOn(day string) error {
	want, err := pd(day)
	if err != nil {
		return err
	}
	v := s.validity
	if v.SigningExpiry != want || v.AuthExpiry != want {
		return fmt.Errorf("certificates expire %s / %s, want %s", v.SigningExpiry, v.AuthExpiry, want)
	}
	if end := want.EndOfDay().UTC().Format("15:04:05"); end != "14:59:59" {
		return fmt.Errorf("end of day is %s UTC", end)
	}
	return nil
}

func (s rulesSteps) expiryFollows(list string) error {
	want := strings.Split(strings.ReplaceAll(list, " and ", ", "), ", ")
	if !slices.Equal(s.validity.Rules, want) {
		return fmt.Errorf("the expiry follows %v, want %v", s.validity.Rules, want)
	}
	return nil
}

func (s rulesSteps) cardAppliedForExpiresOn(a, i, want string) error {
	ad, err1 := pd(a)
	id, err2 := pd(i)
	wd, err3 := pd(want)
	if err := firstErr(err1, err2, err3); err != nil {
		return err
	}
	if got := rules.CardExpiry(s.birth, ad, id); got != wd {
		return fmt.Errorf("the card expires %s, want %s", got, wd)
	}
	return nil
}

func (s rulesSteps) holderAgeOn(on string, age int) error {
	d, err := pd(on)
	if err != nil {
		return err
	}
	if got := rules.Age(s.birth, d); got != age {
		return fmt.Errorf("age %d, want %d", got, age)
	}
	return nil
}

func (s rulesSteps) holderMayHoldSigning(on, may string) error {
	d, err := pd(on)
	if err != nil {
		return err
	}
	sg, _ := rules.Eligibility(s.birth, d, s.ward)
	if sg.Allowed != (may == "may") || sg.Rule != "AGE-01" {
		return fmt.Errorf("%v certificate: %+v", jpki.Signing, sg)
	}
	return nil
}

func (s rulesSteps) holderMayHoldAuth(on, who string) error {
	d, err := pd(on)
	if err != nil {
		return err
	}
	_, a := rules.Eligibility(s.birth, d, s.ward)
	rep := strings.Contains(a.Reason, "legal representative")
	if !a.Allowed || a.Rule != "AGE-03" || rep != (who == "the legal representative") {
		return fmt.Errorf("%v certificate: %+v", jpki.Auth, a)
	}
	return nil
}

func (s rulesSteps) renewalOpenOn(exp, state, on string) error {
	e, err1 := pd(exp)
	o, err2 := pd(on)
	if err := firstErr(err1, err2); err != nil {
		return err
	}
	s.renewalExpiry, s.renewal = e, rules.RenewalWindow(e, o, s.cardEnd)
	if s.renewal.Open != (state == "open") {
		return fmt.Errorf("renewal on %s: %+v", on, s.renewal)
	}
	return nil
}

func (s rulesSteps) renewalOpensOn(day, rule string) error {
	want, err := pd(day)
	if err != nil {
		return err
	}
	if s.renewal.OpensOn != want {
		return fmt.Errorf("renewal opens on %s, want %s", s.renewal.OpensOn, want)
	}
	if s.renewal.Rule != rule {
		return fmt.Errorf("rule %s, want %s", s.renewal.Rule, rule)
	}
	return nil
}

func (s rulesSteps) expiryNoticeExpected(exp, from, to string) error {
	e, err := pd(exp)
	if err != nil {
		return err
	}
	f, t := rules.ExpiryNotice(e)
	if f.String() != from || t.String() != to {
		return fmt.Errorf("notice from %s to %s", f, t)
	}
	return nil
}

func (s rulesSteps) eventLeavesCertificate(event, which, status, reason, rule string) error {
	k, err := jpki.ParseKind(which)
	if err != nil {
		return err
	}
	sg, a, err := rules.Effects(rules.Event(event))
	if err != nil {
		return err
	}
	e := sg
	if k == jpki.Auth {
		e = a
	}
	got := string(e.Status)
	if e.Unchanged() {
		got = "unchanged"
	}
	switch {
	case got != status:
		return fmt.Errorf("%s leaves the %v certificate %s", event, k, got)
	case reason != "" && e.Reason.String() != reason:
		return fmt.Errorf("reason %s, want %s", e.Reason, reason)
	case rule != "" && e.Rule != rule:
		return fmt.Errorf("rule %s, want %s", e.Rule, rule)
	}
	return nil
}

func (s rulesSteps) operationCosts(op string, yen int, rule string) error {
	got, gotRule, err := rules.Fee(rules.Operation(op))
	if err != nil {
		return err
	}
	if got != yen || gotRule != rule {
		return fmt.Errorf("%s costs %d yen (%s)", op, got, gotRule)
	}
	return nil
}

func (s rulesSteps) holderCanResetPIN(knows, role, where string) error {
	pin, err := parsePIN(role)
	if err != nil {
		return err
	}
	paths := rules.UnlockPaths(pin, knows == "knows")
	kiosk := slices.ContainsFunc(paths, func(p rules.Path) bool { return p.Where == "kiosk" })
	office := slices.ContainsFunc(paths, func(p rules.Path) bool { return p.Where == "office" && p.Rule == "UNLOCK-01" })
	if !office || kiosk != (where == "at a kiosk and at the office") {
		return fmt.Errorf("reset paths of the %v: %+v", pin, paths)
	}
	return nil
}

func (s rulesSteps) kioskTakesResetsAt(takes string, h, m int) error {
	at := time.Date(2026, 11, 29, h, m, 0, 0, rules.JST)
	if rules.KioskOpen(at) != (takes == "takes") {
		return fmt.Errorf("kiosk open at %02d:%02d: %v", h, m, rules.KioskOpen(at))
	}
	return nil
}

func (s rulesSteps) holdLifted(what, where string) error {
	p := rules.LiftHold(what == "phone")
	if (p.Where == "office") != (where == "at the office") {
		return fmt.Errorf("hold lifted: %+v", p)
	}
	return nil
}

func (s rulesSteps) partyGetsRevocationInformation(party, how string) error {
	d := rules.RevocationAccess(rules.Party(party))
	if d.Allowed != (how == "directly") {
		return fmt.Errorf("%s: %+v", party, d)
	}
	return nil
}

func (s rulesSteps) continuedUseApplication(dep, state, on string) error {
	d, err1 := pd(dep)
	o, err2 := pd(on)
	if err := firstErr(err1, err2); err != nil {
		return err
	}
	if got := rules.ContinuedUse(d, o); got.Allowed != (state == "accepted") {
		return fmt.Errorf("%+v", got)
	}
	return nil
}

func (s rulesSteps) nationalCanApplyAbroad(nat, left, can string) error {
	l, err := pd(left)
	if err != nil {
		return err
	}
	if got := rules.NewCardAbroad(nat == "Japanese", l); got.Allowed != (can == "can") {
		return fmt.Errorf("%+v", got)
	}
	return nil
}

func (s rulesSteps) serviceUsableFromAbroad(svc, is string) error {
	if got := rules.UsableAbroad(rules.Service(svc)); got.Allowed != (is == "is") {
		return fmt.Errorf("%s: %+v", svc, got)
	}
	return nil
}

func (s rulesSteps) serviceUsableAfterExpiry(svc, is, on, exp string) error {
	o, err1 := pd(on)
	e, err2 := pd(exp)
	if err := firstErr(err1, err2); err != nil {
		return err
	}
	if got := rules.UsableAfterExpiry(rules.Service(svc), e, o); got.Allowed != (is == "is") {
		return fmt.Errorf("%s: %+v", svc, got)
	}
	return nil
}

func (s rulesSteps) serviceUsesCertificate(svc, cert string) error {
	want, err := jpki.ParseKind(cert)
	if err != nil {
		return err
	}
	if got, ok := rules.Needs(rules.Service(svc)); !ok || got != want {
		return fmt.Errorf("%s uses the %v certificate (%v)", svc, got, ok)
	}
	return nil
}

func (s rulesSteps) phoneCertificatesSetUp(on, can, p, without string) error {
	o, err := pd(on)
	if err != nil {
		return err
	}
	if got := rules.PhoneProvisioning(rules.Platform(p), o, without == ""); got.Allowed != (can == "can") {
		return fmt.Errorf("%s on %s: %+v", p, on, got)
	}
	return nil
}

func (s rulesSteps) validSigningPassword(v, is, when string) error {
	err := rules.CheckSigningPassword(v, when == "at issuance")
	if (err == nil) != (is == "is") {
		return fmt.Errorf("%q: %v", v, err)
	}
	return nil
}

func (s rulesSteps) validFourDigitPIN(v, is string) error {
	err := rules.CheckFourDigitPIN(v)
	if (err == nil) != (is == "is") {
		return fmt.Errorf("%q: %v", v, err)
	}
	return nil
}

func (s rulesSteps) pinTries(sign, four int) error {
	if jpki.SigningPIN.MaxTries() != sign {
		return fmt.Errorf("the signing password allows %d tries", jpki.SigningPIN.MaxTries())
	}
	for _, p := range []jpki.PIN{jpki.AuthPIN, jpki.KenhojoPIN, jpki.JukiPIN} {
		if n := p.MaxTries(); n != four {
			return fmt.Errorf("the %v allows %d tries", p, n)
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
