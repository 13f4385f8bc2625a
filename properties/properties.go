package properties

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/harness/sim"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/report"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"github.com/leanovate/gopter/gen"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/fixtures"
	"github.com/jpkisim/jpkisim/harness"
	"github.com/jpkisim/jpkisim/model"
	"github.com/jpkisim/jpkisim/simulator"
)

// Config is one run of the stateful property.
type Config struct {
	// Target opens the card for each sequence (required).
	Target harness.Target
	// Profile describes the card's content for the model; nil means the
	// default profile (the virtual card's own profile when known).
	Profile *simulator.Profile
	// Seed replays a run; 0 picks one from the clock. It is always printed.
	Seed int64
	// Sequences is the number of random sequences (default 1,000), MaxLen
	// the length of the longest (default 50; lengths ramp up from 1).
	Sequences, MaxLen int
	// Output receives gopter's report and the seed line; nil means stdout.
	Output io.Writer
	// Shards splits the sequences between goroutines on the embedded card;
	// 0 means one per CPU, at most 4. A seed replays exactly with the same
	// number of shards (printed with the seed).
	Shards int
	// AllowDestructive is refused on a card that is not virtual
	// (ErrDestructiveOnRealCard): destructive sequences change PINs to
	// random values and spend tries that stay spent from one sequence to
	// the next. Such a card gets only what the guard lets through without
	// --allow-destructive, none of which can spend a try. On a virtual card
	// destructive sequences are always on, with the restore command besides.
	AllowDestructive bool
	// Shard runs one part of the run on the embedded card (the zero value:
	// all of it): the sub-shards i with i % N == K-1, each exactly as the
	// whole run would. It needs a Seed other than 0, and Shards (default
	// 4·N, not the CPUs, so that every machine splits alike) at least N
	// once capped at Sequences.
	Shard report.Shard

	refused *atomic.Int64 // set by Run: sequences a guard refusal ended
}

// Outcome is what a run of props or diff found, and the JSON evidence that
// `--json FILE` writes and `jpkisim report merge` reads (Merge puts the
// shards of one run back together; docs/properties.md, "The outcome file").
// Fields only one kind has are left out of the other's JSON.
type Outcome struct {
	// Kind is "props" or "diff".
	Kind string `json:"kind"`
	// Tool is the jpkisim that ran, as the run's reports name it.
	Tool buildinfo.Info `json:"tool"`
	// Target is the card checked (props) or the first target (diff);
	// Against is the second target of diff.
	Target  string `json:"target"`
	Against string `json:"against,omitempty"`
	// Seed is the seed of the whole run.
	Seed int64 `json:"seed"`
	// Sequences is the number of sequences of the whole run, not of the
	// shard; MaxLen the length of the longest.
	Sequences int `json:"sequences"`
	MaxLen    int `json:"max_len"`
	// Shards is S, the sub-shards of props (goroutines, each with seed +
	// i); 0 for diff.
	Shards int `json:"shards,omitempty"`
	// Shard is the part of the run this outcome holds; nil for the whole.
	Shard *report.Shard `json:"shard,omitempty"`
	// SubShards are the sub-shards of props this outcome ran, by index.
	SubShards []SubShard `json:"sub_shards,omitempty"`
	// Indices are the sequences of diff this outcome compared, in order;
	// a shard stops at its first difference. Commands counts the commands
	// compared, Difference is the first difference found (nil for none).
	Indices    []int       `json:"indices,omitempty"`
	Commands   int         `json:"commands,omitempty"`
	Difference *Difference `json:"difference,omitempty"`
	// Passed: no sequence failed (props) or differed (diff).
	Passed bool `json:"passed"`
	// Refused counts the sequences a real-card guard refusal cut short,
	// which count neither as passed nor as failed.
	Refused  int       `json:"refused"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Machine is the host name (os.Hostname) the outcome was made on;
	// Command the command line, without the program's path (no PIN: PINs
	// are never arguments).
	Machine string `json:"machine,omitempty"`
	Command string `json:"command,omitempty"`
	// Parts says, for an outcome Merge made, where each shard ran.
	Parts []ShardRun `json:"parts,omitempty"`
	// Elapsed is Finished - Started, for the console.
	Elapsed time.Duration `json:"-"`
}

// ErrNotModelled is returned by Run and Prop for a profile whose faults:
// block changes answers in a way the model cannot know: forced status words
// (faults.answers), a card pulled out (remove_next) or a power cut
// (tear_next). Latency and T=0 are modelled (the transport undoes T=0). Such
// a profile is checked by the features (`jpkisim run`), whose fault steps
// say what the card must answer (docs/card-behaviour.md).
var ErrNotModelled = errors.New("the model does not know this profile's faults")

func modelled(p *simulator.Profile) error {
	f := p.Faults
	if f == nil {
		return nil
	}
	var what []string
	if len(f.Answers) > 0 {
		what = append(what, "forced status words (answers)")
	}
	if f.RemoveNext {
		what = append(what, "a card removal (remove_next)")
	}
	if f.TearNext {
		what = append(what, "a power cut (tear_next)")
	}
	if len(what) == 0 {
		return nil
	}
	return fmt.Errorf("profile %q: %w: %s; its behaviour is checked by jpkisim run", p.Name, ErrNotModelled, strings.Join(what, ", "))
}

// ContentOf is the model's view of a profile: the bytes of its files.
func ContentOf(p *simulator.Profile) model.Content {
	size := p.CertEFSize
	if size == 0 {
		size = 2048
	}
	atr := p.ATR
	if len(atr) == 0 {
		atr = jpki.DefaultATR()
	}
	presence := p.CertPresence
	if presence == nil {
		presence = []byte{0x8F, 0x8F, 0x00}
	}
	tries := model.MaxTries
	if p.AuthTriesLeft != nil {
		tries[model.Auth] = *p.AuthTriesLeft
	}
	if p.SigningTriesLeft != nil {
		tries[model.Sign] = *p.SigningTriesLeft
	}
	var face *model.CardFace
	if f := p.CardFace; f != nil {
		face = cardFaceOf(f)
		if f.KenhojoTriesLeft != nil {
			tries[model.KenhojoPIN] = *f.KenhojoTriesLeft
		}
		if f.JukiTriesLeft != nil {
			tries[model.CommonPIN], tries[model.JukiPIN] = *f.JukiTriesLeft, *f.JukiTriesLeft
		}
	}
	return model.Content{
		CardFace:      face,
		NoSigningCert: p.NoSigningCert, LastCommandIndicator: p.LastCommandIndicator, InitialTries: &tries,
		T0:  p.Faults != nil && p.Faults.T0,
		ATR: atr, Profile: p.Name,
		SigningCert: p.SigningCert, SigningCACert: p.SigningCACert, AuthCert: p.AuthCert, AuthCACert: p.AuthCACert,
		CertEFSize: size, CertFiller: p.CertFiller,
		TokenLabel: p.TokenLabel, TokenSerial: p.TokenSerial, CertPresence: presence,
		AuthCertNeedsPIN: p.AuthCertNeedsPIN, PoseAsRealCard: p.Behaviour.PoseAsRealCard,
		AuthPIN: string(p.AuthPIN), SigningPIN: string(p.SigningPIN),
		Settings: settingsOf(p.Behaviour),
	}
}

// cardFaceOf is the model's view of a profile's card face: the bytes of
// the EFs, the values of the key references, the public keys.
func cardFaceOf(f *simulator.CardFace) *model.CardFace {
	pub := func(k *rsa.PrivateKey) *rsa.PublicKey {
		if k == nil {
			return nil
		}
		return &k.PublicKey
	}
	return &model.CardFace{
		Kenhojo: f.Kenhojo, Kenkaku: f.Kenkaku, CommonRecords: f.CommonRecords, CommonKeyRef: f.CommonKeyRef,
		KenhojoPIN: string(f.KenhojoPIN), JukiPIN: string(f.JukiPIN),
		VerificationA: string(f.VerificationA), VerificationB: string(f.VerificationB), BirthDateKey: string(f.BirthDateKey),
		KenhojoKey: pub(f.KenhojoKey), KenkakuKey: pub(f.KenkakuKey), CommonKey: pub(f.CommonKey),
		KenhojoSessionKey: f.KenhojoSessionKey, MFData: f.MFData,
	}
}

// settingsOf is the model's reading of a profile's behaviour settings
// (docs/card-behaviour.md, "Open questions: defaults and settings").
// PoseAsRealCard is in Content itself. A setting added to
// simulator.Behaviour must be added here and to the model
// (TestEveryBehaviourSettingReachesTheModel).
func settingsOf(b simulator.Behaviour) model.Settings {
	return model.Settings{
		BlockedVerifySW:           apdu.StatusWord(b.BlockedVerifySW),
		EmptyVerifyOKWhenVerified: b.EmptyVerifyOKWhenVerified,
		OverlongVerifyCounts:      b.OverlongVerifyCounts,
		SelectChecksReadAccess:    b.SelectChecksReadAccess,
		SelectDFClearsSecurity:    b.SelectDFClearsSecurity,
		SigningConsumesSecurity:   b.SigningConsumesSecurity,
		ReadPastEndEmptyOK:        b.ReadPastEndEmptyOK,
	}
}

// Prop builds the gopter property for cfg.
func Prop(cfg Config) (gopter.Prop, error) {
	prop, _, err := replayParts(cfg)
	return prop, err
}

// replayParts builds the property and its initial state, which
// commands.Replay needs to run a fixed sequence.
func replayParts(cfg Config) (gopter.Prop, *runState, error) {
	caps := cfg.Target.Capabilities()
	p := cfg.Profile
	if st, ok := cfg.Target.(sim.Profiled); ok && p == nil {
		p = st.SimProfile()
	}
	if p == nil {
		name := fixtures.DefaultProfile
		if caps.Profile != "" {
			name = caps.Profile
		}
		var err error
		if p, err = fixtures.Profile(name); err != nil {
			return nil, nil, err
		}
	}
	if err := modelled(p); err != nil {
		return nil, nil, err
	}
	keys, err := newKeyset(p.AuthCert, p.SigningCert)
	if err != nil {
		return nil, nil, err
	}
	virtual := cfg.Target.Virtual()
	embedded := caps.Embedded
	secrets := cfg.Target.Secrets()
	content := ContentOf(p)
	// The card's own PINs (from the environment for a card made with other
	// PINs): what VERIFY compares and what the restore command returns to.
	content.AuthPIN, content.SigningPIN = string(secrets.AuthPIN), string(secrets.SigningPIN)
	if f := content.CardFace; f != nil {
		// The Kenhojo and Juki PINs too (JPKISIM_KENHOJO_PIN,
		// JPKISIM_JUKI_PIN), where the target has them.
		if v := secrets.Of(jpki.KenhojoPIN); len(v) > 0 {
			f.KenhojoPIN = string(v)
		}
		if v := secrets.Of(jpki.JukiPIN); len(v) > 0 {
			f.JukiPIN = string(v)
		}
	}
	if !embedded {
		// A card in a reader starts where it is — and a virtual one is
		// restored to where the run found it — not at full counters.
		tries, err := counters(cfg.Target, content.CardFace != nil)
		if err != nil {
			return nil, nil, err
		}
		content.InitialTries = &tries
	}
	if !virtual {
		content.PoseAsRealCard = true // no marker: only the virtual card answers it
	}
	m := model.New(content)
	init := m.Fresh()
	init.Values[model.Auth], init.Values[model.Sign] = string(secrets.AuthPIN), string(secrets.SigningPIN)
	initial := &runState{model: m, keys: keys, compareData: virtual, st: state{s: init, prev: init, pinOf: -1}}
	g := generator{destructive: virtual || cfg.AllowDestructive, restore: virtual, readOnly: !virtual && !cfg.AllowDestructive}
	if !embedded {
		g.minLen = 2
	}
	refused := cfg.refused
	if refused == nil {
		refused = &atomic.Int64{}
	}
	prop := commands.Prop(&commands.ProtoCommands{
		NewSystemUnderTestFunc: func(commands.State) commands.SystemUnderTest {
			s, err := openSession(cfg.Target, refused)
			if err != nil {
				panic(fmt.Sprintf("opening %v", err))
			}
			return s
		},
		DestroySystemUnderTestFunc: func(sut commands.SystemUnderTest) { sut.(*session).card.Close() },
		InitialStateGen:            gen.Const(initial),
		GenCommandFunc:             func(st commands.State) gopter.Gen { return g.gen(st.(*runState)) },
	})
	return prop, initial, nil
}

// session is the system under test of one sequence: a card session of the
// target, started from a warm reset. A command the real-card guard refuses
// (harness.ErrRefused) ends what the sequence sends, since the model would
// go on without the card: what was compared before it stands (a failure
// there is a failure), the rest is not checked, and the sequence is counted
// in refused, never among the sequences that passed.
type session struct {
	card    harness.Card
	stopped bool // a refusal: nothing more of this sequence is sent
	refused *atomic.Int64
}

// openSession opens a session of t and resets the card, so that no sequence
// inherits the current DF or EF of the session before it (a probe, another
// program, the last sequence).
// Errors name the target.
func openSession(t harness.Target, refused *atomic.Int64) (*session, error) {
	c, err := t.Open()
	if err == nil {
		if err = c.Reset(); err != nil {
			c.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Name(), err)
	}
	return &session{card: c, refused: refused}, nil
}

// counters reads the retry counters of a card with the empty VERIFY, which
// spends nothing, so that the model of a card that is not virtual starts
// where the card is: both JPKI PINs, and with cardFace every key reference
// of the other applications (counterRefs).
func counters(t harness.Target, cardFace bool) ([model.NumPINs]int, error) {
	var tries [model.NumPINs]int
	c, err := t.Open()
	if err != nil {
		return tries, err
	}
	defer c.Close()
	cl := harness.NewClient(c)
	if err := cl.SelectJPKI(); err != nil {
		return tries, err
	}
	for i, p := range []jpki.PIN{jpki.AuthPIN, jpki.SigningPIN} {
		if tries[i], err = cl.RetriesLeft(p); err != nil {
			return tries, err
		}
	}
	if !cardFace {
		return tries, nil
	}
	for _, r := range counterRefs {
		if _, err := cl.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: r.app.AID()}); err != nil {
			return tries, fmt.Errorf("the %v application: %w", r.app, err)
		}
		resp, err := cl.Send(apdu.Command{INS: 0x20, P2: 0x80 | byte(r.fid)})
		if err != nil {
			return tries, fmt.Errorf("the %v application, EF %04X: empty VERIFY: %w", r.app, r.fid, err)
		}
		n, ok := resp.SW.Tries()
		if !ok {
			return tries, fmt.Errorf("the %v application, EF %04X: %w: %w", r.app, r.fid, harness.ErrNotTries, resp.SW)
		}
		tries[r.pin] = n
	}
	return tries, nil
}

// ErrDestructiveOnRealCard is returned by Run for destructive sequences on
// a card that is not virtual (docs/guard.md).
var ErrDestructiveOnRealCard = errors.New("destructive sequences change PINs to random values: they run only on the virtual card")

// Run checks the property and reports to cfg.Output: gopter's result, and
// the seed to replay it with. On the embedded card the sequences are split
// into S sub-shards that run at once (Shards; default one per CPU, at most
// 4, or 4·N for a Shard K/N); sub-shard i runs Sequences/S sequences (one
// more for i < Sequences%S) with seed + i and its own random source, so the
// same seed and S replay every sub-shard exactly, and a Shard runs exactly
// its sub-shards of the whole run. A card in a reader runs one sub-shard and
// takes no Shard. Errors: ErrDestructiveOnRealCard, ErrNotModelled,
// report.ErrBadShard.
func Run(cfg Config) (Outcome, error) {
	if cfg.AllowDestructive && !cfg.Target.Virtual() {
		return Outcome{}, ErrDestructiveOnRealCard
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	seed := cfg.Seed
	sharded := cfg.Shard != (report.Shard{})
	if sharded {
		if err := cfg.Shard.Check(); err != nil {
			return Outcome{}, err
		}
		if seed == 0 {
			return Outcome{}, fmt.Errorf("%w %v: needs a seed other than 0, the same on every shard", report.ErrBadShard, cfg.Shard)
		}
		if !cfg.Target.Capabilities().Embedded {
			return Outcome{}, fmt.Errorf("%w %v: only the embedded card is split into shards (%s is a card in a reader)", report.ErrBadShard, cfg.Shard, cfg.Target.Name())
		}
	}
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	total := cfg.Sequences
	if total <= 0 {
		total = 1000
	}
	maxLen := cfg.MaxLen
	if maxLen <= 0 {
		maxLen = 50
	}
	shards := 1
	if cfg.Target.Capabilities().Embedded {
		shards = cfg.Shards
		if shards <= 0 {
			shards = min(runtime.GOMAXPROCS(0), 4)
			if sharded {
				shards = 4 * cfg.Shard.N
			}
		}
		shards = min(shards, total)
	}
	if sharded && shards < cfg.Shard.N {
		return Outcome{}, fmt.Errorf("%w %v: %d sub-shard(s) (the smaller of --shards and --sequences) cannot be split into %d shards", report.ErrBadShard, cfg.Shard, shards, cfg.Shard.N)
	}
	cfg.refused = &atomic.Int64{}
	res := Outcome{Kind: "props", Tool: buildinfo.Get(), Target: cfg.Target.Name(), Seed: seed, Sequences: total, MaxLen: maxLen, Shards: shards}
	res.Machine, _ = os.Hostname()
	prop, err := Prop(cfg)
	if err != nil {
		return res, err
	}
	var run []int // the sub-shards this run runs
	for i := 0; i < shards; i++ {
		if !sharded || cfg.Shard.HoldsIndex(i) {
			run = append(run, i)
		}
	}
	if sharded {
		sh := cfg.Shard
		res.Shard = &sh
		fmt.Fprintf(out, "property seed %d on %s: shard %d of %d: sub-shards %s of %d, %d sequences of up to %d commands in all (replay the whole with --seed %d --shards %d --sequences %d, this shard with --shard %v besides)\n",
			seed, cfg.Target.Name(), sh.K, sh.N, joinInts(run), shards, total, maxLen, seed, shards, total, sh)
	} else {
		fmt.Fprintf(out, "property seed %d on %s: %d sequences of up to %d commands in %d shard(s) (replay with --seed %d --shards %d)\n",
			seed, cfg.Target.Name(), total, maxLen, shards, seed, shards)
	}
	res.Started = time.Now()
	reports := make([]bytes.Buffer, len(run))
	res.SubShards = make([]SubShard, len(run))
	var wg sync.WaitGroup
	for j, i := range run {
		n := subShardCount(total, shards, i)
		res.SubShards[j] = SubShard{Index: i, Seed: seed + int64(i), Sequences: n}
		wg.Add(1)
		go func(j, i int) {
			defer wg.Done()
			params := gopter.DefaultTestParametersWithSeed(seed + int64(i))
			params.MinSuccessfulTests = n
			params.MinSize, params.MaxSize = 1, maxLen
			ps := gopter.NewProperties(params)
			ps.Property(fmt.Sprintf("sub-shard %d: the card agrees with the model over random command sequences", i), prop)
			res.SubShards[j].Passed = ps.Run(gopter.NewFormatedReporter(false, 100, &reports[j]))
		}(j, i)
	}
	wg.Wait()
	res.Finished = time.Now()
	res.Elapsed = res.Finished.Sub(res.Started)
	res.Passed = true
	for j := range reports {
		out.Write(reports[j].Bytes())
		res.Passed = res.Passed && res.SubShards[j].Passed
	}
	res.Refused = int(cfg.refused.Load())
	return res, nil
}

// subShardCount is the number of sequences of sub-shard i of shards
// sub-shards sharing total sequences.
func subShardCount(total, shards, i int) int {
	n := total / shards
	if i < total%shards {
		n++
	}
	return n
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
