//go:build cgo

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/jpkisim/jpkisim/harness/pcsc"
)

const selectJPKI = "00A4040C0AD392F000260100000001"

// cli runs the CLI in the background and fails the test when it has not
// returned within limit (a wait without a bound).
func cli(t *testing.T, limit time.Duration, args ...string) (int, string, string) {
	t.Helper()
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runCLI(t, args...)
		done <- result{code, out, errOut}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.errOut
	case <-time.After(limit):
		t.Fatalf("jpkisim %s did not return within %v", strings.Join(args, " "), limit)
		return 0, "", ""
	}
}

// These hold a reader that other tests use, so scripts/pcsc-test.sh runs
// them on their own, one package at a time (their names avoid its
// PCSC|OpenSC|RealCard selection).

// A transaction another PC/SC program keeps on the card makes `apdu` give
// up after pcsc.TransactionTimeout: exit 3 and one line, instead of waiting
// for ever.
func TestHeldTransactionExits3(t *testing.T) {
	r := os.Getenv("JPKISIM_TEST_READER")
	if r == "" {
		t.Skip("JPKISIM_TEST_READER not set: run scripts/pcsc-test.sh (make test) for the PC/SC stack")
	}
	defer func(d time.Duration) { pcsc.TransactionTimeout = d }(pcsc.TransactionTimeout)
	pcsc.TransactionTimeout = 500 * time.Millisecond
	holder, err := pcsc.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	held, let, ended := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		ended <- holder.Transaction(func() error { close(held); <-let; return nil })
	}()
	select {
	case <-held:
	case err := <-ended:
		t.Fatalf("the holder could not take a transaction: %v", err)
	}
	defer func() { close(let); <-ended; holder.Close() }()
	code, out, errOut := cli(t, 20*time.Second, "apdu", "--target", "pcsc:"+r, selectJPKI)
	if code != 3 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "another program held the card") {
		t.Fatalf("exit %d, %q, %q", code, out, errOut)
	}
}

// A reader another program holds in exclusive mode is named in run's
// targets line, not skipped without a word, and `apdu` on it exits 3 saying
// so.
func TestExclusiveReaderIsReported(t *testing.T) {
	r1 := realReader(t)
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	ex, err := ctx.Connect(r1, scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Disconnect(scard.LeaveCard)
	unsetPINVars(t)
	code, out, errOut := cli(t, 60*time.Second, "run", "--format", "progress", "--tags", "@RETRY-07")
	if code != 0 || !strings.Contains(out, "in exclusive use by another program: "+r1) {
		t.Fatalf("exit %d, targets line does not name the reader held exclusively:\n%s\n%s", code, out[max(0, len(out)-300):], errOut)
	}
	code, out, errOut = cli(t, 20*time.Second, "apdu", "--target", "pcsc:"+r1, selectJPKI)
	if code != 3 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "exclusive use by another program") {
		t.Fatalf("apdu on a reader held exclusively: exit %d, %q, %q", code, out, errOut)
	}
}

// TestStalledCardTimesOut stops the process of the card in
// JPKISIM_TEST_READER (JPKISIM_TEST_SERVE_PID, a `jpkisim serve` the test
// script started) so that its answer never comes: `apdu` gives up after
// pcsc.Timeout with exit 3 and one line, and does not hang in its own
// clean-up; the card is resumed afterwards.
func TestStalledCardTimesOut(t *testing.T) {
	r, pidText := os.Getenv("JPKISIM_TEST_READER"), os.Getenv("JPKISIM_TEST_SERVE_PID")
	pid, err := strconv.Atoi(pidText)
	if r == "" || err != nil {
		t.Skip("JPKISIM_TEST_READER and JPKISIM_TEST_SERVE_PID not set: scripts/pcsc-test.sh sets them")
	}
	defer func(d time.Duration) { pcsc.Timeout = d }(pcsc.Timeout)
	pcsc.Timeout = time.Second
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	defer resume()
	code, out, errOut := cli(t, 20*time.Second, "apdu", "--target", "pcsc:"+r, selectJPKI)
	resume()
	// Usually the exchange times out; on a loaded machine pcscd's own poll of
	// the stalled card may first take it for removed. Either is exit 3, one
	// line, and nothing on stdout.
	if code != 3 || out != "" || strings.Count(errOut, "\n") != 1 ||
		!(strings.Contains(errOut, "did not answer in time") || strings.Contains(errOut, "removed") || strings.Contains(errOut, "no card")) {
		t.Fatalf("stalled card: exit %d, %q, %q", code, out, errOut)
	}
	// Resumed, the card answers again (the call given up on has ended).
	pcsc.Timeout = 10 * time.Second
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, errOut = cli(t, 20*time.Second, "apdu", "--target", "pcsc:"+r, selectJPKI)
		if code == 0 && strings.TrimSpace(out) == "9000" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the card did not come back after the stall: exit %d, %q, %q", code, out, errOut)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
