package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An interrupted run whose report cannot be written still says so on
// stderr: the exit status is the signal's, and the report's error is not
// dropped for it.
func TestInterruptedRunSaysItsReportFailed(t *testing.T) {
	dir := t.TempDir()
	var feature strings.Builder
	feature.WriteString("Feature: slow signatures\n")
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&feature, `
  Scenario: slow %d
    Given the JPKI application is selected
    And the auth PIN has been verified
    And the card takes 250 ms to answer a signature
    When I sign a SHA-256 DigestInfo of "slow" with the auth key
    Then the status word is 9000
`, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "slow.feature"), []byte(feature.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(dir, "no such directory", "r.xml")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestRunChild$")
	cmd.Env = append(os.Environ(), "JPKISIM_RUN_CHILD="+strings.Join([]string{"run", "--target", "sim", "--features", dir,
		"--format", "progress,junit:" + junit}, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(stdout)
	for {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("the run ended before a step passed: %v", err)
		}
		if b == '.' {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := r.ReadByte(); err != nil {
				break
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the interrupted run did not end")
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitSIGTERM {
		t.Fatalf("exit: %v, want status %d", err, exitSIGTERM)
	}
	if !strings.Contains(stderr.String(), "junit report") || !strings.Contains(stderr.String(), "r.xml") {
		t.Errorf("stderr does not say the JUnit report was not written:\n%s", stderr.String())
	}
}
