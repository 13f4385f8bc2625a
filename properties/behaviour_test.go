package properties

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/simulator"
)

// behaviours sets each setting of simulator.Behaviour to a value other than
// its default (docs/card-behaviour.md, "Open questions: defaults and
// settings").
var behaviours = []struct {
	name string
	set  func(*simulator.Behaviour)
}{
	{"blocked_verify_sw 63C0", func(b *simulator.Behaviour) { b.BlockedVerifySW = 0x63C0 }},
	{"blocked_verify_sw 6983", func(b *simulator.Behaviour) { b.BlockedVerifySW = 0x6983 }},
	{"empty_verify_ok_when_verified", func(b *simulator.Behaviour) { b.EmptyVerifyOKWhenVerified = true }},
	{"overlong_verify_counts", func(b *simulator.Behaviour) { b.OverlongVerifyCounts = true }},
	{"select_df_clears_security", func(b *simulator.Behaviour) { b.SelectDFClearsSecurity = true }},
	{"signing_consumes_security", func(b *simulator.Behaviour) { b.SigningConsumesSecurity = true }},
	{"select_checks_read_access", func(b *simulator.Behaviour) { b.SelectChecksReadAccess = true }},
	{"read_past_end_empty_ok", func(b *simulator.Behaviour) { b.ReadPastEndEmptyOK = true }},
	{"pose_as_real_card", func(b *simulator.Behaviour) { b.PoseAsRealCard = true }},
}

// Every field of simulator.Behaviour changes what the model is told: a
// setting the model dropped would make `jpkisim props --profile` fail on a
// card that does exactly what its profile says.
func TestEveryBehaviourSettingReachesTheModel(t *testing.T) {
	def := fixtures.MustProfile(fixtures.DefaultProfile)
	base := ContentOf(def)
	typ := reflect.TypeFor[simulator.Behaviour]()
	covered := map[string]bool{}
	for _, b := range behaviours {
		var zero, set simulator.Behaviour
		b.set(&set)
		zv, sv := reflect.ValueOf(zero), reflect.ValueOf(set)
		for i := range typ.NumField() {
			if !zv.Field(i).Equal(sv.Field(i)) {
				covered[typ.Field(i).Name] = true
			}
		}
		q := *def
		b.set(&q.Behaviour)
		if reflect.DeepEqual(ContentOf(&q), base) {
			t.Errorf("%s: the model's content is the default card's", b.name)
		}
	}
	for i := range typ.NumField() {
		if f := typ.Field(i).Name; !covered[f] {
			t.Errorf("simulator.Behaviour.%s: no case in behaviours, and perhaps not in settingsOf and the model", f)
		}
	}
}

// With each setting the card agrees with the model told of it, and the
// sequences reach the setting: the model of the default card disagrees.
func TestBehaviourSettingsAgreeWithModel(t *testing.T) {
	def := fixtures.MustProfile(fixtures.DefaultProfile)
	for _, b := range behaviours {
		t.Run(b.name, func(t *testing.T) {
			q := *def
			b.set(&q.Behaviour)
			target := sim.Target{Profile: &q}
			var out bytes.Buffer
			res, err := Run(Config{Target: target, Seed: 11, Sequences: 200, Shards: 1, Output: &out})
			if err != nil || !res.Passed {
				t.Fatalf("the card and its model disagree (%v):\n%s", err, out.String())
			}
			out.Reset()
			res, err = Run(Config{Target: target, Profile: def, Seed: 11, Sequences: 200, Shards: 1, Output: &out})
			if err != nil || res.Passed {
				t.Fatalf("the model of the default card agrees with this one (%v): the sequences never reach the setting", err)
			}
		})
	}
}
