package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/report/reporttest"
)

// junitReport is the part of a JUnit document these tests read.
type junitReport struct {
	Tests  int `xml:"tests,attr"`
	Suites []struct {
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Status  string `xml:"status,attr"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// property is the first non-empty value of a property among the suites.
func (j junitReport) property(name string) string {
	for _, s := range j.Suites {
		for _, p := range s.Properties {
			if p.Name == name && p.Value != "" {
				return p.Value
			}
		}
	}
	return ""
}

// cucumberReport is the part of a Cucumber JSON document these tests read.
type cucumberReport []struct {
	Name     string
	Metadata map[string]any
	Elements []struct {
		Name  string
		Tags  []struct{ Name string }
		Steps []struct {
			Result struct {
				Status string
			}
			Embeddings []struct {
				MimeType string `json:"mime_type"`
				Data     []byte
			}
		}
	}
}

// A report on stdout is the whole of stdout: it parses, and the summary
// line went to stderr. Both name the target, the profile and the tool.
func TestReportsOnStdoutParse(t *testing.T) {
	code, out, errOut := runCLI(t, "run", "--format", "junit", "--tags", "@CERT-09")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var j junitReport
	if err := xml.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("stdout is not one XML document: %v\n%s", err, out)
	}
	if j.Tests == 0 || j.property("target") != "sim:default" || j.property("profile") != "default" || j.property("version") == "" || j.property("tags") != "@CERT-09" {
		t.Fatalf("tests %d, properties %+v", j.Tests, j.Suites[0].Properties)
	}
	if !strings.Contains(errOut, "targets: sim:default:") {
		t.Errorf("the summary is not on stderr: %q", errOut)
	}
	for _, c := range j.Suites[0].Cases {
		if c.Status == "passed" && !strings.Contains(c.SystemOut, "> 00A4040C") {
			t.Errorf("%s: a passed case without its transcript", c.Name)
		}
	}

	code, out, errOut = runCLI(t, "run", "--format", "cucumber", "--tags", "@CERT-09")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var c cucumberReport
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if len(c) == 0 || c[0].Metadata["target"] != "sim:default" || c[0].Metadata["profile"] != "default" || c[0].Metadata["tool"] == nil {
		t.Fatalf("metadata %v", c[0].Metadata)
	}
	embedded := 0
	for _, f := range c {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				for _, em := range s.Embeddings {
					if em.MimeType == "text/plain" && strings.Contains(string(em.Data), "> 00") {
						embedded++
					}
				}
			}
		}
	}
	if embedded == 0 {
		t.Fatal("no step carries its transcript")
	}

	if code, _, errOut := runCLI(t, "run", "--format", "pretty,junit", "--tags", "@CERT-09"); code != 2 || !strings.Contains(errOut, "only one format can write to stdout") {
		t.Fatalf("two formats on stdout: exit %d, %q", code, errOut)
	}
}

// TestRunChild is the child process of TestInterruptedRunWritesCompleteReports.
func TestRunChild(t *testing.T) {
	args := os.Getenv("JPKISIM_RUN_CHILD")
	if args == "" {
		t.Skip("the child of TestInterruptedRunWritesCompleteReports")
	}
	os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

// slowFeatures writes a feature of n scenarios, each waiting 250 ms for a
// signature, into a new directory and returns it.
func slowFeatures(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var feature strings.Builder
	feature.WriteString("Feature: slow signatures\n")
	for i := 0; i < n; i++ {
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
	return dir
}

// interruptRun runs jpkisim with args (a run whose console format is
// progress) in a child process, sends it sig once its first step passed,
// and returns its stderr and how it ended.
func interruptRun(t *testing.T, sig os.Signal, args ...string) (stderr string, err error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestRunChild$")
	cmd.Env = append(os.Environ(), "JPKISIM_RUN_CHILD="+strings.Join(args, "\x1f"))
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The progress formatter prints a dot per step: once one is out, a
	// scenario is in flight.
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
	if err := cmd.Process.Signal(sig); err != nil {
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
	return errOut.String(), err
}

// SIGINT in the middle of a run on the embedded card: the scenario in
// flight finishes, no other starts, the JUnit and Cucumber reports are
// complete documents marked interrupted, and the exit status is 130.
// Before, the reports were 0-byte files.
func TestInterruptedRunWritesCompleteReports(t *testing.T) {
	const n = 8
	dir := slowFeatures(t, n)
	junit, cucumber := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.json")
	_, err := interruptRun(t, syscall.SIGINT, "run", "--target", "sim", "--features", dir,
		"--format", "progress,junit:"+junit+",cucumber:"+cucumber)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitSIGINT {
		t.Fatalf("exit: %v, want status %d", err, exitSIGINT)
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var j junitReport
	if err := xml.Unmarshal(raw, &j); err != nil {
		t.Fatalf("the JUnit report is not complete: %v\n%s", err, raw)
	}
	if j.property("interrupted") != "SIGINT" {
		t.Errorf("the JUnit report is not marked interrupted")
	}
	passed, notRun := 0, 0
	for _, c := range j.Suites[0].Cases {
		switch {
		case c.Status == "passed":
			passed++
		case c.Skipped != nil && strings.Contains(c.Skipped.Message, "interrupted by SIGINT"):
			notRun++
		default:
			t.Errorf("%s: %s\n%s", c.Name, c.Status, raw)
		}
	}
	if passed < 1 || notRun < 1 || passed+notRun != n {
		t.Errorf("%d passed, %d not run of %d: the scenario in flight must finish and no other start", passed, notRun, n)
	}
	var c cucumberReport
	raw, err = os.ReadFile(cucumber)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &c); err != nil || len(c) != 1 || c[0].Metadata["interrupted"] != "SIGINT" {
		t.Fatalf("the Cucumber report: %v, %d features", err, len(c))
	}
}

func TestSplitTargets(t *testing.T) {
	for in, want := range map[string]string{
		"sim":                              "sim",
		"sim,pcsc:Virtual PCD 00 00":       "sim|pcsc:Virtual PCD 00 00",
		"pcsc:Reader, with a comma 00,sim": "pcsc:Reader, with a comma 00|sim",
		"pcsc:A,pcsc:B":                    "pcsc:A|pcsc:B",
		"pcsc":                             "pcsc",
	} {
		if got := strings.Join(splitTargets(in), "|"); got != want {
			t.Errorf("splitTargets(%q) = %q, want %q", in, got, want)
		}
	}
}

// run --report writes the HTML report, which Chromium renders with its
// summary, a transcript and the coverage matrix visible.
func TestRunWritesHTMLReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.html")
	if code, _, errOut := runCLI(t, "run", "--target", "sim", "--format", "progress", "--tags", "@RETRY-06", "--report", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	page := reporttest.CheckInChromium(t, path)
	if s, ok := page.Section("coverage"); !ok || !strings.Contains(s.Text, "RETRY-06") {
		t.Fatalf("the coverage matrix does not show RETRY-06: %+v", s)
	}
}

// A report whose directory does not exist is refused before the run (exit
// 2, naming the path given); before, the whole suite ran and the error
// named a temporary file.
func TestReportInAMissingDirectoryRefusedFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no such directory", "x.html")
	for _, args := range [][]string{
		{"run", "--report", missing},
		{"run", "--format", "progress,junit:" + missing},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, missing) || strings.Contains(out, "scenarios") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, errOut, out)
		}
	}
}
