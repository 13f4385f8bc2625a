package office

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// Options are the facts of an issuance or renewal the card does not hold.
type Options struct {
	// Name, Sex ("1" male, "2" female, "9" not applicable), Birth and
	// Address are the holder's basic 4 information (CERT-03). The card's
	// signing certificate supplies them when it has one; a field set here
	// replaces its value (a new address after a move, a new name). A card
	// without a signing certificate needs all four. Substitute-character
	// flags of a value given here are all 0.
	Name, Sex, Address string
	Birth              rules.Date
	// CardExpiry caps the new certificates (VALID-05); zero: the one the
	// office recorded before (store.Meta.CardExpiry), if any. A value given
	// is recorded for later issuances.
	CardExpiry rules.Date
	// Residence and ResidenceExpiry cap them for a foreign resident with a
	// period of stay (VALID-06); zero: the end of stay recorded before
	// (store.Meta.StayEnds), if any. A value given is recorded.
	Residence       rules.Residence
	ResidenceExpiry rules.Date
	// NewKey makes the card's new key pair (the card generates it on
	// board); nil: crypto/rsa, RSA-2048, e = 65537.
	NewKey func() (*rsa.PrivateKey, error)
}

// Issued is what a renewal wrote to the card.
type Issued struct {
	Kind   jpki.Kind  `json:"certificate"` // signing or auth
	Serial string     `json:"serial"`      // hex
	Expiry rules.Date `json:"expiry"`      // 23:59:59 JST that day
	Rules  []string   `json:"rules"`
}

// der returns the DER certificate at the start of an EF (SEQUENCE with a
// two-byte length), or nil.
func der(ef *simulator.EF) []byte {
	if ef == nil || len(ef.Data) < 4 || ef.Data[0] != 0x30 || ef.Data[1] != 0x82 {
		return nil
	}
	n := int(ef.Data[2])<<8 | int(ef.Data[3]) + 4
	if n > len(ef.Data) {
		return nil
	}
	return ef.Data[:n]
}

// holder is the holder of the card: the signing certificate's data (even a
// revoked one's), the name and address of the card face (Kenhojo EF 0002)
// over them, and opts' fields over those; without a signing
// certificate, opts' fields, the municipality code of the auth
// certificate's subject and the fictional municipality of every TEST-ONLY
// holder (Kakuu-ken, Mihon-shi).
func (c *Card) holder(opts Options) (pki.Holder, rules.Date, error) {
	japp := c.State.App(jpki.JPKI.AID())
	var h pki.Holder
	var birth rules.Date
	all := opts.Name != "" && opts.Sex != "" && opts.Address != "" && !opts.Birth.IsZero()
	var fromCard error = ErrNeedHolder
	if signDER := der(japp.EF(jpki.EFSigningCert)); signDER != nil {
		cert, err := x509.ParseCertificate(signDER)
		if err == nil {
			h, birth, err = holderOf(cert)
		}
		if err != nil && !all {
			return h, birth, fmt.Errorf("the signing certificate on the card: %w (give the holder's name, sex, birth date and address)", err)
		}
		fromCard = err
	}
	if fromCard != nil {
		if opts.Name == "" || opts.Sex == "" || opts.Address == "" || opts.Birth.IsZero() {
			return h, birth, ErrNeedHolder
		}
		auth := Certificate(c.State, jpki.EFAuthCert)
		if auth == nil || len(auth.Subject.CommonName) != 23 {
			return h, birth, fmt.Errorf("the auth certificate on the card has no JPKI subject")
		}
		h = pki.Holder{Prefecture: "Kakuu-ken", Municipality: "Mihon-shi", MunicipalityCode: auth.Subject.CommonName[14:19]}
	}
	// The card face is the office's record of the holder's current name
	// and address (RecordUpdate writes it): after a move it holds the new
	// address, the revoked certificate the old one.
	if b, ok, err := c.Holder(); err != nil {
		return h, birth, err
	} else if ok {
		if b.Name != h.Name {
			h.Name, h.NameFlags = b.Name, strings.Repeat("0", len([]rune(b.Name)))
		}
		if b.Address != h.Address {
			h.Address, h.AddressFlags = b.Address, strings.Repeat("0", len([]rune(b.Address)))
		}
	}
	if opts.Name != "" {
		h.Name, h.NameFlags = opts.Name, strings.Repeat("0", len([]rune(opts.Name)))
	}
	if opts.Address != "" {
		h.Address, h.AddressFlags = opts.Address, strings.Repeat("0", len([]rune(opts.Address)))
	}
	if opts.Sex != "" {
		if opts.Sex != "1" && opts.Sex != "2" && opts.Sex != "9" {
			return h, birth, fmt.Errorf("sex %q: want 1 (male), 2 (female) or 9 (not applicable)", opts.Sex)
		}
		h.Sex = opts.Sex
	}
	if !opts.Birth.IsZero() {
		birth = opts.Birth
	}
	h.BirthDate = time.Date(birth.Year, birth.Month, birth.Day, 0, 0, 0, 0, time.UTC)
	return h, birth, nil
}

// ErrNeedHolder is returned for a card without a signing certificate when
// the holder's name, sex, birth date and address are not all given.
var ErrNeedHolder = errors.New("the card holds no signing certificate: give the holder's name, sex, birth date and address")

// Certificate parses the DER certificate at the start of a JPKI EF of st
// (0001 signing, 000A auth, 0002 and 000B the CAs); nil when the EF holds
// none (filler only, or a malformed one).
func Certificate(st *simulator.State, fid uint16) *x509.Certificate {
	japp := st.App(jpki.JPKI.AID())
	if japp == nil {
		return nil
	}
	c, err := x509.ParseCertificate(der(japp.EF(fid)))
	if err != nil {
		return nil
	}
	return c
}

// holderOf reads the holder's basic information from a signing
// certificate: the SAN (card.md §9.3), the subject's two L= values and the
// municipality code in characters 15–19 of its CN.
func holderOf(cert *x509.Certificate) (pki.Holder, rules.Date, error) {
	san, err := pki.ParseSigningSAN(cert)
	if err != nil {
		return pki.Holder{}, rules.Date{}, err
	}
	if len(san.BirthDate) != 9 {
		return pki.Holder{}, rules.Date{}, fmt.Errorf("birth date %q is not EYYYYMMDD", san.BirthDate)
	}
	birth, err := rules.ParseDate(san.BirthDate[1:5] + "-" + san.BirthDate[5:7] + "-" + san.BirthDate[7:9])
	if err != nil {
		return pki.Holder{}, rules.Date{}, err
	}
	cn := cert.Subject.CommonName
	if len(cert.Subject.Locality) != 2 || len(cn) != 23 {
		return pki.Holder{}, rules.Date{}, errors.New("the signing certificate's subject is not a JPKI subject")
	}
	h := pki.Holder{Name: san.Name, NameFlags: san.NameFlags, Sex: san.Sex,
		BirthDate: time.Date(birth.Year, birth.Month, birth.Day, 0, 0, 0, 0, time.UTC),
		Address:   san.Address, AddressFlags: san.AddressFlags,
		Prefecture: cert.Subject.Locality[0], Municipality: cert.Subject.Locality[1], MunicipalityCode: cn[14:19]}
	return h, birth, nil
}

// Renew issues the card's valid certificates anew on day on, with new key
// pairs, and writes them and the keys to the card (renewal, 更新), then
// commits. The certificates replaced are recorded as revoked (superseded)
// and stay published.
//
// Each valid certificate whose renewal window is open is renewed: from 3
// months before its expiry (RENEW-01) — to the 6th birthday then
// (VALID-02) — or after it expired, as a new issuance (RENEW-04); capped as
// VALID-05 and VALID-06 say. A revoked certificate is not renewed: it is
// issued anew on request (IssueSigning). Refused: a card that lapsed
// (REVOKE-02, ABROAD-02); certificates on hold (HOLD-02: the office lifts
// the hold first); no valid certificate, or no open window (RENEW-01);
// after the card's own expiry (RENEW-04). The holder's data come from the
// signing certificate on the card and the name and address of its card
// face, with opts' fields over them (a card without a signing certificate
// needs them all: ErrNeedHolder). PINs and their retry
// counters are kept.
func (c *Card) Renew(on time.Time, opts Options) ([]Issued, error) {
	japp := c.State.App(jpki.JPKI.AID())
	if japp == nil {
		return nil, errors.New("the card has no JPKI application")
	}
	if err := c.recorded(&opts); err != nil {
		return nil, err
	}
	if err := c.live(); err != nil {
		return nil, err
	}
	for _, k := range jpki.Kinds {
		if c.Meta.Certificates.For(k).State() == rules.Suspended {
			return nil, refuse("HOLD-02", "the certificates are on hold after a loss report: the office lifts the hold (event found) before anything else")
		}
	}
	day := rules.FromTime(on.In(rules.JST))
	type due struct {
		kind    jpki.Kind
		expiry  rules.Date
		renewal bool
	}
	var todo []due
	var closed *rules.Renewal
	for _, k := range jpki.Kinds {
		if c.Meta.Certificates.For(k).State() != rules.Valid {
			continue // revoked or absent: issued anew on request, not renewed
		}
		cert := Certificate(c.State, k.CertFID())
		if cert == nil {
			continue // the record says valid, the card holds none
		}
		expiry := rules.FromTime(cert.NotAfter.In(rules.JST))
		w := rules.RenewalWindow(expiry, day, opts.CardExpiry)
		if !w.Open {
			if closed == nil || w.Rule == "RENEW-04" {
				closed = &w
			}
			continue
		}
		todo = append(todo, due{k, expiry, !day.After(expiry)})
	}
	if len(todo) == 0 {
		if closed != nil {
			return nil, refuse(closed.Rule, "%s", closed.Reason)
		}
		return nil, refuse("RENEW-01", "the card holds no valid certificate to renew: a revoked one is issued anew on request")
	}
	holder, birth, err := c.holder(opts)
	if err != nil {
		return nil, err
	}
	undo := c.keep()
	var out []Issued
	for _, d := range todo {
		in := rules.ValidityInput{Birth: birth, Issued: day, CardExpiry: opts.CardExpiry,
			Residence: opts.Residence, ResidenceExpiry: opts.ResidenceExpiry}
		if d.renewal {
			in.RenewalOf = d.expiry
		}
		v, err := rules.ComputeValidity(in)
		if err != nil {
			undo()
			return nil, err
		}
		expiry := v.AuthExpiry
		if d.kind == jpki.Signing {
			if signing, _ := rules.Eligibility(birth, day, false); !signing.Allowed {
				continue // not renewed; cannot happen for a holder who had one
			}
			expiry = v.SigningExpiry
		}
		serial, err := c.put(d.kind, holder, on, expiry, opts.NewKey)
		if err != nil {
			undo()
			return nil, err
		}
		out = append(out, Issued{Kind: d.kind, Serial: serial, Expiry: expiry, Rules: v.Rules})
	}
	if err := c.commit(); err != nil {
		undo()
		return nil, err
	}
	return out, nil
}

// ErrTooLong is wrapped when a certificate does not fit its EF (a very
// long name or address).
var ErrTooLong = errors.New("the certificate does not fit the card")

// put issues one certificate of kind k for holder, valid from on to the end
// of expiry (JST), with a new key pair, writes the certificate (padded with
// the EF's filler) and the key to the card and records it as valid in the
// office's record; it returns the serial in hex.
func (c *Card) put(k jpki.Kind, holder pki.Holder, on time.Time, expiry rules.Date, newKey func() (*rsa.PrivateKey, error)) (string, error) {
	japp := c.State.App(jpki.JPKI.AID())
	rec := c.Meta.Certificates.For(k)
	issue := pki.IssueAuth
	if k == jpki.Signing {
		issue = pki.IssueSigning
	}
	certEF, keyEF, caDER := japp.EF(k.CertFID()), japp.EF(k.KeyFID()), der(japp.EF(k.CACertFID()))
	if rec == nil || certEF == nil || keyEF == nil || caDER == nil || len(certEF.Data) == 0 {
		return "", fmt.Errorf("the card has no %v certificate, key or CA certificate EF", k)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", fmt.Errorf("%v CA certificate: %w", k, err)
	}
	caKey, err := fixtures.CAKey(k)
	if err != nil {
		return "", err
	}
	if newKey == nil {
		newKey = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }
	}
	key, err := newKey()
	if err != nil {
		return "", err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(9_999_999_999))
	if err != nil {
		return "", err
	}
	serial.Add(serial, big.NewInt(1))
	cert, err := issue(ca, caKey, &key.PublicKey, holder, serial, on, expiry.EndOfDay())
	if err != nil {
		return "", fmt.Errorf("%v certificate: %w", k, err)
	}
	if len(cert) > len(certEF.Data) {
		return "", fmt.Errorf("%w: the %v certificate is %d bytes, EF %04X holds %d", ErrTooLong, k, len(cert), certEF.FID, len(certEF.Data))
	}
	if old, err := x509.ParseCertificate(der(certEF)); err == nil && rec.State() != rules.Absent {
		// The certificate replaced stays published, revoked: superseded by
		// a renewal, or with the reason it was revoked for.
		f := record.Former{Kind: k, Cert: record.Cert{Status: rules.Revoked, Reason: rules.Superseded, Serial: old.SerialNumber,
			Since: on.UTC().Truncate(time.Second), NotAfter: old.NotAfter.UTC()}}
		if rec.State() == rules.Revoked {
			f.Reason = rec.Reason
			if !rec.Since.IsZero() {
				f.Since = rec.Since
			}
		}
		c.Meta.Certificates.Former = append(c.Meta.Certificates.Former, f)
	}
	filler := certEF.Data[len(certEF.Data)-1]
	if old := der(certEF); old != nil && len(old) < len(certEF.Data) {
		filler = certEF.Data[len(old)]
	}
	data := make([]byte, len(certEF.Data))
	copy(data, cert)
	for i := len(cert); i < len(data); i++ {
		data[i] = filler
	}
	certEF.Data, keyEF.Key = data, key
	*rec = record.Cert{Status: rules.Valid, Serial: serial}
	return serial.Text(16), nil
}

// IssueSigning issues a signing certificate to a card that holds none or
// holds one that is revoked or expired: a holder who turned 15 (AGE-01), a
// re-issue on request after a change of basic information revoked it
// (REVOKE-01), a new one after expiry (RENEW-04). It writes the
// certificate and a new key pair, sets the signing password to password
// with a full retry counter, marks EF 0008 (AGE-04) and commits.
//
// Refused: a card whose signing certificate is valid or on hold (RENEW-01:
// renew it); a holder under 15 on day on (AGE-01); a card past its own
// expiry (RENEW-04). A password of the wrong format (PIN-01, PIN-02) is an
// error wrapping rules.ErrFormat that never shows it. The certificate runs to the 5th birthday after
// issuance, capped as VALID-05 and VALID-06 say.
func (c *Card) IssueSigning(on time.Time, password []byte, opts Options) (Issued, error) {
	japp := c.State.App(jpki.JPKI.AID())
	if japp == nil {
		return Issued{}, errors.New("the card has no JPKI application")
	}
	if err := c.recorded(&opts); err != nil {
		return Issued{}, err
	}
	if err := c.live(); err != nil {
		return Issued{}, err
	}
	switch c.Meta.Certificates.Signing.State() {
	case rules.Suspended:
		return Issued{}, refuse("HOLD-02", "the signing certificate is on hold: the office lifts the hold (event found) first")
	case rules.Valid:
		// Valid in the record: refused unless the certificate on the card
		// has expired (RENEW-04: a new one after expiry).
		cert := Certificate(c.State, jpki.EFSigningCert)
		if cert == nil || !rules.FromTime(on.In(rules.JST)).After(rules.FromTime(cert.NotAfter.In(rules.JST))) {
			return Issued{}, refuse("RENEW-01", "the card holds a valid signing certificate: renew it, or have it revoked first")
		}
	}
	holder, birth, err := c.holder(opts)
	if err != nil {
		return Issued{}, err
	}
	day := rules.FromTime(on.In(rules.JST))
	if signing, _ := rules.Eligibility(birth, day, false); !signing.Allowed {
		return Issued{}, refuse(signing.Rule, "%s", signing.Reason)
	}
	if !opts.CardExpiry.IsZero() && day.After(opts.CardExpiry) {
		return Issued{}, refuse("RENEW-04", "the card itself has expired: a new card is needed")
	}
	if err := rules.CheckSigningPassword(string(password), true); err != nil {
		return Issued{}, fmt.Errorf("new signing password: %w", err)
	}
	v, err := rules.ComputeValidity(rules.ValidityInput{Birth: birth, Issued: day, CardExpiry: opts.CardExpiry,
		Residence: opts.Residence, ResidenceExpiry: opts.ResidenceExpiry})
	if err != nil {
		return Issued{}, err
	}
	pinEF, presence := japp.EF(jpki.EFSigningPIN), japp.EF(jpki.EFCertPresence)
	if pinEF == nil || pinEF.PIN == nil || presence == nil || len(presence.Data) == 0 {
		return Issued{}, errors.New("the card has no signing password or EF 0008")
	}
	undo := c.keep()
	serial, err := c.put(jpki.Signing, holder, on, v.SigningExpiry, opts.NewKey)
	if err != nil {
		undo()
		return Issued{}, err
	}
	pinEF.PIN.Value, pinEF.PIN.Remaining = append([]byte(nil), password...), pinEF.PIN.MaxTries
	presence.Data[0] = 0x8F
	if err := c.commit(); err != nil {
		undo()
		return Issued{}, err
	}
	return Issued{Kind: jpki.Signing, Serial: serial, Expiry: v.SigningExpiry, Rules: v.Rules}, nil
}

// recorded fills the caps opts leaves out from the office's record, and
// records the ones it gives (in the meta; committed with the operation).
func (c *Card) recorded(opts *Options) error {
	if opts.CardExpiry.IsZero() && c.Meta.CardExpiry != "" {
		d, err := rules.ParseDate(c.Meta.CardExpiry)
		if err != nil {
			return fmt.Errorf("the recorded card expiry: %w", err)
		}
		opts.CardExpiry = d
	} else if !opts.CardExpiry.IsZero() {
		c.Meta.CardExpiry = opts.CardExpiry.String()
	}
	if opts.Residence == rules.None && c.Meta.StayEnds != "" {
		d, err := rules.ParseDate(c.Meta.StayEnds)
		if err != nil {
			return fmt.Errorf("the recorded end of stay: %w", err)
		}
		opts.Residence, opts.ResidenceExpiry = rules.Other, d
	} else if opts.Residence == rules.Other {
		c.Meta.StayEnds = opts.ResidenceExpiry.String()
	} else if opts.Residence != rules.None {
		c.Meta.StayEnds = "" // now a permanent resident
	}
	return nil
}
