package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// An interrupted run whose report cannot be written still says so on
// stderr: the exit status is the signal's, and the report's error is not
// dropped for it.
func TestInterruptedRunSaysItsReportFailed(t *testing.T) {
	dir := slowFeatures(t, 6)
	junit := filepath.Join(dir, "r.xml")
	if err := os.Mkdir(junit, 0o755); err != nil { // a directory where the report goes: the rename fails
		t.Fatal(err)
	}
	stderr, err := interruptRun(t, syscall.SIGTERM, "run", "--target", "sim", "--features", dir, "--format", "progress,junit:"+junit)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitSIGTERM {
		t.Fatalf("exit: %v, want status %d", err, exitSIGTERM)
	}
	if !strings.Contains(stderr, "junit report") || !strings.Contains(stderr, "r.xml") {
		t.Errorf("stderr does not say the JUnit report was not written:\n%s", stderr)
	}
}
