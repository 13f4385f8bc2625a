package main

import (
	"strings"
	"testing"
)

// The reproduced losses of the real-card guard, through `jpkisim apdu`
// against the card posing as a real one: a command by SFI that fails makes
// EF 001B current on the card, and the configured auth PIN sent to "the
// current EF" would be compared with the signing password. Each is refused
// (exit 4), naming the signing password, and no counter moves.
func TestRealCardGuardFailedCommandsBySFI(t *testing.T) {
	r := realReader(t)
	t.Setenv("JPKISIM_AUTH_PIN", "1234") // the default profile's test PINs
	t.Setenv("JPKISIM_SIGN_PIN", "ABC123")
	const sel, auth = "00A4040C0AD392F000260100000001", "00A4020C020018"
	for _, between := range []string{"00B201DC00", "00B09B0001", "00B09B00"} {
		code, out, errOut := runCLI(t, "apdu", "--target", "pcsc:"+r, sel, auth, between, "00200080{len:auth-pin}{auth-pin}")
		if code != 4 || !strings.Contains(errOut, "EF 001B (the signing password)") {
			t.Errorf("after %s: exit %d, %q, %q", between, code, out, errOut)
		}
	}
	for _, c := range []struct{ ef, want string }{{"0018", "63C3"}, {"001B", "63C5"}} {
		code, out, _ := runCLI(t, "apdu", "--target", "pcsc:"+r, sel, "00A4020C02"+c.ef, "00200080")
		if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), c.want) {
			t.Errorf("counter of EF %s: exit %d, %q, want %s", c.ef, code, out, c.want)
		}
	}
	// The configured PIN, its EF selected again: it goes through.
	code, out, errOut := runCLI(t, "apdu", "--target", "pcsc:"+r, sel, auth, "00B201DC00", auth, "00200080{len:auth-pin}{auth-pin}")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "9000") {
		t.Errorf("after selecting 0018 again: exit %d, %q, %q", code, out, errOut)
	}
}

// props with destructive sequences changes PINs to random values: refused
// on a card that is not virtual (found by review), and nothing is sent.
func TestRealCardPropsDestructiveRefused(t *testing.T) {
	r := realReader(t)
	for _, flag := range []string{"--allow-destructive", "--allow-lockout"} {
		code, out, errOut := runCLI(t, "props", "--target", "pcsc:"+r, flag, "--sequences", "5")
		if code != 2 || !strings.Contains(errOut, "run only on the virtual card") {
			t.Errorf("props %s on a card that is not virtual: exit %d, %q, %q", flag, code, out, errOut)
		}
	}
}
