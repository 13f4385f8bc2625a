package scenarios

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/certify"
	"github.com/jpkisim/jpkisim/jpki"
)

// pinSteps are the steps of the JPKI PINs: VERIFY with the correct or a
// wrong value, the retry counters, CHANGE REFERENCE DATA. A step names a
// PIN by role; the values come from the target's Secrets and never appear
// in a step's text or message.
type pinSteps struct{ *world }

func (s pinSteps) register(sc stepper) {
	sc.Step(`^the `+pinRole+` has been verified$`, s.pinVerified)
	sc.Step(`^I verify the `+pinRole+` with the correct value$`, s.verifyCorrectPIN)
	sc.Step(`^I verify the `+pinRole+` by SFI with the correct value$`, s.verifyCorrectPINBySFI)
	sc.Step(`^I verify the `+pinRole+` with a wrong value$`, s.verifyWrongPIN)
	sc.Step(`^I verify the `+pinRole+` with a wrong value of (\d+) characters$`, s.verifyWrongPINOfLength)
	sc.Step(`^I verify the signing password in lowercase$`, s.verifySigningPasswordLowercase)
	sc.Step(`^I enter a wrong `+pinRole+` (\d+) times$`, s.enterWrongPINTimes)
	sc.Step(`^I query the retry counter of the `+pinRole+`$`, s.queryRetryCounter)
	sc.Step(`^I query the retry counter of the `+pinRole+` by SFI$`, s.queryRetryCounterBySFI)
	sc.Step(`^the `+pinRole+` has (\d+) (?:try|tries) left$`, s.triesLeft)
	sc.Step(`^the `+pinRole+` has all its tries left$`, s.allTriesLeft)
	sc.Step(`^the `+pinRole+` is blocked$`, s.pinBlocked)
	sc.Step(`^I change the `+pinRole+` to (a new valid value|a 16-character value|a 6-character value|a 3-digit value|a 5-digit value|a value with a letter|a 5-character value|a 17-character value|a lowercase value|a value with a symbol)$`, s.changePIN)
	sc.Step(`^the new `+pinRole+` verifies$`, s.newPINVerifies)
	sc.Step(`^the old `+pinRole+` is refused$`, s.oldPINRefused)
	sc.Step(`^the `+pinRole+` is unchanged$`, s.pinUnchanged)
}

func (s pinSteps) pinVerified(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	if err := s.client.Verify(p, s.pin(p)); err != nil {
		return s.failf("VERIFY of the correct %v failed: %w", p, err)
	}
	s.last = s.client.Last
	return nil
}

func (s pinSteps) verifyCorrectPIN(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	return s.record(s.client.Verify(p, s.pin(p)))
}

func (s pinSteps) verifyCorrectPINBySFI(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	_, err = s.client.Send(apdu.Command{INS: 0x20, P2: 0x80 | byte(p.FID()), Data: s.pin(p)})
	return s.record(err)
}

func (s pinSteps) verifyWrongPIN(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	return s.record(s.client.Verify(p, wrongValue(s.pin(p), p)))
}

func (s pinSteps) verifyWrongPINOfLength(role string, n int) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	return s.record(s.client.Verify(p, valueOfLength(s.pin(p), p, n)))
}

func (s pinSteps) verifySigningPasswordLowercase() error {
	v := bytes.ToLower(s.secrets.SigningPIN)
	if bytes.Equal(v, s.secrets.SigningPIN) {
		return errors.New("the signing password of this card has no letter to lower-case")
	}
	return s.record(s.client.Verify(jpki.SigningPIN, v))
}

func (s pinSteps) enterWrongPINTimes(role string, n int) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := s.record(s.client.Verify(p, wrongValue(s.pin(p), p))); err != nil {
			return err
		}
	}
	return nil
}

func (s pinSteps) queryRetryCounter(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	_, err = s.client.RetriesLeft(p)
	return s.record(err)
}

func (s pinSteps) queryRetryCounterBySFI(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	_, err = s.client.Send(apdu.Command{INS: 0x20, P2: 0x80 | byte(p.FID())})
	return s.record(err)
}

func (s pinSteps) triesLeft(role string, n int) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	return s.expectTries(p, n)
}

func (s pinSteps) allTriesLeft(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	return s.expectTries(p, p.MaxTries())
}

func (s pinSteps) pinBlocked(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	return s.expectTries(p, 0)
}

func (s pinSteps) changePIN(role, kind string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	v, err := newValue(s.pin(p), p, kind)
	if err != nil {
		return err
	}
	s.newPIN = v
	err = s.client.ChangePIN(p, v)
	if err == nil {
		s.changed(p, v)
	}
	return s.record(err)
}

func (s pinSteps) newPINVerifies(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	if err := s.client.Verify(p, s.newPIN); err != nil {
		return s.failf("VERIFY of the new %v: %w", p, err)
	}
	return nil
}

func (s pinSteps) oldPINRefused(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	err = s.client.Verify(p, s.pin(p))
	var sw apdu.StatusWord
	if !errors.As(err, &sw) {
		return s.failf("VERIFY of the old %v: want a refusal, got %v", p, err)
	}
	if _, ok := sw.Tries(); !ok {
		return s.failf("VERIFY of the old %v answered %s, want 63Cx", p, sw.String())
	}
	return nil
}

func (s pinSteps) pinUnchanged(role string) error {
	p, err := parsePIN(role)
	if err != nil {
		return err
	}
	if err := s.client.Verify(p, s.pin(p)); err != nil {
		return s.failf("VERIFY of the original %v: %w", p, err)
	}
	return nil
}

func (w *world) expectTries(p jpki.PIN, n int) error {
	got, err := w.client.RetriesLeft(p)
	if err != nil {
		return w.failf("querying the %v retry counter: %w", p, err)
	}
	if got != n {
		left := fmt.Sprintf("%d tries left", got)
		if got == 1 {
			left = "1 try left" // as apdu.StatusWord says 63C1
		}
		return w.failf("the %v has %s, want %d", p, left, n)
	}
	return nil
}

// wrongValue returns a value of the PIN's format that differs from the
// correct one in its first character (certify.Wrong, the one the client
// under test is given too).
func wrongValue(correct []byte, p jpki.PIN) []byte { return certify.Wrong(correct, p) }

func nextChar(b byte) byte { return certify.NextChar(b) }

// valueOfLength returns a value of n characters in the PIN's alphabet that
// differs from the correct one.
func valueOfLength(correct []byte, p jpki.PIN, n int) []byte {
	alphabet := "0123456789"
	if p == jpki.SigningPIN {
		alphabet = "Q7W8E9R0T1Y2U3I4O5P6"
	}
	v := make([]byte, n)
	for i := range v {
		v[i] = alphabet[i%len(alphabet)]
	}
	if string(v) == string(correct) && n > 0 {
		v[0] = nextChar(v[0])
	}
	return v
}

// newValue returns a value for CHANGE REFERENCE DATA, described in words in
// the feature, that differs from the current value.
func newValue(current []byte, p jpki.PIN, kind string) ([]byte, error) {
	switch kind {
	case "a new valid value":
		if p == jpki.SigningPIN {
			v := []byte("NEWPASS2026")
			if string(v) == string(current) {
				v = []byte("OTHERPASS2026")
			}
			return v, nil
		}
		return wrongValue(current, p), nil
	case "a 16-character value":
		return valueOfLength(current, p, 16), nil
	case "a 6-character value":
		return valueOfLength(current, p, 6), nil
	case "a 3-digit value":
		return []byte("123"), nil
	case "a 5-digit value":
		return []byte("12345"), nil
	case "a value with a letter":
		return []byte("12A4"), nil
	case "a 5-character value":
		return []byte("AB123"), nil
	case "a 17-character value":
		return []byte("ABCDEFGH123456789"), nil
	case "a lowercase value":
		return []byte("abc12345"), nil
	case "a value with a symbol":
		return []byte("ABC-1234"), nil
	}
	return nil, fmt.Errorf("unknown kind of new value %q", kind)
}
