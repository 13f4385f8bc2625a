// Package docs holds the project's own documents. It has no code: its test
// checks that every citation in the repository resolves, so that a comment or
// a feature description never points a reader at a file or a section that is
// not there.
//
// A citation is the name of a Markdown file (a word ending in .md, with or
// without a folder) in a Go file, a feature file or a Markdown file,
// optionally followed by what it cites inside that file:
//
//   - sections, "§4" or "§4.1", several joined by commas or "and": each must
//     be a heading of the file whose text starts with that number ("4." or
//     "4.1") or with "§4";
//   - IDs such as the rule IDs RETRY-01 (or a group, RETRY-*), the field
//     reports B12 and the open questions Q9: each must be defined in the
//     file, as the first cell of a table row or the start of a heading;
//   - in a Markdown link, an anchor after the file name: it must be the
//     anchor of one of the file's headings.
//
// A bare name is looked for beside the file that cites it, then in docs/,
// then at the top of the repository; a name with a folder beside the file
// that cites it, then from the top. Web addresses are left alone: a file
// named in an address belongs to another project.
package docs

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// citation is one citation found in a file.
type citation struct {
	from   string   // the citing file, slash-separated from the top of the repository
	line   int      // 1-based line of the file name
	name   string   // the file name as written
	refs   []string // sections (§N.M) and IDs cited in it, as written
	anchor string   // a Markdown link's anchor, without '#'
	link   bool     // a Markdown link: resolved beside the citing file only
}

func (c citation) String() string {
	s := c.name
	if c.link {
		s = "(" + c.name
		if c.anchor != "" {
			s += "#" + c.anchor
		}
		s += ")"
	}
	if len(c.refs) > 0 {
		s += " " + strings.Join(c.refs, ", ")
	}
	return fmt.Sprintf("%s:%d: %s", c.from, c.line, s)
}

var (
	// reURL matches a web address; names inside one are not citations.
	reURL = regexp.MustCompile("https?://[^\\s<>()\\[\\]\"'`|]*")
	// reLink matches the target of a Markdown link to a Markdown file.
	reLink = regexp.MustCompile(`\]\(([^()\s#]+\.md)(?:#([^()\s]*))?\)`)
	// reName matches a Markdown file name with its optional folders.
	reName = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./-])((?:\.{1,2}/)*(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\.md)\b`)
	// reRefs matches the sections and IDs that follow a file name: a
	// comment's line break ("//") may fall between them.
	reRefs = regexp.MustCompile("^`?(?:\\s|//)*(" + ref + ")((?:(?:\\s|//)*(?:,|and)(?:\\s|//)*(?:" + ref + "))*)")
	reRef  = regexp.MustCompile(ref)
)

// ref is one section or ID: §4, §4.1, RETRY-01, RETRY-*, B12, Q9, G0.
const ref = `§\d+(?:\.\d+)*|[A-Z][A-Z0-9]*-(?:\d+|\*)|[BQG]\d+\b`

// extract returns the citations in text, the content of file from.
func extract(from, text string) []citation {
	// Blank out web addresses, keeping offsets (and so line numbers).
	text = reURL.ReplaceAllStringFunc(text, func(s string) string { return strings.Repeat(" ", len(s)) })
	lineOf := func(off int) int { return 1 + strings.Count(text[:off], "\n") }
	var out []citation
	for _, m := range reLink.FindAllStringSubmatchIndex(text, -1) {
		c := citation{from: from, line: lineOf(m[2]), name: text[m[2]:m[3]], link: true}
		if m[4] >= 0 {
			c.anchor = text[m[4]:m[5]]
		}
		if r := reRefs.FindStringSubmatch(text[m[1]:]); r != nil {
			c.refs = append([]string{r[1]}, reRef.FindAllString(r[2], -1)...)
		}
		out = append(out, c)
	}
	// The link targets are done; blank them so that they are not read again
	// as plain names.
	text = reLink.ReplaceAllStringFunc(text, func(s string) string { return "](" + strings.Repeat(" ", len(s)-3) + ")" })
	for _, m := range reName.FindAllStringSubmatchIndex(text, -1) {
		c := citation{from: from, line: lineOf(m[2]), name: text[m[2]:m[3]]}
		if r := reRefs.FindStringSubmatch(text[m[3]:]); r != nil {
			c.refs = append([]string{r[1]}, reRef.FindAllString(r[2], -1)...)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	return out
}

// doc is what a Markdown file offers to cite: its numbered sections, its
// IDs and its heading anchors.
type doc struct {
	sections map[string]bool // "4", "4.1"
	ids      map[string]bool // "RETRY-01", "B12", "Q9"
	anchors  map[string]bool // GitHub-style heading anchors
}

var (
	reHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	reNumber  = regexp.MustCompile(`^§?(\d+(?:\.\d+)*)\.?(?:\s|$)`)
	reID      = regexp.MustCompile(`^([A-Z][A-Z0-9]*-\d+|[A-Z]\d+)(?:[^A-Za-z0-9]|$)`)
)

// parse reads the headings and the IDs of a Markdown file. Lines inside
// fenced code blocks are neither.
func parse(text string) doc {
	d := doc{sections: map[string]bool{}, ids: map[string]bool{}, anchors: map[string]bool{}}
	seen := map[string]int{}
	fenced := false
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		if h := reHeading.FindStringSubmatch(line); h != nil {
			title := h[2]
			if n := reNumber.FindStringSubmatch(title); n != nil {
				d.sections[n[1]] = true
			}
			if id := reID.FindStringSubmatch(title); id != nil {
				d.ids[id[1]] = true
			}
			a := anchor(title)
			if k := seen[a]; k > 0 {
				d.anchors[fmt.Sprintf("%s-%d", a, k)] = true
			} else {
				d.anchors[a] = true
			}
			seen[a]++
			continue
		}
		if cells := strings.Split(line, "|"); len(cells) > 2 && strings.TrimSpace(cells[0]) == "" {
			first := strings.Trim(strings.TrimSpace(cells[1]), "`*")
			if id := reID.FindStringSubmatch(first); id != nil {
				d.ids[id[1]] = true
			}
		}
	}
	return d
}

// anchor is the anchor GitHub gives a heading: lower case, spaces to
// hyphens, punctuation other than '-' and '_' dropped.
func anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// check returns one line for every citation in fsys that does not resolve,
// and the number of citations found.
func check(fsys fs.FS) (bad []string, found int, err error) {
	docs := map[string]*doc{}
	load := func(name string) *doc {
		if d, ok := docs[name]; ok {
			return d
		}
		var d *doc
		if b, err := fs.ReadFile(fsys, name); err == nil {
			p := parse(string(b))
			d = &p
		}
		docs[name] = d
		return d
	}
	err = fs.WalkDir(fsys, ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if name != "." && (strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata") {
				return fs.SkipDir
			}
			return nil
		}
		switch path.Ext(name) {
		case ".go", ".feature", ".md":
		default:
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		for _, c := range extract(name, string(b)) {
			found++
			if why := resolve(c, load); why != "" {
				bad = append(bad, c.String()+": "+why)
			}
		}
		return nil
	})
	return bad, found, err
}

// resolve returns why c does not resolve, or "" when it does.
func resolve(c citation, load func(string) *doc) string {
	dir := path.Dir(c.from)
	var tries []string
	switch {
	case c.link:
		tries = []string{path.Join(dir, c.name)}
	case strings.Contains(c.name, "/"):
		tries = []string{path.Join(dir, c.name), path.Clean(c.name)}
	default:
		tries = []string{path.Join(dir, c.name), path.Join("docs", c.name), c.name}
	}
	var d *doc
	var at string
	for _, t := range tries {
		if strings.HasPrefix(t, "../") {
			continue
		}
		if d = load(t); d != nil {
			at = t
			break
		}
	}
	if d == nil {
		return "no such file in the repository"
	}
	var missing []string
	for _, r := range c.refs {
		switch {
		case strings.HasPrefix(r, "§"):
			if !d.sections[strings.TrimPrefix(r, "§")] {
				missing = append(missing, "no section "+r)
			}
		case strings.HasSuffix(r, "-*"):
			group := false
			for id := range d.ids {
				group = group || strings.HasPrefix(id, strings.TrimSuffix(r, "*"))
			}
			if !group {
				missing = append(missing, "no ID in group "+r)
			}
		case !d.ids[r]:
			missing = append(missing, r+" is not defined")
		}
	}
	if c.anchor != "" && !d.anchors[c.anchor] {
		missing = append(missing, "no heading with anchor #"+c.anchor)
	}
	if len(missing) > 0 {
		return at + ": " + strings.Join(missing, "; ")
	}
	return ""
}

// TestCitationsResolve is the check on the repository itself.
func TestCitationsResolve(t *testing.T) {
	root := os.DirFS("..")
	if _, err := fs.Stat(root, "go.mod"); err != nil {
		t.Fatalf("the repository's top is not the parent of docs/: %v", err)
	}
	bad, found, err := check(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d citations, %d that do not resolve", found, len(bad))
}

// TestCitationForms runs the check on a small tree holding every form of
// citation, resolved and not. The names are put together at run time so that
// this file itself cites nothing.
func TestCitationForms(t *testing.T) {
	md := ".md"
	ref := "# Reference\n\n## 1. One\n\n### 1.2 One two\n\n## §3 Three\n\n```\n# 4. not a heading\n```\n\n" +
		"| ID | rule |\n|---|---|\n| RETRY-01 | five |\n| `Q9` | question |\n\n## B12 — a report\n"
	fsys := fstest.MapFS{
		"docs/ref" + md: {Data: []byte(ref)},
		"docs/other" + md: {Data: []byte("see [one](ref" + md + "#1-one) and [two](ref" + md + "#11-one) " +
			"and [ref](ref" + md + ") §1.2 and [ref](ref" + md + ") §9\n")},
		"README" + md: {Data: []byte("[docs](docs/ref" + md + "), [missing](ref" + md + ") and https://example.org/x/missing" + md + "\n")},
		"pkg/a.go": {Data: []byte("package pkg\n\n// A (ref" + md + " §1, §1.2 and §3; ref" + md + " RETRY-01,\n" +
			"// RETRY-*) and (ref" + md + "\n// §4) and ref" + md + " Q9, B12, B13, PIN-*\n" +
			"// and docs/ref" + md + " §2 and missing" + md + "\n")},
		"features/x.feature": {Data: []byte("Feature: x\n  Described in ref" + md + " §1.2\n  and in ref" + md + "\n  §5.\n")},
	}
	bad, found, err := check(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"README" + md + ":1: (ref" + md + "): no such file in the repository",
		"docs/other" + md + ":1: (ref" + md + "#11-one): docs/ref" + md + ": no heading with anchor #11-one",
		"docs/other" + md + ":1: (ref" + md + ") §9: docs/ref" + md + ": no section §9",
		"features/x.feature:3: ref" + md + " §5: docs/ref" + md + ": no section §5",
		"pkg/a.go:4: ref" + md + " §4: docs/ref" + md + ": no section §4",
		"pkg/a.go:5: ref" + md + " Q9, B12, B13, PIN-*: docs/ref" + md + ": B13 is not defined; no ID in group PIN-*",
		"pkg/a.go:6: docs/ref" + md + " §2: docs/ref" + md + ": no section §2",
		"pkg/a.go:6: missing" + md + ": no such file in the repository",
	}
	sort.Strings(bad)
	if strings.Join(bad, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(bad, "\n"), strings.Join(want, "\n"))
	}
	// README: 2 links; other: 4 links; a.go: 6 names; x.feature: 2.
	if found != 14 {
		t.Errorf("found %d citations, want 14", found)
	}
}
