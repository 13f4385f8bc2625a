package vpcd_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/simulator/vpcd"
)

// Serving the default card into pcscd: with pcscd running and vsmartcard's
// vpcd driver installed (Debian: pcscd, vsmartcard-vpcd), the card appears
// in the reader "Virtual PCD 00 00" until Ctrl-C, and comes back by itself
// when pcscd restarts. This is what `jpkisim serve` does for one slot.
func ExampleSlot() {
	card, err := fixtures.NewCard(fixtures.DefaultProfile)
	if err != nil {
		panic(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	slot := &vpcd.Slot{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(vpcd.DefaultPort)), // slot 0; slot n is DefaultPort+n
		Card: card,
		Log:  slog.New(slog.NewTextHandler(os.Stderr, nil)), // Debug level logs every APDU, PIN-masked
	}
	_ = slot.Run(ctx) // returns ctx's error once ctx is done
}

// What the driver sees, with a stand-in for vpcd in place of pcscd: the
// slot dials the driver's port; the driver polls for the ATR (control byte
// 04), powers the card (01, no answer) and sends C-APDUs, each frame a
// 2-byte big-endian length and the payload.
func ExampleSlot_protocol() {
	driver, err := net.Listen("tcp", "127.0.0.1:0") // pcscd's vpcd listens on DefaultPort
	if err != nil {
		panic(err)
	}
	defer driver.Close()
	card, err := fixtures.NewCard(fixtures.DefaultProfile)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- (&vpcd.Slot{Addr: driver.Addr().String(), Card: card}).Run(ctx) }()

	conn, err := driver.Accept()
	if err != nil {
		panic(err)
	}
	frames := vpcd.NewFrameReader(conn)
	ask := func(payload ...byte) []byte {
		if _, err := conn.Write(vpcd.AppendFrame(nil, payload)); err != nil {
			panic(err)
		}
		answer, err := frames.Next()
		if err != nil {
			panic(err)
		}
		return answer
	}
	fmt.Printf("ATR: %X\n", ask(0x04))
	if _, err := conn.Write(vpcd.AppendFrame(nil, []byte{0x01})); err != nil { // power on: no answer
		panic(err)
	}
	fmt.Printf("SELECT JPKI: %X\n", ask(0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01))
	fmt.Printf("empty VERIFY of EF 0018: %X\n", ask(0x00, 0x20, 0x00, 0x98))
	cancel()
	fmt.Println(<-done)
	// Output:
	// ATR: 3BE000FF8131FE4514
	// SELECT JPKI: 9000
	// empty VERIFY of EF 0018: 63C3
	// context canceled
}
