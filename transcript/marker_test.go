package transcript

import (
	"testing"
	"time"
)

// markerAfter records a JPKI SELECT and then the given exchanges, and
// returns the marker of the last one.
func markerAfter(t *testing.T, exchanges ...[2]string) *Secret {
	t.Helper()
	r := NewRecorder("test", Raw, secrets)
	r.Event(PowerOn, h("3B00"))
	r.Exchange(h("00A4040C0AD392F000260100000001"), h("9000"), nil, time.Now(), 0)
	for _, e := range exchanges {
		r.Exchange(h(e[0]), h(e[1]), nil, time.Now(), 0)
	}
	ex := r.Transcript().Exchanges()
	s := ex[len(ex)-1].Secret
	if s == nil {
		t.Fatalf("no marker on %s", ex[len(ex)-1].Command)
	}
	return s
}

// A T=0 card answers a SELECT with FCP 61xx: the SELECT succeeded, and the
// VERIFY that follows is for the EF it selected.
func TestMarkerFollowsASelectAnswered61xx(t *testing.T) {
	s := markerAfter(t,
		[2]string{"00A4020C020018", "9000"}, // the auth PIN
		[2]string{"00A40200021B00", "6A82"}, // no such EF: 0018 stays
		[2]string{"00A4020002001B", "6113"}, // the signing PIN, FCP held (T=0)
		[2]string{"00C0000013", "6211800200008201098302001B9000"},
		[2]string{"0020008006414243313233", "9000"})
	if s.PIN != "signing" || s.Value != Configured {
		t.Errorf("VERIFY after SELECT EF 001B (61xx) marked %+v, want the signing PIN, configured", s)
	}
}

// SELECT with P1 00 changes no EF on this card (docs/card.md §5.1): the
// marker must not name an EF the card never selected.
func TestMarkerIgnoresSelectWithP100(t *testing.T) {
	s := markerAfter(t,
		[2]string{"00A4000C020018", "9000"},
		[2]string{"0020008004 31323334", "6986"})
	if s.PIN != "" || s.Value != Unknown || s.Reference != "unknown" {
		t.Errorf("VERIFY after SELECT P1 00 marked %+v, want an unknown reference", s)
	}
}

// CHANGE REFERENCE DATA with P1 01 carries only the new value (docs/card.md
// §5.5): a new value that starts with the configured one is not it.
func TestMarkerOfChangeReferenceDataP101(t *testing.T) {
	s := markerAfter(t,
		[2]string{"00A4020C02001B", "9000"},
		[2]string{"0024018007 41424331323334", "9000"}) // "ABC1234", configured "ABC123"
	if s.Value == Configured {
		t.Errorf("CHANGE REFERENCE DATA to ABC1234 marked %+v: the configured value is ABC123", s)
	}
	s = markerAfter(t,
		[2]string{"00A4020C02001B", "9000"},
		[2]string{"0024018006 414243313233", "9000"})
	if s.Value != Configured {
		t.Errorf("CHANGE REFERENCE DATA back to the configured value marked %+v", s)
	}
}

// A VERIFY under secure messaging or chaining carries no PIN as it is; one
// on another logical channel reaches that channel's EF, which the
// transcript does not follow. Neither is said to be the configured value or
// not.
func TestMarkerOfVerifyUnderOtherClasses(t *testing.T) {
	for _, cla := range []string{"0C", "08", "10", "01", "03"} {
		s := markerAfter(t,
			[2]string{"00A4020C020018", "9000"},
			[2]string{cla + "20008004 31323335", "6882"}) // not the configured 1234
		if s.Value != Unknown {
			t.Errorf("VERIFY with CLA %s marked %+v, want the value not compared", cla, s)
		}
		if (cla == "01" || cla == "03") && s.Reference != "unknown" {
			t.Errorf("VERIFY on logical channel %s named %q, an EF of channel 0", cla, s.Reference)
		}
	}
	s := markerAfter(t,
		[2]string{"00A4020C020018", "9000"},
		[2]string{"01A4020C02001B", "9000"}, // channel 1
		[2]string{"00200080 04 31323334", "9000"})
	if s.PIN != "auth" || s.Value != Configured {
		t.Errorf("a SELECT on channel 1 moved channel 0's EF: %+v", s)
	}
}
