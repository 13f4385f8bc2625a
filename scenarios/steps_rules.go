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

// ruleSteps are the steps of the lifecycle features. They never touch the
// card: they check the rules package against rules.md's examples.
func ruleSteps(w *world, add func(string, any)) {
	r := &w.rules
	add(`^a holder born on `+date+`$`, func(s string) (err error) { r.birth, err = pd(s); return })
	add(`^the holder is an adult ward$`, func() { r.ward = true })
	add(`^the holder is a foreign resident whose period of stay ends on `+date+`$`, func(s string) (err error) {
		r.residence = rules.Other
		r.residenceEnd, err = pd(s)
		return
	})
	add(`^the holder is a (permanent|special-permanent) resident$`, func(s string) (err error) {
		r.residence, err = rules.ParseResidence(s)
		return
	})
	add(`^the card expires on `+date+`$`, func(s string) (err error) { r.cardEnd, err = pd(s); return })
	issue := func(issued, renewalOf string) error {
		in := rules.ValidityInput{Birth: r.birth, CardExpiry: r.cardEnd, Residence: r.residence, ResidenceExpiry: r.residenceEnd}
		var err error
		if in.Issued, err = pd(issued); err != nil {
			return err
		}
		if renewalOf != "" {
			if in.RenewalOf, err = pd(renewalOf); err != nil {
				return err
			}
		}
		r.validity, err = rules.ComputeValidity(in)
		return err
	}
	add(`^the certificates are issued on `+date+`$`, func(s string) error { return issue(s, "") })
	add(`^the certificates are renewed on `+date+` from certificates expiring on `+date+`$`, issue)
	add(`^both certificates expire on `+date+` at 23:59:59 Japan time$`, func(s string) error {
		want, err := pd(s)
		if err != nil {
			return err
		}
		v := r.validity
		if v.SigningExpiry != want || v.AuthExpiry != want {
			return fmt.Errorf("certificates expire %s / %s, want %s", v.SigningExpiry, v.AuthExpiry, want)
		}
		if end := want.EndOfDay().UTC().Format("15:04:05"); end != "14:59:59" {
			return fmt.Errorf("end of day is %s UTC", end)
		}
		return nil
	})
	add(`^the expiry follows ([A-Z0-9 ,-]+)$`, func(list string) error {
		want := strings.Split(strings.ReplaceAll(list, " and ", ", "), ", ")
		if !slices.Equal(r.validity.Rules, want) {
			return fmt.Errorf("the expiry follows %v, want %v", r.validity.Rules, want)
		}
		return nil
	})
	add(`^a card applied for on `+date+` and issued on `+date+` expires on `+date+`$`, func(a, i, want string) error {
		ad, err1 := pd(a)
		id, err2 := pd(i)
		wd, err3 := pd(want)
		if err := firstErr(err1, err2, err3); err != nil {
			return err
		}
		if got := rules.CardExpiry(r.birth, ad, id); got != wd {
			return fmt.Errorf("the card expires %s, want %s", got, wd)
		}
		return nil
	})
	add(`^on `+date+` the holder is (\d+) years old$`, func(on string, age int) error {
		d, err := pd(on)
		if err != nil {
			return err
		}
		if got := rules.Age(r.birth, d); got != age {
			return fmt.Errorf("age %d, want %d", got, age)
		}
		return nil
	})
	add(`^on `+date+` the holder (may|may not) hold a signing certificate$`, func(on, may string) error {
		d, err := pd(on)
		if err != nil {
			return err
		}
		s, _ := rules.Eligibility(r.birth, d, r.ward)
		if s.Allowed != (may == "may") || s.Rule != "AGE-01" {
			return fmt.Errorf("signing certificate: %+v", s)
		}
		return nil
	})
	add(`^on `+date+` the holder may hold an auth certificate applied for by (the holder|the legal representative)$`, func(on, who string) error {
		d, err := pd(on)
		if err != nil {
			return err
		}
		_, a := rules.Eligibility(r.birth, d, r.ward)
		rep := strings.Contains(a.Reason, "legal representative")
		if !a.Allowed || a.Rule != "AGE-03" || rep != (who == "the legal representative") {
			return fmt.Errorf("auth certificate: %+v", a)
		}
		return nil
	})
	add(`^for certificates expiring on `+date+` renewal is (open|closed) on `+date+`$`, func(exp, state, on string) error {
		e, err1 := pd(exp)
		o, err2 := pd(on)
		if err := firstErr(err1, err2); err != nil {
			return err
		}
		r.renewalExpiry, r.renewal = e, rules.RenewalWindow(e, o, r.cardEnd)
		if r.renewal.Open != (state == "open") {
			return fmt.Errorf("renewal on %s: %+v", on, r.renewal)
		}
		return nil
	})
	add(`^renewal opens on `+date+` under ([A-Z]+-\d+)$`, func(s, rule string) error {
		want, err := pd(s)
		if err != nil {
			return err
		}
		if r.renewal.OpensOn != want {
			return fmt.Errorf("renewal opens on %s, want %s", r.renewal.OpensOn, want)
		}
		if r.renewal.Rule != rule {
			return fmt.Errorf("rule %s, want %s", r.renewal.Rule, rule)
		}
		return nil
	})
	add(`^the expiry notice for certificates expiring on `+date+` is expected from `+date+` to `+date+`$`, func(exp, from, to string) error {
		e, err := pd(exp)
		if err != nil {
			return err
		}
		f, t := rules.ExpiryNotice(e)
		if f.String() != from || t.String() != to {
			return fmt.Errorf("notice from %s to %s", f, t)
		}
		return nil
	})
	add(`^"([a-z-]+)" leaves the (signing|auth) certificate (revoked|suspended|valid|unchanged)(?: with reason (\w+))?(?: under ([A-Z]+-\d+))?$`,
		func(event, which, status, reason, rule string) error {
			s, a, err := rules.Effects(rules.Event(event))
			if err != nil {
				return err
			}
			e := s
			if which == "auth" {
				e = a
			}
			got := string(e.Status)
			if e.Unchanged() {
				got = "unchanged"
			}
			switch {
			case got != status:
				return fmt.Errorf("%s leaves the %s certificate %s", event, which, got)
			case reason != "" && e.Reason.String() != reason:
				return fmt.Errorf("reason %s, want %s", e.Reason, reason)
			case rule != "" && e.Rule != rule:
				return fmt.Errorf("rule %s, want %s", e.Rule, rule)
			}
			return nil
		})
	add(`^"([a-z-]+)" costs (\d+) yen under ([A-Z]+-\d+)$`, func(op string, yen int, rule string) error {
		got, gotRule, err := rules.Fee(rules.Operation(op))
		if err != nil {
			return err
		}
		if got != yen || gotRule != rule {
			return fmt.Errorf("%s costs %d yen (%s)", op, got, gotRule)
		}
		return nil
	})
	pinName := map[string]jpki.PIN{"signing password": jpki.SigningPIN, "auth PIN": jpki.AuthPIN, "Kenhojo PIN": jpki.KenhojoPIN, "Juki PIN": jpki.JukiPIN}
	add(`^a holder who (knows|has forgotten) the other JPKI PIN can reset the (signing password|auth PIN|Kenhojo PIN|Juki PIN) (at a kiosk and at the office|only at the office)$`,
		func(knows, pin, where string) error {
			paths := rules.UnlockPaths(pinName[pin], knows == "knows")
			kiosk := slices.ContainsFunc(paths, func(p rules.Path) bool { return p.Where == "kiosk" })
			office := slices.ContainsFunc(paths, func(p rules.Path) bool { return p.Where == "office" && p.Rule == "UNLOCK-01" })
			if !office || kiosk != (where == "at a kiosk and at the office") {
				return fmt.Errorf("reset paths of the %s: %+v", pin, paths)
			}
			return nil
		})
	add(`^a kiosk (takes|does not take) PIN resets at (\d{2}):(\d{2}) Japan time$`, func(takes string, h, m int) error {
		at := time.Date(2026, 11, 29, h, m, 0, 0, rules.JST)
		if rules.KioskOpen(at) != (takes == "takes") {
			return fmt.Errorf("kiosk open at %02d:%02d: %v", h, m, rules.KioskOpen(at))
		}
		return nil
	})
	add(`^a hold on a (card|phone) is lifted (at the office|in the app)$`, func(what, where string) error {
		p := rules.LiftHold(what == "phone")
		if (p.Where == "office") != (where == "at the office") {
			return fmt.Errorf("hold lifted: %+v", p)
		}
		return nil
	})
	add(`^(?:a|an) (government|court|accredited-ca|approved-business|platform-operator|service-provider) gets revocation information (directly|through a platform operator)$`,
		func(party, how string) error {
			d := rules.RevocationAccess(rules.Party(party))
			if d.Allowed != (how == "directly") {
				return fmt.Errorf("%s: %+v", party, d)
			}
			return nil
		})
	add(`^for a departure on `+date+` the continued-use application is (accepted|refused) on `+date+`$`, func(dep, state, on string) error {
		d, err1 := pd(dep)
		o, err2 := pd(on)
		if err := firstErr(err1, err2); err != nil {
			return err
		}
		if got := rules.ContinuedUse(d, o); got.Allowed != (state == "accepted") {
			return fmt.Errorf("%+v", got)
		}
		return nil
	})
	add(`^a (Japanese|foreign) national who left Japan on `+date+` (can|cannot) apply for a card abroad$`, func(nat, left, can string) error {
		l, err := pd(left)
		if err != nil {
			return err
		}
		if got := rules.NewCardAbroad(nat == "Japanese", l); got.Allowed != (can == "can") {
			return fmt.Errorf("%+v", got)
		}
		return nil
	})
	add(`^"([a-z-]+)" (is|is not) usable from abroad$`, func(svc, is string) error {
		if got := rules.UsableAbroad(rules.Service(svc)); got.Allowed != (is == "is") {
			return fmt.Errorf("%s: %+v", svc, got)
		}
		return nil
	})
	add(`^"([a-z-]+)" (is|is not) usable on `+date+` with certificates that expired on `+date+`$`, func(svc, is, on, exp string) error {
		o, err1 := pd(on)
		e, err2 := pd(exp)
		if err := firstErr(err1, err2); err != nil {
			return err
		}
		if got := rules.UsableAfterExpiry(rules.Service(svc), e, o); got.Allowed != (is == "is") {
			return fmt.Errorf("%s: %+v", svc, got)
		}
		return nil
	})
	add(`^"([a-z-]+)" uses the (signing|auth) certificate$`, func(svc, cert string) error {
		if got := rules.Needs(rules.Service(svc)); got != cert {
			return fmt.Errorf("%s uses %q", svc, got)
		}
		return nil
	})
	add(`^on `+date+` phone certificates (can|cannot) be set up on (android|iphone)( without a valid signing certificate)?$`, func(on, can, p, without string) error {
		o, err := pd(on)
		if err != nil {
			return err
		}
		if got := rules.PhoneProvisioning(rules.Platform(p), o, without == ""); got.Allowed != (can == "can") {
			return fmt.Errorf("%s on %s: %+v", p, on, got)
		}
		return nil
	})
	add(`^"([A-Za-z0-9-]*)" (is|is not) a valid signing password (at issuance|on the chip)$`, func(v, is, when string) error {
		err := rules.CheckSigningPassword(v, when == "at issuance")
		if (err == nil) != (is == "is") {
			return fmt.Errorf("%q: %v", v, err)
		}
		return nil
	})
	add(`^"([A-Za-z0-9]*)" (is|is not) a valid 4-digit PIN$`, func(v, is string) error {
		err := rules.CheckFourDigitPIN(v)
		if (err == nil) != (is == "is") {
			return fmt.Errorf("%q: %v", v, err)
		}
		return nil
	})
	add(`^the signing password allows (\d+) tries and each 4-digit PIN (\d+)$`, func(sign, four int) error {
		if jpki.SigningPIN.MaxTries() != sign {
			return fmt.Errorf("the signing password allows %d tries", jpki.SigningPIN.MaxTries())
		}
		for name, n := range map[string]int{"auth": jpki.AuthPIN.MaxTries(), "Kenhojo": jpki.KenhojoPIN.MaxTries(), "Juki": jpki.JukiPIN.MaxTries()} {
			if n != four {
				return fmt.Errorf("the %s PIN allows %d tries", name, n)
			}
		}
		return nil
	})
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
