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

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
)

var kills = flag.Int("kills", 200, "SIGKILLs of the crash test")

// The crash test's child: open the state file, then send wrong auth PINs
// until that PIN is blocked and then wrong signing passwords until that one
// is, printing every status word the card answers with the PIN it was for
// (A or S).
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
	for _, x := range []struct {
		name  string
		wrong []byte
	}{
		{"A", []byte{0x00, 0x20, 0x00, 0x98, 0x04, '9', '9', '9', '9'}},
		{"S", []byte{0x00, 0x20, 0x00, 0x9B, 0x06, 'Z', 'Z', '9', '9', '9', '9'}},
	} {
		for {
			r, _ := c.Transmit(x.wrong)
			fmt.Fprintf(out, "%s%02X%02X\n", x.name, r[len(r)-2], r[len(r)-1])
			out.Flush()
			if r[0] != 0x63 || r[1] == 0xC0 {
				break
			}
		}
	}
	return 0
}

// pins are the durable counters of the auth PIN and the signing password.
type pins struct{ auth, signing int }

var full = pins{jpki.AuthPIN.MaxTries(), jpki.SigningPIN.MaxTries()}

// remaining reads the durable counters; the file must load.
func remaining(t *testing.T, path string) pins {
	t.Helper()
	st, _, err := store.Load(path)
	if err != nil {
		t.Fatalf("after a kill the state file does not load: %v", err)
	}
	japp := st.App(jpki.JPKI.AID())
	return pins{japp.EF(jpki.EFAuthPIN).PIN.Remaining, japp.EF(jpki.EFSigningPIN).PIN.Remaining}
}

// resetCounters is the office resetting both PINs' counters (UNLOCK-01),
// between runs.
func resetCounters(t *testing.T, path string) {
	t.Helper()
	s, st, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	japp := st.App(jpki.JPKI.AID())
	japp.EF(jpki.EFAuthPIN).PIN.Remaining = full.auth
	japp.EF(jpki.EFSigningPIN).PIN.Remaining = full.signing
	if err := s.Commit(st); err != nil {
		t.Fatal(err)
	}
}

// TestCrashNeverGivesBackATry kills a process driving wrong VERIFYs at
// random moments, at least -kills times (200), and checks after each kill
// that the state file loads and that neither durable counter is higher than
// the last answer for it that left the card, nor than before the run: a
// pulled card never gives back a try. Each run has up to 3 + 5 VERIFYs to
// interrupt (the card's own limits, RETRY-01, RETRY-02); the office resets
// both counters when both reach 0.
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
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	before, killed, regained, midRun := full, 0, 0, 0
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
			l := lines.Text()
			n, err := strconv.ParseUint(strings.TrimPrefix(l[1:], "63C"), 16, 8)
			if err != nil || !strings.HasPrefix(l[1:], "63C") {
				continue
			}
			if l[0] == 'A' {
				lastSeen.auth = int(n)
			} else {
				lastSeen.signing = int(n)
			}
		}
		cmd.Wait()
		killed++
		now := remaining(t, path)
		if now.auth > lastSeen.auth || now.auth > before.auth || now.signing > lastSeen.signing || now.signing > before.signing {
			regained++
			t.Errorf("kill %d: the durable counters are %+v, but the card had answered %+v tries left (before the run: %+v)", killed, now, lastSeen, before)
		}
		if now != lastSeen {
			midRun++ // killed after the decrement was durable, before its answer left
		}
		before = now
		if now == (pins{}) {
			resetCounters(t, path)
			before = full
		}
	}
	t.Logf("%d kills survived, %d tries regained, %d kills between a durable decrement and its answer", killed, regained, midRun)
}
