package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// resealFile edits the body of a state file and recomputes its checksum,
// as anyone can.
func resealFile(t *testing.T, path string, edit func(jpkiEFs []any, body map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(env["body"]))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	edit(body["apps"].([]any)[1].(map[string]any)["efs"].([]any), body)
	b, _ := json.Marshal(body)
	sum := sha256.Sum256(b)
	out, _ := json.Marshal(map[string]any{"format": "jpkisim-card-state", "version": env["version"], "sha256": hex.EncodeToString(sum[:]), "body": json.RawMessage(b)})
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func efByFID(efs []any, fid string) map[string]any {
	for _, e := range efs {
		if m := e.(map[string]any); m["fid"] == fid {
			return m
		}
	}
	panic("no EF " + fid)
}

// A state file edited into something no card holds, with its checksum
// recomputed, is refused by every command with a one-line usage error
// naming the file and the field, and left as it was. Before the meaning
// checks, EF 0018 of another kind made card show panic, and an auth PIN
// with 100 tries answered 63CF to apdu.
func TestImpossibleStateFilesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		edit        func(efs []any, body map[string]any)
	}{
		{"EF 0018 of another kind", "(EF 0018).kind", func(efs []any, _ map[string]any) {
			e := efByFID(efs, "0018")
			e["kind"] = "transparent"
			delete(e, "pin")
			e["data"] = "MTIzNA=="
		}},
		{"auth PIN with 100 tries", "(EF 0018).pin.max_tries", func(efs []any, _ map[string]any) {
			p := efByFID(efs, "0018")["pin"].(map[string]any)
			p["max_tries"], p["remaining"] = 100, 100
		}},
		{"a profile that is a path", "body.profile", func(_ []any, body map[string]any) {
			body["profile"] = "../profiles/evil.yaml"
		}},
		// Before, card show loaded it and apdu quoted the name.
		{"an unknown profile name", "body.profile", func(_ []any, body map[string]any) {
			body["profile"] = "nosuch-1234"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "card.json")
			if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
				t.Fatal(errOut)
			}
			data := resealFile(t, path, tc.edit)
			for _, args := range [][]string{
				{"card", "show", "--state", path},
				{"apdu", "--state", path, "00A4040C0AD392F000260100000001", "00200098"},
				{"card", "event", "--state", path, "loss"},
			} {
				code, out, errOut := runCLI(t, args...)
				if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, path+": ") || !strings.Contains(errOut, tc.field) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q", args[0]+" "+args[1], code, out, errOut)
				}
				if strings.Contains(errOut, "nosuch") || strings.Contains(errOut, "evil") {
					t.Errorf("%s: the error quotes the file: %q", args[0]+" "+args[1], errOut)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Fatal("a refused file was changed")
			}
		})
	}
}

// TestCardNewChild is the process TestConcurrentCardNew starts: it runs
// `jpkisim card new --state $JPKISIM_CARD_NEW_CHILD` and exits with its
// status.
func TestCardNewChild(t *testing.T) {
	path := os.Getenv("JPKISIM_CARD_NEW_CHILD")
	if path == "" {
		t.Skip("the child of TestConcurrentCardNew")
	}
	var out, errOut bytes.Buffer
	os.Exit(run([]string{"card", "new", "--state", path}, &out, &errOut))
}

// Two `jpkisim card new` processes started together on one path: exactly
// one creates the card, the other exits 2 with "already exists". Before,
// both said "created" in 32 of 40 races, and the first card was replaced.
func TestConcurrentCardNew(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const races = 20
	for r := 0; r < races; r++ {
		path := filepath.Join(t.TempDir(), "card.json")
		var cmds []*exec.Cmd
		for i := 0; i < 2; i++ {
			cmd := exec.Command(exe, "-test.run=^TestCardNewChild$")
			cmd.Env = append(os.Environ(), "JPKISIM_CARD_NEW_CHILD="+path)
			cmds = append(cmds, cmd)
		}
		for _, cmd := range cmds {
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
		}
		codes := map[int]int{}
		for _, cmd := range cmds {
			cmd.Wait()
			codes[cmd.ProcessState.ExitCode()]++
		}
		if codes[0] != 1 || codes[2] != 1 {
			t.Fatalf("race %d: exit statuses %v, want one 0 and one 2", r+1, codes)
		}
		if code, _, errOut := runCLI(t, "card", "show", "--state", path); code != 0 {
			t.Fatalf("race %d: the card does not load: %s", r+1, errOut)
		}
	}
}

// card new takes an embedded profile only: a state file names its profile
// and is reopened with the embedded one of that name, never with a file.
// Before, a card made from a profile file was written and then could not
// be opened again ("unknown profile").
func TestCardNewRefusesAProfileFile(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "custom.yaml")
	raw, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "profiles", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prof, bytes.Replace(raw, []byte("name: default"), []byte("name: custom"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "card.json")
	code, _, errOut := runCLI(t, "card", "new", "--state", path, "--profile", prof)
	if code != 2 || !strings.Contains(errOut, "never a profile file") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Fatal("a state file was written")
	}
}

// A card whose lock file was removed while it was driven says so, once,
// and answers 6581 to every write (docs/state-file.md, "One writer per
// card").
func TestLostLockIsToldOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	var told bytes.Buffer
	stateWarnings = &told
	defer func() { stateWarnings = os.Stderr }()
	card, s, err := openState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	card.PowerOn()
	sel, _ := hex.DecodeString("00A4040C0AD392F000260100000001")
	wrong, _ := hex.DecodeString("002000980439393939")
	card.Transmit(sel)
	if r, _ := card.Transmit(wrong); hex.EncodeToString(r) != "63c2" {
		t.Fatalf("% X", r)
	}
	os.Remove(path + ".lock")
	for i := 0; i < 2; i++ {
		if r, _ := card.Transmit(wrong); hex.EncodeToString(r) != "6581" {
			t.Fatalf("with its lock removed: % X", r)
		}
	}
	if n := strings.Count(told.String(), "\n"); n != 1 || !strings.Contains(told.String(), path) || !strings.Contains(told.String(), "lock file was removed") {
		t.Fatalf("told %d times: %q", n, told.String())
	}
}

// A lock file that is a symbolic link makes the state file unreachable:
// exit 3 with one line (README "Exit statuses"), the file and the link's
// target untouched. Before, it exited 1 ("too many levels of symbolic
// links").
func TestSymlinkedLockFileExits3(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	if code, _, errOut := runCLI(t, "card", "new", "--state", path); code != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(path)
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path+".lock"); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "apdu", "--state", path, "00A4040C0AD392F000260100000001", "0020009804FFFFFFFF")
	if code != exitCard || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, path) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Fatal("the state file changed")
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); err == nil {
		t.Fatal("the lock was taken through the link")
	}
}
