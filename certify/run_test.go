package certify

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunProgramBackgroundChild: a program that leaves a process running
// with its output still open (a daemon it forked) has still exited: the
// run keeps its exit status and output, and the child goes with it.
func TestRunProgramBackgroundChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	line := "(sleep 300; echo orphan) & echo $! >" + pidFile + "; echo forked"
	status, timedOut, output, err := runProgram(context.Background(), Program{Line: line, Timeout: time.Minute}, os.Environ())
	if err != nil {
		t.Fatalf("a program that forked a background child: %v", err)
	}
	if status != 0 || timedOut {
		t.Errorf("exit status %d, timed out %v; want 0, false", status, timedOut)
	}
	if !strings.Contains(output, "forked") {
		t.Errorf("output %q lacks the program's line", output)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// Killed with the group (SIGKILL takes effect a moment later); reaped
	// by nobody here, so a zombie at most.
	alive := func() bool {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err == nil && !strings.Contains(string(st), ") Z ")
	}
	for i := 0; i < 100 && alive(); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if alive() {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the background child %d outlived the program", pid)
	}
}

// TestRunProgramTimeout: a program that hangs is stopped at its timeout,
// with what it printed before.
func TestRunProgramTimeout(t *testing.T) {
	status, timedOut, output, err := runProgram(context.Background(), Program{Line: "echo start; sleep 300", Timeout: 200 * time.Millisecond}, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !timedOut || status != -1 || !strings.Contains(output, "start") {
		t.Errorf("status %d, timed out %v, output %q; want -1, timed out, output with start", status, timedOut, output)
	}
}
