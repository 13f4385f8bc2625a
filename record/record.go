// Package record owns the office's record of a card's certificates: for
// each of the two certificates the card holds (jpki.Kind) its status,
// revocation reason, serial and dates, and the certificates it held before
// (replaced by a renewal or a re-issue), which stay published as revoked.
//
// It is the one shape of that record. A profile carries it
// (simulator.Profile.Office, read from the profile file's pki: block by
// package fixtures), the card state file keeps it (package store; its JSON
// form is docs/state-file.md, "Format"), the office changes it (package
// office) and the TEST-ONLY PKI publishes it as OCSP answers and CRLs
// (package pki). It imports only jpki, rules (whose Status and Reason it
// records; rules itself imports only jpki) and the standard library, so
// that package simulator can hold it without importing any of those.
package record

import (
	"math/big"
	"slices"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
)

// Cert is the office's record of one certificate.
type Cert struct {
	// Status is valid, revoked, suspended (on hold after a loss report,
	// HOLD-01) or absent (never issued: a holder under 15, AGE-01). The
	// zero value "" reads as valid (State).
	Status rules.Status
	// Reason is the RFC 5280 reason of a revoked or suspended certificate
	// (certificateHold for a hold); zero otherwise.
	Reason rules.Reason
	// Serial is the certificate's serial number; nil when the office has
	// not recorded it: the certificate on the card says it (the profile's,
	// or the one in its EF).
	Serial *big.Int
	// Since is when the certificate was revoked or put on hold; zero when
	// not recorded (the responder then dates it from its own start).
	Since time.Time
	// NotAfter is the certificate's expiry, recorded for a former
	// certificate; zero for the current ones, whose certificate on the card
	// says it.
	NotAfter time.Time
}

// State is the certificate's status, with the zero value read as valid.
func (c Cert) State() rules.Status {
	if c.Status == "" {
		return rules.Valid
	}
	return c.Status
}

// Clone returns a copy that shares no memory with c (its own Serial).
func (c Cert) Clone() Cert {
	if c.Serial != nil {
		c.Serial = new(big.Int).Set(c.Serial)
	}
	return c
}

// Former is a certificate the card no longer holds: replaced by a renewal
// (reason superseded) or re-issued after a revocation (the reason it was
// revoked for). Its Status is revoked, and Serial, Since and NotAfter are
// set.
type Former struct {
	Kind jpki.Kind
	Cert
}

// Certificates is the office's record of one card's certificates.
//
// It has one field per kind rather than a map from jpki.Kind: the card
// always has both certificates' records (one never issued is recorded
// absent), so the zero value is a complete record (both valid), a copy of
// the struct copies both, and a reader sees the two by name; For gives
// the per-kind access that code looping over jpki.Kinds needs.
type Certificates struct {
	Signing, Auth Cert
	// Former lists the certificates the card held before, oldest first.
	Former []Former
}

// For returns the record of the certificate of kind k, which the caller
// may change; nil for a kind that names neither.
func (c *Certificates) For(k jpki.Kind) *Cert {
	switch k {
	case jpki.Signing:
		return &c.Signing
	case jpki.Auth:
		return &c.Auth
	}
	return nil
}

// Clone returns a copy that shares no memory with c.
func (c Certificates) Clone() Certificates {
	c.Signing, c.Auth = c.Signing.Clone(), c.Auth.Clone()
	if c.Former != nil {
		c.Former = slices.Clone(c.Former)
		for i := range c.Former {
			c.Former[i].Cert = c.Former[i].Cert.Clone()
		}
	}
	return c
}
