package harness

import (
	"errors"

	"github.com/jpkisim/jpkisim/apdu"
)

// Transport errors, whatever the transport: a PC/SC error is wrapped in one
// of these so that callers (and the CLI's exit codes) need no cgo.
var (
	ErrNoService        = errors.New("PC/SC service not available (is pcscd running?)")
	ErrNoReader         = errors.New("no smart card reader")
	ErrUnknownReader    = errors.New("no such reader")
	ErrNoCard           = errors.New("no card in the reader")
	ErrCardRemoved      = errors.New("card removed from the reader")
	ErrSharingViolation = errors.New("reader in exclusive use by another program")
	ErrCardReset        = errors.New("card reset, unpowered or unresponsive (another program using the reader?)")
	ErrTimeout          = errors.New("card did not answer in time (a stalled card holds its reader)")
	ErrNotJPKI          = errors.New("no card answering the JPKI SELECT")
	ErrNoPCSC           = errors.New("this jpkisim was built without PC/SC support (cgo)")
)

// TransportLost reports an error after which the session cannot go on: no
// service, reader or card any more, a reset by someone else, a stall.
func TransportLost(err error) bool {
	for _, e := range []error{ErrNoService, ErrNoReader, ErrUnknownReader, ErrNoCard, ErrCardRemoved, ErrCardReset, ErrTimeout, ErrNoPCSC} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Transactor is implemented by transports that can hold the card for a
// sequence of commands (PC/SC SCardBeginTransaction). Client operations
// that take several APDUs (SELECT then VERIFY, the chunks of a certificate)
// run inside one transaction, so that another client sharing the reader
// cannot come between them.
type Transactor interface {
	Transaction(func() error) error
}

// inTransaction runs f inside a transaction when c supports them.
func inTransaction(c Card, f func() error) error {
	if t, ok := c.(Transactor); ok {
		return t.Transaction(f)
	}
	return f()
}

// RawExchange is one raw exchange, as the lowest layer of a transport
// performs it.
type RawExchange func(capdu []byte) ([]byte, error)

// ISOT0 completes a T=0 exchange as ISO/IEC 7816-3 and -4 describe: on
// 61xx it sends GET RESPONSE (00 C0 00 00 xx) until the data is complete,
// on 6Cxx it sends the command again with Le = xx — only a command without
// a data field (case 1 or 2), so that nothing carrying a PIN is ever sent
// twice. It must run inside the transaction that sent the command, so that
// no other client takes the pending data (yubihsm-shell #547). At most 64
// rounds, then the last answer stands.
func ISOT0(send RawExchange, capdu []byte) ([]byte, error) {
	r, err := send(capdu)
	if err != nil {
		return nil, err
	}
	var data []byte
	for round := 0; round < 64 && len(r) >= 2; round++ {
		sw1, sw2 := r[len(r)-2], r[len(r)-1]
		switch sw1 {
		case 0x61:
			data = append(data, r[:len(r)-2]...)
			if r, err = send([]byte{0x00, 0xC0, 0x00, 0x00, sw2}); err != nil {
				return nil, err
			}
			continue
		case 0x6C:
			cmd, perr := apdu.Parse(capdu)
			if perr != nil || len(cmd.Data) > 0 {
				return r, nil
			}
			cmd.Ne = int(sw2)
			if sw2 == 0 {
				cmd.Ne = 256
			}
			if capdu, perr = cmd.Encode(); perr != nil {
				return r, nil
			}
			if r, err = send(capdu); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	if data == nil {
		return r, nil
	}
	return append(data, r...), nil
}
