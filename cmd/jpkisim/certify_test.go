package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
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
	} {
		code, out, errOut := runCLI(t, append([]string{"certify"}, c.args...)...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.want) {
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
