package store_test

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

var kills = flag.Int("kills", 200, "SIGKILLs of the crash test")

// The crash test's child: open the state file, then send wrong auth PINs
// forever, printing every status word the card answers, until blocked.
func TestMain(m *testing.M) {
	if path := os.Getenv("JPKISIM_CRASH_CHILD"); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

func crashChild(path string) int {
	s, st, meta, err := store.Open(path)
	if err != nil {
		fmt.Println("OPEN", err)
		return 1
	}
	p := fixtures.MustProfile(meta.Profile)
	c := simulator.NewWithState(p, st, s)
	c.PowerOn()
	c.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01})
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "READY")
	out.Flush()
	for {
		r, _ := c.Transmit([]byte{0x00, 0x20, 0x00, 0x98, 0x04, '9', '9', '9', '9'})
		fmt.Fprintf(out, "%02X%02X\n", r[len(r)-2], r[len(r)-1])
		out.Flush()
		if r[0] != 0x63 || r[1] == 0xC0 {
			return 0
		}
	}
}

// remaining reads the auth PIN's durable counter; the file must load.
func remaining(t *testing.T, path string) int {
	t.Helper()
	st, _, err := store.Load(path)
	if err != nil {
		t.Fatalf("after a kill the state file does not load: %v", err)
	}
	return st.Apps[1].EF(simulator.EFAuthPIN).PIN.Remaining
}

// setCounter is the office resetting the counter (UNLOCK-01), between runs.
func setCounter(t *testing.T, path string, n int) {
	t.Helper()
	s, st, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pin := st.Apps[1].EF(simulator.EFAuthPIN).PIN
	pin.MaxTries, pin.Remaining = 15, n
	if err := s.Commit(st); err != nil {
		t.Fatal(err)
	}
}

// TestCrashNeverGivesBackATry kills a process driving wrong VERIFYs at
// random moments, at least -kills times (200), and checks after each kill
// that the state file loads and that the durable counter is no higher than
// the last answer that left the card, nor than before the run: a pulled
// card never gives back a try. The counter has 15 tries so that each run
// has several VERIFYs to interrupt; the office resets it when it reaches 0.
func TestCrashNeverGivesBackATry(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes about half a minute")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "card.json")
	p := fixtures.MustProfile("default")
	st, _ := simulator.NewState(p)
	if err := store.Create(path, st, store.Meta{Profile: p.Name}); err != nil {
		t.Fatal(err)
	}
	setCounter(t, path, 15)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	before, killed, regained, midRun := 15, 0, 0, 0
	for killed < *kills {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "JPKISIM_CRASH_CHILD="+path)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() || lines.Text() != "READY" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not start: %q", lines.Text())
		}
		// Let it run 0 to 12 ms: several fsynced commits, and kills between
		// the decrement and the answer.
		time.Sleep(time.Duration(rng.Intn(12000)) * time.Microsecond)
		cmd.Process.Kill()
		lastSeen := before
		for lines.Scan() {
			if n, err := strconv.ParseUint(strings.TrimPrefix(lines.Text(), "63C"), 16, 8); err == nil && strings.HasPrefix(lines.Text(), "63C") {
				lastSeen = int(n)
			}
		}
		cmd.Wait()
		killed++
		now := remaining(t, path)
		if now > lastSeen || now > before {
			regained++
			t.Errorf("kill %d: the durable counter is %d, but the card had answered %d tries left (before the run: %d)", killed, now, lastSeen, before)
		}
		if now < lastSeen {
			midRun++ // killed after the decrement was durable, before its answer left
		}
		before = now
		if now == 0 {
			setCounter(t, path, 15)
			before = 15
		}
	}
	t.Logf("%d kills survived, %d tries regained, %d kills between a durable decrement and its answer", killed, regained, midRun)
}
