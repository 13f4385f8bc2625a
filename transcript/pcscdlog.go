package transcript

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// FromPCSCDLog reads the log of pcscd run with --debug --apdu (pcsc-lite
// 1.9; `pcscd -f -d -a`): every line starts with the microseconds since
// the line before, and the lines "APDU: hex" and "SW: hex" are a C-APDU and
// its R-APDU as pcscd passed them to the reader's driver (below any T=0
// completion the application does). It also takes "Card ATR:" (power-on),
// SCardConnect that succeeded (connect, with the reader's name and the
// protocol; a direct connection, to the reader and not a card, is not
// one), SCardReconnect (reconnect), SCardDisconnect (disconnect; a
// reset or unpower disposition adds a reset or power-off) and
// POWER_STATE_UNPOWERED (power-off). Other lines are ignored.
//
// PIN data is masked as it is read (apdu.MaskedHex): the transcript never
// holds the PINs the log shows in clear, and its markers say which
// reference data a command was for but, with nothing to compare with,
// Value Unknown. A log whose sessions are on more than one reader is
// refused: its lines do not say which reader an APDU went to. Source
// "pcscd log", layer Raw, times from the first line. docs/reports.md,
// "Importing a pcscd log".
func FromPCSCDLog(r io.Reader) (Transcript, error) {
	base := time.Unix(0, 0).UTC()
	rec := NewRecorder("pcscd log", Raw, nil)
	rec.t.Started = base
	var at time.Duration
	rec.now = func() time.Time { return base.Add(at) }
	var (
		pending      []byte // a C-APDU waiting for its SW line
		pendingAt    time.Duration
		atr          []byte
		reader       string // the reader of the sessions
		connecting   string // the reader of the connect in progress
		protocol     string
		disposition  string
		lineNo       int
		seen, direct bool
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		delta, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
		us, err := strconv.ParseInt(delta, 10, 64)
		if !ok || err != nil {
			continue // a continuation line (TxBuffer dumps) or not pcscd's
		}
		seen = true
		at += time.Duration(us) * time.Microsecond
		rest = strings.TrimSpace(rest)
		switch {
		case strings.HasPrefix(rest, "APDU: "):
			b, err := hexField(rest[len("APDU: "):])
			if err != nil {
				return Transcript{}, fmt.Errorf("%w: pcscd log line %d: APDU not hex", ErrFormat, lineNo)
			}
			pending, pendingAt = b, at
		case strings.HasPrefix(rest, "SW: "):
			if pending == nil {
				continue
			}
			b, err := hexField(rest[len("SW: "):])
			if err != nil {
				return Transcript{}, fmt.Errorf("%w: pcscd log line %d: SW not hex", ErrFormat, lineNo)
			}
			rec.Exchange(pending, b, nil, base.Add(pendingAt), at-pendingAt)
			clear(pending)
			pending = nil
		case strings.HasPrefix(rest, "Card ATR: "):
			b, err := hexField(rest[len("Card ATR: "):])
			if err == nil {
				atr = b
				rec.Event(PowerOn, atr)
			}
		case strings.Contains(rest, "SCardConnect() Attempting Connect to "):
			name := rest[strings.Index(rest, "Attempting Connect to ")+len("Attempting Connect to "):]
			if i := strings.LastIndex(name, " using protocol"); i >= 0 {
				name = name[:i]
			}
			connecting, direct = name, false
		case strings.Contains(rest, "SCardConnect() Direct access"):
			direct = true // SCARD_SHARE_DIRECT: the reader, not a card session
		case strings.Contains(rest, "SCardConnect() Active Protocol: "):
			protocol = strings.TrimSpace(rest[strings.Index(rest, "Active Protocol: ")+len("Active Protocol: "):])
		case strings.Contains(rest, "SCardConnect() hCard Identity"):
			switch {
			case direct:
				continue
			case reader == "":
				reader = connecting
				rec.SetReader(reader, protocol)
			case connecting != reader:
				return Transcript{}, fmt.Errorf("%w: the pcscd log holds sessions on two readers (%q, %q): its APDU lines do not say which reader they went to; import a log of one reader's sessions", ErrFormat, reader, connecting)
			}
			rec.Event(Connect, atr)
		case strings.Contains(rest, "SCardReconnect()") && strings.Contains(rest, "Active Protocol"):
			rec.Event(Reconnect, atr)
		case strings.Contains(rest, "SCardDisconnect() dwDisposition: "):
			disposition = strings.TrimSpace(rest[strings.Index(rest, "dwDisposition: ")+len("dwDisposition: "):])
			rec.Event(Disconnect, nil)
			switch disposition {
			case "1": // SCARD_RESET_CARD
				rec.Event(Reset, atr)
			case "2", "3": // SCARD_UNPOWER_CARD, SCARD_EJECT_CARD
				rec.Event(PowerOff, nil)
			}
		case strings.Contains(rest, "powerState: POWER_STATE_UNPOWERED"):
			rec.Event(PowerOff, nil)
		}
	}
	if err := sc.Err(); err != nil {
		return Transcript{}, err
	}
	if !seen {
		return Transcript{}, fmt.Errorf("%w: neither a transcript nor a pcscd --debug --apdu log", ErrFormat)
	}
	t := rec.Transcript()
	if len(t.Exchanges()) == 0 {
		return Transcript{}, fmt.Errorf("%w: the pcscd log holds no APDU (was pcscd run with --debug --apdu?)", ErrFormat)
	}
	return t, nil
}

func hexField(s string) ([]byte, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if s == "" {
		return nil, errors.New("empty")
	}
	return hex.DecodeString(s)
}
