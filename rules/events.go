package rules

import (
	"fmt"
	"strings"

	"github.com/jpkisim/jpkisim/jpki"
)

// Status of a certificate in the office's records.
type Status string

// Certificate statuses.
const (
	Valid     Status = "valid"
	Revoked   Status = "revoked"
	Suspended Status = "suspended" // temporary hold (一時保留)
	Expired   Status = "expired"
	Absent    Status = "absent" // never issued (e.g. under 15)
)

// Reason is a revocation reason as relying parties see it (RFC 5280 codes,
// mapped as the platform vendor of RP-04 exposes them).
type Reason int

// Reasons (RFC 5280 §5.3.1).
const (
	Unspecified          Reason = 0
	KeyCompromise        Reason = 1
	CACompromise         Reason = 2
	AffiliationChanged   Reason = 3 // certificate contents changed: name, address (RP-04)
	Superseded           Reason = 4 // renewed
	CessationOfOperation Reason = 5 // no longer needed: request, death, departure
	CertificateHold      Reason = 6 // loss report (HOLD-01)
)

var reasonNames = map[Reason]string{Unspecified: "unspecified", KeyCompromise: "keyCompromise", CACompromise: "cACompromise",
	AffiliationChanged: "affiliationChanged", Superseded: "superseded", CessationOfOperation: "cessationOfOperation", CertificateHold: "certificateHold"}

// String is the RFC 5280 name, e.g. affiliationChanged.
func (r Reason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// MarshalText gives the name in JSON.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// ParseReason reads an RFC 5280 reason name such as affiliationChanged.
func ParseReason(s string) (Reason, bool) {
	for r, n := range reasonNames {
		if n == s {
			return r, true
		}
	}
	return 0, false
}

// Event is something that happens to the holder or the card.
type Event string

// Events the office records.
const (
	NameChange      Event = "name-change"
	AddressChange   Event = "address-change"
	BirthDateChange Event = "birth-date-change"
	SexChange       Event = "sex-change"
	Death           Event = "death"
	DepartureKeep   Event = "departure-continued-use" // moving abroad with the continued-use procedure (ABROAD-01)
	Departure       Event = "departure"               // moving abroad without it (ABROAD-02)
	RevokeSigning   Event = "revoke-signing"          // the holder's request
	RevokeAuth      Event = "revoke-auth"             // the holder's request
	KeyCompromised  Event = "key-compromise"
	Loss            Event = "loss" // loss or theft reported
	Found           Event = "found"
)

// Events lists the events in a stable order.
var Events = []Event{NameChange, AddressChange, BirthDateChange, SexChange, Death, DepartureKeep, Departure,
	RevokeSigning, RevokeAuth, KeyCompromised, Loss, Found}

// Effect is what an event does to one certificate.
type Effect struct {
	Status Status `json:"status"` // the new status; "" means unchanged
	Reason Reason `json:"reason,omitempty"`
	Rule   string `json:"rule"`
}

// Unchanged reports an event that leaves the certificate as it was.
func (e Effect) Unchanged() bool { return e.Status == "" }

// Effects says what an event does to the signing and the auth certificate
// (REVOKE-01..05, ABROAD-02..04, HOLD-01, HOLD-02, CERT-04).
func Effects(e Event) (signing, auth Effect, err error) {
	keep := func(rule string) Effect { return Effect{Rule: rule} }
	switch e {
	case NameChange, AddressChange, BirthDateChange, SexChange:
		return Effect{Revoked, AffiliationChanged, "REVOKE-01"}, keep("REVOKE-05"), nil
	case Death:
		return Effect{Revoked, CessationOfOperation, "REVOKE-02"}, Effect{Revoked, CessationOfOperation, "REVOKE-05"}, nil
	case DepartureKeep:
		return Effect{Revoked, CessationOfOperation, "ABROAD-03"}, keep("ABROAD-04"), nil
	case Departure:
		return Effect{Revoked, CessationOfOperation, "ABROAD-02"}, Effect{Revoked, CessationOfOperation, "ABROAD-02"}, nil
	case RevokeSigning:
		return Effect{Revoked, CessationOfOperation, "REVOKE-03"}, keep("REVOKE-03"), nil
	case RevokeAuth:
		return keep("REVOKE-03"), Effect{Revoked, CessationOfOperation, "REVOKE-03"}, nil
	case KeyCompromised:
		return Effect{Revoked, KeyCompromise, "REVOKE-03"}, Effect{Revoked, KeyCompromise, "REVOKE-03"}, nil
	case Loss:
		return Effect{Suspended, CertificateHold, "HOLD-01"}, Effect{Suspended, CertificateHold, "HOLD-01"}, nil
	case Found:
		return Effect{Valid, 0, "HOLD-02"}, Effect{Valid, 0, "HOLD-02"}, nil
	}
	return Effect{}, Effect{}, fmt.Errorf("unknown event %q", e)
}

// Operation is a service at the office or a kiosk that may cost a fee.
type Operation string

// Operations with fees.
const (
	FirstIssuance     Operation = "first-issuance"
	RenewalOp         Operation = "renewal"
	ReissueCard       Operation = "reissue-card"       // loss, damage, own convenience: the card alone
	ReissueWithCerts  Operation = "reissue-with-certs" // the same, with the certificates
	ReissueFree       Operation = "reissue-free"       // after expiry or a full remarks field
	RevocationRequest Operation = "revocation-request"
)

var operationNames = []string{string(FirstIssuance), string(RenewalOp), string(ReissueCard), string(ReissueWithCerts), string(ReissueFree), string(RevocationRequest)}

// Fee is the fee in yen of an operation (FEE-01..04).
func Fee(op Operation) (yen int, rule string, err error) {
	switch op {
	case FirstIssuance, RenewalOp:
		return 0, "FEE-01", nil
	case ReissueCard:
		return 800, "FEE-02", nil
	case ReissueWithCerts:
		return 1000, "FEE-02", nil
	case ReissueFree:
		return 0, "FEE-03", nil
	case RevocationRequest:
		return 0, "FEE-04", nil
	}
	return 0, "", fmt.Errorf("unknown operation %q; operations: %s", op, strings.Join(operationNames, ", "))
}

// Path is where a PIN can be reset.
type Path struct {
	Where string `json:"where"` // "office" or "kiosk"
	Rule  string `json:"rule"`
	Needs string `json:"needs"`
}

// UnlockPaths lists where a forgotten or locked PIN can be reset
// (UNLOCK-01, -02, -04): always at the municipal office with photo ID; at a
// kiosk with the JPKI reset app, the signing password by proving the auth
// PIN and the auth PIN by proving the signing password — so not when both
// are forgotten — and never the Kenhojo or Juki PIN. knowsOther says
// whether the holder knows (and has not locked) the other JPKI PIN.
func UnlockPaths(p jpki.PIN, knowsOther bool) []Path {
	paths := []Path{{Where: "office", Rule: "UNLOCK-01", Needs: "the municipal counter, with photo ID"}}
	switch p {
	case jpki.SigningPIN:
		if knowsOther {
			paths = append(paths, Path{Where: "kiosk", Rule: "UNLOCK-02", Needs: "the auth PIN, the JPKI reset app and a kiosk (06:30-23:00, UNLOCK-03)"})
		}
	case jpki.AuthPIN:
		if knowsOther {
			paths = append(paths, Path{Where: "kiosk", Rule: "UNLOCK-02", Needs: "the signing password, the JPKI reset app and a kiosk (06:30-23:00, UNLOCK-03)"})
		}
	}
	return paths
}
