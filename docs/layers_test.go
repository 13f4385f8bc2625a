package docs

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestLayers checks design.md's table of layers against the code: every
// package of the module has a row, and imports only packages of rows above
// its own (the commands under bench/ and scripts/ and the fixtures
// generator are tools outside the layers).
func TestLayers(t *testing.T) {
	raw, err := os.ReadFile("design.md")
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^\\| [^|]* \\| `([a-z0-9/]+)/` \\|").FindAllStringSubmatch(string(raw), -1) {
		row[m[1]] = len(row)
	}
	if len(row) == 0 {
		t.Fatal("design.md has no table of layers")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", "github.com/jpkisim/jpkisim/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/jpkisim/jpkisim/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, imports, _ := strings.Cut(line, ":")
		pkg := strings.TrimPrefix(path, mod)
		if pkg == "docs" || strings.HasPrefix(pkg, "bench/") || strings.HasPrefix(pkg, "scripts/") || pkg == "fixtures/gen" || strings.HasSuffix(pkg, "test") {
			continue
		}
		r, ok := row[pkg]
		if !ok {
			t.Errorf("package %s has no row in design.md's layers", pkg)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			dep, ours := strings.CutPrefix(imp, mod)
			if !ours {
				continue
			}
			if d, ok := row[dep]; !ok || d >= r {
				t.Errorf("%s imports %s, which is not in a row above it", pkg, dep)
			}
		}
	}
}
