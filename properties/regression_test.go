package properties

import (
	"sync/atomic"
	"testing"

	"github.com/leanovate/gopter/commands"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
)

// Sequences found while developing the property, kept with the answer they
// must get: each replays against a fresh embedded card.
func TestRegressionSequences(t *testing.T) {
	selectJPKI := &op{name: "SELECT", capdu: enc(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: aidJPKI})}
	verify := func(p2 byte, v string) *op {
		return &op{name: "VERIFY", capdu: enc(apdu.Command{INS: 0x20, P2: p2, Data: []byte(v)}), label: "value"}
	}
	sign := &op{name: "SIGN", capdu: enc(apdu.Command{CLA: 0x80, INS: 0x2A, P2: 0x97, Data: make([]byte, 51), Ne: 256})}
	for name, seq := range map[string][]commands.Command{
		// The property's own check indexed an empty C-APDU (found with
		// seed 1795941981897063339): the card must answer 6700 and the
		// check must not panic.
		"empty C-APDU":         {&op{name: "RAW", capdu: []byte{}}},
		"three-byte C-APDU":    {&op{name: "RAW", capdu: []byte{0x00, 0xA4, 0x04}}},
		"blocked auth PIN":     {selectJPKI, verify(0x98, "0000"), verify(0x98, "0000"), verify(0x98, "0000"), verify(0x98, "1234"), sign},
		"sign after power-off": {selectJPKI, verify(0x98, "1234"), &op{cycle: true}, selectJPKI, sign},
		"restore after lockout": {selectJPKI, verify(0x98, "0000"), verify(0x98, "0000"), verify(0x98, "0000"),
			&op{name: "RESTORE", capdu: enc(apdu.Command{CLA: 0x80, INS: 0xEE, Data: []byte("JPKISIM-RESTORE")})},
			selectJPKI, verify(0x98, "1234"), sign},
		"change then lower-case": {selectJPKI, verify(0x9B, "ABC123"),
			&op{name: "CHANGE", capdu: enc(apdu.Command{INS: 0x24, P1: 1, P2: 0x9B, Data: []byte("NEWPASS1")})},
			verify(0x9B, "newpass1"), verify(0x9B, "NEWPASS1")},
	} {
		t.Run(name, func(t *testing.T) {
			target := sim.Target{Profile: fixtures.MustProfile("default")}
			_, init, err := replayParts(Config{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			sut, err := openSession(target, &atomic.Int64{})
			if err != nil {
				t.Fatal(err)
			}
			defer sut.card.Close()
			if r := commands.Replay(sut, init, seq...); !r.Success() {
				t.Fatalf("%v", r.Labels)
			}
		})
	}
}

// replayOnProfiles replays ops after the model's start on a fresh embedded
// card of each profile, and fails t unless every answer agrees with the
// model.
func replayOnProfiles(t *testing.T, profiles []string, ops ...*op) {
	t.Helper()
	for _, name := range profiles {
		t.Run(name, func(t *testing.T) {
			target := sim.Target{Profile: fixtures.MustProfile(name)}
			_, init, err := replayParts(Config{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			sut, err := openSession(target, &atomic.Int64{})
			if err != nil {
				t.Fatal(err)
			}
			defer sut.card.Close()
			cmds := make([]commands.Command, len(ops))
			for i, o := range ops {
				cmds[i] = o
			}
			if r := commands.Replay(sut, init, cmds...); !r.Success() {
				t.Fatalf("%v", r.Labels)
			}
		})
	}
}

var selectJPKIOp = &op{name: "SELECT", capdu: enc(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: aidJPKI})}

// On the T=0 profile a GET RESPONSE with nothing to fetch answers 6985: the
// transport fetches every 61xx itself, so the model never has a response
// pending (found with seed 101 on profile t0). The T=1 card answers 6D00.
func TestRegressionGetResponseOnT0(t *testing.T) {
	getResponse := &op{name: "RAW", capdu: []byte{0x00, 0xC0, 0x76, 0xA4, 0xAA}}
	replayOnProfiles(t, []string{"t0", "default"}, getResponse, selectJPKIOp, getResponse)
}

// On the T=0 profile an empty VERIFY sent the T=0 way, 00 20 00 80 00 (P3
// = 00 for a case 1 command, as OpenSC sends it), is the retry-counter
// query for card and model alike; before, the card answered 6700. On the
// T=1 card the same bytes are a case 2 VERIFY, which both refuse alike.
func TestRegressionCase1WithP3OnT0(t *testing.T) {
	selectPIN := &op{name: "SELECT", capdu: enc(apdu.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{0x00, 0x18}})}
	query := &op{name: "RAW", capdu: []byte{0x00, 0x20, 0x00, 0x80, 0x00}}
	replayOnProfiles(t, []string{"t0", "default"}, selectJPKIOp, selectPIN, query)
}
