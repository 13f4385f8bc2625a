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

// TestExecuteBackgroundChild: a program that leaves a process running
// with its output still open (a daemon it forked) has still exited: the
// run keeps its exit status and output, and the child goes with it.
func TestExecuteBackgroundChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	line := "(sleep 300; echo orphan) & echo $! >" + pidFile + "; echo forked"
	res, err := execute(context.Background(), Program{Line: line, Timeout: time.Minute}, os.Environ())
	if err != nil {
		t.Fatalf("a program that forked a background child: %v", err)
	}
	if res.status != 0 || res.timedOut {
		t.Errorf("exit status %d, timed out %v; want 0, false", res.status, res.timedOut)
	}
	if !strings.Contains(res.output, "forked") {
		t.Errorf("output %q lacks the program's line", res.output)
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

// TestExecuteTimeout: a program that hangs is stopped at its timeout,
// with what it printed before.
func TestExecuteTimeout(t *testing.T) {
	res, err := execute(context.Background(), Program{Line: "echo start; sleep 300", Timeout: 200 * time.Millisecond}, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !res.timedOut || res.status != -1 || !strings.Contains(res.output, "start") {
		t.Errorf("got %+v; want timed out, status -1, output with start", res)
	}
}
