package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// fixturePath is a path into the repository's fixtures/ in a help text.
var fixturePath = regexp.MustCompile(`\bfixtures/[A-Za-z0-9_./-]+[A-Za-z0-9_]`)

// TestHelpExamplesWorkAsWritten: every file of fixtures/ a command's help
// names exists (run from the repository's root, as the examples are), and
// no --help shows two "Examples:" blocks (one written into the long text,
// one of cobra's).
func TestHelpExamplesWorkAsWritten(t *testing.T) {
	var out bytes.Buffer
	root := newRoot(&out, &out)
	named := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		help := c.Long + "\n" + c.Example
		for _, p := range fixturePath.FindAllString(help, -1) {
			named++
			if _, err := os.Stat(filepath.Join("..", "..", p)); err != nil {
				t.Errorf("%s --help names %s: %v", c.CommandPath(), p, err)
			}
		}
		if c.Example != "" && strings.Contains(c.Long, "Examples:") {
			t.Errorf("%s --help shows two Examples: blocks; give them all in the Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if named == 0 {
		t.Fatal("no help names a file of fixtures/: the check checks nothing")
	}
}
