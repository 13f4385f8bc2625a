//go:build cgo

package pcsc

import (
	"errors"
	"testing"

	"github.com/ebfe/scard"

	"github.com/jpkisim/jpkisim/harness"
)

// TestMapErrPCSCDLost: pcscd stopping under a call reaches us as
// SCARD_F_COMM_ERROR (libpcsclite's socket closed) or as
// SCARD_W_SECURITY_VIOLATION (while pcscd shuts down: about a third of the
// kills under a running apdu); it is the service lost, so that the CLI exits
// 3 and a run stops, as for SCARD_E_NO_SERVICE.
func TestMapErrPCSCDLost(t *testing.T) {
	for _, e := range []error{scard.ErrCommError, scard.ErrSecurityViolation, scard.ErrNoService, scard.ErrServiceStopped} {
		if err := mapErr("transmit to", "R", e); !errors.Is(err, harness.ErrNoService) || !harness.TransportLost(err) {
			t.Errorf("%v: %v", e, err)
		}
	}
	if err := mapErr("connect to", "R", scard.ErrSharingViolation); !errors.Is(err, harness.ErrSharingViolation) {
		t.Errorf("sharing violation: %v", err)
	}
}
