package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator/store"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestAPDUReproducesCardBehaviour drives the behaviours of the virtual card
// through `jpkisim apdu`, one fresh session per invocation.
func TestAPDUReproducesCardBehaviour(t *testing.T) {
	const (
		sel    = "00A4040C0AD392F000260100000001"
		auth   = "00A4020C020018"
		sign   = "00A4020C02001B"
		bad    = "002000800439393939"
		good   = "002000800431323334"
		signOK = "0020008006414243313233"
	)
	di := "3031300D060960864801650304020105000420" + strings.Repeat("AB", 32)
	tests := []struct {
		name string
		args []string
		want []string // status words, one per command
	}{
		{"select and MF rules", []string{"00A40000", sel, "00A40000", "00A4020C023F00"}, []string{"6A86", "9000", "9000", "6A82"}},
		{"unknown AID and EF", []string{"00A4040C0AD392F000260100000099", sel, "00A4020C02ABCD"}, []string{"6A82", "9000", "6A82"}},
		{"signing certificate access", []string{sel, "00A4020C020001", "00B0000004", sign, signOK, "00A4020C020001", "00B0000004"}, []string{"9000", "9000", "6982", "9000", "9000", "9000", "9000"}},
		{"key and PIN EFs unreadable", []string{sel, "00A4020C020017", "00B0000001", "00B09B0001"}, []string{"9000", "9000", "6981", "6981"}},
		{"read past and across the end", []string{sel, "00A4020C020008", "00B0000301", "00B0000110"}, []string{"9000", "9000", "6B00", "9000"}},
		{"auth PIN lockout", []string{sel, auth, "00200080", bad, bad, bad, good, "00200080"}, []string{"9000", "9000", "63C3", "63C2", "63C1", "63C0", "6984", "63C0"}},
		{"empty VERIFY after a correct one", []string{sel, auth, good, "00200080"}, []string{"9000", "9000", "9000", "63C3"}},
		{"correct VERIFY restores the counter", []string{sel, auth, bad, bad, good, "00200098"}, []string{"9000", "9000", "63C2", "63C1", "9000", "63C3"}},
		{"signing password by SFI", []string{sel, "0020009B", "002000980431323334"}, []string{"9000", "63C5", "9000"}},
		{"change PIN", []string{sel, auth, "002401800435363738", good, "0024018003353637", "002401800435363738", "002000800435363738"}, []string{"9000", "9000", "6982", "9000", "6A80", "9000", "9000"}},
		{"sign without and with PIN", []string{sel, "00A4020C020017", "802A008033" + di + "00", auth, good, "00A4020C020017", "802A068033" + di + "00", "802A008633" + di + "00", "802A008033" + di + "00"}, []string{"9000", "9000", "6982", "9000", "9000", "9000", "6A86", "6A88", "9000"}},
		{"malformed", []string{"00", "90A40000", "00120000", "00A4020C0300"}, []string{"6700", "6E00", "6D00", "6700"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"apdu"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d: %q", len(lines), len(tt.want), out)
			}
			for i, l := range lines {
				if !regexp.MustCompile(`^([0-9A-F]{2})*[0-9A-F]{4}$`).MatchString(l) {
					t.Fatalf("line %d %q is not uppercase hex", i+1, l)
				}
				if sw := l[len(l)-4:]; sw != tt.want[i] {
					t.Errorf("command %d (%s): %s, want %s", i+1, tt.args[i][:min(8, len(tt.args[i]))], sw, tt.want[i])
				}
			}
		})
	}
}

func TestAPDUSignatureLine(t *testing.T) {
	di := "3031300D060960864801650304020105000420" + strings.Repeat("AB", 32)
	code, out, _ := runCLI(t, "apdu", "00A4040C0AD392F000260100000001", "0020009804 31323334", "802A0097:33"+di+"00")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || len(lines[2]) != 2*258 || !strings.HasSuffix(lines[2], "9000") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

func TestAPDUUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"apdu"},
		{"apdu", ""},
		{"apdu", "00A4", "0G"},
		{"apdu", "00A"},
		{"apdu", "--profile", "no-such-profile", "00A40000"},
		{"apdu", "--bogus", "00"},
		{"no-such-command"},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if out != "" {
			t.Errorf("%q: printed %q to stdout; nothing may be sent on a usage error", args, out)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.HasPrefix(errOut, "jpkisim: ") {
			t.Errorf("%q: stderr %q is not one line", args, errOut)
		}
	}
}

func TestRunSummaryAndExitStatus(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--format", "progress", "--tags", "@RETRY-07")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if !regexp.MustCompile(`(?m)^\d+ scenarios \(.*\d+ passed`).MatchString(out) {
		t.Fatalf("no godog summary line in %q", out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Fatal("ANSI colours written to a non-terminal")
	}
}

func TestRunReportsFailure(t *testing.T) {
	// A feature with a wrong expectation must make the run exit 1 and show
	// the APDU exchange with the PIN masked.
	dir := t.TempDir()
	feature := `Feature: wrong expectation
  Scenario: the auth PIN is expected to be at 2
    Given the JPKI application is selected
    When I verify the auth PIN with the correct value
    Then the status word is 63C2
`
	if err := os.WriteFile(filepath.Join(dir, "wrong.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "run", "--format", "pretty", "--features", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, out)
	}
	for _, want := range []string{"0020008004XXXXXXXX", "< 9000", "status word is 9000 normal processing, want 63C2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "31323334") {
		t.Fatal("the auth PIN appears in the output")
	}
}

func TestRunWritesJUnit(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.xml")
	code, _, errOut := runCLI(t, "run", "--format", "progress,junit:"+report, "--tags", "@CERT-09")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(report)
	if err != nil || !bytes.Contains(b, []byte("<testsuites")) {
		t.Fatalf("junit report: %v %q", err, b)
	}
}

func TestProfiles(t *testing.T) {
	code, out, _ := runCLI(t, "profiles")
	if code != 0 || !strings.Contains(out, "\ndefault ") || strings.Count(out, "\n") < 11 {
		t.Fatalf("exit %d: %q", code, out)
	}
}

func TestRunRefusesBadTagsAndEmptySelections(t *testing.T) {
	for _, tags := range []string{"not @destructive and", "@RETRY-06 && ", "(@RETRY-06 or @B12", "@NO-SUCH-TAG"} {
		code, _, errOut := runCLI(t, "run", "--format", "progress", "--tags", tags)
		if code != 2 || !strings.HasPrefix(errOut, "jpkisim: ") {
			t.Errorf("--tags %q: exit %d, stderr %q", tags, code, errOut)
		}
	}
}

func TestRunWithProfileFileAndFeaturePaths(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../../fixtures/profiles/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "lenient.yaml")
	text := strings.Replace(strings.Replace(string(raw), `blocked_verify_sw: "6984"`, `blocked_verify_sw: "63C0"`, 1), "name: default", "name: lenient", 1)
	if err := os.WriteFile(prof, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// The blocked-PIN answer now comes from the profile file.
	code, out, errOut := runCLI(t, "apdu", "--profile", prof, "00A4040C0AD392F000260100000001", "00A4020C020018",
		"002000800439393939", "002000800439393939", "002000800439393939", "002000800431323334")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "63C0") {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	// features/NAME as in the repository, and --features FILE.
	if code, out, _ := runCLI(t, "run", "--format", "progress", "features/security_status.feature"); code != 0 || !strings.Contains(out, "5 scenarios (5 passed)") {
		t.Fatalf("features/ path: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "run", "--format", "progress", "--features", "../../features/security_status.feature"); code != 0 || !strings.Contains(out, "5 scenarios (5 passed)") {
		t.Fatalf("--features FILE: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"run", "no-such.feature"},
		{"run", "--format", "nosuch"},
		{"run", "--format", "junit:"},
		{"run", "--features", filepath.Join(dir, "missing")},
		{"run", "--profile", filepath.Join(dir, "missing.yaml")},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 || !strings.HasPrefix(errOut, "jpkisim: ") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestSteps(t *testing.T) {
	code, out, _ := runCLI(t, "steps")
	if code != 0 || !strings.Contains(out, "I query the retry counter of the (auth PIN|signing password)\n") {
		t.Fatalf("exit %d: %q", code, out)
	}
}

func TestPropsAndDiff(t *testing.T) {
	code, out, errOut := runCLI(t, "props", "--sequences", "200", "--seed", "42", "--shards", "1")
	if code != 0 || !strings.Contains(out, "property seed 42 ") || !strings.Contains(out, "OK, passed 200 tests") {
		t.Fatalf("props: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "diff", "--a", "sim", "--b", "sim", "--count", "50")
	if code != 0 || !strings.Contains(out, "no difference: 50 sequences") {
		t.Fatalf("diff: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"diff"}, {"diff", "--b", "nonsense"}, {"props", "--target", "bogus"}} {
		if code, _, errOut := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, %q", args, code, errOut)
		}
	}
}

func TestWithoutDestructive(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "",
		"@CERT-10 && ~@destructive":       "@CERT-10 && ~@destructive",
		"@CERT-10":                        "@CERT-10",
		"@a,@destructive && @b,@c":        "@a,@c",
		"@destructive":                    "-",
		"@destructive,@x && @destructive": "-",
	} {
		got, ok := withoutDestructive(in)
		if !ok {
			got = "-"
		}
		if got != want {
			t.Errorf("withoutDestructive(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRulesCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rules", "validity", "--birth", "1990-06-15", "--issued", "2026-04-01", "--json"}, `{"signing_expiry":"2030-06-15","auth_expiry":"2030-06-15","rules":["VALID-01"]}`},
		{[]string{"rules", "validity", "--birth", "1990-06-15", "--issued", "2030-04-01", "--renewal-of", "2030-06-15", "--json"}, `"signing_expiry":"2035-06-15"`},
		{[]string{"rules", "validity", "--birth", "2000-02-29", "--issued", "2026-04-01", "--json"}, `"signing_expiry":"2031-03-01"`},
		{[]string{"rules", "eligibility", "--birth", "2011-12-01", "--on", "2026-12-01", "--json"}, `"signing":{"allowed":true,"rule":"AGE-01"`},
		{[]string{"rules", "eligibility", "--birth", "1970-01-01", "--on", "2026-12-01", "--adult-ward", "--json"}, `"signing":{"allowed":false,"rule":"AGE-01"`},
		{[]string{"rules", "renewal", "--expiry", "2030-06-15", "--on", "2030-03-15", "--json"}, `{"open":true,"opens_on":"2030-03-15","rule":"RENEW-01"`},
		{[]string{"rules", "event", "address-change", "--json"}, `{"auth":{"status":"","rule":"REVOKE-05"},"signing":{"status":"revoked","reason":"affiliationChanged","rule":"REVOKE-01"}}`},
		{[]string{"rules", "fee", "reissue-with-certs", "--json"}, `{"rule":"FEE-02","yen":1000}`},
		{[]string{"rules", "unlock", "signing", "--knows-other"}, "kiosk: the auth PIN"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%q: exit %d, %q, want %q (%s)", tc.args, code, out, tc.want, errOut)
		}
	}
	for _, args := range [][]string{
		{"rules", "validity", "--birth", "1990-02-30", "--issued", "2026-01-01"},
		{"rules", "validity", "--issued", "2026-01-01"},
		{"rules", "validity", "--birth", "2000-01-01", "--issued", "1999-01-01"},
		{"rules", "eligibility", "--birth", "2000-01-01", "--on", "1999-01-01"},
		{"rules", "event", "marriage"},
		{"rules", "unlock", "bank"},
		{"rules", "validity", "--birth", "1990-01-01", "--issued", "2026-01-01", "--residence", "tourist"},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, %q", args, code, errOut)
		}
	}
}

func TestCardStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	t.Setenv("JPKISIM_AUTH_PIN", "4321")
	t.Setenv("JPKISIM_SIGN_PIN", "SECRET77")
	code, out, errOut := runCLI(t, "card", "new", "--state", path)
	if code != 0 || strings.Contains(out, "4321") || strings.Contains(out, "SECRET77") {
		t.Fatalf("card new: exit %d, %q %q", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "card", "new", "--state", path); code != 2 {
		t.Fatal("card new replaced a state file")
	}
	// apdu --state writes back: a wrong PIN is remembered by the next process.
	code, out, _ = runCLI(t, "apdu", "--state", path, "00A4040C0AD392F000260100000001", "002000980431323334")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "63C2") {
		t.Fatalf("apdu --state: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "card", "show", "--state", path, "--json")
	if code != 0 || !strings.Contains(out, `"tries":{"auth":2,"auth_max":3,"signing":5,"signing_max":5,`) || !strings.Contains(out, `"expiry":"2030-06-15"`) {
		t.Fatalf("card show: %d %q", code, out)
	}
	// run --state never writes the file.
	before, _ := os.ReadFile(path)
	runCLI(t, "run", "--state", path, "--format", "progress", "--tags", "@RETRY-06")
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("run --state changed the state file")
	}
	// A broken file is refused with its name and left alone.
	broken := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(broken, before[:len(before)/3], 0o600)
	code, _, errOut = runCLI(t, "apdu", "--state", broken, "00A40000")
	if code != 2 || !strings.Contains(errOut, broken) {
		t.Fatalf("broken state: exit %d, %q", code, errOut)
	}
	if after, _ := os.ReadFile(broken); len(after) != len(before)/3 {
		t.Fatal("the broken file was changed")
	}
	// PIN formats are checked as the office does, without quoting the value.
	t.Setenv("JPKISIM_SIGN_PIN", "ABCDEFG")
	code, _, errOut = runCLI(t, "card", "new", "--state", filepath.Join(t.TempDir(), "x.json"))
	if code != 2 || !strings.Contains(errOut, "PIN-02") || strings.Contains(errOut, "ABCDEFG") {
		t.Fatalf("bad signing password: exit %d, %q", code, errOut)
	}
}

// The office's operations on a card kept in a state file: an address change
// revokes the signing certificate and serve --pki publishes it; a locked
// signing password is reset at a kiosk with the auth PIN.
func TestCardOfficeOperations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	t.Setenv("JPKISIM_AUTH_PIN", "4321")
	t.Setenv("JPKISIM_SIGN_PIN", "SECRET77")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	code, out, _ := runCLI(t, "card", "event", "--state", path, "address-change", "--address", "架空県見本市南町二丁目3番4号", "--on", "2026-11-01", "--json")
	if code != 0 || out != `{"card_face":["Kenhojo EF 0002","Kenhojo EF 0003","Kenkaku EF 0002"],"changes":[{"certificate":"signing","from":"valid","to":"revoked","reason":"affiliationChanged","rule":"REVOKE-01"}],"event":"address-change"}`+"\n" {
		t.Fatalf("event: %d %q", code, out)
	}
	code, _, errOut := runCLI(t, "card", "event", "--state", path, "found")
	if code != 1 || !strings.Contains(errOut, "refused (HOLD-02)") {
		t.Fatalf("lift without a hold: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "card", "event", "--state", path, "moved"); code != 2 {
		t.Fatal("an unknown event is not a usage error")
	}
	// Lock the signing password with five wrong tries.
	for range 5 {
		runCLI(t, "apdu", "--state", path, "00A4040C0AD392F000260100000001", "0020009B0657524F4E4731")
	}
	_, out, _ = runCLI(t, "card", "show", "--state", path, "--json")
	if !strings.Contains(out, `"signing":0,`) {
		t.Fatalf("not locked: %s", out)
	}
	// A kiosk at night refuses; by day it resets with the auth PIN.
	t.Setenv("JPKISIM_SIGN_PIN", "NEWPASS9")
	code, _, errOut = runCLI(t, "card", "reset-pin", "--state", path, "--pin", "signing", "--at", "kiosk", "--on", "2026-11-29T23:30:00+09:00")
	if code != 1 || !strings.Contains(errOut, "UNLOCK-03") {
		t.Fatalf("closed kiosk: %d %q", code, errOut)
	}
	code, out, errOut = runCLI(t, "card", "reset-pin", "--state", path, "--pin", "signing", "--at", "kiosk", "--on", "2026-11-29T12:00:00+09:00")
	if code != 0 || strings.Contains(out+errOut, "NEWPASS9") || strings.Contains(out+errOut, "4321") {
		t.Fatalf("kiosk: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "apdu", "--state", path, "00A4040C0AD392F000260100000001", "0020009B084E45575041535339")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "9000") {
		t.Fatalf("the new password: %d %q", code, out)
	}
	// Renewal opens 3 months before the expiry (2030-06-15); a refusal
	// leaves the file as it was.
	before, _ := os.ReadFile(path)
	code, _, errOut = runCLI(t, "card", "renew", "--state", path, "--on", "2026-11-29")
	if after, _ := os.ReadFile(path); code != 1 || !strings.Contains(errOut, "refused (RENEW-01): opens on 2030-03-15") || !bytes.Equal(before, after) {
		t.Fatalf("early renewal: %d %q", code, errOut)
	}
	// The responder publishes the file's record.
	st, meta, err := store.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := office.RecordOf(st, meta)
	if rec.Signing.Status != rules.Revoked || rec.Signing.Reason != rules.AffiliationChanged ||
		rec.Auth.Status != rules.Valid || rec.Signing.Since.IsZero() || rec.Signing.Serial == nil {
		t.Fatalf("%+v", rec)
	}
}

// card issue-signing on a child's card: the holder's data are needed (exit
// 2), and under 15 the rules refuse (exit 1) and the file stays as it was.
func TestCardIssueSigningRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "child.json")
	if code, _, errOut := runCLI(t, "card", "new", "--profile", "under-15", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(path)
	code, _, errOut := runCLI(t, "card", "issue-signing", "--state", path)
	if code != 2 || !strings.Contains(errOut, "give the holder's name, sex, birth date and address") {
		t.Fatalf("no holder: %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "card", "issue-signing", "--state", path, "--name", "試験　太郎", "--sex", "1",
		"--birth", "2015-05-05", "--address", "架空県見本市", "--on", "2030-05-04")
	if code != 1 || !strings.Contains(errOut, "refused (AGE-01): under 15 (age 14)") {
		t.Fatalf("at 14: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "card", "issue-signing", "--state", path, "--birth", "2015-13-05"); code != 2 {
		t.Fatal("a bad --birth is not a usage error")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a refused issuance changed the file")
	}
}

// Mistakes a user makes with the card commands get one-line usage errors
// (exit 2), and a missing state file leaves no lock file behind.
func TestCardCommandUsageErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"card", "event", "--state", path}, "give one EVENT: name-change"},
		{[]string{"card", "event", "--state", path, "loss", "--on", "0000-01-01"}, "the year must be between"},
		{[]string{"card", "event", "--state", path, "loss", "--on", "yesterday"}, `--on "yesterday": want`},
		{[]string{"card", "renew", "--state", path, "--sex", "3"}, `--sex "3"`},
		{[]string{"card", "renew", "--state", path, "--residence", "other"}, "go together"},
		{[]string{"card", "renew", "--state", path, "--on", "2030-04-01", "--birth", "2031-01-01"}, "impossible combination"},
		{[]string{"apdu", "--state", path, "--profile", "t0", "00A40000"}, "--profile and --state"},
		{[]string{"card", "event", "--state", filepath.Join(dir, "missing.json"), "loss"}, "missing.json"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", tc.args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.json.lock")); err == nil {
		t.Error("a missing state file left a lock file")
	}
	t.Setenv("JPKISIM_SIGN_PIN", "")
	if code, _, errOut := runCLI(t, "card", "show", "--state", path); code != 2 || !strings.Contains(errOut, "JPKISIM_SIGN_PIN is set but empty") {
		t.Errorf("empty variable: %d %q", code, errOut)
	}
	// A bare date is noon JST: the kiosk is open (the proof given explicitly).
	os.Unsetenv("JPKISIM_SIGN_PIN")
	t.Setenv("JPKISIM_AUTH_PIN", "1234")
	if code, _, errOut := runCLI(t, "card", "reset-pin", "--state", path, "--pin", "signing", "--at", "kiosk", "--on", "2026-12-01"); code != 0 {
		t.Errorf("kiosk on a bare date: %d %q", code, errOut)
	}
}

// card new and card reset-pin answer one JSON object with --json, naming
// where the PINs came from and never the PINs.
func TestCardJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	t.Setenv("JPKISIM_AUTH_PIN", "4321")
	code, out, _ := runCLI(t, "card", "new", "--state", path, "--json")
	if code != 0 || out != `{"auth_pin_from":"JPKISIM_AUTH_PIN","juki_pin_from":"the profile's test PINs","kenhojo_pin_from":"the profile's test PINs","profile":"default","signing_password_from":"the profile's test PINs","state":"`+path+`"}`+"\n" {
		t.Fatalf("card new: %d %q", code, out)
	}
	t.Setenv("JPKISIM_AUTH_PIN", "8642")
	code, out, _ = runCLI(t, "card", "reset-pin", "--state", path, "--pin", "auth", "--json")
	if code != 0 || out != `{"at":"office","pin":"auth","value_from":"JPKISIM_AUTH_PIN"}`+"\n" {
		t.Fatalf("reset-pin: %d %q", code, out)
	}
}
