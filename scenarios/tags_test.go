package scenarios

import (
	"regexp"
	"testing"

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/features"
	"github.com/jpkisim/jpkisim/harness"
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
		{" @a&&~@c ", nil, "@a && ~@c"},
	} {
		e, err := ParseTags(tc.user)
		if err != nil {
			t.Fatal(err)
		}
		got := e.And(tc.extra...).String()
		if got != tc.want {
			t.Errorf("%q.And(%q) = %q, want %q", tc.user, tc.extra, got, tc.want)
		}
		if err := ValidateTags(got); err != nil {
			t.Error(err)
		}
	}
	asks := func(expr string) bool {
		e, err := ParseTags(expr)
		if err != nil {
			t.Fatal(err)
		}
		return e.Asks("@destructive")
	}
	if !asks("@destructive") || !asks("@x,@destructive && @y") || asks("~@destructive") || asks("@destructive-ish") || asks("") {
		t.Fatal("Asks")
	}
	// And leaves the expression it was given as it was.
	e, _ := ParseTags("@a,@b")
	_ = e.And("~@c")
	if e.String() != "@a,@b" {
		t.Fatalf("And changed its receiver: %q", e)
	}
}

func TestTagExprWithout(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"@a,@destructive && @b,@c":  "@a,@c",
		"@CERT-10 && ~@destructive": "@CERT-10 && ~@destructive",
		"@destructive":              "-",
		"@x && @destructive":        "-",
	} {
		e, err := ParseTags(in)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := e.Without("@destructive")
		got := e.String()
		if !ok {
			got = "-"
		}
		if got != want {
			t.Errorf("%q without @destructive: %q, want %q", in, got, want)
		}
	}
}
