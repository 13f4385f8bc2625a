package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// PIN placeholders keep the PIN out of the process's arguments.
func TestAPDUPINPlaceholders(t *testing.T) {
	const sel = "00A4040C0AD392F000260100000001"
	code, out, errOut := runCLI(t, "apdu", sel, "00A4020C020018", "00200080{len:auth-pin}{auth-pin}", "00A4020C02001B", "00200080 {len:signing-pin} {signing-pin}")
	if code != 0 || out != "9000\n9000\n9000\n9000\n9000\n" {
		t.Fatalf("the profile's test PINs through placeholders: exit %d, %q, %q", code, out, errOut)
	}
	// From the environment: another value, so the card answers 63Cx.
	t.Setenv("JPKISIM_SIGN_PIN", "ZZZ999")
	code, out, _ = runCLI(t, "apdu", sel, "0020009B{len:signing-pin}{signing-pin}")
	if code != 0 || out != "9000\n63C4\n" {
		t.Fatalf("JPKISIM_SIGN_PIN: exit %d, %q", code, out)
	}
	for _, tc := range []struct{ arg, want string }{
		{"00B0{auth-pin}", "only in a well-formed command that carries a PIN"},
		{"00200080{pin}", "unknown placeholder at position 9"},
		{"00200080{auth-pin", "unbalanced"},
		{"0020008{auth-pin}", "not hex around its placeholders"},
		// Into the header, where a trace would show it.
		{"0020{signing-pin}", "only in a well-formed command"},
		{"0020{len:signing-pin}{signing-pin}", "only in a well-formed command"},
		{"00200080{len:signing-pin}{signing-pin}{len:signing-pin}", "{len:...} goes into the Lc"},
		{"{len:signing-pin}200080{len:signing-pin}{signing-pin}", "{len:...} goes into the Lc"},
		{"0020{len:signing-pin}80{len:signing-pin}{signing-pin}", "{len:...} goes into the Lc"},
	} {
		code, out, errOut := runCLI(t, "apdu", sel, tc.arg)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "ZZZ999") || strings.Contains(errOut, "5A5A5A") || strings.Contains(errOut, "5A5A") {
			t.Errorf("%s: exit %d, %q, %q", tc.arg, code, out, errOut)
		}
	}
}

func TestAPDUStateWithTargetIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(path)
	code, out, errOut := runCLI(t, "apdu", "--state", path, "--target", "pcsc:Virtual PCD 00 00", "00A4040C0AD392F000260100000001")
	if code != 2 || out != "" || !strings.Contains(errOut, "--state and --target") {
		t.Fatalf("exit %d, %q, %q", code, out, errOut)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("the state file changed")
	}
}

// A configured PIN that no card can hold is refused before anything is sent
// (found by a new user: JPKISIM_AUTH_PIN=12 spent a try of a card posing as
// a real one, and the embedded run ignored it).
func TestPINVariablesOfAnImpossibleFormatAreRefused(t *testing.T) {
	for _, tc := range []struct{ name, value, rule string }{
		{"JPKISIM_AUTH_PIN", "12", "PIN-06"},
		{"JPKISIM_AUTH_PIN", "12345", "PIN-06"},
		{"JPKISIM_SIGN_PIN", "abc123", "PIN-01"},
		{"JPKISIM_SIGN_PIN", "ABC12", "PIN-01"},
		{"JPKISIM_KENHOJO_PIN", "1a34", "PIN-06"},
		{"JPKISIM_JUKI_PIN", "123", "PIN-06"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			for _, args := range [][]string{
				{"apdu", "00A4040C0AD392F000260100000001", "00A4020C020018", "00200080{len:auth-pin}{auth-pin}"},
				{"run", "--tags", "@RETRY-07"},
			} {
				code, out, errOut := runCLI(t, args...)
				if code != 2 || out != "" || !strings.Contains(errOut, tc.name+": ") || !strings.Contains(errOut, tc.rule) || strings.Contains(errOut, tc.value) {
					t.Errorf("%s=%s, %s: exit %d, %q, %q", tc.name, "…", args[0], code, out, errOut)
				}
			}
		})
	}
}

// A prompt asks only for the PINs the placeholders name (found by a new
// user: apdu with {auth-pin} asked for the signing password too, and waited).
func TestPlaceholderPINs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"00A4040C0AD392F000260100000001", "00200080{len:auth-pin}{auth-pin}"}, "[auth PIN]"},
		{[]string{"0020009B{len:signing-pin}{signing-pin}"}, "[signing password]"},
		{[]string{"00200098{len:auth-pin}{auth-pin}", "0020009B{len:signing-pin}{signing-pin}", "00200098{len:auth-pin}{auth-pin}"}, "[auth PIN signing password]"},
		{[]string{"00A4040C0AD392F000260100000001"}, "[]"},
	} {
		if got := fmt.Sprint(placeholderPINs(tc.args)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.args, got, tc.want)
		}
	}
}
