// Package conformance is the client conformance catalogue: named checks,
// each stating what a well-behaved client program does in front of the
// card and judging one run of such a program — the vendor's software, not
// the card — from what the card saw, the program's exit status and what it
// produced (docs/conformance.md). The card states the checks need are in
// States, the checks in Checks, the conformance profiles that group them in
// Profiles.
//
// The package only judges. Running the program against a served card in
// each state, and writing the verdicts into a report, belong to the certify
// command and the client-under-test steps (issue 13), which build a
// Session per run and call each check's Judge.
package conformance

import (
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/transcript"
)

// Session is the evidence a judge reads: one run of the program under test
// against a card in one state (docs/conformance.md, "The evidence").
type Session struct {
	// State is the Name of the State the card was in when the program
	// started (States).
	State string
	// Transcript is what the card saw from the program's start to its end,
	// as the served card records it: every exchange below T=0 completion,
	// the power-on, reset, power-off, connect and disconnect events, the
	// PIN markers of docs/reports.md "Transcripts", and the HTTP events of
	// the test PKI's responder (OCSP requests, CRL fetches) on the same
	// clock and in the same sequence.
	Transcript transcript.Transcript
	// ExitStatus is the program's exit status; -1 when it did not exit by
	// itself (killed at the timeout, or ended by a signal).
	ExitStatus int
	// TimedOut says the harness stopped the program at its timeout.
	TimedOut bool
	// Output is the program's standard output and standard error, combined
	// in the order written. It holds no PIN: the harness gives PINs through
	// the program's input or environment, never its arguments.
	Output string
	// Entries are the PIN entries the harness gave the program, in order:
	// each time a PIN was "typed" (on the program's input or a PIN prompt),
	// or given once for the whole run (an environment variable, a PIN
	// file).
	Entries []Entry
	// Artefacts are the files the program produced that a check can verify.
	Artefacts []Artefact
}

// Given says what an entry was, relative to the PIN's configured value.
// The harness knows: it types the PINs.
type Given string

// The kinds of entry.
const (
	// Configured: the configured value of the PIN, as registered.
	Configured Given = "configured"
	// ConfiguredLowercase: the configured signing password in lower case
	// ("abc123" for "ABC123"), as a user types it (docs/rules.md PIN-03).
	ConfiguredLowercase Given = "configured-lowercase"
	// Wrong: a value of the PIN's format that is not the configured one.
	Wrong Given = "wrong"
	// Empty: nothing — the user pressed Enter at the prompt.
	Empty Given = "empty"
)

// Entry is one PIN entry the harness gave the program. It never holds the
// value.
type Entry struct {
	// PIN is the role the entry was given for (the prompt it answered, the
	// variable it was put in).
	PIN   jpki.PIN
	Given Given
	// At is when the harness gave it, on the transcript's clock (from
	// Transcript.Started); 0 for an entry given before the program started
	// (its environment, a PIN file).
	At transcript.Micros
}

// ArtefactKind says what an artefact is.
type ArtefactKind string

// The kinds of artefact.
const (
	// SignatureFile is a raw PKCS#1 v1.5 signature (256 bytes for
	// RSA-2048) over Message, as `pkcs11-tool --sign` or `openssl dgst
	// -sign` write it.
	SignatureFile ArtefactKind = "signature"
)

// Artefact is a file the program produced.
type Artefact struct {
	Kind ArtefactKind
	// Path names the file as the program was told to write it.
	Path string
	// Message is what the program was asked to sign.
	Message []byte
	// Content is the file's bytes; nil when the program wrote none.
	Content []byte
	// Certificate is the DER certificate the content must verify with: the
	// certificate on the card in the session's state (the signing
	// certificate for a signature).
	Certificate []byte
}

// Outcome is a check's result for one session.
type Outcome string

// The outcomes.
const (
	Passed        Outcome = "passed"
	Failed        Outcome = "failed"
	NotApplicable Outcome = "not applicable"
)

// Verdict is a judge's answer.
type Verdict struct {
	Outcome Outcome
	// Reason is one line saying why, in the field's terms; it holds no PIN
	// (the transcript it reads has none).
	Reason string
	// Seqs are the transcript events (Event.Seq) that show why: what a
	// report quotes as the evidence. Empty for a verdict that rests on the
	// exit status, the output or an artefact alone.
	Seqs []int
}

func pass(reason string, seqs ...int) Verdict { return Verdict{Passed, reason, seqs} }
func fail(reason string, seqs ...int) Verdict { return Verdict{Failed, reason, seqs} }
func na(reason string) Verdict                { return Verdict{Outcome: NotApplicable, Reason: reason} }
