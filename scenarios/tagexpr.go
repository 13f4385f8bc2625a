package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

// TagExpr is a tag filter, parsed (docs/tags.md, "Tag expressions"). It is
// kept in godog's form, the only one godog v0.16.0 matches: OR parts joined
// by ",", each a conjunction of terms "@tag" (the scenario has it) or
// "~@tag" (it has not) joined by "&&". ParseTags reads the Cucumber forms
// too ("not @a and (@b or @c)") and rewrites them into that form, so that
// godog selects exactly the scenarios the expression means. The zero value
// is the empty expression, which selects every scenario.
type TagExpr struct {
	or [][]string // each part's terms, "@tag" or "~@tag"
}

// maxTagParts bounds the OR parts an expression may expand to (a negated
// conjunction of disjunctions multiplies them).
const maxTagParts = 256

// ParseTags parses a tag expression; blank is the empty one. It reads, in
// one grammar, Cucumber's tag expressions and godog's filters:
//
//	expr   = and { ("or" | ",") and }
//	and    = unary { ("and" | "&&") unary }
//	unary  = ("not" | "~") unary | "(" expr ")" | "@tag"
//
// so not binds tighter than and, and than or, in both spellings
// ("~@a && @b,@c" is "(not @a and @b) or @c"). Anything else — a word that
// is not a tag, a missing tag after an operator, an unbalanced parenthesis —
// is refused with a one-line error that quotes the expression and says
// where it went wrong.
func ParseTags(expr string) (TagExpr, error) {
	if strings.TrimSpace(expr) == "" {
		return TagExpr{}, nil
	}
	toks, err := lexTags(expr)
	if err != nil {
		return TagExpr{}, fmt.Errorf("tag expression %q: %v", expr, err)
	}
	p := tagParser{toks: toks}
	n, err := p.expr()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %s", p.toks[p.pos])
	}
	if err != nil {
		return TagExpr{}, fmt.Errorf("tag expression %q: %v (tags are @name; combine them with not, and, or and parentheses, or godog's ~, && and ,)", expr, err)
	}
	d := n.dnf(false)
	if len(d) > maxTagParts {
		return TagExpr{}, fmt.Errorf("tag expression %q: expands to %d alternatives, more than %d", expr, len(d), maxTagParts)
	}
	return TagExpr{or: d}, nil
}

// ValidateTags checks a tag expression before a run (ParseTags).
func ValidateTags(expr string) error {
	_, err := ParseTags(expr)
	return err
}

// String renders the expression for godog: parts joined by ",", terms by
// " && "; "" for the empty expression. ParseTags reads it back as the same
// expression.
func (e TagExpr) String() string {
	parts := make([]string, len(e.or))
	for i, terms := range e.or {
		parts[i] = strings.Join(terms, " && ")
	}
	return strings.Join(parts, ",")
}

// Match reports whether a scenario with these tags ("@RETRY-06", with or
// without the "@") is selected, as godog's filter decides it.
func (e TagExpr) Match(tags []string) bool {
	if len(e.or) == 0 {
		return true
	}
	has := map[string]bool{}
	for _, t := range tags {
		has["@"+strings.TrimPrefix(t, "@")] = true
	}
	for _, part := range e.or {
		ok := true
		for _, t := range part {
			if neg, found := strings.CutPrefix(t, "~"); found {
				ok = ok && !has[neg]
			} else {
				ok = ok && has[t]
			}
		}
		if ok {
			return true
		}
	}
	return false
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
		if slices.Contains(part, tag) {
			return true
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
		if !slices.Contains(part, tag) {
			out.or = append(out.or, part)
		}
	}
	return out, len(out.or) > 0
}

// tagToken is one token of a tag expression: "(", ")", "not", "and", "or"
// (godog's "~", "&&" and "," are read as the last three), or a tag.
type tagToken struct {
	kind string // "(", ")", "not", "and", "or", "tag"
	text string // as written
	at   int    // byte offset, for errors
}

func (t tagToken) String() string { return fmt.Sprintf("%q at %d", t.text, t.at+1) }

// lexTags splits an expression into tokens.
func lexTags(s string) ([]tagToken, error) {
	var toks []tagToken
	special := func(c byte) bool { return strings.IndexByte(" \t\n()~,&@", c) >= 0 }
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, tagToken{string(c), string(c), i})
			i++
		case c == '~':
			toks = append(toks, tagToken{"not", "~", i})
			i++
		case c == ',':
			toks = append(toks, tagToken{"or", ",", i})
			i++
		case strings.HasPrefix(s[i:], "&&"):
			toks = append(toks, tagToken{"and", "&&", i})
			i += 2
		case c == '&':
			return nil, fmt.Errorf("a single & at %d (and is && or the word and)", i+1)
		default:
			j := i + 1
			for j < len(s) && !special(s[j]) {
				j++
			}
			word := s[i:j]
			switch {
			case c == '@' && j > i+1:
				toks = append(toks, tagToken{"tag", word, i})
			case c == '@':
				return nil, fmt.Errorf("an @ without a tag name at %d", i+1)
			case word == "not" || word == "and" || word == "or":
				toks = append(toks, tagToken{word, word, i})
			default:
				return nil, fmt.Errorf("%q at %d is not a tag (write @%s) nor not, and, or", word, i+1, word)
			}
			i = j
		}
	}
	return toks, nil
}

// tagNode is a parsed expression: a tag, or an operator over its operands.
type tagNode struct {
	op   string // "tag", "not", "and", "or"
	tag  string
	args []tagNode
}

type tagParser struct {
	toks []tagToken
	pos  int
}

func (p *tagParser) peek(kind string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == kind
}

func (p *tagParser) binary(op string, operand func() (tagNode, error)) (tagNode, error) {
	n, err := operand()
	if err != nil {
		return n, err
	}
	args := []tagNode{n}
	for p.peek(op) {
		p.pos++
		m, err := operand()
		if err != nil {
			return m, err
		}
		args = append(args, m)
	}
	if len(args) == 1 {
		return n, nil
	}
	return tagNode{op: op, args: args}, nil
}

func (p *tagParser) expr() (tagNode, error) { return p.binary("or", p.and) }
func (p *tagParser) and() (tagNode, error)  { return p.binary("and", p.unary) }

func (p *tagParser) unary() (tagNode, error) {
	if p.pos >= len(p.toks) {
		if p.pos == 0 {
			return tagNode{}, fmt.Errorf("no tag")
		}
		return tagNode{}, fmt.Errorf("a tag is missing after %s", p.toks[p.pos-1])
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case "tag":
		return tagNode{op: "tag", tag: t.text}, nil
	case "not":
		n, err := p.unary()
		if err != nil {
			return n, err
		}
		return tagNode{op: "not", args: []tagNode{n}}, nil
	case "(":
		n, err := p.expr()
		if err != nil {
			return n, err
		}
		if !p.peek(")") {
			return n, fmt.Errorf("the parenthesis %s is not closed", t)
		}
		p.pos++
		return n, nil
	}
	return tagNode{}, fmt.Errorf("expected a tag, found %s", t)
}

// dnf rewrites the expression (negated when neg) as OR parts of terms: De
// Morgan's laws push every not onto a tag, and and distributes over or. A
// term repeated in a part is kept once.
func (n tagNode) dnf(neg bool) [][]string {
	switch {
	case n.op == "tag" && neg:
		return [][]string{{"~" + n.tag}}
	case n.op == "tag":
		return [][]string{{n.tag}}
	case n.op == "not":
		return n.args[0].dnf(!neg)
	}
	// and, or: and under a not is or, and or under a not is and.
	conj := (n.op == "and") != neg
	if !conj {
		var out [][]string
		for _, a := range n.args {
			out = append(out, a.dnf(neg)...)
		}
		return out
	}
	out := [][]string{{}}
	for _, a := range n.args {
		var next [][]string
		for _, left := range out {
			for _, right := range a.dnf(neg) {
				part := append([]string(nil), left...)
				for _, t := range right {
					if !slices.Contains(part, t) {
						part = append(part, t)
					}
				}
				next = append(next, part)
			}
			if len(next) > maxTagParts {
				return next // ParseTags refuses it
			}
		}
		out = next
	}
	return out
}
