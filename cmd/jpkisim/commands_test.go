package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCommandsJSON checks the hidden `jpkisim commands --json` against the
// tree it describes: every command is listed once with its own and inherited
// flags and their types, groups are not runnable, and the command stays out
// of --help.
func TestCommandsJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "commands", "--json")
	if code != 0 {
		t.Fatalf("commands --json: exit %d %s", code, errOut)
	}
	var tree commandTree
	if err := json.Unmarshal([]byte(out), &tree); err != nil || tree.Format != "jpkisim-commands" || tree.Version != 1 {
		t.Fatalf("commands --json: %v %q", err, out)
	}
	byPath := map[string]commandInfo{}
	for _, c := range tree.Commands {
		if _, dup := byPath[c.Path]; dup {
			t.Errorf("%q listed twice", c.Path)
		}
		byPath[c.Path] = c
	}
	flag := func(path, name string) (flagInfo, bool) {
		for _, f := range byPath[path].Flags {
			if f.Name == name {
				return f, true
			}
		}
		return flagInfo{}, false
	}
	for _, want := range []struct {
		path, flag, typ string
		runnable        bool
	}{
		{"run", "shard", "string", true},
		{"run", "format", "string", true},
		{"run", "dry-run", "bool", true},
		{"run", "help", "bool", true},
		{"report merge", "out", "string", true},
		{"card", "help", "bool", false}, // a group without RunE
		{"serve", "ready-file", "string", true},
		{"ctl fault sw", "control", "string", true}, // inherited from ctl
		{"", "version", "bool", false},
	} {
		c, ok := byPath[want.path]
		if !ok {
			t.Errorf("%q not listed", want.path)
			continue
		}
		if c.Runnable != want.runnable {
			t.Errorf("%q runnable %v, want %v", want.path, c.Runnable, want.runnable)
		}
		if f, ok := flag(want.path, want.flag); !ok || f.Type != want.typ {
			t.Errorf("%q --%s: %+v %v, want type %s", want.path, want.flag, f, ok, want.typ)
		}
	}
	if f, _ := flag("serve", "verbose"); f.Shorthand != "v" {
		t.Errorf("serve --verbose shorthand %q, want v", f.Shorthand)
	}
	if _, ok := flag("report merge", "shard"); ok {
		t.Error("report merge lists run's --shard")
	}
	_, help, _ := runCLI(t, "--help")
	if strings.Contains(help, "commands") {
		t.Errorf("jpkisim --help lists the hidden commands:\n%s", help)
	}
}
