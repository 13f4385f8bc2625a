package scenarios

import (
	"bytes"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
)

// No scenario name — an outline's rows expanded, as the reports name them —
// spells a PIN of any built-in profile, in any case: PINs never appear in
// test names, not even the published test-only ones (found: two format
// examples were the default card's auth PIN and signing password).
func TestNoScenarioNameSpellsAProfilePIN(t *testing.T) {
	refs, err := selectScenarios(nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	pins := map[string]string{}
	for _, name := range fixtures.ProfileNames() {
		p := fixtures.MustProfile(name)
		for _, v := range [][]byte{p.AuthPIN, p.SigningPIN} {
			pins[strings.ToLower(string(v))] = name
		}
		if f := p.CardFace; f != nil {
			for _, v := range [][]byte{f.KenhojoPIN, f.JukiPIN} {
				pins[strings.ToLower(string(bytes.TrimSpace(v)))] = name
			}
		}
	}
	delete(pins, "")
	if len(pins) < 4 {
		t.Fatalf("only %d PIN values in the built-in profiles: %v", len(pins), pins)
	}
	for _, r := range refs {
		for pin, profile := range pins {
			if strings.Contains(strings.ToLower(r.Name), pin) {
				t.Errorf("%s:%d: the scenario name holds a PIN of profile %s", r.URI, r.Line, profile)
			}
		}
	}
}
