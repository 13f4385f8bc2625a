// Command okcard is the floor of the PC/SC stack for bench/pcsc-bench.sh: a
// card in a vpcd slot that answers 9000 to every C-APDU at once, through
// the same connector as jpkisim serve.
//
//	go run ./bench/okcard -vpcd 127.0.0.1:35963
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/jpkisim/jpkisim/simulator/vpcd"
)

// okCard answers 9000 to everything.
type okCard struct{ powered bool }

func (c *okCard) PowerOn() []byte                 { c.powered = true; return c.ATR() }
func (c *okCard) PowerOff()                       { c.powered = false }
func (c *okCard) Reset() []byte                   { return c.PowerOn() }
func (c *okCard) ATR() []byte                     { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }
func (c *okCard) Powered() bool                   { return c.powered }
func (c *okCard) Transmit([]byte) ([]byte, error) { return []byte{0x90, 0x00}, nil }

func main() {
	addr := flag.String("vpcd", fmt.Sprintf("127.0.0.1:%d", vpcd.DefaultPort), "vpcd slot address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	s := &vpcd.Slot{Addr: *addr, Card: &okCard{}}
	if err := s.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "okcard:", err)
		os.Exit(1)
	}
}
