package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"golang.org/x/crypto/ocsp"

	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
)

// Records is the office's certificate database: what the CRLs and the OCSP
// responder publish (RP-03), the office's record of each certificate
// (record.Cert) by kind and serial. It is safe for concurrent use.
type Records struct {
	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	kind jpki.Kind
	cert record.Cert
}

// NewRecords returns an empty database.
func NewRecords() *Records { return &Records{entries: map[string]*entry{}} }

func key(k jpki.Kind, serial *big.Int) string { return fmt.Sprintf("%d/%x", k, serial) }

// Put records a certificate of kind k with its status (a copy of c). An
// error for an invalid kind or a record without a serial.
func (r *Records) Put(k jpki.Kind, c record.Cert) error {
	if err := validKind(k); err != nil {
		return err
	}
	if c.Serial == nil {
		return fmt.Errorf("pki: a %v certificate's record without a serial", k)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[key(k, c.Serial)] = &entry{k, c.Clone()}
	return nil
}

// Publish records a card's certificates: each of the two that has a
// serial and is not absent, and every former one (revoked). An error as
// Put's.
func (r *Records) Publish(rec record.Certificates) error {
	for _, k := range jpki.Kinds {
		if c := rec.For(k); c.Serial != nil && c.State() != rules.Absent {
			if err := r.Put(k, *c); err != nil {
				return err
			}
		}
	}
	for _, f := range rec.Former {
		if err := r.Put(f.Kind, f.Cert); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the record of a certificate (a copy).
func (r *Records) Get(k jpki.Kind, serial *big.Int) (record.Cert, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[key(k, serial)]
	if !ok {
		return record.Cert{}, false
	}
	return e.cert.Clone(), true
}

// Apply sets a new status on a recorded certificate: revoked with a reason,
// suspended (certificateHold), or valid again (a hold lifted); at is the
// time of the revocation or hold.
func (r *Records) Apply(k jpki.Kind, serial *big.Int, status rules.Status, reason rules.Reason, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[key(k, serial)]
	if !ok {
		return fmt.Errorf("no %v certificate with serial %x", k, serial)
	}
	c := &e.cert
	if c.State() == rules.Revoked {
		return fmt.Errorf("the %v certificate %x is already revoked", k, serial)
	}
	c.Status, c.Reason, c.Since = status, reason, at
	if status == rules.Valid {
		c.Reason, c.Since = 0, time.Time{}
	}
	return nil
}

func (r *Records) revoked(k jpki.Kind) []x509.RevocationListEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []x509.RevocationListEntry
	for _, e := range r.entries {
		if s := e.cert.State(); e.kind != k || (s != rules.Revoked && s != rules.Suspended) {
			continue
		}
		out = append(out, x509.RevocationListEntry{SerialNumber: e.cert.Serial, RevocationTime: e.cert.Since, ReasonCode: int(e.cert.Reason)})
	}
	return out
}

// Authority is one TEST-ONLY CA with the office's records: it signs CRLs
// and OCSP responses.
type Authority struct {
	Kind    jpki.Kind
	Cert    *x509.Certificate
	Key     *rsa.PrivateKey
	Records *Records
	// CRLNumber grows with every CRL made.
	mu        sync.Mutex
	crlNumber int64
}

// CRL makes a DER CRL, valid from now for a day, listing revoked and held
// certificates with their reasons (RP-03, RP-04).
func (a *Authority) CRL(now time.Time) ([]byte, error) {
	a.mu.Lock()
	a.crlNumber++
	n := a.crlNumber
	a.mu.Unlock()
	tmpl := &x509.RevocationList{
		Number:                    big.NewInt(n),
		ThisUpdate:                now,
		NextUpdate:                now.Add(24 * time.Hour),
		RevokedCertificateEntries: a.Records.revoked(a.Kind),
	}
	return x509.CreateRevocationList(rand.Reader, tmpl, a.Cert, a.Key)
}

// OCSP answers a DER OCSP request (RFC 6960): good, revoked with its reason
// (a hold is revoked with certificateHold), or unknown; signed by the CA.
func (a *Authority) OCSP(der []byte, now time.Time) ([]byte, error) {
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	tmpl := ocsp.Response{SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour), Status: ocsp.Unknown}
	if e, ok := a.Records.Get(a.Kind, req.SerialNumber); ok && req.HashAlgorithm.Available() && a.issuedBy(req) {
		switch e.State() {
		case rules.Revoked, rules.Suspended:
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, e.Since, int(e.Reason)
		default:
			tmpl.Status = ocsp.Good
		}
	}
	return ocsp.CreateResponse(a.Cert, a.Cert, tmpl, a.Key)
}

// issuedBy checks that a request names this CA by its name and key hashes.
func (a *Authority) issuedBy(req *ocsp.Request) bool {
	h := req.HashAlgorithm.New()
	h.Write(a.Cert.RawSubject)
	if !equal(h.Sum(nil), req.IssuerNameHash) {
		return false
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(a.Cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h = req.HashAlgorithm.New()
	h.Write(spki.PublicKey.Bytes)
	return equal(h.Sum(nil), req.IssuerKeyHash)
}

func equal(a, b []byte) bool { return string(a) == string(b) }

// Responder serves OCSP and CRLs over HTTP for the signing and auth CAs:
//
//	POST /ocsp/sign, /ocsp/auth                 an OCSP request body
//	GET  /ocsp/sign/BASE64, /ocsp/auth/BASE64   RFC 6960 appendix A.1
//	GET  /crl/sign.crl, /crl/auth.crl           the current DER CRL
type Responder struct {
	Signing, Auth *Authority
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (rs *Responder) now() time.Time {
	if rs.Now != nil {
		return rs.Now()
	}
	return time.Now()
}

// byKind returns the authority of kind k; nil for a kind that names
// neither.
func (rs *Responder) byKind(k jpki.Kind) *Authority {
	switch k {
	case jpki.Signing:
		return rs.Signing
	case jpki.Auth:
		return rs.Auth
	}
	return nil
}

func (rs *Responder) authority(name string) *Authority {
	for _, k := range jpki.Kinds {
		if Abbrev(k) == name {
			return rs.byKind(k)
		}
	}
	return nil
}

// Abbrev is the short name of a kind in the TEST-ONLY PKI's URLs
// (/ocsp/sign, /crl/auth.crl: Responder) and file names
// (fixtures/pki/TEST-ONLY-sign-ca.key.pem): "sign" or "auth"; "" for a
// kind that names neither.
func Abbrev(k jpki.Kind) string {
	switch k {
	case jpki.Signing:
		return "sign"
	case jpki.Auth:
		return "auth"
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (rs *Responder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "crl" && r.Method == http.MethodGet:
		a := rs.authority(strings.TrimSuffix(parts[1], ".crl"))
		if a == nil || !strings.HasSuffix(parts[1], ".crl") {
			http.NotFound(w, r)
			return
		}
		der, err := a.CRL(rs.now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(der)
	case len(parts) >= 2 && parts[0] == "ocsp":
		a := rs.authority(parts[1])
		if a == nil {
			http.NotFound(w, r)
			return
		}
		var req []byte
		var err error
		switch {
		case r.Method == http.MethodPost && len(parts) == 2:
			req, err = io.ReadAll(io.LimitReader(r.Body, 64<<10))
		case r.Method == http.MethodGet && len(parts) >= 3:
			req, err = base64.StdEncoding.DecodeString(strings.Join(parts[2:], "/"))
		default:
			http.Error(w, "use POST /ocsp/{sign,auth} or GET /ocsp/{sign,auth}/BASE64", http.StatusMethodNotAllowed)
			return
		}
		resp := ocsp.MalformedRequestErrorResponse
		if err == nil {
			if resp, err = a.OCSP(req, rs.now()); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(resp)
	default:
		http.NotFound(w, r)
	}
}
