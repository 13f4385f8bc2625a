package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/report/reporttest"
)

// TestCertifyBadArguments: each bad argument is a one-line error and exit
// status 2, before anything is served.
func TestCertifyBadArguments(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "r.html")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "kiosk"}, "--client"},
		{[]string{"--client", "true"}, "--profile"},
		{[]string{"--client", "true", "--profile", "vendor"}, "--profile"},
		{[]string{"--client", "true", "--profile", "kiosk", "--pin", "juki"}, "--pin"},
		{[]string{"--client", "true", "--profile", "kiosk", "--timeout", "0s"}, "--timeout"},
		{[]string{"--client", "true", "--profile", "kiosk", "--vpcd", "nowhere"}, "--vpcd"},
		{[]string{"--client", "true", "--profile", "kiosk", "--vpcd", "127.0.0.1:80"}, "--reader"},
		{[]string{"--client", "true", "--profile", "kiosk", "--report", missing}, "does not exist"},
		{[]string{"--client", "true", "--profile", "kiosk", "--json", missing}, "does not exist"},
		{[]string{"--client", "true", "--profile", "kiosk", "--pki", "0.0.0.0:35990"}, "loopback"},
		{[]string{"--client", "true", "--profile", "kiosk", "extra"}, "unknown command"},
		// A PIN of the card written in the command line would be an
		// argument of the program and in every report.
		{[]string{"--client", "pkcs11-tool --login --pin 1234 -O", "--profile", "kiosk"}, "JPKISIM_CLIENT_PIN"},
		{[]string{"--client", "signer --password=abc123", "--profile", "kiosk"}, "JPKISIM_CLIENT_PIN"},
	} {
		code, out, errOut := runCLI(t, append([]string{"certify"}, c.args...)...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.want) || strings.Contains(strings.ToUpper(errOut), "ABC123") || strings.Contains(errOut, "1234") {
			t.Errorf("certify %q: exit %d, stdout %q, stderr %q; want 2 and one line naming %s", c.args, code, out, errOut, c.want)
		}
	}
}

// TestCertifyWithoutPCSCD: with nothing at the vpcd address the card never
// reaches a reader: exit 3, one line naming vpcd, after readyWithin.
func TestCertifyWithoutPCSCD(t *testing.T) {
	defer func(d time.Duration) { readyWithin = d }(readyWithin)
	readyWithin = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	code, out, errOut := runCLI(t, "certify", "--client", "true", "--profile", "kiosk", "--pki", "",
		"--vpcd", "127.0.0.1:"+strconv.Itoa(port), "--reader", "No Such Reader 00 00")
	if code != exitCard || out != "" || !strings.Contains(errOut, "vpcd") || !strings.Contains(errOut, "pcscd") || strings.Count(errOut, "jpkisim:") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and one line naming pcscd and vpcd", code, out, errOut)
	}
}

// TestCertifyInterruptedBeforeTheCard: SIGINT while certify waits for
// pcscd to take the card ends it as interrupted (130, the reports written
// and marked so), not as a failure with "context canceled".
func TestCertifyInterruptedBeforeTheCard(t *testing.T) {
	defer func(d time.Duration) { readyWithin = d }(readyWithin)
	readyWithin = 20 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there: the card never reaches a reader
	dir := t.TempDir()
	go func() {
		time.Sleep(500 * time.Millisecond)
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	code, out, errOut := runCLI(t, "certify", "--client", "true", "--profile", "kiosk", "--pki", "",
		"--vpcd", "127.0.0.1:"+strconv.Itoa(port), "--reader", "No Such Reader 00 00", "--json", filepath.Join(dir, "c.json"))
	if code != exitSIGINT || strings.Contains(errOut, "context canceled") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %d", code, out, errOut, exitSIGINT)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "c.json"))
	if err != nil || !strings.Contains(string(raw), `"interrupted": "SIGINT"`) {
		t.Errorf("the JSON report: %v\n%s", err, raw)
	}
}

// TestPrintVerdictsTimedOut: the summary line counts the runs killed at the
// timeout.
func TestPrintVerdictsTimedOut(t *testing.T) {
	c := reporttest.SampleCertification()
	c.Runs[1].TimedOut, c.Runs[1].ExitStatus = true, -1
	var b strings.Builder
	printVerdicts(&b, c)
	if !strings.Contains(b.String(), fmt.Sprintf("; timed out: 1 of %d runs", len(c.Runs))) {
		t.Errorf("summary lacks the timed-out runs:\n%s", b.String())
	}
}
