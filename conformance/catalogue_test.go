package conformance

import (
	"crypto/x509"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
)

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// publicSources returns the names of docs/conformance.md's table of
// public sources.
func publicSources(doc string) map[string]bool {
	_, table, _ := strings.Cut(doc, "## Public sources")
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| ([^|]+?) \| `).FindAllStringSubmatch(table, -1) {
		out[m[1]] = true
	}
	return out
}

func TestCatalogueIsWellFormed(t *testing.T) {
	doc := readDoc(t)
	sources := publicSources(doc)
	if len(sources) < 5 {
		t.Fatalf("docs/conformance.md's public sources table has %d rows", len(sources))
	}
	seen := map[string]bool{}
	prev := ""
	for _, c := range Checks() {
		if !IDFormat.MatchString(c.ID) {
			t.Errorf("%q is not of the form CLIENT-NN", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("%s twice", c.ID)
		}
		seen[c.ID] = true
		if c.ID <= prev {
			t.Errorf("%s after %s: the catalogue is in ID order", c.ID, prev)
		}
		prev = c.ID
		if c.Title == "" || c.Statement == "" || c.Why == "" || c.Judged == "" || c.Judge == nil {
			t.Errorf("%s lacks a title, statement, why, judged or judge", c.ID)
		}
		if len(c.Sources) == 0 {
			t.Errorf("%s cites nothing", c.ID)
		}
		for _, s := range c.Sources {
			if _, ok := rules.Lookup(s); !ok && !sources[s] {
				t.Errorf("%s cites %q: neither a rule or field report ID nor a public source of docs/conformance.md", c.ID, s)
			}
		}
		if len(c.States) == 0 {
			t.Errorf("%s needs no state", c.ID)
		}
		for _, s := range c.States {
			if _, ok := StateByName(s); !ok {
				t.Errorf("%s names the state %q, which does not exist", c.ID, s)
			}
		}
		if len(c.Profiles) == 0 {
			t.Errorf("%s is in no profile", c.ID)
		}
		for _, p := range c.Profiles {
			if !slices.Contains(Profiles, p) {
				t.Errorf("%s is in the unknown profile %q", c.ID, p)
			}
		}
		// The reference page has a section per check, with its title.
		if !strings.Contains(doc, "\n### "+c.ID+" "+c.Title+"\n") {
			t.Errorf("docs/conformance.md has no heading %q", "### "+c.ID+" "+c.Title)
		}
		section := doc[strings.Index(doc, "### "+c.ID+" "):]
		if i := strings.Index(section[4:], "\n### "); i >= 0 {
			section = section[:i+4]
		}
		strength := "**Strong.**"
		if c.Words {
			strength = "**Weak.**"
		}
		if !strings.Contains(section, strength) {
			t.Errorf("docs/conformance.md's %s does not say %s", c.ID, strength)
		}
		for _, s := range c.States {
			if !strings.Contains(section, "`"+s+"`") {
				t.Errorf("docs/conformance.md's %s does not name its state %s", c.ID, s)
			}
		}
	}
	if n := len(Checks()); n < 14 {
		t.Errorf("%d checks", n)
	}
}

// TestProfilesMatchTheDocs: the profiles table lists each profile's checks
// as ranges ("CLIENT-01 to CLIENT-09, CLIENT-13").
func TestProfilesMatchTheDocs(t *testing.T) {
	doc := readDoc(t)
	for _, p := range Profiles {
		m := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(p) + "` \\|[^|]*\\| ([^|]*) \\|$").FindStringSubmatch(doc)
		if m == nil {
			t.Errorf("docs/conformance.md has no row for the profile %s", p)
			continue
		}
		var listed []string
		for _, part := range strings.Split(m[1], ", ") {
			var a, b int
			if n, _ := fmt.Sscanf(part, "CLIENT-%d to CLIENT-%d", &a, &b); n == 2 {
				for i := a; i <= b; i++ {
					listed = append(listed, fmt.Sprintf("CLIENT-%02d", i))
				}
			} else if _, err := fmt.Sscanf(part, "CLIENT-%d", &a); err == nil {
				listed = append(listed, fmt.Sprintf("CLIENT-%02d", a))
			}
		}
		var have []string
		for _, c := range InProfile(p) {
			have = append(have, c.ID)
		}
		if !slices.Equal(listed, have) {
			t.Errorf("profile %s: the docs list %v, the catalogue %v", p, listed, have)
		}
	}
	if InProfile("no-such-profile") != nil {
		t.Error("an unknown profile has checks")
	}
}

// TestStatesExistAndAreWhatTheySay: every state is made from a profile that
// exists, with options it takes, is needed by some check and listed in the
// docs, and its Certificates agree with the profile.
func TestStatesExistAndAreWhatTheySay(t *testing.T) {
	doc := readDoc(t)
	needed := map[string]bool{}
	for _, c := range Checks() {
		for _, s := range c.States {
			needed[s] = true
		}
	}
	names := fixtures.ProfileNames()
	for _, st := range States() {
		if !slices.Contains(names, st.Profile) {
			t.Errorf("state %s: no profile %q", st.Name, st.Profile)
			continue
		}
		if !needed[st.Name] {
			t.Errorf("state %s is needed by no check", st.Name)
		}
		if !strings.Contains(doc, "| `"+st.Name+"` | ") {
			t.Errorf("docs/conformance.md does not list the state %s", st.Name)
		}
		var opts []fixtures.Option
		for p, n := range st.TriesLeft {
			opts = append(opts, fixtures.TriesLeft(p, n))
		}
		p, err := fixtures.Profile(st.Profile, opts...)
		if err != nil {
			t.Errorf("state %s: %v", st.Name, err)
			continue
		}
		for _, k := range jpki.Kinds {
			want := st.Certificates[k]
			var got rules.Status
			switch {
			case p.NoSigningCert && k == jpki.Signing:
				got = rules.Absent
			case p.Office.For(k) != nil && p.Office.For(k).State() != rules.Valid:
				got = p.Office.For(k).State()
			default:
				c, err := x509.ParseCertificate(p.Cert(k))
				if err != nil {
					t.Fatalf("state %s: %v", st.Name, err)
				}
				// A fixed day between the expired profile's notAfter
				// (2026-01-20) and the others' (2030), so that the test
				// does not change its mind with the calendar.
				if c.NotAfter.Before(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
					got = rules.Expired
				}
			}
			if got != want {
				t.Errorf("state %s: the %s certificate is %q, the state says %q", st.Name, k, got, want)
			}
		}
	}
	if _, ok := StateByName("no-such-state"); ok {
		t.Error("StateByName found a state that does not exist")
	}
}

// TestStatesAreCopies: a caller cannot change the catalogue's states.
func TestStatesAreCopies(t *testing.T) {
	st, _ := StateByName(AuthOneTryLeft)
	st.TriesLeft[jpki.AuthPIN] = 0
	again, _ := StateByName(AuthOneTryLeft)
	if again.TriesLeft[jpki.AuthPIN] != 1 {
		t.Error("a state's TriesLeft changed through a copy")
	}
	c := Checks()
	c[0].States[0] = "changed"
	if Checks()[0].States[0] == "changed" {
		t.Error("a check's States changed through a copy")
	}
}
