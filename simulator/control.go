package simulator

import (
	"errors"
	"strings"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
)

// The test-control layer: what only the virtual card answers, beside the
// card OS (docs/card-behaviour.md, "Commands only the virtual card has";
// package jpki, the test-control protocol). Its table goes over every
// other (dispatch in os.go); a card posing as a real one
// (Behaviour.PoseAsRealCard) has none of it, so that the marker answers
// 6A88 and 80 EE 6D00, as on a real card.
var controlCommands = table{
	{0x00, 0xCA, handler{run: (*Card).markerGetData}},
	{0x80, jpki.RestoreINS, handler{run: (*Card).restoreCommand}},
}

// markerGetData answers GET DATA of the marker tag (00 CA DF 6A Le) with
// jpki.Marker and the profile's name; every other tag is the OS's GET DATA
// (os_get_data.go).
func (c *Card) markerGetData(cmd apdu.Command) ([]byte, error) {
	if cmd.P1P2() != jpki.MarkerTag {
		return c.getData(cmd)
	}
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	return jpki.Marker(c.profile.Name), nil
}

// restoreCommand is the snapshot, restore and release commands (80 EE P1
// 00), in the form package jpki gives (jpki.RestoreINS).
func (c *Card) restoreCommand(cmd apdu.Command) ([]byte, error) {
	if cmd.P2 != 0 || cmd.P1 > jpki.ReleaseP1 {
		return nil, apdu.SWIncorrectP1P2
	}
	data := string(cmd.Data)
	if !strings.HasPrefix(data, jpki.RestoreData) || len(data) > len(jpki.RestoreData)+jpki.MaxRunToken || cmd.Ne != 0 {
		return nil, apdu.SWWrongData
	}
	token := data[len(jpki.RestoreData):]
	held := c.holder != ""
	switch cmd.P1 {
	case jpki.SnapshotP1:
		if held && token != c.holder {
			return nil, apdu.SWConditionsNotSatisfied // another run's snapshot stays
		}
		c.snapshot = c.state.Clone()
		c.holder = token
		return nil, nil
	case jpki.ReleaseP1:
		if token == "" {
			return nil, apdu.SWWrongData
		}
		if token != c.holder {
			return nil, apdu.SWConditionsNotSatisfied
		}
		c.holder = ""
		return nil, nil
	}
	if token != "" && token != c.holder {
		return nil, apdu.SWConditionsNotSatisfied // not this run's snapshot
	}
	if c.restore() != nil {
		return nil, apdu.SWMemoryFailure
	}
	return nil, nil
}

// Restore puts the persistent state back to the last snapshot (Snapshot) —
// or, when none was taken, to what it was when this Card was made: the
// profile's factory state, or the state file's content when the card was
// loaded from one (its own PINs) — commits it and clears the volatile state.
// A restore that cannot be committed changes nothing and fails. The harness
// uses it, through the jpki.RestoreINS command, to give every scenario the card a
// run found (docs/card-behaviour.md, "Commands only the virtual card has").
func (c *Card) Restore() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.restore()
}

// Snapshot remembers the persistent state as it is now (files, PINs, retry
// counters; not the security status) as what Restore returns to, in place
// of any earlier snapshot, and drops any run's hold on the old one (the
// run token of the jpki.RestoreINS commands). Only the card's memory holds it:
// it is not written to a state file, and a new Card starts without one.
func (c *Card) Snapshot() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snapshot = c.state.Clone()
	c.holder = ""
}

func (c *Card) restore() error {
	old := c.state
	c.state = c.snapshot.Clone()
	if c.commit(func() { c.state = old }) != nil {
		if c.state != old {
			c.clearVolatile() // the store took the restored state: its DFs are current
		}
		return errors.New("restored state could not be committed")
	}
	c.clearVolatile()
	return nil
}
