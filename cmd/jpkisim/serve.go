package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
)

func newServeCmd(stderr io.Writer) *cobra.Command {
	var (
		addr, profile string
		slots         int
		verbose, real bool
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
-v logs every APDU, with PIN data masked.

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
			target, err := loadProfile(profile)
			if err != nil {
				return err
			}
			p := target.Profile
			if real {
				pc := *p
				pc.Behaviour.PoseAsRealCard = true
				p = &pc
			}
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return serve(ctx, log, p, host, port, slots)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "vpcd", net.JoinHostPort("127.0.0.1", strconv.Itoa(vpcd.DefaultPort)), "vpcd driver address of slot 0, HOST:PORT")
	f.IntVar(&slots, "slots", 1, "number of slots to fill, one virtual card each")
	f.StringVar(&profile, "profile", fixtures.DefaultProfile, "card profile: a name (see jpkisim profiles) or a profile YAML file")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every APDU (PIN data masked)")
	f.BoolVar(&real, "as-real-card", false, "hide the virtual-card marker and restore command, so that the harness treats the card as a real one (to test the real-card guard)")
	return cmd
}

// serve runs one slot per card until ctx is done.
func serve(ctx context.Context, log *slog.Logger, p *simulator.Profile, host string, port, slots int) error {
	var warn sync.Once
	var wg sync.WaitGroup
	errs := make(chan error, slots)
	for i := 0; i < slots; i++ {
		card, err := simulator.New(p)
		if err != nil {
			return err
		}
		slot := &vpcd.Slot{
			Addr: net.JoinHostPort(host, strconv.Itoa(port+i)),
			Card: card,
			Log:  log.With("slot", i),
			OnInserted: func() {
				warn.Do(func() {
					log.Warn("vpcd listens on all network interfaces: anything that can reach this host on its ports can insert a card; firewall them where that matters")
				})
			},
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := slot.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- err
			}
		}()
	}
	log.Info("serving virtual cards", "profile", p.Name, "slots", slots, "vpcd", net.JoinHostPort(host, strconv.Itoa(port)), "pid", os.Getpid())
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		return err
	}
	log.Info("stopped")
	return nil
}
