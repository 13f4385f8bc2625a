package pcsc_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/cardface"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/simulator"
)

// The call sequences the public clients send to the card-face, common card
// and Juki applications (docs/card.md §12, §13), as data: each C-APDU with
// the status word and the data a real card answers. They run against the
// embedded card of every physical profile (TestClientSequences) and through
// pcscd against `jpkisim serve` (TestPCSCClientSequences, in
// scripts/pcsc-test.sh).

// clientSequence is what one client sends for one operation.
type clientSequence struct {
	client string // the client and operation, as docs/card.md §13 names them
	cites  string // where docs/card.md says so
	steps  []clientStep
}

// clientStep is one C-APDU and what the card must answer.
type clientStep struct {
	// capdu is the C-APDU in hex. A secret is written by role — {kenhojo}
	// (the Kenhojo PIN), {A} (照合番号A) — and sent as Lc and its value
	// from the card's profile; no value is written here, and a failure
	// shows capdu as written.
	capdu string
	// sw is the status word; an x in it stands for any hex digit ("63Cx").
	sw string
	// n is the length of the response data; -1 when the data is checked
	// against want alone.
	n int
	// want, when set, is the content the data must equal: bytes of one of
	// the card's files, as the card's profile holds them.
	want *fileBytes
}

// fileBytes names bytes of a file of the card face: a transparent EF's
// bytes [off, off+n) (n -1: to the end), or record rec of the common card
// application's EF 0001.
type fileBytes struct {
	app    jpki.App
	fid    uint16
	off, n int
	rec    int
}

func (f fileBytes) of(face *simulator.CardFace) ([]byte, error) {
	if f.rec > 0 {
		return face.CommonRecords[f.rec-1], nil
	}
	files := face.Kenhojo
	if f.app == jpki.Kenkaku {
		files = face.Kenkaku
	}
	b, ok := files[f.fid]
	if !ok {
		return nil, fmt.Errorf("%v has no EF %04X", f.app, f.fid)
	}
	end := len(b)
	if f.n >= 0 {
		end = f.off + f.n
	}
	if end > len(b) {
		return nil, fmt.Errorf("%v EF %04X has %d bytes, not %d", f.app, f.fid, len(b), end)
	}
	return b[f.off:end], nil
}

// The SELECTs and counter queries the sequences share.
const (
	selKenhojo = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08"
	selKenkaku = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02"
	selCommon  = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00"
	selJPKI    = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
)

func ok(capdu string) clientStep { return clientStep{capdu: capdu, sw: "9000", n: 0} }
func counter(fid string) []clientStep {
	return []clientStep{ok("00 A4 02 0C 02 " + fid), {capdu: "00 20 00 80", sw: "63Cx", n: 0}}
}
func readOf(capdu string, f fileBytes) clientStep {
	return clientStep{capdu: capdu, sw: "9000", n: -1, want: &f}
}
func cat(parts ...[]clientStep) []clientStep {
	var out []clientStep
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// verifyKenhojoPIN is the VERIFY of the Kenhojo PIN after a SELECT of its
// EF, as every client but jsapdu sends it (docs/card.md §5.4).
var verifyKenhojoPIN = []clientStep{ok("00 A4 02 0C 02 00 11"), ok("00 20 00 80 {kenhojo}")}

var clientSequences = []clientSequence{
	{
		client: "jpki/myna `pin status`",
		cites:  "card.md §13 (jpki/myna `pin status`), §4.2",
		steps: cat(
			[]clientStep{ok(selKenhojo)}, counter("00 11"), counter("00 14"), counter("00 15"),
			[]clientStep{ok(selKenkaku)}, counter("00 13"), counter("00 12"),
			[]clientStep{ok(selJPKI)}, counter("00 18"), counter("00 1B"),
		),
	},
	{
		client: "jpki/myna (Go): the Kenhojo EFs in fixed lengths, 17, 336, 568 and 256 bytes",
		cites:  "card.md §12 (jpki/myna (Go)), §8.1",
		steps: cat([]clientStep{ok(selKenhojo)}, verifyKenhojoPIN, []clientStep{
			ok("00 A4 02 0C 02 00 01"),
			readOf("00 B0 00 00 11", fileBytes{app: jpki.Kenhojo, fid: 0x0001, n: 17}),
			ok("00 A4 02 0C 02 00 03"),
			readOf("00 B0 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0003, n: 256}),
			readOf("00 B0 01 00 50", fileBytes{app: jpki.Kenhojo, fid: 0x0003, off: 256, n: 80}),
			ok("00 A4 02 0C 02 00 04"),
			readOf("00 B0 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0004, n: 256}),
			readOf("00 B0 01 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0004, off: 256, n: 256}),
			readOf("00 B0 02 00 38", fileBytes{app: jpki.Kenhojo, fid: 0x0004, off: 512, n: 56}),
			ok("00 A4 02 0C 02 00 05"),
			readOf("00 B0 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0005, n: 256}),
			// Past the end of the 336-byte EF 0003 a real card answers 6B00,
			// never an empty 9000 (on which this client loops for ever).
			ok("00 A4 02 0C 02 00 03"),
			{capdu: "00 B0 01 50 00", sw: "6B00", n: 0},
		}),
	},
	{
		client: "jpki/myna (Go), jpki-rs: a 7-byte header read, then 256-byte chunks from offset 0",
		cites:  "card.md §12 (jpki/myna (Go); jpki-rs)",
		steps: cat([]clientStep{ok(selKenhojo)}, verifyKenhojoPIN, []clientStep{
			ok("00 A4 02 0C 02 00 04"),
			readOf("00 B0 00 00 07", fileBytes{app: jpki.Kenhojo, fid: 0x0004, n: 7}),
			readOf("00 B0 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0004, n: 256}),
			readOf("00 B0 01 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0004, off: 256, n: 256}),
			readOf("00 B0 02 00 38", fileBytes{app: jpki.Kenhojo, fid: 0x0004, off: 512, n: 56}),
			ok("00 A4 02 0C 02 00 03"),
			readOf("00 B0 00 00 07", fileBytes{app: jpki.Kenhojo, fid: 0x0003, n: 7}),
			readOf("00 B0 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0003, n: 256}),
			readOf("00 B0 01 00 50", fileBytes{app: jpki.Kenhojo, fid: 0x0003, off: 256, n: 80}),
		}),
	},
	{
		client: "jsapdu: VERIFY by SFI and READ BINARY by SFI with an extended Le, no EF SELECT",
		cites:  "card.md §13 (jsapdu), §5.2, §5.4",
		steps: []clientStep{
			ok(selKenhojo),
			{capdu: "00 20 00 91", sw: "63C3", n: 0},
			ok("00 20 00 91 {kenhojo}"),
			readOf("00 B0 81 00 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0001, n: -1}),
			readOf("00 B0 82 00 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0002, n: -1}),
			readOf("00 B0 83 00 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0003, n: -1}),
			readOf("00 B0 84 00 00 00 00", fileBytes{app: jpki.Kenhojo, fid: 0x0004, n: -1}),
			ok(selKenkaku),
			ok("00 20 00 93 {A}"),
			readOf("00 B0 82 00 00 00 00", fileBytes{app: jpki.Kenkaku, fid: 0x0002, n: -1}),
			readOf("00 B0 85 00 00 00 00", fileBytes{app: jpki.Kenkaku, fid: 0x0005, n: -1}),
		},
	},
	{
		client: "jpki/myna portal host: the common card application's serial by READ RECORD",
		cites:  "card.md §13 (jpki/myna portal host), §5.3, §8.3",
		steps: []clientStep{
			ok(selCommon),
			readOf("00 B2 01 0C 00", fileBytes{app: jpki.Common, rec: 1}),
		},
	},
	{
		client: "TRETJapanNFCReader: the My Number, and the counters",
		cites:  "card.md §13 (TRETJapanNFCReader), §12",
		steps: cat([]clientStep{ok(selKenhojo)}, verifyKenhojoPIN, []clientStep{
			ok("00 A4 02 0C 02 00 01"),
			readOf("00 B0 00 00 11", fileBytes{app: jpki.Kenhojo, fid: 0x0001, n: 17}),
			ok(selJPKI),
		}, counter("00 1B"), counter("00 18"),
			[]clientStep{ok(selKenhojo)}, counter("00 11"),
			[]clientStep{ok(selCommon)}, counter("00 1C"),
		),
	},
}

// swMatches reports whether sw is the pattern's status word, an x standing
// for any hex digit.
func swMatches(pattern string, sw apdu.StatusWord) bool {
	got := fmt.Sprintf("%04X", uint16(sw))
	if len(pattern) != 4 {
		return false
	}
	for i := range 4 {
		if pattern[i] != 'x' && pattern[i] != got[i] {
			return false
		}
	}
	return true
}

// expand turns a step's C-APDU into bytes, a secret placeholder into Lc
// and the value from face.
func expand(capdu string, face *simulator.CardFace) ([]byte, error) {
	head, secret, found := strings.Cut(capdu, "{")
	b, err := apdu.ParseHex(head)
	if err != nil || !found {
		return b, err
	}
	var v []byte
	switch strings.TrimSuffix(secret, "}") {
	case "kenhojo":
		v = face.KenhojoPIN
	case "A":
		v = face.VerificationA
	default:
		return nil, fmt.Errorf("unknown secret %q", secret)
	}
	return append(append(b, byte(len(v))), v...), nil
}

// runSequence sends seq to c and checks every answer. Failures show the
// C-APDU as the data writes it, never a secret's value.
func runSequence(c harness.Card, face *simulator.CardFace, seq clientSequence) error {
	cl := harness.NewClient(c)
	for i, st := range seq.steps {
		b, err := expand(st.capdu, face)
		if err != nil {
			return fmt.Errorf("step %d %s: %v", i+1, st.capdu, err)
		}
		r, err := cl.SendRaw(b)
		if err != nil {
			return fmt.Errorf("step %d %s: %v", i+1, st.capdu, err)
		}
		if !swMatches(st.sw, r.SW) {
			return fmt.Errorf("step %d %s: SW %s, want %s", i+1, st.capdu, r.SW.String(), st.sw)
		}
		if st.n >= 0 && len(r.Data) != st.n {
			return fmt.Errorf("step %d %s: %d bytes of data, want %d", i+1, st.capdu, len(r.Data), st.n)
		}
		if st.want != nil {
			want, err := st.want.of(face)
			if err != nil {
				return fmt.Errorf("step %d %s: %v", i+1, st.capdu, err)
			}
			if !bytes.Equal(r.Data, want) {
				return fmt.Errorf("step %d %s: %d bytes of data, not the %d the card's file holds there", i+1, st.capdu, len(r.Data), len(want))
			}
		}
	}
	return nil
}

// physicalProfiles are the profiles with the card-face applications.
func physicalProfiles(t *testing.T) []*simulator.Profile {
	t.Helper()
	var out []*simulator.Profile
	for _, n := range fixtures.ProfileNames() {
		p := fixtures.MustProfile(n)
		if p.CardFace != nil {
			out = append(out, p)
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d profiles with a card face", len(out))
	}
	return out
}

// TestClientSequences runs every client sequence against a fresh embedded
// card of every physical profile but those made to answer as a faulty token
// does (Faults.Answers: counter-query-6a80, whose empty VERIFY answers 6A80
// on purpose, field-reports.md B12).
func TestClientSequences(t *testing.T) {
	for _, p := range physicalProfiles(t) {
		if p.Faults != nil && len(p.Faults.Answers) > 0 {
			continue
		}
		for _, seq := range clientSequences {
			c, err := simulator.New(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := runSequence(sim.NewCard(c), p.CardFace, seq); err != nil {
				t.Errorf("%s, %s (%s): %v", p.Name, seq.client, seq.cites, err)
			}
		}
	}
}

// TestClientSequencesFailOnAWrongCard: the sequences check what they say.
// A card whose Kenhojo EF 0004 differs by one byte from the content they
// expect fails the fixed-length and the chunked reads; a card without the
// card-face applications fails every sequence at its first SELECT.
func TestClientSequencesFailOnAWrongCard(t *testing.T) {
	p := fixtures.MustProfile("default")
	c, err := simulator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	want := p.CardFace.Clone()
	want.Kenhojo[0x0004][600%568] ^= 1
	for i, seq := range clientSequences[1:3] {
		if err := runSequence(sim.NewCard(c), want, seq); err == nil {
			t.Errorf("sequence %d passed against other content of EF 0004", i+1)
		}
	}
	phone := fixtures.MustProfile("android")
	for _, seq := range clientSequences {
		c, err := simulator.New(phone)
		if err != nil {
			t.Fatal(err)
		}
		if err := runSequence(sim.NewCard(c), p.CardFace, seq); err == nil || !strings.Contains(err.Error(), "step 1 ") {
			t.Errorf("%s on a phone token: %v", seq.client, err)
		}
	}
}

// relyingPartyFiles reads, as a relying party does, the files the two
// card-face applications sign: Kenhojo 0001–0004 and 0007 after the Kenhojo
// PIN; then Kenkaku 0002 and 0004 after 照合番号A, the My Number read from
// Kenhojo EF 0001 (as jpki/myna's visual commands do, docs/card.md §4.3).
// Every EF is read whole by SFI with an extended Le (jsapdu's form). The
// only secret it needs is the Kenhojo PIN.
func relyingPartyFiles(c harness.Card, kenhojoPIN []byte) (kenhojo, kenkaku map[uint16][]byte, err error) {
	cl := harness.NewClient(c)
	send := func(cmd apdu.Command) ([]byte, error) {
		r, err := cl.Send(cmd)
		if err != nil {
			return nil, err
		}
		if r.SW != apdu.SWOK {
			return nil, fmt.Errorf("%02X %02X %02X %02X: %w", cmd.CLA, cmd.INS, cmd.P1, cmd.P2, r.SW)
		}
		return r.Data, nil
	}
	readAll := func(fids ...uint16) (map[uint16][]byte, error) {
		files := map[uint16][]byte{}
		for _, fid := range fids {
			b, err := send(apdu.Command{INS: 0xB0, P1: 0x80 | byte(fid), Ne: 65536})
			if err != nil {
				return nil, fmt.Errorf("EF %04X: %w", fid, err)
			}
			files[fid] = b
		}
		return files, nil
	}
	if _, err := send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.Kenhojo.AID()}); err != nil {
		return nil, nil, err
	}
	if _, err := send(apdu.Command{INS: 0x20, P2: 0x91, Data: kenhojoPIN}); err != nil {
		return nil, nil, fmt.Errorf("VERIFY of the Kenhojo PIN: %w", err)
	}
	if kenhojo, err = readAll(0x0001, 0x0002, 0x0003, 0x0004, 0x0007); err != nil {
		return nil, nil, fmt.Errorf("Kenhojo: %w", err)
	}
	myNumber, err := cardface.ParseMyNumberFile(kenhojo[0x0001])
	if err != nil {
		return nil, nil, err
	}
	if _, err := send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpki.Kenkaku.AID()}); err != nil {
		return nil, nil, err
	}
	if _, err := send(apdu.Command{INS: 0x20, P2: 0x93, Data: []byte(myNumber)}); err != nil {
		return nil, nil, fmt.Errorf("VERIFY of 照合番号A: %w", err)
	}
	if kenkaku, err = readAll(0x0002, 0x0004); err != nil {
		return nil, nil, fmt.Errorf("Kenkaku: %w", err)
	}
	return kenhojo, kenkaku, nil
}

// relyingParty reads the signed files off the card and verifies them with
// the TEST-ONLY issuer keys of fixtures: the CV certificates (EF 0004) with
// the issuers' keys, and with the key they certify the integrity record
// (Kenhojo 0003 over 0001 and 0002) and the card-face signature (Kenkaku
// 0002) (docs/card.md §8.1, §8.2).
func relyingParty(c harness.Card, kenhojoPIN []byte) error {
	hi, ki, err := fixtures.CardFaceIssuers()
	if err != nil {
		return err
	}
	kenhojo, kenkaku, err := relyingPartyFiles(c, kenhojoPIN)
	if err != nil {
		return err
	}
	if err := cardface.VerifyKenhojo(kenhojo, hi); err != nil {
		return fmt.Errorf("Kenhojo: %w", err)
	}
	if err := cardface.VerifyKenkaku(kenkaku, ki); err != nil {
		return fmt.Errorf("Kenkaku: %w", err)
	}
	return nil
}

// TestRelyingParty: on the embedded card of every physical profile the
// integrity record and the card-face signature read off the card verify
// with the keys of the card's own CV certificates, which verify with the
// TEST-ONLY issuer keys.
func TestRelyingParty(t *testing.T) {
	for _, p := range physicalProfiles(t) {
		c, err := simulator.New(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := relyingParty(sim.NewCard(c), p.CardFace.KenhojoPIN); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// TestRelyingPartyRefusesAnotherCard: the check fails on a card whose
// basic 4 information was changed without a new integrity record, and on
// one whose CV certificate another issuer signed.
func TestRelyingPartyRefusesAnotherCard(t *testing.T) {
	p := fixtures.MustProfile("default")
	for name, change := range map[string]func(f *simulator.CardFace){
		"basic 4 changed": func(f *simulator.CardFace) { f.Kenhojo[0x0002][20] ^= 1 },
		"CV certificate": func(f *simulator.CardFace) {
			f.Kenhojo[0x0004], f.Kenkaku[0x0004] = f.Kenkaku[0x0004], f.Kenhojo[0x0004]
		},
		"card face": func(f *simulator.CardFace) { f.Kenkaku[0x0002][40] ^= 1 },
	} {
		q := *p
		q.CardFace = p.CardFace.Clone()
		change(q.CardFace)
		c, err := simulator.New(&q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := relyingParty(sim.NewCard(c), p.CardFace.KenhojoPIN); err == nil {
			t.Errorf("%s: the relying party accepted the card", name)
		}
	}
}
