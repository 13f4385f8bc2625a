package reporttest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The sections of an HTML report CheckInChromium wants visible: its name,
// and the CSS selector of the elements any one of which must be visible.
// They are the ids and classes report/html.tmpl gives them.
var Sections = []Want{
	{"summary", "#summary #verdict"},
	{"counts", "#summary #counts"},
	{"transcript", "table.tr"},
	{"coverage", "#coverage #matrix"},
}

// Want is a section to measure: its name, and the CSS selector of the
// elements any one of which must be visible.
type Want struct {
	Name     string `json:"name"`
	Selector string `json:"selector"`
}

// CertificationSections are the sections of a certification report
// (report.WriteCertificationHTML) CheckCertificationInChromium wants
// visible: the verdict banner, the verdict table and a failed check's
// transcript excerpt with a highlighted event (a failed check's detail is
// open as the page loads).
var CertificationSections = []Want{
	{"verdict", "#verdict"},
	{"checks", "#verdicts #checks"},
	{"excerpt", "details.check.o-failed .excerpt table.tr tr.hit"},
}

// Page is what Chromium rendered of a report.
type Page struct {
	// Sections are the Sections as measured, in their order.
	Sections []Section `json:"sections"`
	// Fetched lists every resource the page loaded (the Resource Timing
	// entries): a self-contained report loads none.
	Fetched []string `json:"fetched"`
	// Viewport is the window's inner size in CSS pixels.
	Viewport [2]float64 `json:"viewport"`
	// DOM is the document after its scripts ran (chromium --dump-dom), the
	// check's own script and result included.
	DOM string `json:"-"`
	// want are the sections measured.
	want []Want
}

// Section is one section as measured: the first element its selector
// matches that is visible as the page loads, or else the first one inside
// closed <details> once the check has opened them, or, when none is
// visible, why each is not.
type Section struct {
	Name     string `json:"name"`
	Selector string `json:"selector"`
	// Matches counts the elements the selector matched.
	Matches int  `json:"matches"`
	Visible bool `json:"visible"`
	// Why says why no element was visible, each reason once with the
	// number of elements it held for: "no element matches",
	// "display:none (on section#coverage)", "zero size 1184x0 (1 of 5)",
	// "covered by div#x", "no rendered text", ….
	Why string `json:"why,omitempty"`
	// Opened lists the closed <details> elements the check opened, by
	// clicking their summaries as a reader does, when no element was
	// visible as the page loaded (the transcripts of a run that passed);
	// empty when one was.
	Opened []string `json:"opened,omitempty"`
	// X, Y, Width, Height are the visible element's box on the page, in
	// CSS pixels from the document's top left corner.
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// Text is the element's rendered text (innerText: what display:none
	// hides is not in it).
	Text string `json:"text"`
}

// Section returns the measured section called name, and whether there is one.
func (p Page) Section(name string) (Section, bool) {
	for _, s := range p.Sections {
		if s.Name == name {
			return s, true
		}
	}
	return Section{}, false
}

// Problems says what is wrong with the page, one line each: a section that
// is not visible, a resource the page fetched. None for a good report.
func (p Page) Problems() []string {
	var out []string
	wanted := p.want
	if wanted == nil {
		wanted = Sections
	}
	for _, want := range wanted {
		s, ok := p.Section(want.Name)
		switch {
		case !ok:
			out = append(out, want.Name+": not measured")
		case !s.Visible:
			out = append(out, fmt.Sprintf("%s (%s): not visible: %s", s.Name, s.Selector, s.Why))
		}
	}
	for _, f := range p.Fetched {
		out = append(out, "the page fetched "+f)
	}
	return out
}

//go:embed check.js
var checkScript string

// Timeout bounds one Chromium run.
const Timeout = 60 * time.Second

// CheckInChromium renders the HTML file at htmlPath in headless Chromium
// and fails t unless the report's summary, at least one transcript and the
// rule coverage matrix are on the page and visible: displayed, of non-zero
// size, on the page, not covered by another element at their centre, with
// rendered text, as the page loads or (a closed transcript) once the
// summaries around it are clicked; and the page fetched nothing. It returns the page for
// further checks of what is shown. It skips t when Debian's chromium is not
// installed (`make test` installs it).
func CheckInChromium(t testing.TB, htmlPath string) Page {
	t.Helper()
	return check(t, htmlPath, Sections)
}

// CheckCertificationInChromium is CheckInChromium for a certification
// report: it fails t unless CertificationSections are visible (a failed
// check's excerpt, open as the page loads) and the page fetched nothing. It skips t when chromium is not installed.
func CheckCertificationInChromium(t testing.TB, htmlPath string) Page {
	t.Helper()
	return check(t, htmlPath, CertificationSections)
}

// RenderCertificationInChromium is RenderInChromium for a certification
// report: it measures CertificationSections, failing t only when Chromium
// cannot render the file.
func RenderCertificationInChromium(t testing.TB, htmlPath string) Page {
	t.Helper()
	return renderIn(t, htmlPath, CertificationSections)
}

func check(t testing.TB, htmlPath string, want []Want) Page {
	t.Helper()
	p := renderIn(t, htmlPath, want)
	for _, problem := range p.Problems() {
		t.Errorf("%s in Chromium: %s", filepath.Base(htmlPath), problem)
	}
	return p
}

// RenderInChromium renders the HTML file at htmlPath in headless Chromium
// and measures Sections, failing t only when Chromium cannot render it;
// Page.Problems says whether the sections are visible. It skips t when
// chromium is not installed.
//
// The file is copied into a directory of t's with the check's script
// appended, so the copy must stand alone as a self-contained report does.
// Chromium runs in its own process group with a private profile directory,
// --no-sandbox (it runs as root in the test namespace) and no network
// (every host name resolves to nothing, every proxy is refused); the group
// is killed when Chromium ends, after Timeout, and in t's cleanup.
func RenderInChromium(t testing.TB, htmlPath string) Page {
	t.Helper()
	return renderIn(t, htmlPath, Sections)
}

func renderIn(t testing.TB, htmlPath string, want []Want) Page {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian's chromium package; make test installs it)")
	}
	raw, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	if err := os.WriteFile(page, withCheck(raw, want), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	p, err := render(ctx, bin, page, dir, t.Cleanup)
	if err != nil {
		t.Fatalf("chromium on %s: %v", filepath.Base(htmlPath), err)
	}
	p.want = want
	return p
}

// withCheck appends the check's script to a document, before its last
// </body> when it has one.
func withCheck(doc []byte, want []Want) []byte {
	sections, err := json.Marshal(want)
	if err != nil {
		panic(err) // strings only
	}
	script := "<script>\nvar reporttestSections = " + string(sections) + ";\n" + checkScript + "\n</script>\n"
	i := bytes.LastIndex(bytes.ToLower(doc), []byte("</body>"))
	if i < 0 {
		return append(doc, script...)
	}
	out := append([]byte{}, doc[:i]...)
	out = append(out, script...)
	return append(out, doc[i:]...)
}

var resultRE = regexp.MustCompile(`(?s)<pre id="reporttest-result">(.*?)</pre>`)

// render runs bin on the file page and reads the check's result from the
// DOM it dumps. cleanup registers the group's kill for the end of the
// test, in case render itself does not get to it.
func render(ctx context.Context, bin, page, dir string, cleanup func(func())) (Page, error) {
	u := url.URL{Scheme: "file", Path: page}
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-sync", "--disable-component-update",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
		"--window-size=1280,1600", "--virtual-time-budget=10000",
		"--dump-dom", u.String())
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var pgid int
	killed := false
	kill := func() {
		if pgid > 0 && !killed {
			killed = true
			// The group may be gone already: ESRCH is fine.
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
	cmd.Cancel = func() error { kill(); return nil }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return Page{}, err
	}
	pgid = cmd.Process.Pid
	cleanup(kill)
	err := cmd.Wait()
	kill() // Chromium's helpers, if any outlived it
	if ctx.Err() != nil {
		return Page{}, fmt.Errorf("no page after %v: %v%s", Timeout, ctx.Err(), tail(stderr.String()))
	}
	if err != nil {
		return Page{}, fmt.Errorf("%v%s", err, tail(stderr.String()))
	}
	// The last one: the page's own text cannot come after it.
	all := resultRE.FindAllSubmatch(stdout.Bytes(), -1)
	if len(all) == 0 {
		return Page{}, errors.New("the dumped DOM holds no result of the check's script (did the page load?)" + tail(stderr.String()))
	}
	var p Page
	if err := json.Unmarshal([]byte(html.UnescapeString(string(all[len(all)-1][1]))), &p); err != nil {
		return Page{}, fmt.Errorf("the check's result: %v", err)
	}
	p.DOM = stdout.String()
	return p, nil
}

// tail is the last lines of Chromium's stderr, for an error.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return ""
	}
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return "; chromium said:\n" + strings.Join(lines, "\n")
}
