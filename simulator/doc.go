// Package simulator is the virtual My Number card: a card OS with power,
// reset and ATR, a file tree of applications and EFs, security status, PIN
// objects with retry counters, the JPKI application (公的個人認証AP) and,
// on a profile with a CardFace, the Kenhojo, Kenkaku, common card and Juki
// applications, answering raw C-APDUs as the real card does (card.md;
// docs/card-behaviour.md).
//
// The package is pure Go with no cgo, and knows nothing of transports: a
// harness, a PC/SC bridge or a Go test calls Transmit with the bytes of a
// C-APDU and gets the bytes of the R-APDU.
//
// State is split as on a real card: State (files, keys, PINs, retry
// counters) is persistent and survives power-off and reset; the current DF
// and EF and which PINs are verified are volatile and cleared by both.
//
// # Where a C-APDU is answered
//
// A C-APDU goes through Card.Transmit, then the faults (faults.go) and, on
// a T=0 card, the T=0 transport (t0.go), then the card OS (os.go). The OS
// looks its CLA and INS up in three command tables, the first that has it
// answering: the test-control layer's (control.go: the marker GET DATA and
// 80 EE, which only the virtual card answers), the current application's,
// and its own.
// The current application is the one whose AID the current DF has
// (jpki.AppByAID); the ISD is current after reset. A handler returns
// response data for 9000 or the status word as its error; one function,
// respond in os.go, turns that into the R-APDU and applies Le and T=0.
//
// Each command is answered in the file named after its owner and its name:
//
//	card.go                             the Card: power, reset, Transmit, commits, Update
//	state.go                            State: applications, EFs, PIN objects, keys, Access
//	profile.go                          Profile and Behaviour
//	cardface.go                         CardFace: the content of the four applications beside JPKI
//	os.go                               the dispatcher, respond, the OS's table, security status
//	os_select.go                        SELECT 00 A4, in every DF
//	os_read_binary.go                   READ BINARY 00 B0
//	os_read_record.go                   READ RECORD 00 B2
//	os_verify.go                        VERIFY 00 20, and PIN.Verify, the comparison it shares with the office
//	os_change_reference_data.go         CHANGE REFERENCE DATA 00 24, and changePIN, which CHANGE KEY shares
//	os_get_challenge.go                 GET CHALLENGE 00 84
//	os_get_data.go                      GET DATA 00 CA at card level
//	os_last_command.go                  80 FC, the iPhone token's last-command indicator
//	isd.go                              the ISD's table
//	jpki.go                             the JPKI application's table, with the commands it refuses outright
//	jpki_compute_digital_signature.go   COMPUTE DIGITAL SIGNATURE 80 2A
//	jpki_internal_authenticate.go       INTERNAL AUTHENTICATE 00 88
//	kenhojo.go                          the Kenhojo application: its EFs and table
//	kenhojo_compute_digital_signature.go  80 2A with the own key (P2 00), Kenhojo and Kenkaku
//	kenhojo_set_session_key.go          SET SESSION KEY 80 AE
//	kenkaku.go                          the Kenkaku application: its EFs and table
//	common.go                           the common card and Juki applications: their EFs and tables
//	common_internal_authenticate.go     INTERNAL AUTHENTICATE 00 88 with key 0019; 6985 for the own keys
//	common_change_key.go                CHANGE KEY 80 32, common card and Juki
//	control.go                          the test-control layer: marker GET DATA DF6A, 80 EE, Snapshot, Restore
//	faults.go                           forced answers, latency, removal, tearing
//	t0.go                               GET RESPONSE, 61xx and 6Cxx of a T=0 card
//
// A new application is a table in <app>.go, its commands in <app>_<command>.go
// and one line in the applications map of os.go; the OS's commands serve it
// on its own files.
package simulator
