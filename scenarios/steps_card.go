package scenarios

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
)

// cardSteps are the steps of a card session and of the R-APDU: selection,
// raw C-APDUs, reset and power, the card's profile, the status word and the
// response data.
type cardSteps struct{ *world }

func (s cardSteps) register(sc stepper) {
	sc.Step(`^the JPKI application is selected$`, s.jpkiSelected)
	sc.Step(`^I select the JPKI application$`, s.selectJPKI)
	sc.Step(`^I select EF ([0-9A-Fa-f]{4})$`, s.selectEF)
	sc.Step(`^I send "([0-9A-Fa-f :]*)"$`, s.send)
	sc.Step(`^I send "([0-9A-Fa-f :]*)" with the (auth PIN|signing password) as its data$`, s.sendWithPIN)
	sc.Step(`^the card is reset$`, s.reset)
	sc.Step(`^the card is powered off and on again$`, s.powerCycle)
	sc.Step(`^the card of the "([a-z0-9-]+)" profile$`, s.cardOfProfile)

	sc.Step(`^the status word is ([0-9A-Fa-f]{4})$`, s.statusWordIs)
	sc.Step(`^the response has no data$`, s.responseHasNoData)
	sc.Step(`^the response has (\d+) bytes of data$`, s.responseHasBytes)
	sc.Step(`^the response data is "([0-9A-Fa-f ]*)"$`, s.responseDataIs)
	sc.Step(`^the response data is the label "([^"]*)" padded with spaces to (\d+) bytes$`, s.responseDataIsLabel)
}

func (s cardSteps) jpkiSelected() error {
	if err := s.client.SelectJPKI(); err != nil {
		return s.failf("SELECT of the JPKI application failed: %w", err)
	}
	s.last = s.client.Last
	return nil
}

func (s cardSteps) selectJPKI() error {
	return s.record(s.client.SelectJPKI())
}

func (s cardSteps) selectEF(fid string) error {
	v, _ := strconv.ParseUint(fid, 16, 16)
	return s.record(s.client.SelectEF(uint16(v)))
}

func (s cardSteps) send(h string) error {
	b, err := parseHexArg(h)
	if err != nil {
		return err
	}
	_, err = s.client.SendRaw(b)
	return s.record(err)
}

// sendWithPIN completes the header (4 bytes) of a command that carries a
// PIN with Lc and the card's PIN, so that a feature never holds one.
func (s cardSteps) sendWithPIN(h, role string) error {
	b, err := parseHexArg(h)
	if err != nil {
		return err
	}
	if len(b) != 4 || !apdu.CarriesSecret(b[0], b[1]) {
		// Say how long, not what: the text may hold a PIN.
		return fmt.Errorf("%d bytes given: give the 4-byte header of a command that carries a PIN (VERIFY, CHANGE REFERENCE DATA, ...)", len(b))
	}
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	v := s.pin(p)
	_, err = s.client.SendRaw(append(append(b, byte(len(v))), v...))
	return s.record(err)
}

func (s cardSteps) reset() error {
	if err := s.card.Reset(); err != nil {
		return s.failf("reset: %w", err)
	}
	return nil
}

func (s cardSteps) powerCycle() error {
	pc, ok := harness.PowerCyclerOf(s.card)
	if !ok {
		return godog.ErrPending
	}
	if err := pc.PowerCycle(); err != nil {
		return s.failf("power cycle: %w", err)
	}
	return nil
}

func (s cardSteps) cardOfProfile(name string) error {
	if !s.target.Capabilities().Embedded {
		return fmt.Errorf("a profile needs the embedded card, not %s (@profile scenarios are left out elsewhere)", s.target.Name())
	}
	p, err := fixtures.Profile(name)
	if err != nil {
		return err
	}
	_ = s.close() // the embedded card: nothing to put back
	s.target = sim.Target{Profile: p}
	return s.open()
}

// statusWordIs compares the last SW1-SW2 with the parsed status word.
func (s cardSteps) statusWordIs(want string) error {
	if s.lastErr != nil {
		return s.failf("no status word: %v", s.lastErr)
	}
	v, _ := strconv.ParseUint(want, 16, 16) // four hex digits, by the phrase
	if wantSW := apdu.StatusWord(v); s.last.SW != wantSW {
		return s.failf("status word is %s, want %04X", s.last.SW.String(), uint16(wantSW))
	}
	return nil
}

func (s cardSteps) responseHasNoData() error {
	if len(s.last.Data) != 0 {
		return s.failf("response has %d bytes of data, want none", len(s.last.Data))
	}
	return nil
}

func (s cardSteps) responseHasBytes(n int) error {
	if len(s.last.Data) != n {
		return s.failf("response has %d bytes of data, want %d", len(s.last.Data), n)
	}
	return nil
}

func (s cardSteps) responseDataIs(h string) error {
	want, err := parseHexArg(h)
	if err != nil {
		return err
	}
	if !bytes.Equal(s.last.Data, want) {
		return s.failf("response data is %X, want %X", s.last.Data, want)
	}
	return nil
}

func (s cardSteps) responseDataIsLabel(label string, n int) error {
	want := []byte(label + strings.Repeat(" ", n-len(label)))
	if !bytes.Equal(s.last.Data, want) {
		return s.failf("response data is %q, want %q", s.last.Data, want)
	}
	return nil
}
