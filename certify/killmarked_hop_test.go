package certify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunProgramHoppingDaemon: a daemon that left the program's process
// group (setsid) and keeps the run's RunEnv, but moves to a new PID every
// millisecond or so (each process forks its successor and exits) for a
// second or two before it settles, must not outlive the run either. Found
// by review: killMarked stopped at the first pass of /proc that found no
// marked process alive, and a hopper is often gone from its PID before a
// pass reads its environ (it escaped 7 times in 9).
func TestRunProgramHoppingDaemon(t *testing.T) {
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("needs perl for the forking daemon")
	}
	pidFile := filepath.Join(t.TempDir(), "settled.pid")
	hop := `$t = time + 2; while (time < $t) { exit 0 if fork; select(undef, undef, undef, 0.001) }` +
		` open(F, ">", "` + pidFile + `.tmp") or die; print F "$$\n"; close F; rename("` + pidFile + `.tmp", "` + pidFile + `"); exec "sleep", "30"`
	line := "setsid perl -e '" + hop + "' >/dev/null 2>&1 & sleep 0.3; echo started"
	exit, timedOut, out, err := runProgram(context.Background(), Program{Line: line, Timeout: time.Minute}, os.Environ())
	if exit != 0 || timedOut || err != nil || !strings.HasPrefix(out, "started\n") {
		t.Errorf("runProgram: %d, %v, %q, %v", exit, timedOut, out, err)
	}
	var b []byte
	for deadline := time.Now().Add(3500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, err = os.ReadFile(pidFile); err == nil {
			break
		}
	}
	if err != nil {
		return // no hopper settled: killMarked got it
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past its exec
	env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if strings.HasPrefix(string(cmdline), "sleep") {
		syscall.Kill(pid, syscall.SIGKILL) // the daemon this test started
		t.Errorf("a daemon that hopped PIDs (pid %d, still carrying %s: %v) outlived its run",
			pid, RunEnv, bytes.Contains(env, []byte(RunEnv+"=")))
	}
}
