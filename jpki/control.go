package jpki

// The test-control protocol of the virtual card: commands and data only the
// simulator answers, by which the harness tells the virtual card from a
// real one and returns it to a run's snapshot (docs/card-behaviour.md,
// "Commands only the virtual card has"). A real card answers the marker
// GET DATA with 6A88 and the RestoreINS commands with 6D00.

// MarkerTag is the GET DATA tag (00 CA DF 6A 00, private class) that only
// the virtual card answers, with Marker: how the harness tells the virtual
// card from a real one in any reader, by what the card says rather than by
// the reader's name. A real My Number card answers 6A88 (absent object,
// docs/card.md §5.9); GET DATA reads and spends nothing.
const MarkerTag = 0xDF6A

// MarkerPrefix starts the marker.
const MarkerPrefix = "JPKISIM-VIRTUAL-CARD TEST-ONLY"

// Marker returns the answer to GET DATA DF6A: MarkerPrefix, then
// " profile=" and the profile's name.
func Marker(profile string) []byte {
	return []byte(MarkerPrefix + " profile=" + profile)
}

// RestoreINS is the instruction (CLA 80) of the virtual card's test-control
// commands. Their data field is RestoreData, then an optional run token of
// 1 to MaxRunToken bytes (T below) by which a run claims the snapshot as
// its own:
//
//	80 EE 01 00 Lc "JPKISIM-RESTORE" [T]  snapshot: the persistent state as
//	                 it is now becomes what the restore returns to; with T
//	                 the card holds it for T. 9000; 6985 while a snapshot is
//	                 held for another token (or held at all, for the form
//	                 without T): nothing changes
//	80 EE 00 00 Lc "JPKISIM-RESTORE" [T]  restore: the persistent state
//	                 returns to the last snapshot (the card as it was made
//	                 when none was taken) and the volatile state is cleared;
//	                 9000. With T only when the snapshot is held for T: 6985
//	                 otherwise (replaced, or never taken), and nothing changes
//	80 EE 02 00 Lc "JPKISIM-RESTORE" T    release: the snapshot is no longer
//	                 held (it stays what a restore without T returns to);
//	                 9000, 6985 when it is not held for T
//
// Other P1-P2 answer 6A86, other data or an Le 6A80, a restore that cannot
// be committed 6581. A card posing as a real one answers 6D00 to all of
// them. The harness sends them only to a card that answered the marker
// (MarkerTag) in the same session.
const RestoreINS = 0xEE

// The P1 values of the RestoreINS commands.
const (
	RestoreP1  = 0x00 // restore
	SnapshotP1 = 0x01 // snapshot
	ReleaseP1  = 0x02 // release
)

// RestoreData is the start of the data field the RestoreINS commands
// require; a run token may follow.
const RestoreData = "JPKISIM-RESTORE"

// MaxRunToken is the longest run token, in bytes, the RestoreINS commands
// accept after RestoreData.
const MaxRunToken = 32
