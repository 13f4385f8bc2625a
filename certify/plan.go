package certify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/report"
)

// Case is one run of a certification: the card state and what the program
// is given for its PIN.
type Case struct {
	State conformance.State
	// Entry is "" when the program is given no PIN.
	Entry conformance.Given
}

// statePIN is the PIN a state is about, for the states that are about one:
// a program given the other PIN is not run in them.
var statePIN = map[string]jpki.PIN{
	conformance.AuthOneTryLeft:    jpki.AuthPIN,
	conformance.AuthLocked:        jpki.AuthPIN,
	conformance.SigningOneTryLeft: jpki.SigningPIN,
	conformance.SigningLocked:     jpki.SigningPIN,
}

// Plan is the runs a certification makes of a program given PIN pin (0:
// none) for conformance profile profile (docs/conformance.md, "Certifying a
// program"): every state a check of the profile needs, with the configured
// PIN — except the states about the other PIN — then, on a fresh card, the
// entries the PIN checks need: an empty entry (CLIENT-01), a wrong one
// (CLIENT-02) and, for the signing password, the configured one in lower
// case (CLIENT-03). Errors: an unknown profile.
func Plan(profile string, pin jpki.PIN) ([]Case, error) {
	checks := conformance.InProfile(profile)
	if len(checks) == 0 {
		return nil, fmt.Errorf("no conformance profile %q (want one of %v)", profile, conformance.Profiles)
	}
	var need []string
	has := map[string]bool{}
	for _, c := range checks {
		need = append(need, c.States...)
		has[c.ID] = true
	}
	entry := conformance.Given("")
	if pin != 0 {
		entry = conformance.Configured
	}
	var out []Case
	for _, st := range conformance.States() {
		if !slices.Contains(need, st.Name) {
			continue
		}
		if p, ok := statePIN[st.Name]; ok && p != pin {
			continue
		}
		out = append(out, Case{State: st, Entry: entry})
	}
	if pin == 0 {
		return out, nil
	}
	fresh, _ := conformance.StateByName(conformance.Fresh)
	if has["CLIENT-01"] {
		out = append(out, Case{State: fresh, Entry: conformance.Empty})
	}
	if has["CLIENT-02"] {
		out = append(out, Case{State: fresh, Entry: conformance.Wrong})
	}
	if has["CLIENT-03"] && pin == jpki.SigningPIN {
		out = append(out, Case{State: fresh, Entry: conformance.ConfiguredLowercase})
	}
	return out, nil
}

// Value is the entry a case gives for PIN pin of the card of st: the
// configured value, in lower case, a wrong value of the PIN's format, or
// nothing. Errors: a profile that does not load.
func Value(st conformance.State, pin jpki.PIN, entry conformance.Given) ([]byte, error) {
	p, err := fixtures.Profile(st.Profile)
	if err != nil {
		return nil, err
	}
	v := p.AuthPIN
	if pin == jpki.SigningPIN {
		v = p.SigningPIN
	}
	return EntryOf(v, pin, entry), nil
}

// EntryOf is the entry of kind entry for a PIN whose configured value is
// configured.
func EntryOf(configured []byte, pin jpki.PIN, entry conformance.Given) []byte {
	v := slices.Clone(configured)
	switch entry {
	case conformance.ConfiguredLowercase:
		for i, b := range v {
			if b >= 'A' && b <= 'Z' {
				v[i] = b + 'a' - 'A'
			}
		}
	case conformance.Wrong:
		v = Wrong(v, pin)
	case conformance.Empty:
		v = []byte{}
	}
	return v
}

// Wrong is a value of p's format that is not correct: its first
// character moved on by one in its class (NextChar); for no correct value,
// WRONG1 or 0000.
func Wrong(correct []byte, p jpki.PIN) []byte {
	w := slices.Clone(correct)
	if len(w) == 0 {
		if p == jpki.SigningPIN {
			return []byte("WRONG1")
		}
		return []byte("0000")
	}
	w[0] = NextChar(w[0])
	return w
}

// NextChar is the character after b in its class (0-9, A-Z), wrapping
// round; '0' for any other.
func NextChar(b byte) byte {
	switch {
	case b >= '0' && b < '9', b >= 'A' && b < 'Z':
		return b + 1
	case b == '9':
		return '0'
	case b == 'Z':
		return 'A'
	}
	return '0'
}

// Certificate is the DER certificate of the key pin opens on the card of
// st (the signing certificate for the signing password, the auth
// certificate for the auth PIN); nil when the card has none.
func Certificate(st conformance.State, pin jpki.PIN) []byte {
	p, err := fixtures.Profile(st.Profile)
	if err != nil {
		return nil
	}
	k := jpki.Auth
	if pin == jpki.SigningPIN {
		k = jpki.Signing
		if p.NoSigningCert {
			return nil
		}
	}
	return p.Cert(k)
}

// Judge judges every run of a certification by the checks of its profile
// and fills c.Checks (report.CheckResult: failed when a run failed, passed
// when none failed and one passed, else not applicable, with the reason of
// the first run in a state of the check's). A run with a harness Error is
// not judged. sessions[i] is the session of c.Runs[i].
func Judge(c *report.Certification, checks []conformance.Check, sessions []conformance.Session) {
	c.Checks = nil
	for _, ck := range checks {
		r := report.CheckResult{ID: ck.ID, Title: ck.Title, Statement: ck.Statement, Why: ck.Why, Sources: ck.Sources,
			Judged: ck.Judged, Words: ck.Words, Outcome: conformance.NotApplicable, Run: -1}
		decided := -1
		for i, s := range sessions {
			v := conformance.Verdict{Outcome: conformance.NotApplicable, Reason: "the run did not take place: " + c.Runs[i].Error}
			if c.Runs[i].Error == "" {
				v = ck.Judge(s)
			}
			r.PerRun = append(r.PerRun, v)
			switch {
			case v.Outcome == conformance.Failed && r.Outcome != conformance.Failed,
				v.Outcome == conformance.Passed && r.Outcome == conformance.NotApplicable:
				r.Outcome, decided = v.Outcome, i
			}
		}
		if decided >= 0 {
			r.Run, r.Reason, r.Seqs = decided, r.PerRun[decided].Reason, r.PerRun[decided].Seqs
		} else if len(r.PerRun) > 0 {
			// The reason of a run in a state the check is about says most.
			first := slices.IndexFunc(c.Runs, func(run report.ClientRun) bool { return slices.Contains(ck.States, run.State) })
			if first >= 0 {
				r.Reason = fmt.Sprintf("not applicable in any run; in state %s: %s", c.Runs[first].State, r.PerRun[first].Reason)
			} else {
				r.Reason = fmt.Sprintf("not run in the states it needs (%s), which are about a PIN the program was not given; the first run: %s",
					strings.Join(ck.States, ", "), r.PerRun[0].Reason)
			}
		} else {
			r.Reason = "no run took place"
		}
		c.Checks = append(c.Checks, r)
	}
}
