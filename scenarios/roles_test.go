package scenarios

import (
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
)

// alternatives returns the words of a role group such as
// `(auth|signing) key`: "auth", "signing".
func alternatives(t *testing.T, group, suffix string) []string {
	t.Helper()
	g, ok := strings.CutSuffix(group, suffix)
	if !ok || !strings.HasPrefix(g, "(") || !strings.HasSuffix(g, ")") {
		t.Fatalf("%q is not a group of words followed by %q", group, suffix)
	}
	return strings.Split(strings.Trim(g, "()"), "|")
}

// TestRoleWords: every role word the step phrases offer parses, each to a
// different PIN, kind or certificate EF; words of another role are refused.
func TestRoleWords(t *testing.T) {
	pins := map[jpki.PIN]bool{}
	for _, w := range alternatives(t, pinRole, "") {
		p, err := parsePIN(w)
		if err != nil || pins[p] || p.String() != w {
			t.Errorf("parsePIN(%q) = %v, %v", w, p, err)
		}
		pins[p] = true
	}
	for _, p := range jpki.PINs { // the rules' steps name all four
		if got, err := parsePIN(p.String()); err != nil || got != p {
			t.Errorf("parsePIN(%q) = %v, %v", p.String(), got, err)
		}
	}
	kinds := map[jpki.Kind]bool{}
	for _, w := range alternatives(t, keyRole, " key") {
		k, err := jpki.ParseKind(w)
		if err != nil || kinds[k] {
			t.Errorf("ParseKind(%q) = %v, %v", w, k, err)
		}
		kinds[k] = true
	}
	want := map[string]uint16{"auth": jpki.EFAuthCert, "signing": jpki.EFSigningCert, "auth CA": jpki.EFAuthCACert, "signing CA": jpki.EFSigningCACert}
	words := alternatives(t, certRole, " certificate")
	if len(words) != len(want) {
		t.Errorf("certRole offers %q", words)
	}
	for _, w := range words {
		if fid, err := parseCertEF(w); err != nil || fid != want[w] {
			t.Errorf("parseCertEF(%q) = %04X, %v; want %04X", w, fid, err, want[w])
		}
	}
	for _, bad := range []string{"", "auth", "signing", "Auth PIN", "signing key"} {
		if p, err := parsePIN(bad); err == nil {
			t.Errorf("parsePIN(%q) = %v, want an error", bad, p)
		}
	}
	for _, bad := range []string{"", "auth PIN", "CA", "signing CA CA", "Auth CA"} {
		if fid, err := parseCertEF(bad); err == nil {
			t.Errorf("parseCertEF(%q) = %04X, want an error", bad, fid)
		}
	}
}
