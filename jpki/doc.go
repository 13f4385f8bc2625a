// Package jpki holds the facts of the My Number card that every other
// package of jpkisim speaks: the applications and their AIDs
// (docs/card.md §1), the FIDs and SFIs of the JPKI application's EFs
// (§4.1), the PIN roles with their FIDs, formats, retry limits and "other
// PIN" (§6), the two key pairs and their certificate kinds (§4.1, §9), the
// contact ATR (§3), and the test-control protocol only the virtual card
// speaks (docs/card-behaviour.md, "Commands only the virtual card has").
//
// It holds facts, not behaviour: no package here decides what the card
// answers. The card (package simulator), the harness, the office, the test
// PKI, the rules, the fixtures, the scenarios, the properties and the CLI
// all name these facts from here, so that one PIN role or one certificate
// kind is spelled once. Package model alone keeps its own copy on purpose:
// it is the independent reading of the card the properties check the
// simulator against, and sharing the card's facts would let one mistake
// pass both.
package jpki
