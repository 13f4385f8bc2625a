package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/rules"
)

// plain is a Markdown cell without emphasis and code marks, as the
// catalogue keeps its text.
func plain(s string) string {
	return strings.NewReplacer("**", "", "`", "").Replace(strings.TrimSpace(s))
}

// TestRuleCatalogue checks package rules' catalogue against docs/rules.md:
// the page defines exactly the catalogue's rule IDs, and each rule's row
// of §1–§11 (ID | rule | sources | how firm) says what the catalogue says,
// in the same order and section.
func TestRuleCatalogue(t *testing.T) {
	b, err := os.ReadFile("rules.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^\| ([A-Z]+-\d+) \| (.*) \| (.*) \| (.*) \|$`)
	section := regexp.MustCompile(`^#{2,3} (\d+(?:\.\d+)?)\.? `)
	var doc []rules.Rule
	seen := map[string]bool{}
	sec := ""
	for _, line := range strings.Split(string(b), "\n") {
		if m := section.FindStringSubmatch(line); m != nil {
			sec = m[1]
			if sec == "12" { // "In short" restates rules by ID
				break
			}
		}
		if m := row.FindStringSubmatch(line); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			doc = append(doc, rules.Rule{ID: m[1], Statement: plain(m[2]), Source: plain(m[3]), Firm: plain(m[4]), Section: sec})
		}
	}
	cat := rules.Catalogue()
	in := map[string]bool{}
	for _, r := range cat {
		in[r.ID] = true
	}
	for i, r := range doc {
		if !in[r.ID] {
			t.Errorf("docs/rules.md §%s defines %s, which the catalogue of package rules does not have", r.Section, r.ID)
			continue
		}
		if i >= len(cat) || cat[i] != r {
			var c rules.Rule
			for _, x := range cat {
				if x.ID == r.ID {
					c = x
				}
			}
			t.Errorf("%s: docs/rules.md and the catalogue differ (or are not in the same order):\n doc %+v\n Go  %+v", r.ID, r, c)
		}
	}
	// Every ID the page defines anywhere (parse: a table's first cell, a
	// heading) is a rule of the catalogue, and the reverse.
	defined := parse(string(b)).ids
	for _, r := range cat {
		if !seen[r.ID] {
			t.Errorf("rule %s of package rules is not defined in docs/rules.md §1–§11", r.ID)
		}
	}
	for id := range defined {
		if strings.Contains(id, "-") && !in[id] {
			t.Errorf("docs/rules.md defines %s, which the catalogue of package rules does not have", id)
		}
	}
	if len(cat) < 70 || len(rules.IDs) != len(cat) {
		t.Fatalf("%d rules in the catalogue, %d IDs", len(cat), len(rules.IDs))
	}
}

// TestFieldReportCatalogue checks rules.FieldReports against
// docs/field-reports.md: the same IDs in the same order, each with the
// table's "what went wrong" and its section's first report address.
func TestFieldReportCatalogue(t *testing.T) {
	b, err := os.ReadFile("field-reports.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	var doc []rules.Rule
	for _, m := range regexp.MustCompile(`(?m)^\| (B\d+) \| ([^|]*) \|`).FindAllStringSubmatch(text, -1) {
		r := rules.Rule{ID: m[1], Statement: plain(m[2]), Firm: "field report", Section: m[1]}
		if s := regexp.MustCompile(`(?s)\n## ` + m[1] + ` — .*?\n- \*\*Reports?:\*\* (https://\S+?)[.,;]?\s`).FindStringSubmatch(text); s != nil {
			r.Source = s[1]
		}
		doc = append(doc, r)
	}
	cat := rules.FieldReports()
	if len(doc) != len(cat) || len(cat) == 0 {
		t.Fatalf("docs/field-reports.md has %d reports, rules.FieldReports %d", len(doc), len(cat))
	}
	for i := range doc {
		if doc[i] != cat[i] {
			t.Errorf("field report %d: docs/field-reports.md %+v, rules.FieldReports %+v", i, doc[i], cat[i])
		}
		if doc[i].Source == "" {
			t.Errorf("%s: its section gives no report address", doc[i].ID)
		}
	}
}
