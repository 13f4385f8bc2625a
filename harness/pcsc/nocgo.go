//go:build !cgo

package pcsc

import (
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/transcript"
)

// Card is unavailable without cgo.
type Card struct{ harness.Card }

// Readers reports that PC/SC needs cgo.
func Readers() ([]string, error) { return nil, harness.ErrNoPCSC }

// Open reports that PC/SC needs cgo.
func Open(string) (*Card, error) { return nil, harness.ErrNoPCSC }

// FindJPKI reports that PC/SC needs cgo.
func FindJPKI(func(string) bool) (string, error) { return "", harness.ErrNoPCSC }

// AnswersJPKI reports that PC/SC needs cgo.
func AnswersJPKI(string) (bool, error) { return false, harness.ErrNoPCSC }

// Record records nothing without cgo.
func (c *Card) Record(*transcript.Recorder) {}

// Reader is empty without cgo.
func (c *Card) Reader() string { return "" }

// Transaction reports that PC/SC needs cgo.
func (c *Card) Transaction(func() error) error { return harness.ErrNoPCSC }
