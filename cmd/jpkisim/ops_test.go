package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/simulator/store"
)

// unsetPINVars removes the PIN variables for the test (t.Setenv restores
// them afterwards; set but empty would be a usage error of its own).
func unsetPINVars(t *testing.T) {
	t.Helper()
	for _, v := range []string{"JPKISIM_AUTH_PIN", "JPKISIM_SIGN_PIN", "JPKISIM_KENHOJO_PIN", "JPKISIM_JUKI_PIN"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// A kiosk reset proves the other PIN; with that PIN's variable unset the
// command is refused as a usage error naming the variable, and nothing is
// presented to the card: the file stays as it was.
func TestKioskResetNeedsItsProofGiven(t *testing.T) {
	unsetPINVars(t)
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	for _, tc := range []struct{ pin, newVar, newValue, proofVar, proof string }{
		{"signing", "JPKISIM_SIGN_PIN", "NEWPASS9", "JPKISIM_AUTH_PIN", "1234"}, // the profile's test PIN
		{"auth", "JPKISIM_AUTH_PIN", "8642", "JPKISIM_SIGN_PIN", "NEWPASS9"},    // set just before
	} {
		t.Run(tc.pin, func(t *testing.T) {
			unsetPINVars(t)
			t.Setenv(tc.newVar, tc.newValue)
			before, _ := os.ReadFile(path)
			code, out, errOut := runCLI(t, "card", "reset-pin", "--state", path, "--pin", tc.pin, "--at", "kiosk", "--on", "2026-12-01")
			if code != 2 || !strings.Contains(errOut, tc.proofVar) || strings.Count(errOut, "\n") != 1 || out != "" {
				t.Fatalf("kiosk without %s: exit %d, %q %q", tc.proofVar, code, out, errOut)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("a refused kiosk reset changed the state file")
			}
			// Given explicitly, the proof resets.
			t.Setenv(tc.proofVar, tc.proof)
			if code, _, errOut := runCLI(t, "card", "reset-pin", "--state", path, "--pin", tc.pin, "--at", "kiosk", "--on", "2026-12-01"); code != 0 {
				t.Fatalf("kiosk with %s: exit %d, %q", tc.proofVar, code, errOut)
			}
		})
	}
}

// serve --state FILE --as-real-card is refused at once (exit 2, one line)
// instead of serving the file's card as the virtual card it is.
func TestServeStateAsRealCardRefused(t *testing.T) {
	unsetPINVars(t)
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	type result struct {
		code   int
		errOut string
	}
	done := make(chan result, 1)
	go func() {
		// A vpcd port nothing listens on: serve would redial it for ever.
		code, _, errOut := runCLI(t, "serve", "--state", path, "--as-real-card", "--vpcd", "127.0.0.1:1")
		done <- result{code, errOut}
	}()
	select {
	case r := <-done:
		if r.code != 2 || !strings.Contains(r.errOut, "--as-real-card and --state") || strings.Count(r.errOut, "\n") != 1 {
			t.Fatalf("exit %d, %q", r.code, r.errOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve --state --as-real-card was not refused: it went on serving")
	}
	if _, err := os.Stat(path + ".lock"); err == nil {
		t.Error("the refusal locked the state file")
	}
}

// Every condition README "Exit statuses" names has its status, whatever
// wraps it: a file system that refuses the state file's write and a
// transport wait past its bound exit 3 like a lost card.
func TestExitStatuses(t *testing.T) {
	pathErr := func(errno syscall.Errno) error {
		return fmt.Errorf("card.json: %w", &fs.PathError{Op: "open", Path: "card.json.lock", Err: errno})
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"read-only file system", pathErr(syscall.EROFS), exitCard},
		{"read-only file system, reported as a usage error", usageError{fmt.Errorf("new.json: cannot write in .: %w", syscall.EROFS)}, exitCard},
		{"no space left", fmt.Errorf("card.json: cannot write in .: %w", syscall.ENOSPC), exitCard},
		{"quota", pathErr(syscall.EDQUOT), exitCard},
		{"permission denied", pathErr(syscall.EACCES), exitCard},
		{"in use", fmt.Errorf("card.json: %w", store.ErrLocked), exitCard},
		{"lock file a symbolic link", pathErr(syscall.ELOOP), exitCard},
		{"transmit timeout", fmt.Errorf("apdu: 00A4: transmit to %q: %w (no answer in 30s)", "R", harness.ErrTimeout), exitCard},
		{"card reset by another program", fmt.Errorf("transmit to %q: %w", "R", harness.ErrCardReset), exitCard},
		{"pcscd lost", fmt.Errorf("transmit to %q: %w", "R", harness.ErrNoService), exitCard},
		{"missing file", usageError{fmt.Errorf("card.json: %w", fs.ErrNotExist)}, exitUsage},
		{"guard", fmt.Errorf("apdu: %w", harness.ErrRefused), exitGuard},
		{"other", errors.New("something else"), exitFailed},
		{"none", nil, exitOK},
	} {
		if got := exitStatus(tc.err); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}
