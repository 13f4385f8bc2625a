package scenarios

import (
	"fmt"
	"regexp"
	"strings"
)

// TagExpr is a godog tag filter, parsed: OR parts joined by "," whose terms,
// "@tag" or "~@tag", are joined by "&&" (docs/tags.md, "Tag expressions").
// godog does the matching; TagExpr is the one reading of the grammar for
// what jpkisim checks and adds before godog sees it. The zero value is the
// empty expression, which selects every scenario.
type TagExpr struct {
	or [][]string // each part's terms, trimmed
}

var tagTerm = regexp.MustCompile(`^~?@[^\s@,&~]+$`)

// ParseTags parses a tag expression; blank is the empty one. godog silently
// matches nothing for Cucumber words such as "not @x" and panics on a
// trailing "&&", so anything but @a, ~@a, && and , is refused with an error
// that quotes the expression and the bad term.
func ParseTags(expr string) (TagExpr, error) {
	if strings.TrimSpace(expr) == "" {
		return TagExpr{}, nil
	}
	var e TagExpr
	for _, or := range strings.Split(expr, ",") {
		var terms []string
		for _, term := range strings.Split(or, "&&") {
			t := strings.TrimSpace(term)
			if !tagTerm.MatchString(t) {
				return TagExpr{}, fmt.Errorf("tag expression %q: %q is not @tag or ~@tag (join terms with && for and, with , for or; no parentheses, no not/and/or words)", expr, t)
			}
			terms = append(terms, t)
		}
		e.or = append(e.or, terms)
	}
	return e, nil
}

// ValidateTags checks a godog tag expression before godog sees it
// (ParseTags).
func ValidateTags(expr string) error {
	_, err := ParseTags(expr)
	return err
}

// String renders the expression for godog: parts joined by ",", terms by
// " && "; "" for the empty expression.
func (e TagExpr) String() string {
	parts := make([]string, len(e.or))
	for i, terms := range e.or {
		parts[i] = strings.Join(terms, " && ")
	}
	return strings.Join(parts, ",")
}

// And adds terms ("~@destructive") to every OR part; on the empty
// expression the terms alone.
func (e TagExpr) And(terms ...string) TagExpr {
	if len(terms) == 0 {
		return e
	}
	if len(e.or) == 0 {
		return TagExpr{or: [][]string{append([]string(nil), terms...)}}
	}
	out := TagExpr{or: make([][]string, len(e.or))}
	for i, part := range e.or {
		out.or[i] = append(append([]string(nil), part...), terms...)
	}
	return out
}

// Asks reports whether some OR part selects tag ("@destructive")
// positively.
func (e TagExpr) Asks(tag string) bool {
	for _, part := range e.or {
		for _, t := range part {
			if t == tag {
				return true
			}
		}
	}
	return false
}

// Without drops every OR part that asks for tag; false when nothing is left
// of a non-empty expression. The empty expression stays empty, and true.
func (e TagExpr) Without(tag string) (TagExpr, bool) {
	if len(e.or) == 0 {
		return e, true
	}
	var out TagExpr
	for _, part := range e.or {
		if !(TagExpr{or: [][]string{part}}).Asks(tag) {
			out.or = append(out.or, part)
		}
	}
	return out, len(out.or) > 0
}
