package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/control"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"
)

// newCtlClient resolves --control (or JPKISIM_CONTROL): 127.0.0.1:PORT,
// http://127.0.0.1:PORT or unix:PATH (control.ParseAddr); a missing or bad
// address is a usage error.
func newCtlClient(addr string) (*control.Client, error) {
	if addr == "" {
		addr = os.Getenv("JPKISIM_CONTROL")
	}
	if addr == "" {
		return nil, usageError{errors.New("--control ADDR (or JPKISIM_CONTROL): the address serve --control printed, 127.0.0.1:PORT or unix:PATH")}
	}
	c, err := control.Dial(addr)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// ctlFail prints err as one line and returns the exit status it means
// (README "Exit statuses"; docs/control.md, "jpkisim ctl").
func ctlFail(stderr io.Writer, err error) error {
	var ue usageError
	if errors.As(err, &ue) {
		return err // printed by run, exit 2
	}
	code := exitFailed
	var rf *control.Error
	switch {
	case errors.Is(err, control.ErrUnreachable):
		code = exitCard
	case errors.As(err, &rf) && rf.BadRequest():
		code = exitUsage
	}
	fmt.Fprintf(stderr, "jpkisim: %s\n", oneLine(err))
	return exitError{code}
}

func newCtlCmd(stdout, stderr io.Writer) *cobra.Command {
	var addr string
	var slot int
	cmd := &cobra.Command{
		Use:   "ctl",
		Short: "Control a card that jpkisim serve --control serves, while it runs",
		Long: `Take a served card to the state a test needs while its client runs: insert
and remove it, reset it, put another card in, set the tries left of a PIN,
switch faults on (latency, a forced status word, removal mid-command,
tearing), take and restore snapshots, read the transcripts of its sessions.
Every subcommand sends one request to the control interface of serve
--control (--control ADDR, or JPKISIM_CONTROL) and prints its JSON answer: the
slot's state after the operation (docs/control.md). No PIN value is ever
read or sent.

Exit status: 0 done; 1 the server refused the operation (the card not in the
reader, a state file in use, a snapshot of another card); 2 a bad argument
(also an unknown slot, PIN or profile); 3 the control interface cannot be
reached.`,
		Example: `  jpkisim serve --control 127.0.0.1:35980 --ready-file ready.json &
  export JPKISIM_CONTROL=127.0.0.1:35980
  jpkisim ctl status
  jpkisim ctl tries --pin signing 1
  jpkisim ctl fault remove --ins 2A`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("name a subcommand: jpkisim ctl --help")}
		},
	}
	cmd.PersistentFlags().StringVar(&addr, "control", "", "the control interface: 127.0.0.1:PORT or unix:PATH (default $JPKISIM_CONTROL)")
	cmd.PersistentFlags().IntVar(&slot, "slot", 0, "the slot: 0 is \"Virtual PCD 00 00\"")
	// call runs one request for a subcommand.
	call := func(c *cobra.Command, method, path string, body any) error {
		if slot < 0 {
			return usageError{fmt.Errorf("--slot %d: want 0 or more", slot)}
		}
		cl, err := newCtlClient(addr)
		if err != nil {
			return err
		}
		b, err := cl.Do(method, path, body)
		if err != nil {
			return ctlFail(stderr, err)
		}
		_, err = stdout.Write(b)
		return err
	}
	slotPath := func(p string) string { return "/slots/" + strconv.Itoa(slot) + p }
	simple := func(use, short, path, example string) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Example: example, Args: usageArgs(cobra.NoArgs),
			RunE: func(c *cobra.Command, _ []string) error { return call(c, "POST", slotPath(path), struct{}{}) },
		}
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Print every slot's state, or one slot's with --slot",
		Long: `Print the state of every slot ({"slots": [...]}), or of the slot --slot names:
its profile, whether the card is inserted, in the reader and powered, the
tries left of each PIN and reference (never a PIN value), the faults on, the
snapshots and the sessions kept.`,
		Example: `  jpkisim ctl status
  jpkisim ctl status --slot 1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("slot") {
				return call(c, "GET", slotPath(""), nil)
			}
			return call(c, "GET", "/slots", nil)
		},
	}
	insert := simple("insert", "Put the card back into its reader (unpowered until pcscd powers it)", "/insert", `  jpkisim ctl insert
  jpkisim ctl insert --slot 1`)
	remove := simple("remove", "Take the card out of its reader: pcscd sees the reader empty", "/remove", `  jpkisim ctl remove
  jpkisim ctl remove --slot 1`)
	reset := simple("reset", "Give the card a warm reset, as the reader does: the security status is cleared", "/reset", `  jpkisim ctl reset
  jpkisim ctl reset --slot 1`)
	cycle := simple("power-cycle", "Cut the card's power and give it back: a new session", "/power-cycle", `  jpkisim ctl power-cycle
  jpkisim ctl power-cycle --slot 1`)

	var stateFile string
	profile := &cobra.Command{
		Use:   "profile [NAME]",
		Short: "Put a fresh card of another profile, or a state file's card, into the slot",
		Long: `Take the slot's card out and put in a fresh card of the profile NAME (a name of
jpkisim profiles, or a profile YAML file), or with --state FILE the card kept in
that state file (which serve then holds, as serve --state does). The new card
has its profile's faults only; the old card's snapshots stay, for that card.`,
		Example: `  jpkisim ctl profile signing-locked
  jpkisim ctl profile --state card.json --slot 1`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			switch {
			case stateFile != "" && len(args) == 0:
				abs, err := filepath.Abs(stateFile)
				if err != nil {
					return usageError{err}
				}
				return call(c, "POST", slotPath("/profile"), map[string]string{"state": abs})
			case stateFile == "" && len(args) == 1:
				name := args[0]
				if strings.ContainsAny(name, "/.") {
					if abs, err := filepath.Abs(name); err == nil {
						name = abs // a profile file, named for the server's working directory
					}
				}
				return call(c, "POST", slotPath("/profile"), map[string]string{"profile": name})
			}
			return usageError{errors.New("give a profile NAME or --state FILE")}
		},
	}
	profile.Flags().StringVar(&stateFile, "state", "", "the state file whose card goes in")

	var pinName, appName, fid string
	tries := &cobra.Command{
		Use:   "tries N",
		Short: "Set the tries left of a PIN (0: blocked), or of one reference by --app and --fid",
		Long: `Set the retry counter of the PIN --pin names (auth, signing, kenhojo, juki; the
Juki PIN is EF 001C of both the Juki and the common card application) to N
tries left, 0 to block it (the card then answers 6984), at most its retry
limit; or of one reference data object by --app and --fid (a 照合番号 of the
Kenhojo application: --app Kenhojo --fid 0014). The value of the PIN does not
change; the counter is written as the card writes it (to the state file of
serve --state).`,
		Example: `  jpkisim ctl tries --pin signing 1
  jpkisim ctl tries --pin auth 0
  jpkisim ctl tries --app Common --fid 001C 2`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return usageError{fmt.Errorf("tries %q: want a number, 0 or more", args[0])}
			}
			body := map[string]any{"tries": n}
			switch {
			case pinName != "" && appName == "" && fid == "":
				if _, err := jpki.ParsePIN(pinName); err != nil {
					return usageError{err}
				}
				body["pin"] = pinName
			case pinName == "" && appName != "" && fid != "":
				body["app"], body["fid"] = appName, strings.ToUpper(fid)
			default:
				return usageError{errors.New("give --pin NAME, or --app APP and --fid FID")}
			}
			return call(c, "POST", slotPath("/tries"), body)
		},
	}
	tries.Flags().StringVar(&pinName, "pin", "", "the PIN: auth, signing, kenhojo or juki")
	tries.Flags().StringVar(&appName, "app", "", "with --fid: the application (JPKI, Kenhojo, Kenkaku, Common, Juki)")
	tries.Flags().StringVar(&fid, "fid", "", "with --app: the FID of the reference data, 4 hex digits")

	fault := &cobra.Command{
		Use:   "fault",
		Short: "Switch a fault of the card on, or clear them",
		Example: `  jpkisim ctl fault latency --ins 2A 2000ms
  jpkisim ctl fault sw --prefix 00200080 6A80 --exact
  jpkisim ctl fault remove --ins 2A
  jpkisim ctl fault clear`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("name a fault: jpkisim ctl fault --help")}
		},
	}
	var ins string
	var once, exact bool
	latency := &cobra.Command{
		Use:   "latency --ins INS DURATION",
		Short: "Delay the answer to every command with INS (--once: the next one only); 0 ends it",
		Example: `  jpkisim ctl fault latency --ins 2A 2000ms
  jpkisim ctl fault latency --ins B0 300ms --once
  jpkisim ctl fault latency --ins 2A 0`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			if _, err := hex.DecodeString(ins); err != nil || len(ins) != 2 {
				return usageError{fmt.Errorf("--ins %q: want 2 hex digits", ins)}
			}
			d, err := parseDurationMS(args[0])
			if err != nil {
				return usageError{err}
			}
			return call(c, "POST", slotPath("/faults/latency"), map[string]any{"ins": strings.ToUpper(ins), "ms": d.Milliseconds(), "once": once})
		},
	}
	latency.Flags().StringVar(&ins, "ins", "", "the instruction byte, 2 hex digits (2A: COMPUTE DIGITAL SIGNATURE)")
	latency.Flags().BoolVar(&once, "once", false, "for the next command with INS only")
	var prefix string
	sw := &cobra.Command{
		Use:   "sw --prefix HEX SW1SW2",
		Short: "Answer SW1-SW2 to every C-APDU that starts with the prefix, without running it",
		Example: `  jpkisim ctl fault sw --prefix 00200080 6A80 --exact
  jpkisim ctl fault sw --prefix 00B0 6B00 --once`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			if b, err := apdu.ParseHex(prefix); err != nil || len(b) == 0 {
				return usageError{fmt.Errorf("--prefix %q: want the start of a C-APDU in hex", prefix)}
			}
			if b, err := hex.DecodeString(args[0]); err != nil || len(b) != 2 {
				return usageError{fmt.Errorf("status word %q: want 4 hex digits", args[0])}
			}
			return call(c, "POST", slotPath("/faults/sw"), map[string]any{"prefix": strings.ToUpper(prefix), "sw": strings.ToUpper(args[0]), "exact": exact, "once": once})
		},
	}
	sw.Flags().StringVar(&prefix, "prefix", "", "the C-APDU's first bytes, hex")
	sw.Flags().BoolVar(&exact, "exact", false, "only the C-APDU that is exactly the prefix (the empty VERIFY 00200080, not every VERIFY)")
	sw.Flags().BoolVar(&once, "once", false, "for the next matching C-APDU only")
	var removeINS string
	removeF := &cobra.Command{
		Use:   "remove [--ins INS]",
		Short: "Pull the card out when the next command (with INS) arrives: it gets no answer",
		Example: `  jpkisim ctl fault remove --ins 2A
  jpkisim ctl fault remove`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			body := map[string]string{}
			if removeINS != "" {
				if b, err := hex.DecodeString(removeINS); err != nil || len(b) != 1 || b[0] == 0 {
					return usageError{fmt.Errorf("--ins %q: want 2 hex digits, not 00", removeINS)}
				}
				body["ins"] = strings.ToUpper(removeINS)
			}
			return call(c, "POST", slotPath("/faults/remove"), body)
		},
	}
	removeF.Flags().StringVar(&removeINS, "ins", "", "the instruction byte of the command the card is pulled out in")
	tear := simple("tear", "Cut the power right after the card's next write (a retry counter, say), before its answer", "/faults/tear", `  jpkisim ctl fault tear
  jpkisim ctl fault tear --slot 1`)
	clearCmd := &cobra.Command{
		Use:   "clear",
		Short: "Clear every fault set: the card keeps its profile's own",
		Example: `  jpkisim ctl fault clear
  jpkisim ctl fault clear --slot 1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return call(c, "DELETE", slotPath("/faults"), nil) },
	}
	fault.AddCommand(latency, sw, removeF, tear, clearCmd)

	snap := &cobra.Command{
		Use:   "snapshot",
		Short: "Take, restore and list named snapshots of the card's persistent state",
		Example: `  jpkisim ctl snapshot take fresh
  jpkisim ctl snapshot restore fresh
  jpkisim ctl snapshot list`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("name take, restore or list: jpkisim ctl snapshot --help")}
		},
	}
	take := &cobra.Command{
		Use:   "take NAME",
		Short: "Remember the card's files, PINs and retry counters under NAME (in serve's memory)",
		Example: `  jpkisim ctl snapshot take fresh
  jpkisim ctl snapshot take one-try-left --slot 1`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			return call(c, "POST", slotPath("/snapshots"), map[string]string{"name": args[0]})
		},
	}
	restore := &cobra.Command{
		Use:   "restore NAME",
		Short: "Put the snapshot NAME back on the card it was taken of; the security status is cleared",
		Example: `  jpkisim ctl snapshot restore fresh
  jpkisim ctl snapshot restore one-try-left --slot 1`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			return call(c, "POST", slotPath("/snapshots/"+url.PathEscape(args[0])+"/restore"), struct{}{})
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the slot's snapshots",
		Example: `  jpkisim ctl snapshot list
  jpkisim ctl snapshot list --slot 1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return call(c, "GET", slotPath("/snapshots"), nil) },
	}
	snap.AddCommand(take, restore, list)

	var sessions int
	var text bool
	tr := &cobra.Command{
		Use:   "transcript",
		Short: "Print the transcript of the card's current (or last) session, or of the last N",
		Long: `Print the transcript of the slot's current session — or of the last one, when
none with an exchange is open — as the transcript JSON of jpkisim record (PIN
data masked; jpkisim replay reads it), or with --sessions N the last N
sessions as {"transcripts": [...]}, oldest first. --text prints the exchanges
one per line instead.`,
		Example: `  jpkisim ctl transcript > session.json
  jpkisim ctl transcript --sessions 3 --text`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if sessions < 0 {
				return usageError{fmt.Errorf("--sessions %d: want 1 or more", sessions)}
			}
			cl, err := newCtlClient(addr)
			if err != nil {
				return err
			}
			if !text {
				path := slotPath("/transcript")
				if sessions > 0 {
					path = slotPath("/transcripts") + "?last=" + strconv.Itoa(sessions)
				}
				b, err := cl.Do("GET", path, nil)
				if err != nil {
					return ctlFail(stderr, err)
				}
				_, err = stdout.Write(b)
				return err
			}
			var ts []transcript.Transcript
			if sessions == 0 {
				var t transcript.Transcript
				t, err = cl.Transcript(slot)
				ts = []transcript.Transcript{t}
			} else {
				ts, err = cl.Transcripts(slot, sessions)
			}
			if err != nil {
				return ctlFail(stderr, err)
			}
			for i, t := range ts {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				fmt.Fprintf(stdout, "session started %s, %s, %d exchanges\n", t.Started.UTC().Format(time.RFC3339Nano), t.Reader, len(t.Exchanges()))
				fmt.Fprint(stdout, transcript.Text(t.Events, "  "))
			}
			return nil
		},
	}
	tr.Flags().IntVar(&sessions, "sessions", 0, "the last N sessions, oldest first")
	tr.Flags().BoolVar(&text, "text", false, "the events one per line instead of JSON")

	cmd.AddCommand(status, insert, remove, reset, cycle, profile, tries, fault, snap, tr)
	return cmd
}

// parseDurationMS is a latency: a Go duration (2000ms, 2s) or a number of
// milliseconds, whole milliseconds, at most maxLatency.
func parseDurationMS(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		ms, nerr := strconv.Atoi(s)
		if nerr != nil {
			return 0, fmt.Errorf("latency %q: want a duration such as 2000ms or 2s", s)
		}
		d = time.Duration(ms) * time.Millisecond
	}
	if d < 0 || d > maxLatency || d%time.Millisecond != 0 {
		return 0, fmt.Errorf("latency %q: want whole milliseconds, 0 to %v", s, maxLatency)
	}
	return d, nil
}
