package harness

// Capabilities says what a card session is and can do beyond Card, or, for
// a Target, what the sessions its Open returns are (docs/design.md, "The
// harness and the suite"). The zero value claims nothing: a card that is not
// the embedded one, of no known profile, that cannot power-cycle.
type Capabilities struct {
	// Embedded: the card is the virtual card in this process (harness/sim),
	// whose faults a scenario can switch on (@embedded). For a target: every
	// Open makes a fresh one, so that sessions share nothing and may run at
	// once, and a scenario may ask for the card of another profile
	// (@profile). A virtual card in a reader is virtual, not embedded.
	Embedded bool
	// Profile names the virtual card's profile: the embedded card's, or the
	// one a virtual card in a reader gives in its marker; "" for a card that
	// is not virtual, or gave none.
	Profile string
	// PowerCycle: the session can remove and restore the card's power, a
	// cold reset (PowerCycler). For a target: its sessions can.
	PowerCycle bool
}

// Capable is implemented by cards that say what they are and can do: the
// transports of harness/sim and harness/pcsc, and the wrappers, which report
// what the card beneath them has, never more.
type Capable interface {
	Capabilities() Capabilities
}

// Wrapper is implemented by a Card that passes its exchanges on to another
// card (TracedCard, Guard, a pcsc.Target's session): Unwrap returns the card
// beneath it.
type Wrapper interface {
	Unwrap() Card
}

// Unwrap returns the card beneath c when c is a Wrapper, or nil.
func Unwrap(c Card) Card {
	if w, ok := c.(Wrapper); ok {
		return w.Unwrap()
	}
	return nil
}

// CapabilitiesOf says what c is and can do: its own Capabilities when it is
// Capable; otherwise only PowerCycle, when it implements PowerCycler.
func CapabilitiesOf(c Card) Capabilities {
	if cc, ok := c.(Capable); ok {
		return cc.Capabilities()
	}
	_, pc := c.(PowerCycler)
	return Capabilities{PowerCycle: pc}
}

// PowerCyclerOf returns c's power cycle when c can power-cycle the card
// (CapabilitiesOf(c).PowerCycle): a wrapper has the method whatever is
// beneath it, so ask this, not c.(PowerCycler).
func PowerCyclerOf(c Card) (PowerCycler, bool) {
	pc, ok := c.(PowerCycler)
	if !ok || !CapabilitiesOf(c).PowerCycle {
		return nil, false
	}
	return pc, true
}
