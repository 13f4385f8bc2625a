package scenarios

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/rules"
)

// Steps that present a PIN value to the card. On a card that is not virtual
// a scenario with one of them runs only when the user configured the PINs
// (@pin), and one that presents a wrong value only with --allow-destructive.
var (
	presentsCorrectPIN = regexp.MustCompile(`has been verified$|with the correct value$|the new .* verifies$|is unchanged$|on proof of the correct |as its data$`)
	spendsTries        = regexp.MustCompile(`wrong value|I enter a wrong|in lowercase$|^I change the|the old .* is refused$|on proof of the wrong `)
	rawSend            = regexp.MustCompile(`^I send "([^"]*)"$`)
)

// sendsUnsafe reports whether a raw "I send" step sends what the real-card
// guard stops without --allow-destructive: a command outside its read-only
// set, or a VERIFY with anything after the header.
func sendsUnsafe(step string) bool {
	m := rawSend.FindStringSubmatch(step)
	if m == nil {
		return false
	}
	b, err := apdu.ParseHex(m[1])
	if err != nil {
		return false
	}
	if len(b) < 2 {
		return true
	}
	if b[0] == 0x00 && b[1] == 0x20 {
		return len(b) != 4
	}
	return !harness.ReadOnly(b[0], b[1])
}

// TestPINTags checks every scenario's tags against its steps: a scenario
// that can spend a try must be @destructive, one that presents a correct
// PIN must be @pin or @destructive. The real-card guard stops what slips
// through; this test keeps the tags honest so that such runs are planned,
// not refused half-way.
func TestPINTags(t *testing.T) {
	suite := godog.TestSuite{Options: &godog.Options{FS: features.FS, Paths: []string{"."}, Format: "progress"}}
	feats, err := suite.RetrieveFeatures()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range feats {
		for _, p := range f.Pickles {
			n++
			tags := map[string]bool{}
			for _, tg := range p.Tags {
				tags[tg.Name] = true
			}
			var correct, spends bool
			for _, st := range p.Steps {
				correct = correct || presentsCorrectPIN.MatchString(st.Text)
				spends = spends || spendsTries.MatchString(st.Text) || sendsUnsafe(st.Text)
			}
			switch {
			case spends && !tags["@destructive"]:
				t.Errorf("%s: %q can spend PIN tries or change a card but is not @destructive", p.Uri, p.Name)
			case correct && !tags["@pin"] && !tags["@destructive"]:
				t.Errorf("%s: %q presents a PIN but is neither @pin nor @destructive", p.Uri, p.Name)
			case tags["@pin"] && !correct:
				t.Errorf("%s: %q is @pin but presents no PIN", p.Uri, p.Name)
			}
		}
	}
	if n < 40 {
		t.Fatalf("only %d scenarios", n)
	}
}

func TestRealCardTags(t *testing.T) {
	for _, tc := range []struct {
		user  string
		extra []string
		want  string
	}{
		{"", []string{"~@destructive"}, "~@destructive"},
		{"@RETRY-07", []string{"~@destructive", "~@pin"}, "@RETRY-07 && ~@destructive && ~@pin"},
		{"@a,@b && ~@c", []string{"~@destructive"}, "@a && ~@destructive,@b && ~@c && ~@destructive"},
	} {
		if got := andTags(tc.user, tc.extra...); got != tc.want {
			t.Errorf("andTags(%q) = %q, want %q", tc.user, got, tc.want)
		}
		if err := ValidateTags(andTags(tc.user, tc.extra...)); err != nil {
			t.Error(err)
		}
	}
	if !asksFor("@destructive", "@destructive") || !asksFor("@x,@destructive && @y", "@destructive") || asksFor("~@destructive", "@destructive") {
		t.Fatal("asksFor")
	}
	_ = strings.TrimSpace
}

// TestEveryRuleHasAScenario: each rule of the catalogue is the tag of at
// least one scenario of the embedded features (which TestFeatures runs).
func TestEveryRuleHasAScenario(t *testing.T) {
	suite := godog.TestSuite{Options: &godog.Options{FS: features.FS, Paths: []string{"."}, Format: "progress"}}
	feats, err := suite.RetrieveFeatures()
	if err != nil {
		t.Fatal(err)
	}
	tagged := map[string]int{}
	for _, f := range feats {
		for _, p := range f.Pickles {
			for _, tg := range p.Tags {
				tagged[strings.TrimPrefix(tg.Name, "@")]++
			}
		}
	}
	for _, id := range rules.IDs {
		if tagged[id] == 0 {
			t.Errorf("rule %s has no scenario", id)
		}
	}
	if len(rules.IDs) < 70 {
		t.Fatalf("only %d rule IDs", len(rules.IDs))
	}
}
