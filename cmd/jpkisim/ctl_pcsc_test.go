package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/transcript"
)

// TestPCSCControl runs against the serve --control of scripts/pcsc-test.sh
// (JPKISIM_TEST_CONTROL, its card in JPKISIM_TEST_CONTROL_READER): through
// pcscd, the control interface takes the served card to one try left of
// the signing password (the empty VERIFY answers 63C1), to locked (6984),
// removed mid-signature (the COMPUTE DIGITAL SIGNATURE fails with the card
// removed, and pcscd then reports no card) and back (inserted, the card
// answers as the control interface left it; a restored snapshot gives the
// tries back).
func TestPCSCControl(t *testing.T) {
	addr, r := os.Getenv("JPKISIM_TEST_CONTROL"), os.Getenv("JPKISIM_TEST_CONTROL_READER")
	if addr == "" || r == "" {
		t.Skip("JPKISIM_TEST_CONTROL not set: run scripts/pcsc-test.sh (make test) for serve --control through pcscd")
	}
	t.Setenv("JPKISIM_CONTROL", addr)
	ctl := func(args ...string) slotView {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"ctl"}, args...)...)
		if code != 0 {
			t.Fatalf("ctl %v: exit %d %s", args, code, errOut)
		}
		var v slotView
		json.Unmarshal([]byte(out), &v)
		return v
	}
	// apdu sends C-APDUs through pcscd and returns the last SW, the exit
	// status and stderr.
	apdu := func(cmds ...string) (string, int, string) {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"apdu", "--target", "pcsc:" + r}, cmds...)...)
		lines := strings.Fields(out)
		if len(lines) == 0 {
			return "", code, errOut
		}
		last := lines[len(lines)-1]
		return last[max(0, len(last)-4):], code, errOut
	}
	signingQuery := func() string {
		t.Helper()
		sw, code, errOut := apdu(ctlSel, ctlSelSign, ctlEmptyVfy)
		if code != 0 {
			t.Fatalf("the counter query through pcscd: exit %d %s", code, errOut)
		}
		return sw
	}
	// waitCard polls until the card answers the JPKI SELECT through pcscd.
	waitCard := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if sw, code, _ := apdu(ctlSel); code == 0 && sw == "9000" {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("the card did not come back into the reader")
	}

	v := ctl("status", "--slot", "0")
	if !v.Inserted || !v.InReader || v.Reader != r {
		t.Fatalf("status: %+v", v)
	}
	ctl("snapshot", "take", "fresh")
	t.Cleanup(func() {
		runCLI(t, "ctl", "fault", "clear")
		runCLI(t, "ctl", "insert")
		runCLI(t, "ctl", "snapshot", "restore", "fresh")
	})
	if sw := signingQuery(); sw != "63C5" {
		t.Fatalf("the fresh card: %s", sw)
	}

	// One try left.
	ctl("tries", "--pin", "signing", "1")
	if sw := signingQuery(); sw != "63C1" {
		t.Fatalf("one try left: the empty VERIFY answers %s, want 63C1", sw)
	}
	// Locked: the right password answers 6984.
	ctl("tries", "--pin", "signing", "0")
	if sw, code, errOut := apdu(ctlSel, ctlSelSign, "00200080{len:signing-pin}{signing-pin}"); code != 0 || sw != "6984" {
		t.Fatalf("locked: VERIFY of the signing password answers %s (exit %d %s), want 6984", sw, code, errOut)
	}
	ctl("tries", "--pin", "signing", "1")

	// Removed mid-signature.
	ctl("fault", "remove", "--ins", "2A")
	di := "3031300D060960864801650304020105000420" + strings.Repeat("AB", 32)
	sign := "802A008033" + di + "00"
	sw, code, errOut := apdu(ctlSel, "00A4020C02001A", sign)
	if code != exitCard || !strings.Contains(errOut, "removed") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("COMPUTE DIGITAL SIGNATURE with the card pulled out: last %s, exit %d %q", sw, code, errOut)
	}
	// pcscd reports the reader empty (at its next presence poll).
	var empty string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, code, errOut := apdu(ctlSel)
		if code == exitCard && strings.Contains(errOut, "no card") {
			empty = errOut
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if empty == "" {
		t.Fatal("pcscd never reported the reader empty after the removal")
	}
	if v := ctl("status", "--slot", "0"); v.Inserted || v.InReader || v.Powered {
		t.Fatalf("status after the removal: %+v", v)
	}
	// The session's transcript shows the signature that got no answer.
	code, out, _ := runCLI(t, "ctl", "transcript")
	tr, err := transcript.Read(strings.NewReader(out))
	if code != 0 || err != nil {
		t.Fatalf("ctl transcript: exit %d %v", code, err)
	}
	ex := tr.Exchanges()
	if last := ex[len(ex)-1]; !strings.HasPrefix(last.Command, "802A") || last.Error == "" {
		t.Fatalf("the last exchange of the session: %+v", last)
	}

	// Back: inserted, the card answers as the control interface left it.
	ctl("insert")
	waitCard()
	if sw := signingQuery(); sw != "63C1" {
		t.Fatalf("back in the reader: the empty VERIFY answers %s, want 63C1 as set", sw)
	}
	// A signature goes through now (the fault was used up).
	if sw, code, errOut := apdu(ctlSel, ctlSelSign, "00200080{len:signing-pin}{signing-pin}", "00A4020C02001A", sign); code != 0 || sw != "9000" {
		t.Fatalf("the signature once back: %s, exit %d %s", sw, code, errOut)
	}
	ctl("tries", "--pin", "signing", "2")
	if sw := signingQuery(); sw != "63C2" {
		t.Fatalf("tries 2: %s", sw)
	}
	ctl("snapshot", "restore", "fresh")
	if sw := signingQuery(); sw != "63C5" {
		t.Fatalf("after restoring the snapshot: %s, want 63C5", sw)
	}
}
