// Command selectrate measures SELECT round trips per second through
// ebfe/scard -> pcscd -> the reader, on one shared connection: 20 warm-up
// APDUs, then -n timed ones, each timed around SCardTransmit. It prints one
// line: reader, APDU/s, median, p90 and p99.
//
//	go run ./bench/selectrate -reader "Virtual PCD 00 00" -n 2000
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/ebfe/scard"
)

func main() {
	reader := flag.String("reader", "Virtual PCD 00 00", "PC/SC reader name")
	n := flag.Int("n", 2000, "timed APDUs")
	cmdHex := flag.String("apdu", "00A4040C0AD392F000260100000001", "the C-APDU to send (a SELECT)")
	label := flag.String("label", "", "label printed first")
	flag.Parse()
	cmd, err := hex.DecodeString(*cmdHex)
	if err != nil || len(cmd) == 0 {
		fail("bad -apdu")
	}
	ctx, err := scard.EstablishContext()
	if err != nil {
		fail(err.Error())
	}
	defer ctx.Release()
	card, err := ctx.Connect(*reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		fail(err.Error())
	}
	defer card.Disconnect(scard.LeaveCard)
	for i := 0; i < 20; i++ {
		if _, err := card.Transmit(cmd); err != nil {
			fail(err.Error())
		}
	}
	times := make([]time.Duration, *n)
	start := time.Now()
	for i := range times {
		t := time.Now()
		if _, err := card.Transmit(cmd); err != nil {
			fail(err.Error())
		}
		times[i] = time.Since(t)
	}
	total := time.Since(start)
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	q := func(p float64) time.Duration { return times[int(p*float64(len(times)-1))] }
	fmt.Printf("%-10s %10.1f APDU/s  median %9s  p90 %9s  p99 %9s  (n=%d)\n", *label, float64(*n)/total.Seconds(), q(0.5).Round(time.Microsecond), q(0.9).Round(time.Microsecond), q(0.99).Round(time.Microsecond), *n)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "selectrate:", msg)
	os.Exit(1)
}
