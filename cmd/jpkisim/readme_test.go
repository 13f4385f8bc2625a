package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goBlock is one ```go block of a Markdown file: its text, and the line of
// the file its first line is.
type goBlock struct {
	text string
	line int
}

// goBlocks returns the ```go blocks of a Markdown text, in order.
func goBlocks(md string) []goBlock {
	var blocks []goBlock
	var cur []string
	start := 0
	for i, line := range strings.Split(md, "\n") {
		switch t := strings.TrimSpace(line); {
		case start == 0 && t == "```go":
			start, cur = i+2, nil
		case start != 0 && t == "```":
			blocks = append(blocks, goBlock{strings.Join(cur, "\n") + "\n", start})
			start = 0
		case start != 0:
			cur = append(cur, line)
		}
	}
	return blocks
}

// TestREADMEGoSnippets builds the README's Go code as a developer who
// pastes it into a _test.go file of their own gets it, and runs it: each
// ```go block is one file of a test package (a block without a package
// clause gets one) inside this module, laid over the tree with go's
// -overlay, so nothing is written into the checkout. It also checks that
// the README says how to depend on the module this go.mod names.
func TestREADMEGoSnippets(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod names no module")
	}
	module := string(m[1])
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "go get "+module+"@") {
		t.Errorf("README.md does not say how to depend on the module: no `go get %s@...`", module)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}

	// The package lives in a directory that does not exist; its leading
	// underscore keeps it out of ./... patterns even if it did.
	pkgDir := filepath.Join(root, "_readme_snippets")
	tmp := t.TempDir()
	overlay := map[string]map[string]string{"Replace": {}}
	for i, blk := range blocks {
		// Errors point at README.md's own lines.
		b := fmt.Sprintf("//line README.md:%d\n%s", blk.line, blk.text)
		if !regexp.MustCompile(`(?m)^package\s`).MatchString(blk.text) {
			b = "package readme_test\n\n" + b
		}
		name := fmt.Sprintf("block%d_test.go", i+1)
		src := filepath.Join(tmp, name)
		if err := os.WriteFile(src, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
		overlay["Replace"][filepath.Join(pkgDir, name)] = src
	}
	ov, _ := json.Marshal(overlay)
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o600); err != nil {
		t.Fatal(err)
	}
	gocmd, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "readme.test")
	// -vet=off: vet would run in the package's directory, which does not
	// exist; the compiler still refuses unused and missing imports.
	build := exec.Command(gocmd, "test", "-c", "-vet=off", "-overlay", ovFile, "-o", bin, "./_readme_snippets")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("README.md's Go code does not build: %v\n%s", err, out)
	}
	run := exec.Command(bin, "-test.count=1")
	run.Dir = tmp
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("README.md's Go test fails: %v\n%s", err, out)
	}
}
