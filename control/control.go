// Package control is the Go client of the control interface of `jpkisim
// serve --control` (docs/control.md): JSON over HTTP on loopback or a Unix
// socket, one set of endpoints per slot. `jpkisim ctl` and the
// client-under-test steps of the suite use it. Nothing in it reads or sets a
// PIN value: it sets retry counters, never reference data.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"
)

// Timeout bounds one request: an operation waits for the command in flight
// on the card, which a latency fault may hold (at most MaxLatency), and the
// server answers within 30 s (docs/control.md, "Starting it").
const Timeout = 35 * time.Second

// MaxLatency is the longest latency fault the interface takes
// (docs/control.md, "Endpoints").
const MaxLatency = 120 * time.Second

// Addr is a parsed control address.
type Addr struct {
	// Network is "tcp" (Address is HOST:PORT, HOST a loopback one),
	// "unix" (Address is the socket's path) or, for Pipe's client, "pipe"
	// (Address "in-process").
	Network, Address string
}

// ErrBadAddr is wrapped by the error of ParseAddr and Dial for an address
// that is not a loopback HOST:PORT or unix:PATH.
var ErrBadAddr = errors.New("bad control address")

// ParseAddr parses a --control value: HOST:PORT with a loopback HOST
// (127.0.0.1, ::1, localhost; port 0 for serve to pick one),
// http://HOST:PORT, or unix:PATH (docs/control.md, "Starting it"). Any
// other value is an error wrapping ErrBadAddr.
func ParseAddr(s string) (Addr, error) {
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		if path == "" {
			return Addr{}, fmt.Errorf("%w: --control %q: want unix:PATH", ErrBadAddr, s)
		}
		return Addr{"unix", path}, nil
	}
	hp := strings.TrimSuffix(strings.TrimPrefix(s, "http://"), "/")
	host, port, err := net.SplitHostPort(hp)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return Addr{}, fmt.Errorf("%w: --control %q: want 127.0.0.1:PORT or unix:PATH", ErrBadAddr, s)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return Addr{}, fmt.Errorf("%w: --control %q: the control interface listens on loopback only (127.0.0.1:PORT or unix:PATH)", ErrBadAddr, s)
	}
	return Addr{"tcp", hp}, nil
}

// String is the address as ParseAddr and `jpkisim ctl --control` take it:
// unix:PATH or http://HOST:PORT.
func (a Addr) String() string {
	switch a.Network {
	case "unix":
		return "unix:" + a.Address
	case "pipe":
		return a.Address
	}
	return "http://" + a.Address
}

// ErrUnreachable is wrapped by the error of a request the control interface
// did not answer: nothing listens at the address, no socket, the connection
// broken (ctl's exit status 3).
var ErrUnreachable = errors.New("the control interface does not answer")

// Error is the server's refusal of a request: its HTTP status and its one
// line (docs/control.md, "Endpoints").
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// BadRequest says the refusal is of the request itself — a bad argument,
// an unknown slot, PIN or profile, a body too large (400, 404, 413) — not
// of the operation in the card's state (409, 405, 500).
func (e *Error) BadRequest() bool {
	return e.Status == http.StatusBadRequest || e.Status == http.StatusNotFound || e.Status == http.StatusRequestEntityTooLarge
}

// Client talks to one control interface. Its methods may be called from
// several goroutines.
type Client struct {
	addr Addr
	base string // http://HOST:PORT, or http://jpkisim for a Unix socket
	http *http.Client
}

// Dial returns a client of the control interface at addr (ParseAddr's
// forms). It opens no connection: each request makes its own, so that no
// idle connection holds one of the server's 16 places. Errors: ErrBadAddr.
func Dial(addr string) (*Client, error) {
	a, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	c := &Client{addr: a}
	tr := &http.Transport{DisableKeepAlives: true}
	if a.Network == "unix" {
		path := a.Address
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		c.base = "http://jpkisim"
	} else {
		c.base = "http://" + a.Address
	}
	c.http = &http.Client{Transport: tr, Timeout: Timeout}
	return c, nil
}

// Addr is the address the client talks to.
func (c *Client) Addr() Addr { return c.addr }

// Do sends one request — method, a path of docs/control.md's endpoints
// ("/slots/0/tries"), body marshalled as JSON when not nil — and returns
// the answer's JSON as the server wrote it. Errors: wrapping ErrUnreachable
// when the interface did not answer; *Error for any status but 200.
func (c *Client) Do(method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, c.addr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, c.addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return nil, &Error{resp.StatusCode, e.Error}
	}
	return b, nil
}

// call sends a request and decodes its answer into out.
func (c *Client) call(method, path string, body, out any) error {
	b, err := c.Do(method, path, body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("the control interface at %s: %s %s: %v", c.addr, method, path, err)
	}
	return nil
}

// SlotPath is the path of slot n's endpoint p ("/tries"): "/slots/N/tries".
func SlotPath(n int, p string) string { return "/slots/" + strconv.Itoa(n) + p }

// slotOp sends a request to a slot's endpoint and returns its state.
func (c *Client) slotOp(method string, slot int, p string, body any) (State, error) {
	var s State
	err := c.call(method, SlotPath(slot, p), body, &s)
	return s, err
}

// Status returns the state of every slot (GET /slots).
func (c *Client) Status() ([]State, error) {
	var all struct {
		Slots []State `json:"slots"`
	}
	err := c.call("GET", "/slots", nil, &all)
	return all.Slots, err
}

// Slot returns the state of one slot (GET /slots/N).
func (c *Client) Slot(slot int) (State, error) { return c.slotOp("GET", slot, "", nil) }

// Insert puts the card back into its reader.
func (c *Client) Insert(slot int) (State, error) {
	return c.slotOp("POST", slot, "/insert", struct{}{})
}

// Remove takes the card out of its reader.
func (c *Client) Remove(slot int) (State, error) {
	return c.slotOp("POST", slot, "/remove", struct{}{})
}

// Reset gives the card a warm reset.
func (c *Client) Reset(slot int) (State, error) { return c.slotOp("POST", slot, "/reset", struct{}{}) }

// PowerCycle cuts the card's power and gives it back: a new session.
func (c *Client) PowerCycle(slot int) (State, error) {
	return c.slotOp("POST", slot, "/power-cycle", struct{}{})
}

// Profile puts a fresh card of the profile name (a name of `jpkisim
// profiles`, or the absolute path of a profile file) into the slot.
func (c *Client) Profile(slot int, name string) (State, error) {
	return c.slotOp("POST", slot, "/profile", map[string]string{"profile": name})
}

// StateFile puts the card kept in the state file path (absolute) into the
// slot.
func (c *Client) StateFile(slot int, path string) (State, error) {
	return c.slotOp("POST", slot, "/profile", map[string]string{"state": path})
}

// Tries sets the retry counter of PIN pin to n tries left (0 blocks it).
// The PIN's value does not change.
func (c *Client) Tries(slot int, pin jpki.PIN, n int) (State, error) {
	return c.slotOp("POST", slot, "/tries", map[string]any{"pin": pin.Name(), "tries": n})
}

// TriesOf sets the retry counter of the reference data object FID (4 hex
// digits) of application app ("JPKI", "Kenhojo", …) to n.
func (c *Client) TriesOf(slot int, app, fid string, n int) (State, error) {
	return c.slotOp("POST", slot, "/tries", map[string]any{"app": app, "fid": strings.ToUpper(fid), "tries": n})
}

// Latency delays the answer of every command with INS ins by d (whole
// milliseconds, at most MaxLatency; 0 ends it), or with once only the next.
func (c *Client) Latency(slot int, ins byte, d time.Duration, once bool) (State, error) {
	return c.slotOp("POST", slot, "/faults/latency", map[string]any{"ins": fmt.Sprintf("%02X", ins), "ms": d.Milliseconds(), "once": once})
}

// ForceSW answers sw to every C-APDU that starts with prefix (with exact:
// that is exactly it), without running it; with once only the next.
func (c *Client) ForceSW(slot int, prefix []byte, sw uint16, exact, once bool) (State, error) {
	return c.slotOp("POST", slot, "/faults/sw", map[string]any{"prefix": fmt.Sprintf("%X", prefix), "sw": fmt.Sprintf("%04X", sw), "exact": exact, "once": once})
}

// RemoveAt pulls the card out when the next command (with INS ins; 0 for
// any) arrives.
func (c *Client) RemoveAt(slot int, ins byte) (State, error) {
	body := map[string]string{}
	if ins != 0 {
		body["ins"] = fmt.Sprintf("%02X", ins)
	}
	return c.slotOp("POST", slot, "/faults/remove", body)
}

// Tear cuts the power right after the card's next write of its persistent
// state.
func (c *Client) Tear(slot int) (State, error) {
	return c.slotOp("POST", slot, "/faults/tear", struct{}{})
}

// ClearFaults clears every fault set through the interface.
func (c *Client) ClearFaults(slot int) (State, error) {
	return c.slotOp("DELETE", slot, "/faults", nil)
}

// TakeSnapshot remembers the card's persistent state under name.
func (c *Client) TakeSnapshot(slot int, name string) (State, error) {
	return c.slotOp("POST", slot, "/snapshots", map[string]string{"name": name})
}

// RestoreSnapshot puts the snapshot name back on the card.
func (c *Client) RestoreSnapshot(slot int, name string) (State, error) {
	return c.slotOp("POST", slot, "/snapshots/"+url.PathEscape(name)+"/restore", struct{}{})
}

// Transcript returns the transcript of the slot's session in progress, or
// of the last one when none with an exchange is open; *Error with status
// 404 before any session with an exchange.
func (c *Client) Transcript(slot int) (transcript.Transcript, error) {
	var t transcript.Transcript
	err := c.call("GET", SlotPath(slot, "/transcript"), nil, &t)
	return t, err
}

// KeptSessions is how many ended sessions with exchanges the control
// interface keeps per slot, beside the one in progress (docs/control.md,
// "Endpoints").
const KeptSessions = 32

// Transcripts returns the slot's last sessions with exchanges, oldest
// first: the last `last` (0: every one kept, at most 32 and the one in
// progress).
func (c *Client) Transcripts(slot, last int) ([]transcript.Transcript, error) {
	p := SlotPath(slot, "/transcripts")
	if last > 0 {
		p += "?last=" + strconv.Itoa(last)
	}
	var all struct {
		Transcripts []transcript.Transcript `json:"transcripts"`
	}
	err := c.call("GET", p, nil, &all)
	return all.Transcripts, err
}

// State is a slot's state, as every operation answers it
// (docs/control.md, "Endpoints", STATE). Never a PIN value.
type State struct {
	Slot      int      `json:"slot"`
	Reader    string   `json:"reader"`
	Profile   string   `json:"profile"`
	StateFile string   `json:"state_file,omitempty"`
	Inserted  bool     `json:"inserted"`
	InReader  bool     `json:"in_reader"`
	Powered   bool     `json:"powered"`
	Tries     []Tries  `json:"tries"`
	Faults    Faults   `json:"faults"`
	Snapshots []string `json:"snapshots"`
	Sessions  int      `json:"sessions"`
}

// TriesLeft is the tries left of PIN p's counter in the JPKI application
// (or the first that names p), and whether the state lists one.
func (s State) TriesLeft(p jpki.PIN) (int, bool) {
	for _, t := range s.Tries {
		if t.PIN == p.Name() {
			return t.Left, true
		}
	}
	return 0, false
}

// Tries is the retry counter of one reference data object.
type Tries struct {
	// PIN is the role's name (jpki.PIN.Name); "" for a 照合番号 or a key.
	PIN  string `json:"pin,omitempty"`
	App  string `json:"app"`
	FID  string `json:"fid"`
	Left int    `json:"left"`
	Max  int    `json:"max"`
}

// Faults are the faults on now, the profile's included.
type Faults struct {
	Latency []LatencyFault `json:"latency"`
	SW      []SWFault      `json:"sw"`
	T0      bool           `json:"t0"`
	Remove  *RemoveFault   `json:"remove,omitempty"`
	Tear    bool           `json:"tear"`
}

// LatencyFault delays the answers to INS by MS milliseconds.
type LatencyFault struct {
	INS  string `json:"ins"`
	MS   int64  `json:"ms"`
	Once bool   `json:"once,omitempty"`
}

// SWFault answers SW to the C-APDUs that start with Prefix (hex).
type SWFault struct {
	Prefix string `json:"prefix"`
	SW     string `json:"sw"`
	Exact  bool   `json:"exact,omitempty"`
	Once   bool   `json:"once,omitempty"`
}

// RemoveFault pulls the card out at the next command (with INS).
type RemoveFault struct {
	INS string `json:"ins,omitempty"`
}
