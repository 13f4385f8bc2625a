package jpki

import "fmt"

// Reference is reference data an application compares a secret with — a
// PIN, a 照合番号, the birth-date key, or the key reference blocked as
// issued — named by the FID of its EF in the application (docs/card.md
// §4.1–§4.4, §6). VERIFY, CHANGE REFERENCE DATA and CHANGE KEY reach one by
// their P2 (EFRef); the empty VERIFY reads its retry counter.
type Reference struct {
	App App
	FID uint16
	// PIN is its role, for the four PINs; 0 for the others.
	PIN PIN
	// MaxTries is the retry limit; 0 when no source documents one (the
	// 照合番号 and the birth-date key, docs/card.md §6) or the reference is
	// blocked as issued (Kenhojo EF 0012).
	MaxTries int
	// Blocked: blocked as issued, its counter at 0 (docs/card.md §4.2).
	Blocked bool
	name    string
}

// String names the reference in prose: "Kenhojo EF 0011 (the Kenhojo PIN)".
func (r Reference) String() string {
	return fmt.Sprintf("%v EF %04X (%s)", r.App, r.FID, r.name)
}

func pinRef(p PIN) Reference {
	return Reference{App: p.App(), FID: p.FID(), PIN: p, MaxTries: p.MaxTries(), name: "the " + p.String()}
}

var references = map[App][]Reference{
	JPKI: {pinRef(AuthPIN), pinRef(SigningPIN)},
	Kenhojo: {
		pinRef(KenhojoPIN),
		{App: Kenhojo, FID: 0x0012, Blocked: true, name: "the key reference blocked as issued"},
		{App: Kenhojo, FID: 0x0014, name: "照合番号A"},
		{App: Kenhojo, FID: 0x0015, name: "照合番号B"},
	},
	Kenkaku: {
		{App: Kenkaku, FID: 0x0011, name: "the birth-date key"},
		{App: Kenkaku, FID: 0x0012, name: "照合番号B"},
		{App: Kenkaku, FID: 0x0013, name: "照合番号A"},
	},
	Common: {{App: Common, FID: 0x001C, PIN: JukiPIN, MaxTries: JukiPIN.MaxTries(), name: "the common card AP's PIN"}},
	Juki:   {pinRef(JukiPIN)},
}

// References returns the reference data of application a that a VERIFY,
// CHANGE REFERENCE DATA or CHANGE KEY can reach, in FID order (docs/card.md
// §4.1–§4.4, §6): JPKI 0018, 001B; Kenhojo 0011, 0012, 0014, 0015; Kenkaku
// 0011, 0012, 0013; the common card AP 001C; Juki 001C. The applications'
// own signing and authentication keys compare no secret and are not among
// them. ok is false for an application whose references no source lists
// (the ISD) and for an App that names none. A fresh slice each call.
func References(a App) (refs []Reference, ok bool) {
	r, ok := references[a]
	return append([]Reference(nil), r...), ok
}

// ReferenceAt returns the reference data of application a in EF fid, or
// false when References(a) has none there.
func ReferenceAt(a App, fid uint16) (Reference, bool) {
	for _, r := range references[a] {
		if r.FID == fid {
			return r, true
		}
	}
	return Reference{}, false
}
