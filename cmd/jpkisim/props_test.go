package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// profileWith writes the default profile with its behaviour: block replaced
// by the given settings (YAML lines) to a file of its own and returns the
// file's path.
func profileWith(t *testing.T, name string, settings ...string) string {
	t.Helper()
	raw, err := os.ReadFile("../../fixtures/profiles/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	head, _, found := strings.Cut(string(raw), "\nbehaviour:\n")
	if !found {
		t.Fatal("default.yaml has no behaviour: block")
	}
	text := strings.Replace(head, "name: default", "name: "+name, 1) + "\nbehaviour:\n"
	for _, s := range settings {
		text += "  " + s + "\n"
	}
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// `props --profile FILE` checks a card whose profile changes a behaviour
// setting (docs/card-behaviour.md, "Open questions: defaults and settings")
// against a model told of the setting: the card does what its profile says,
// so the property passes. (The model once dropped every setting, and props
// failed on each.)
func TestPropsWithBehaviourSettings(t *testing.T) {
	for _, setting := range []string{
		`blocked_verify_sw: "63C0"`,
		`blocked_verify_sw: "6983"`,
		"empty_verify_ok_when_verified: true",
		"overlong_verify_counts: true",
		"select_df_clears_security: true",
		"signing_consumes_security: true",
		"select_checks_read_access: true",
		"read_past_end_empty_ok: true",
	} {
		t.Run(setting, func(t *testing.T) {
			prof := profileWith(t, "setting", setting)
			code, out, errOut := runCLI(t, "props", "--profile", prof, "--sequences", "300", "--seed", "11", "--shards", "1")
			if code != 0 || !strings.Contains(out, "OK, passed 300 tests") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
	t.Run("every setting at once", func(t *testing.T) {
		prof := profileWith(t, "all-settings", `blocked_verify_sw: "63C0"`, "empty_verify_ok_when_verified: true",
			"overlong_verify_counts: true", "select_df_clears_security: true", "signing_consumes_security: true",
			"select_checks_read_access: true", "read_past_end_empty_ok: true")
		code, out, errOut := runCLI(t, "props", "--profile", prof, "--sequences", "300", "--seed", "12", "--shards", "1")
		if code != 0 || !strings.Contains(out, "OK, passed 300 tests") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	// A setting outside what the card can be made to answer is a bad
	// profile: a one-line usage error, exit 2, nothing run.
	t.Run("a blocked-PIN answer the card does not give", func(t *testing.T) {
		prof := profileWith(t, "bad-setting", `blocked_verify_sw: "9000"`)
		code, out, errOut := runCLI(t, "props", "--profile", prof, "--sequences", "10")
		if code != 2 || out != "" || !regexp.MustCompile(`^jpkisim: [^\n]*blocked_verify_sw[^\n]*\n$`).MatchString(errOut) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}

// A profile whose faults: block forces answers the model cannot know (here
// 6A80 to the counter query) is refused with one line and exit 2 before a
// sequence runs, where props once ran and reported a false failure; a
// profile whose faults the model does know (T=0) still runs.
func TestPropsRefusesFaultsTheModelDoesNotKnow(t *testing.T) {
	code, out, errOut := runCLI(t, "props", "--profile", "counter-query-6a80", "--sequences", "50", "--shards", "1")
	if code != 2 || out != "" || !regexp.MustCompile(`^jpkisim: [^\n]*counter-query-6a80[^\n]*forced status words[^\n]*\n$`).MatchString(errOut) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "props", "--profile", "t0", "--sequences", "50", "--seed", "3", "--shards", "1")
	if code != 0 || !strings.Contains(out, "OK, passed 50 tests") {
		t.Fatalf("t0: exit %d\n%s\n%s", code, out, errOut)
	}
}
