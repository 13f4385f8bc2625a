package conformance

import (
	"maps"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
)

// State is a card state a check needs the program run against
// (docs/conformance.md, "The card states"): a card profile of
// fixtures/profiles/ and, where no profile does it, the settings the
// served card's control interface applies on top of it.
type State struct {
	// Name is the state's stable name, as Session.State and a check's
	// States give it.
	Name string
	// Summary says in one line what the card is like.
	Summary string
	// Profile is the card profile the card is made from (fixtures/README.md).
	Profile string
	// TriesLeft sets retry counters on top of the profile's (0 is a locked
	// PIN); nil leaves the profile's.
	TriesLeft map[jpki.PIN]int
	// SignatureLatency delays every answer to COMPUTE DIGITAL SIGNATURE
	// (INS 2A) by this long: the profile fault `latency: {"2A": …}`
	// (fixtures/README.md, "Faults"); 0 for none.
	SignatureLatency time.Duration
	// Certificates is what the office's record and the certificates say of
	// the card's certificates where that is not "valid": revoked or
	// suspended (the profile's pki: block, which `serve --pki` publishes),
	// expired (the certificates' notAfter), absent (never issued). The
	// checks read it; the profile makes it so.
	Certificates map[jpki.Kind]rules.Status
}

// The names of the states.
const (
	Fresh              = "fresh"
	AuthOneTryLeft     = "auth-one-try-left"
	SigningOneTryLeft  = "signing-one-try-left"
	SigningLocked      = "signing-locked"
	AuthLocked         = "auth-locked"
	Expired            = "expired"
	Revoked            = "revoked"
	OnHold             = "on-hold"
	SlowSignature      = "slow-signature"
	CounterQuery6A80   = "counter-query-6a80"
	T0                 = "t0"
	Under15            = "under-15"
	slowSignatureDelay = 2 * time.Second
)

var states = []State{
	{Name: Fresh, Summary: "a new card: both certificates valid, full retry counters (3 and 5)", Profile: "default"},
	{Name: AuthOneTryLeft, Summary: "the auth PIN has one try left (two wrong entries before)", Profile: "default",
		TriesLeft: map[jpki.PIN]int{jpki.AuthPIN: 1}},
	{Name: SigningOneTryLeft, Summary: "the signing password has one try left (four wrong entries before)", Profile: "default",
		TriesLeft: map[jpki.PIN]int{jpki.SigningPIN: 1}},
	{Name: SigningLocked, Summary: "the signing password is blocked: every VERIFY of it answers 6984", Profile: "signing-locked"},
	{Name: AuthLocked, Summary: "the auth PIN is blocked: every VERIFY of it answers 6984", Profile: "auth-locked"},
	{Name: Expired, Summary: "both certificates expired (the card answers as usual)", Profile: "expired",
		Certificates: map[jpki.Kind]rules.Status{jpki.Signing: rules.Expired, jpki.Auth: rules.Expired}},
	{Name: Revoked, Summary: "the signing certificate revoked after a change of address (affiliationChanged); the auth certificate valid", Profile: "revoked-address-change",
		Certificates: map[jpki.Kind]rules.Status{jpki.Signing: rules.Revoked}},
	{Name: OnHold, Summary: "both certificates on hold after a loss report (certificateHold)", Profile: "suspended",
		Certificates: map[jpki.Kind]rules.Status{jpki.Signing: rules.Suspended, jpki.Auth: rules.Suspended}},
	{Name: SlowSignature, Summary: "every COMPUTE DIGITAL SIGNATURE answers after about 2 s, as over NFC", Profile: "default",
		SignatureLatency: slowSignatureDelay},
	{Name: CounterQuery6A80, Summary: "the empty VERIFY (the retry-counter query) answers 6A80; a VERIFY with data works", Profile: "counter-query-6a80"},
	{Name: T0, Summary: "a T=0 card: answers with data come as 61xx for GET RESPONSE, a READ BINARY past the end as 6Cxx", Profile: "t0"},
	{Name: Under15, Summary: "a child's card: no signing certificate (EF 0001 filler, no key in EF 001A), EF 0008 00 8F 00", Profile: "under-15",
		Certificates: map[jpki.Kind]rules.Status{jpki.Signing: rules.Absent}},
}

// States returns every card state the checks need, in docs/conformance.md's
// order. The slice and its maps are copies.
func States() []State {
	out := make([]State, len(states))
	for i, s := range states {
		out[i] = s.clone()
	}
	return out
}

// StateByName finds a state by its Name.
func StateByName(name string) (State, bool) {
	for _, s := range states {
		if s.Name == name {
			return s.clone(), true
		}
	}
	return State{}, false
}

func (s State) clone() State {
	s.TriesLeft = maps.Clone(s.TriesLeft)
	s.Certificates = maps.Clone(s.Certificates)
	return s
}

// oneTryLeft returns the PIN a state leaves one try on.
func (s State) oneTryLeft() (jpki.PIN, bool) {
	for p, n := range s.TriesLeft {
		if n == 1 {
			return p, true
		}
	}
	return 0, false
}
