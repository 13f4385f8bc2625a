package jpki

import "fmt"

// Kind names one of the two JPKI key pairs together with its certificate,
// its CA certificate and the PIN that opens it (docs/card.md §4.1, §9). The
// zero value names none. Its text form is "signing" or "auth".
type Kind int

// The two JPKI key pairs and certificate hierarchies.
const (
	Signing Kind = iota + 1 // 署名用: key EF 001A, certificate 0001, CA 0002, the signing password
	Auth                    // 利用者証明用: key EF 0017, certificate 000A, CA 000B, the auth PIN
)

// Kinds lists both kinds, signing first.
var Kinds = []Kind{Signing, Auth}

// KeyFID returns the FID of the private key's EF.
func (k Kind) KeyFID() uint16 {
	switch k {
	case Signing:
		return EFSigningKey
	case Auth:
		return EFAuthKey
	}
	return 0
}

// CertFID returns the FID of the end-entity certificate's EF.
func (k Kind) CertFID() uint16 {
	switch k {
	case Signing:
		return EFSigningCert
	case Auth:
		return EFAuthCert
	}
	return 0
}

// CACertFID returns the FID of the CA certificate's EF.
func (k Kind) CACertFID() uint16 {
	switch k {
	case Signing:
		return EFSigningCACert
	case Auth:
		return EFAuthCACert
	}
	return 0
}

// PIN returns the PIN whose verification opens the key (and, for Signing,
// the certificate).
func (k Kind) PIN() PIN {
	switch k {
	case Signing:
		return SigningPIN
	case Auth:
		return AuthPIN
	}
	return 0
}

// KindByKeyFID returns the kind whose key EF has this FID, or false.
func KindByKeyFID(fid uint16) (Kind, bool) {
	for _, k := range Kinds {
		if k.KeyFID() == fid {
			return k, true
		}
	}
	return 0, false
}

// String returns "signing" or "auth"; "Kind(n)" for none.
func (k Kind) String() string {
	switch k {
	case Signing:
		return "signing"
	case Auth:
		return "auth"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Valid reports whether k names one of the two kinds.
func (k Kind) Valid() bool { return k == Signing || k == Auth }

// ParseKind returns the kind whose String is s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown certificate kind %q; kinds: signing, auth", s)
}

// MarshalText returns String; an error for a kind that names none.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("jpki: invalid kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText is ParseKind.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
