package main

import "testing"

// TestCommandLineOf: the command line in a report can be typed again — an
// argument with spaces or shell characters (a --client command line) is
// quoted for sh, a plain one is not.
func TestCommandLineOf(t *testing.T) {
	got := commandLineOf([]string{"certify", "--profile", "kiosk", "--client", "echo start; sleep 100", "--report", "r.html", "--client", "it's"})
	want := `jpkisim certify --profile kiosk --client 'echo start; sleep 100' --report r.html --client 'it'\''s'`
	if got != want {
		t.Errorf("commandLineOf:\n got %s\nwant %s", got, want)
	}
	if got := commandLineOf([]string{"run", "--tags", "@RETRY-06", ""}); got != `jpkisim run --tags @RETRY-06 ''` {
		t.Errorf("commandLineOf: got %s", got)
	}
}
