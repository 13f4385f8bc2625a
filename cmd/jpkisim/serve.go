package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/office"
	"github.com/jpkisim/jpkisim/pki"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/store"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
	"github.com/jpkisim/jpkisim/transcript"
)

func newServeCmd(stderr io.Writer) *cobra.Command {
	var (
		addr, profile string
		slots         int
		verbose, real bool
		pkiAddr       string
		statePath     string
		transcripts   string
		controlText   string
		readyFile     string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Put virtual cards into pcscd's vpcd reader slots",
		Long: `Attach one virtual card per slot to vsmartcard's vpcd driver inside pcscd, so
that every PC/SC program (OpenSC, pcsc_scan, your product) sees a JPKI card in
the reader "Virtual PCD 00 00" (slot 0), "Virtual PCD 00 01" (slot 1), ...

The card connects to vpcd as a TCP client: slot n is --vpcd's port + n. It
reconnects by itself when pcscd restarts, and stops cleanly on SIGINT or SIGTERM.
Each slot's card keeps its state (retry counters, PINs) while serve runs.
--pki HOST:PORT also answers OCSP (POST /ocsp/{sign,auth}, GET /ocsp/{sign,auth}/B64)
and serves CRLs (/crl/{sign,auth}.crl) for the profile's certificates, with the
statuses its pki: block records (revoked, suspended) — loopback only, with
bounded waits (5 s header, 10 s request, 10 s answer, 30 s idle) and at most 64
connections at once.
-v logs every APDU, with PIN data masked, and every power-on, power-off and reset.
--transcript DIR writes one transcript file per client session per slot (from
the card's power-on to its power-off), with the OCSP and CRL requests --pki
answered meanwhile; PIN data is masked (docs/reports.md, "Recording").
--control ADDR opens the control interface on 127.0.0.1:PORT or unix:PATH
(loopback only): insert, remove, reset, swap the card, set retry counters,
faults and snapshots, read the transcripts so far (jpkisim ctl;
docs/control.md). With it the recent sessions are kept in memory.
Once every slot's card is in its reader, serve prints one line on stdout
("ready: N slots[, control ADDR]") and, with --ready-file PATH, writes the
same as JSON (slots, readers, control address, pid) to PATH atomically.

vpcd listens on all network interfaces: anything that can reach this host on
those ports can insert a card. Firewall them where that matters.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			host, portText, err := net.SplitHostPort(addr)
			port, perr := strconv.Atoi(portText)
			if err != nil || perr != nil || port < 1 || port > 65535 {
				return usageError{fmt.Errorf("--vpcd %q: want HOST:PORT", addr)}
			}
			if slots < 1 || port+slots-1 > 65535 {
				return usageError{fmt.Errorf("--slots %d: want 1 or more within the port range", slots)}
			}
			if real && statePath != "" {
				// The file's card keeps its own profile and its marker; posing it
				// as a real card would leave the flag half applied.
				return usageError{errors.New("--as-real-card and --state: a state file's card is served as the virtual card it is; use --as-real-card without --state")}
			}
			opts := serveOptions{stdout: cmd.OutOrStdout(), readyFile: readyFile, real: real}
			if controlText != "" {
				a, err := parseControlAddr(controlText)
				if err != nil {
					return err
				}
				opts.control = &a
			}
			target, err := loadProfile(profile)
			if err != nil {
				return err
			}
			p := target.Profile.Clone()
			if real {
				p.Behaviour.PoseAsRealCard = true
			}
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			var td *transcriptDir
			opts.notes = &noteFan{}
			if transcripts != "" {
				if td, err = newTranscriptDir(transcripts, log); err != nil {
					return err
				}
				defer td.Close()
				opts.notes.add(td.http)
			}
			if statePath != "" {
				if slots != 1 {
					return usageError{errors.New("--state keeps one card: it goes with --slots 1")}
				}
				card, st, err := openState(statePath)
				if err != nil {
					return err
				}
				defer st.Close()
				log.Info("card state", "file", statePath, "profile", card.Profile().Name)
				if pkiAddr != "" {
					// The office's record in the file: what card event did.
					state, meta, err := store.Load(statePath)
					if err != nil {
						return usageError{err}
					}
					q := card.Profile().Clone()
					q.Office = office.RecordOf(state, meta)
					srv, err := servePKI(ctx, log, q, pkiAddr, opts.notes.note)
					if err != nil {
						return err
					}
					defer srv.Close()
					opts.pki = srv
				}
				opts.stateFile, opts.stateStore = statePath, st
				return serveCards(ctx, log, []*simulator.Card{card}, host, port, td, opts)
			}
			if pkiAddr != "" {
				srv, err := servePKI(ctx, log, p, pkiAddr, opts.notes.note)
				if err != nil {
					return err
				}
				defer srv.Close()
				opts.pki = srv
			}
			cards := make([]*simulator.Card, slots)
			for i := range cards {
				if cards[i], err = simulator.New(p); err != nil {
					return err
				}
			}
			return serveCards(ctx, log, cards, host, port, td, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "vpcd", net.JoinHostPort("127.0.0.1", strconv.Itoa(vpcd.DefaultPort)), "vpcd driver address of slot 0, HOST:PORT")
	f.IntVar(&slots, "slots", 1, "number of slots to fill, one virtual card each")
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile: a name (see jpkisim profiles) or a profile YAML file")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every APDU (PIN data masked)")
	f.StringVar(&pkiAddr, "pki", "", "also serve OCSP and CRLs over HTTP at HOST:PORT (the certificates point at "+pki.DefaultResponderAddr+")")
	f.StringVar(&statePath, "state", "", "serve the card kept in this state file (one slot); every change is made durable before the answer")
	f.StringVar(&transcripts, "transcript", "", "write one transcript file per client session per slot into this directory (PIN data masked)")
	f.StringVar(&controlText, "control", "", "open the control interface (jpkisim ctl) on 127.0.0.1:PORT or unix:PATH; loopback only")
	f.StringVar(&readyFile, "ready-file", "", "once every card is in its reader, write the slots, readers, control address and pid as JSON to this file")
	f.BoolVar(&real, "as-real-card", false, "hide the virtual-card marker and restore command, so that the harness treats the card as a real one (to test the real-card guard); not with --state")
	return cmd
}

// serveOptions are what serveCards does beside serving: the ready line
// and file, and the control interface.
type serveOptions struct {
	stdout     io.Writer
	readyFile  string
	control    *controlAddress // nil: no control interface
	stateFile  string          // the --state file of the one card, "" none
	stateStore *store.Store    // its store (serve closes it too), nil none
	real       bool            // --as-real-card
	// pki is serve --pki's responder, nil none: it follows slot 0's card
	// and its requests are noted in the control interface's sessions.
	pki   *pkiServer
	notes *noteFan
	// onReady, when not nil, is called once every slot's card is in its
	// reader, after the ready line.
	onReady func()
}

// noteFan tells every function added of a request the responder answered;
// functions are added once the control interface exists, after the
// responder started.
type noteFan struct {
	mu sync.Mutex
	fs []func(string)
}

func (n *noteFan) add(f func(string)) {
	n.mu.Lock()
	n.fs = append(n.fs, f)
	n.mu.Unlock()
}

func (n *noteFan) note(detail string) {
	n.mu.Lock()
	fs := slices.Clone(n.fs)
	n.mu.Unlock()
	for _, f := range fs {
		f(detail)
	}
}

// serveCards runs one slot per card until ctx is done; td, when not nil,
// records every session. Once every slot's card is in its reader — pcscd
// has powered it once on its connection (vpcd.Slot.OnSeen) — it writes the
// ready file and prints the ready line (writeReady).
func serveCards(ctx context.Context, log *slog.Logger, cards []*simulator.Card, host string, port int, td *transcriptDir, opts serveOptions) error {
	var ctl *controller
	var controlAt string
	if opts.control != nil {
		var next func(int, transcript.Matcher) vpcd.Sessions
		if td != nil {
			next = td.slot
		}
		ctl = newController(log, cards, opts.stateFile, opts.real, next)
		if opts.stateStore != nil {
			ctl.slots[0].store = opts.stateStore // closed once its card leaves the slot
		}
		defer ctl.close()
		if opts.notes != nil {
			opts.notes.add(ctl.http)
		}
		if opts.pki != nil {
			ctl.swapped = opts.pki.follow
		}
		bound, stop, err := serveControl(ctx, log, ctl, *opts.control)
		if err != nil {
			return err
		}
		defer stop()
		controlAt = bound.String()
	}
	if opts.readyFile != "" {
		os.Remove(opts.readyFile) // a file left by an earlier serve says nothing of this one
		defer os.Remove(opts.readyFile)
	}
	var warn sync.Once
	var wg sync.WaitGroup
	var readyMu sync.Mutex
	in := make([]bool, len(cards))
	ready := false
	errs := make(chan error, len(cards))
	for i, card := range cards {
		slot := &vpcd.Slot{
			Addr: net.JoinHostPort(host, strconv.Itoa(port+i)),
			Card: card,
			Log:  log.With("slot", i),
			OnInserted: func() {
				warn.Do(func() {
					log.Warn("vpcd listens on all network interfaces: anything that can reach this host on its ports can insert a card; firewall them where that matters")
				})
			},
			OnSeen: func() {
				readyMu.Lock()
				defer readyMu.Unlock()
				in[i] = true
				if ready || slices.Contains(in, false) {
					return
				}
				ready = true
				if err := writeReady(opts, host, port, len(cards), controlAt); err != nil {
					log.Warn("ready file not written", "err", err)
				}
				if opts.onReady != nil {
					opts.onReady()
				}
			},
		}
		switch {
		case ctl != nil:
			ctl.attach(i, slot)
		case td != nil:
			slot.Sessions = td.slot(i, card.MatchesPIN)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := slot.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- err
			}
		}()
	}
	log.Info("serving virtual cards", "profile", cards[0].Profile().Name, "slots", len(cards), "vpcd", net.JoinHostPort(host, strconv.Itoa(port)), "pid", os.Getpid())
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		return err
	}
	log.Info("stopped")
	return nil
}

// readyInfo is the ready file of serve --ready-file (docs/control.md,
// "Ready").
type readyInfo struct {
	Slots   []readySlot `json:"slots"`
	Control string      `json:"control,omitempty"`
	PID     int         `json:"pid"`
}

type readySlot struct {
	Slot   int    `json:"slot"`
	Reader string `json:"reader"`
	VPCD   string `json:"vpcd"`
}

// writeReady writes the ready file atomically (a temporary file beside
// it, renamed), when there is one, then prints the ready line on stdout:
// a script that read the line finds the file.
func writeReady(opts serveOptions, host string, port, slots int, controlAt string) error {
	line := fmt.Sprintf("ready: %d slot", slots)
	if slots != 1 {
		line += "s"
	}
	if controlAt != "" {
		line += ", control " + controlAt
	}
	defer fmt.Fprintln(opts.stdout, line)
	if opts.readyFile == "" {
		return nil
	}
	info := readyInfo{Control: controlAt, PID: os.Getpid()}
	for i := range slots {
		info.Slots = append(info.Slots, readySlot{Slot: i, Reader: readerName(i), VPCD: net.JoinHostPort(host, strconv.Itoa(port+i))})
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(opts.readyFile), ".ready-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), opts.readyFile)
}

// pkiLimits bound what one client of `serve --pki` can hold. An OCSP request
// is a few hundred bytes, a CRL a few kilobytes signed in milliseconds, and the
// clients are on loopback: a request is read and answered in well under a
// second, so 5 s for the header, 10 s for the whole request (the body is at
// most 64 KiB) and 10 s for the answer only cut off clients that trickle;
// 30 s idle keeps a relying party's keep-alive connection between checks.
// 64 connections at once are far more than a test harness opens; more wait
// until one closes.
var pkiLimits = struct {
	header, read, write, idle time.Duration
	conns                     int
}{5 * time.Second, 10 * time.Second, 10 * time.Second, 30 * time.Second, 64}

// servePKI starts the TEST-ONLY OCSP responder and CRL publisher on a
// loopback address, publishing the office's record of profile p (p.Office,
// fixtures.Responder) until follow is given another; it stops with ctx.
// Each connection is bounded by pkiLimits. note, when not nil, is told of
// every request answered.
func servePKI(ctx context.Context, log *slog.Logger, p *simulator.Profile, addr string, note func(string)) (*pkiServer, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--pki %q: want HOST:PORT", addr)}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usageError{fmt.Errorf("--pki %q: the TEST-ONLY responder listens on loopback only", addr)}
	}
	ps := &pkiServer{log: log}
	if err := ps.follow(p); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Addr: ln.Addr().String(), Handler: noted(ps, note), MaxHeaderBytes: 16 << 10,
		ReadHeaderTimeout: pkiLimits.header, ReadTimeout: pkiLimits.read, WriteTimeout: pkiLimits.write, IdleTimeout: pkiLimits.idle}
	ps.srv = srv
	go srv.Serve(newLimitListener(ln, pkiLimits.conns))
	context.AfterFunc(ctx, func() { srv.Close() })
	log.Info("serving OCSP and CRLs", "url", "http://"+ln.Addr().String(), "profile", p.Name)
	return ps, nil
}

// pkiServer is serve --pki: the responder of one card's office record,
// which the control interface replaces when it puts another card into
// slot 0 (docs/control.md, "Card").
type pkiServer struct {
	log *slog.Logger
	srv *http.Server
	cur atomic.Pointer[pki.Responder]
}

// follow publishes the office's record of p from now on.
func (s *pkiServer) follow(p *simulator.Profile) error {
	rs, err := fixtures.Responder(p, time.Now())
	if err != nil {
		return err
	}
	s.cur.Store(rs)
	if s.srv != nil {
		s.log.Info("OCSP and CRLs now of the card in slot 0", "profile", p.Name)
	}
	return nil
}

func (s *pkiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.cur.Load().ServeHTTP(w, r) }

// Addr is the address the server listens on, HOST:PORT.
func (s *pkiServer) Addr() string { return s.srv.Addr }

// Close stops the server.
func (s *pkiServer) Close() error { return s.srv.Close() }

// limitListener accepts at most cap connections at once; further clients
// wait in the kernel's backlog until one of them closes.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, cap int) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, cap), done: make(chan struct{})}
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

// Close implements net.Listener.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its place back once, at its first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
