package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/targets"
)

// TestStateFileOnABrokenFileSystem is the in-process half of
// scripts/fs-test.sh, which mounts a full and a read-only file system (as
// root, in its own mount namespace) and points JPKISIM_FS_STATE at a card
// state file on one of them. It sends the card's correct PINs (from
// JPKISIM_AUTH_PIN and JPKISIM_SIGN_PIN, so that they never appear in a
// process's arguments) through `jpkisim apdu --state`, in one session:
//
//	JPKISIM_FS_EXPECT=broken    every VERIFY answers 6581, and the counters
//	                            the same session reads afterwards are full:
//	                            a write that failed spent nothing
//	JPKISIM_FS_EXPECT=writable  the correct PINs answer 9000
//
// Without JPKISIM_FS_STATE it is skipped.
func TestStateFileOnABrokenFileSystem(t *testing.T) {
	path := os.Getenv("JPKISIM_FS_STATE")
	if path == "" {
		t.Skip("run by scripts/fs-test.sh, which mounts the file systems")
	}
	auth, sign := os.Getenv(targets.EnvAuthPIN), os.Getenv(targets.EnvSignPIN)
	if auth == "" || sign == "" {
		t.Fatal("the script sets the card's PINs in the environment")
	}
	verify := func(p2 byte, pin string) string {
		return fmt.Sprintf("002000%02X%02X%s", p2, len(pin), hex.EncodeToString([]byte(pin)))
	}
	session := func(cmds ...string) []string {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"apdu", "--state", path, "00A4040C0AD392F000260100000001"}, cmds...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Contains(out+errOut, auth) || strings.Contains(out+errOut, sign) {
			t.Fatal("the output shows a PIN")
		}
		return strings.Fields(out)[1:]
	}
	counters := session("00200098", "0020009B") // as the file holds them
	var cmds, want []string
	switch os.Getenv("JPKISIM_FS_EXPECT") {
	case "broken":
		// Four correct auth PINs answered 6581 6581 6581 6984 before the
		// fix: each failed write had spent a try in memory.
		for i := 0; i < 4; i++ {
			cmds, want = append(cmds, verify(0x98, auth)), append(want, "6581")
		}
		for i := 0; i < 6; i++ {
			cmds, want = append(cmds, verify(0x9B, sign)), append(want, "6581")
		}
		cmds, want = append(cmds, "00200098", "0020009B"), append(want, counters...)
	case "writable":
		cmds, want = []string{verify(0x98, auth), verify(0x9B, sign), "00200098", "0020009B"}, []string{"9000", "9000", "63C3", "63C5"}
	default:
		t.Fatal("JPKISIM_FS_EXPECT is broken or writable")
	}
	if got := session(cmds...); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("answers %v, want %v (the counters were %v)", got, want, counters)
	}
	if again := session("00200098", "0020009B"); os.Getenv("JPKISIM_FS_EXPECT") == "broken" && strings.Join(again, " ") != strings.Join(counters, " ") {
		t.Fatalf("the next session reads %v, the counters were %v", again, counters)
	}
}
