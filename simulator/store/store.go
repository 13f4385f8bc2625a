// Package store keeps a virtual card's persistent state — its EEPROM: the
// files, keys, PIN values, retry counters and the office's certificate
// status — in a file, the way a real card keeps it in non-volatile memory.
//
// The format is JSON, versioned and self-checking:
//
//	{"format": "jpkisim-card-state", "version": 1,
//	 "sha256": "<hex of the body without insignificant whitespace>",
//	 "body": {"profile": NAME, "apps": [...], "certificates": {...}}}
//
// Version 1 holds a card of two applications, the ISD and JPKI; version 2
// a card with the Kenhojo, Kenkaku, common card and Juki applications too,
// and its card-level GET DATA objects. Each card is written in the version
// that holds it, so a version-1 file is written back as version 1.
//
// Every write goes to a temporary file in the same directory, is fsynced,
// renamed over the old file, and the directory is fsynced, so that a crash
// leaves either the old state or the new one, never a mix. A Store is a
// simulator.Persister: the card commits a decremented retry counter before
// the comparison's answer leaves it, and a failed write leaves the card's
// memory as the file has it. One writer per card: a Store writes the file
// a path resolves to, holds an exclusive lock on the lock file beside it
// (FILE.lock) until Close, refuses a file with a second name (hard link),
// and writes nothing once its lock file was removed or replaced or the
// file changed under it; it checks and renames under a lock of the
// directory that every Open takes too. A file that does not parse, has another format or
// version, fails its checksum, or holds what no card can hold is refused
// with an error naming it and the field, and is never rewritten by Open.
// docs/state-file.md states these guarantees and the tests of each.
//
// The file holds the card's PINs and private keys, as a card does: protect
// it like the card. Every key in it is a published TEST-ONLY key.
package store

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/simulator"
)

// Format and the versions identify the file format (docs/state-file.md,
// "Versions"): Version is the version of a card of the ISD and the JPKI
// application alone, as every card was before the card-face applications;
// VersionCardFace that of a card with them.
const (
	Format          = "jpkisim-card-state"
	Version         = 1
	VersionCardFace = 2
)

// ErrBadState is wrapped by every refusal of a state file.
var ErrBadState = errors.New("bad card state file")

// ErrLocked is wrapped when another process holds the state file.
var ErrLocked = errors.New("card state file in use by another process")

// Meta is what the file holds besides the card's files.
type Meta struct {
	// Profile names the profile whose behaviour settings and ATR the card
	// runs with (they are not part of the EEPROM).
	Profile string
	// Certificates is the office's record of the card's certificates and
	// of the ones it held before a renewal or a re-issue (revoked, so that
	// relying parties still learn their status).
	Certificates record.Certificates
	// Lapsed names the event that ended the card (death, departure): the
	// office acts on it no more. Empty for a live card.
	Lapsed string
	// CardExpiry (YYYY-MM-DD) is the card's own expiry, and StayEnds the end
	// of a foreign resident's period of stay, when the office was told them:
	// they cap every later issuance (VALID-05, VALID-06).
	CardExpiry string
	StayEnds   string
}

// fileMeta is Meta as the file holds it (docs/state-file.md, "Format"):
// the shape of version 1, which check validates field by field before
// Decode reads it into a Meta.
type fileMeta struct {
	Profile      string `json:"profile"`
	Certificates struct {
		Signing fileCert `json:"signing"`
		Auth    fileCert `json:"auth"`
	} `json:"certificates"`
	Lapsed     string       `json:"lapsed,omitempty"`
	CardExpiry string       `json:"card_expiry,omitempty"`
	StayEnds   string       `json:"stay_ends,omitempty"`
	Former     []fileFormer `json:"former,omitempty"`
}

// fileCert is a record.Cert of the card's two certificates in the file.
type fileCert struct {
	Status string `json:"status"`           // valid, revoked, suspended, absent
	Reason string `json:"reason,omitempty"` // RFC 5280 reason name
	Serial string `json:"serial,omitempty"` // hex
	Since  string `json:"since,omitempty"`  // RFC 3339: when it was revoked or put on hold
}

// fileFormer is a record.Former in the file.
type fileFormer struct {
	Kind     string `json:"certificate"` // signing or auth
	Serial   string `json:"serial"`      // hex
	Reason   string `json:"reason"`      // RFC 5280 reason name
	Since    string `json:"since"`       // RFC 3339: when it was revoked
	NotAfter string `json:"not_after"`   // RFC 3339
}

// timeText is t in RFC 3339 (with its fraction of a second, if any); ""
// for the zero time (a date not recorded).
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// serialText is n in lower-case hex; "" for nil.
func serialText(n *big.Int) string {
	if n == nil {
		return ""
	}
	return n.Text(16)
}

// toFile is the file's form of m. Values no card's record can hold (an
// unknown status, a reason with no RFC 5280 name) come out as text that
// check refuses.
func toFile(m Meta) fileMeta {
	f := fileMeta{Profile: m.Profile, Lapsed: m.Lapsed, CardExpiry: m.CardExpiry, StayEnds: m.StayEnds}
	for _, x := range []struct {
		in  record.Cert
		out *fileCert
	}{{m.Certificates.Signing, &f.Certificates.Signing}, {m.Certificates.Auth, &f.Certificates.Auth}} {
		*x.out = fileCert{Status: string(x.in.Status), Serial: serialText(x.in.Serial), Since: timeText(x.in.Since)}
		if x.in.Reason != 0 {
			x.out.Reason = x.in.Reason.String()
		}
	}
	for _, c := range m.Certificates.Former {
		ff := fileFormer{Kind: c.Kind.String(), Serial: serialText(c.Serial), Reason: c.Reason.String(),
			Since: c.Since.Format(time.RFC3339Nano), NotAfter: c.NotAfter.Format(time.RFC3339Nano)}
		f.Former = append(f.Former, ff)
	}
	return f
}

// fromFile reads a file's meta that check accepted.
func fromFile(f fileMeta) Meta {
	m := Meta{Profile: f.Profile, Lapsed: f.Lapsed, CardExpiry: f.CardExpiry, StayEnds: f.StayEnds}
	serial := func(s string) *big.Int {
		if s == "" {
			return nil
		}
		n, _ := new(big.Int).SetString(s, 16)
		return n
	}
	when := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339, s) // "" is the zero time
		return t
	}
	reason := func(s string) rules.Reason {
		r, _ := rules.ParseReason(s)
		return r
	}
	for _, x := range []struct {
		in  fileCert
		out *record.Cert
	}{{f.Certificates.Signing, &m.Certificates.Signing}, {f.Certificates.Auth, &m.Certificates.Auth}} {
		*x.out = record.Cert{Status: rules.Status(x.in.Status), Reason: reason(x.in.Reason), Serial: serial(x.in.Serial), Since: when(x.in.Since)}
	}
	for _, ff := range f.Former {
		k, _ := jpki.ParseKind(ff.Kind)
		m.Certificates.Former = append(m.Certificates.Former, record.Former{Kind: k, Cert: record.Cert{
			Status: rules.Revoked, Reason: reason(ff.Reason), Serial: serial(ff.Serial), Since: when(ff.Since), NotAfter: when(ff.NotAfter)}})
	}
	return m
}

type fileEnvelope struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Body    json.RawMessage `json:"body"`
}

type body struct {
	fileMeta
	Apps []app `json:"apps"`
	// MFData are the card-level GET DATA objects, by tag order (version 2).
	MFData []object `json:"mf_data,omitempty"`
}

// object is one card-level GET DATA object.
type object struct {
	Tag  string `json:"tag"`  // 4 hex digits
	Data []byte `json:"data"` // base64 in JSON
}

type app struct {
	Name string `json:"name"`
	AID  string `json:"aid"` // hex
	EFs  []ef   `json:"efs"`
}

type ef struct {
	FID     string `json:"fid"` // 4 hex digits
	Kind    string `json:"kind"`
	Never   bool   `json:"never,omitempty"`
	ReadPIN string `json:"read_pin,omitempty"` // FID of the PIN that opens it
	// ReadPINOr are the FIDs of further PINs any of which opens it as
	// ReadPIN does (simulator.Access.Or; version 2).
	ReadPINOr []string `json:"read_pin_or,omitempty"`
	Data      []byte   `json:"data,omitempty"`    // base64 in JSON
	Records   [][]byte `json:"records,omitempty"` // a record EF's records, base64 each (version 2)
	PIN       *pin     `json:"pin,omitempty"`
	Key       []byte   `json:"key,omitempty"` // PKCS#8 DER, base64 in JSON
}

type pin struct {
	Value     []byte `json:"value"` // base64 in JSON
	MaxTries  int    `json:"max_tries"`
	Remaining int    `json:"remaining"`
	MinLen    int    `json:"min_len"`
	MaxLen    int    `json:"max_len"`
	Alphabet  string `json:"alphabet"`
}

var kinds = map[simulator.EFKind]string{simulator.Transparent: "transparent", simulator.PINObject: "pin", simulator.KeyObject: "key",
	simulator.Record: "record"}

// versionOf is the version of the file that holds st: VersionCardFace
// when it has more than the ISD and JPKI or card-level objects, Version
// otherwise.
func versionOf(st *simulator.State) int {
	if st != nil && (len(st.Apps) > len(cardApps) || len(st.MFData) > 0) {
		return VersionCardFace
	}
	return Version
}

// Encode serialises a state and its meta to the file format. A state the
// card cannot hold (the checks of Decode) or one over MaxFileSize is
// refused with an error wrapping ErrBadState: nothing writes a file that
// would be refused when read.
func Encode(st *simulator.State, meta Meta) ([]byte, error) {
	for i, f := range meta.Certificates.Former {
		if f.Status != rules.Revoked {
			return nil, fmt.Errorf("%w: %v", ErrBadState, refuse(fmt.Sprintf("body.former[%d]", i), "a former certificate is revoked"))
		}
	}
	fm := toFile(meta)
	version := versionOf(st)
	if err := check(st, fm, version); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadState, err)
	}
	b := body{fileMeta: fm}
	for _, tag := range simulator.MFDataTags {
		if d, ok := st.MFData[tag]; ok {
			b.MFData = append(b.MFData, object{Tag: fmt.Sprintf("%04X", tag), Data: d})
		}
	}
	for _, a := range st.Apps {
		fa := app{Name: a.Name, AID: hex.EncodeToString(a.AID)}
		for _, e := range a.EFs {
			fe := ef{FID: fmt.Sprintf("%04X", e.FID), Kind: kinds[e.Kind], Never: e.Read.Never, Data: e.Data, Records: e.Records}
			if e.Read.PIN != 0 {
				fe.ReadPIN = fmt.Sprintf("%04X", e.Read.PIN)
			}
			for _, fid := range e.Read.Or {
				if fid != 0 {
					fe.ReadPINOr = append(fe.ReadPINOr, fmt.Sprintf("%04X", fid))
				}
			}
			if p := e.PIN; p != nil {
				fe.PIN = &pin{Value: p.Value, MaxTries: p.MaxTries, Remaining: p.Remaining, MinLen: p.Format.MinLen, MaxLen: p.Format.MaxLen, Alphabet: p.Format.Alphabet}
			}
			if e.Key != nil {
				der, err := x509.MarshalPKCS8PrivateKey(e.Key)
				if err != nil {
					return nil, err
				}
				fe.Key = der
			}
			fa.EFs = append(fa.EFs, fe)
		}
		b.Apps = append(b.Apps, fa)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	out, err := json.MarshalIndent(fileEnvelope{Format: Format, Version: version, SHA256: hex.EncodeToString(sum[:]), Body: raw}, "", " ")
	if err != nil {
		return nil, err
	}
	if len(out) > MaxFileSize {
		return nil, fmt.Errorf("%w: the state takes %d bytes, over the %d a state file may have", ErrBadState, len(out), MaxFileSize)
	}
	return out, nil
}

// Decode reads the file format, checking format, version and checksum,
// refusing unknown fields, and then checking the meaning of every field
// against what the card can hold (docs/state-file.md, "Validation"): the
// checksum is plain SHA-256 that anyone can recompute, so it only tells
// damage, not an edit. Errors wrap ErrBadState, name the field and never
// quote the file's contents.
func Decode(data []byte) (*simulator.State, Meta, error) {
	bad := func(format string, args ...any) (*simulator.State, Meta, error) {
		return nil, Meta{}, fmt.Errorf("%w: %s", ErrBadState, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxFileSize {
		return bad("over %d bytes", MaxFileSize)
	}
	var env fileEnvelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return bad("not a card state file (%s)", jsonProblem(err))
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return bad("not a card state file (something follows its JSON object)")
	}
	if env.Format != Format {
		return bad("field format: not %s", Format)
	}
	if env.Version != Version && env.Version != VersionCardFace {
		return bad("field version: this jpkisim reads versions %d and %d", Version, VersionCardFace)
	}
	var compact bytes.Buffer // the checksum covers the body without insignificant whitespace
	if err := json.Compact(&compact, env.Body); err != nil {
		return bad("body: %s", jsonProblem(err))
	}
	sum := sha256.Sum256(compact.Bytes())
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return bad("checksum mismatch: the file was changed or damaged")
	}
	var b body
	dec = json.NewDecoder(bytes.NewReader(env.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return bad("body: %s", jsonProblem(err))
	}
	st := &simulator.State{}
	for i, o := range b.MFData {
		at := fmt.Sprintf("body.mf_data[%d]", i)
		tag, err := parseFID(o.Tag, at+".tag")
		if err != nil {
			return bad("%v", err)
		}
		if _, dup := st.MFData[tag]; dup {
			return bad("field %s.tag: object %04X appears twice", at, tag)
		}
		if st.MFData == nil {
			st.MFData = map[uint16][]byte{}
		}
		st.MFData[tag] = o.Data
	}
	for i, fa := range b.Apps {
		at := fmt.Sprintf("body.apps[%d]", i)
		aid, err := hex.DecodeString(fa.AID)
		if err != nil || len(aid) == 0 || len(aid) > 16 {
			return bad("field %s.aid: not 1 to 16 bytes of hex", at)
		}
		a := &simulator.Application{Name: fa.Name, AID: aid}
		for j, fe := range fa.EFs {
			e, err := decodeEF(fe, fmt.Sprintf("%s.efs[%d]", at, j))
			if err != nil {
				return bad("%v", err)
			}
			a.EFs = append(a.EFs, e)
		}
		st.Apps = append(st.Apps, a)
	}
	if err := check(st, b.fileMeta, env.Version); err != nil {
		return bad("%v", err)
	}
	if versionOf(st) != env.Version { // not reached: check holds each version to its applications
		return bad("field version: not the version of this card")
	}
	return st, fromFile(b.fileMeta), nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", strings.TrimPrefix(te.Field, "fileMeta."))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the file ends early"
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		// DisallowUnknownFields has no typed error; the field's name is
		// the file's content (it could be a PIN), so it is not quoted.
		return "a field this format does not have"
	}
	return "malformed JSON"
}

// parseFID reads 4 hex digits (a FID or a GET DATA tag); the error names
// the field, not the value.
func parseFID(s, field string) (uint16, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 2 {
		return 0, refuse(field, "not a FID of 4 hex digits")
	}
	return uint16(b[0])<<8 | uint16(b[1]), nil
}

// decodeEF turns one EF of the file into the card's; check then says
// whether the card can hold it. at is the EF's place in the file.
func decodeEF(fe ef, at string) (*simulator.EF, error) {
	fid, err := parseFID(fe.FID, at+".fid")
	if err != nil {
		return nil, err
	}
	at = fmt.Sprintf("%s (EF %04X)", at, fid)
	e := &simulator.EF{FID: fid, Data: fe.Data, Records: fe.Records, Read: simulator.Access{Never: fe.Never}}
	if fe.ReadPIN != "" {
		if e.Read.PIN, err = parseFID(fe.ReadPIN, at+".read_pin"); err != nil {
			return nil, err
		}
	}
	if len(fe.ReadPINOr) > len(e.Read.Or) || len(fe.ReadPINOr) > 0 && fe.ReadPIN == "" {
		return nil, refuse(at+".read_pin_or", "at most %d further PINs, beside read_pin", len(e.Read.Or))
	}
	for i, s := range fe.ReadPINOr {
		if e.Read.Or[i], err = parseFID(s, fmt.Sprintf("%s.read_pin_or[%d]", at, i)); err != nil {
			return nil, err
		}
	}
	switch fe.Kind {
	case "transparent":
		e.Kind = simulator.Transparent
	case "pin":
		e.Kind = simulator.PINObject
	case "key":
		e.Kind = simulator.KeyObject
	case "record":
		e.Kind = simulator.Record
	default:
		return nil, refuse(at+".kind", "not transparent, pin, key or record")
	}
	if p := fe.PIN; p != nil {
		e.PIN = &simulator.PIN{Value: p.Value, MaxTries: p.MaxTries, Remaining: p.Remaining,
			Format: jpki.Format{MinLen: p.MinLen, MaxLen: p.MaxLen, Alphabet: p.Alphabet}}
	}
	if len(fe.Key) > 0 {
		if e.Kind != simulator.KeyObject && e.Kind != simulator.Transparent {
			return nil, refuse(at+".key", "only a key EF holds a key")
		}
		rk, err := parseKey(fe.Key) // check says whether this transparent EF may hold one
		if err != nil {
			return nil, refuse(at+".key", "%v", err)
		}
		e.Key = rk
	}
	return e, nil
}

// parsedCache keeps values parsed from DER, by the bytes' SHA-256, at most
// 16 at a time: checking an RSA key costs a millisecond or so, and a process
// loads the same few keys and certificates again and again (tests,
// fuzzing). The values are immutable and shared between states.
type parsedCache[T any] struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]T
}

// get returns the value parsed from der, parsing it on a miss.
func (c *parsedCache[T]) get(der []byte, parse func([]byte) (T, error)) (T, error) {
	id := sha256.Sum256(der)
	c.mu.Lock()
	v, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := parse(der)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= 16 || c.m == nil {
		c.m = map[[sha256.Size]byte]T{}
	}
	c.m[id] = v
	c.mu.Unlock()
	return v, nil
}

var keys parsedCache[*rsa.PrivateKey]

// parseKey reads a PKCS#8 RSA-2048 private key.
func parseKey(der []byte) (*rsa.PrivateKey, error) {
	return keys.get(der, func(der []byte) (*rsa.PrivateKey, error) {
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, errors.New("not a PKCS#8 private key")
		}
		k, ok := parsed.(*rsa.PrivateKey)
		if !ok || k.N.BitLen() != 2048 {
			return nil, errors.New("not an RSA-2048 key")
		}
		return k, nil
	})
}

// Store is an open state file: it loads the state and commits every change
// atomically. It implements simulator.Persister. It writes the file the
// path resolves to (symlinks followed), holds the lock beside that file,
// and never writes over a file that changed since it last read or wrote it
// (docs/state-file.md, "One writer").
type Store struct {
	path string // as given, for messages
	real string // symlinks resolved: the file written
	lock *os.File
	mu   sync.Mutex
	meta Meta // the meta of the next commit
	// written is the meta, held the identity and sum the SHA-256 of the
	// file as this Store last read or wrote it.
	written Meta
	held    os.FileInfo
	sum     [sha256.Size]byte
	// lost, once set, refuses every later commit: the lock was lost or the
	// file changed under this Store.
	lost error
	// Commits counts the commits made (for tests and benchmarks).
	Commits int
}

// ErrLockLost is wrapped by every commit refused because this process no
// longer holds the card alone: its lock file was removed or replaced, or
// the state file changed under it. The card then answers 6581.
var ErrLockLost = errors.New("no longer the only writer of the card state file")

// Create writes a new state file; it refuses to replace an existing one,
// or anything at its path (a dangling symlink too). The file is written
// to a temporary file, fsynced, and linked to its name, which fails if the
// name exists: of concurrent Creates exactly one succeeds.
func Create(path string, st *simulator.State, meta Meta) error {
	data, err := Encode(st, meta)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	name, _, err := writeTemp(path, data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer os.Remove(name)
	if err := os.Link(name, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: already exists; a card state file is never replaced", path)
		}
		return fmt.Errorf("%s: cannot create: %w", path, pathErr(err))
	}
	os.Remove(name)
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("%s: %w: %v", path, simulator.ErrNotDurable, err)
	}
	return nil
}

// Open locks and loads a state file. The lock is held until Close. A path
// that is a symlink opens the file it points to; a file with more than one
// name (a hard link) is refused, since each name would have its own lock.
// Temporary files of a write that a kill interrupted are removed.
func Open(path string) (*Store, *simulator.State, Meta, error) {
	fail := func(err error) (*Store, *simulator.State, Meta, error) {
		return nil, nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fail(err) // no lock file for a file that is not there
	}
	if fi, err := os.Lstat(real); err != nil {
		return fail(err)
	} else if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("%w: not a regular file", ErrBadState))
	} else if n := links(fi); n > 1 {
		return fail(fmt.Errorf("%w: the file has %d names (hard links); each would be locked apart, so one card would have two writers", ErrBadState, n))
	}
	lock, err := lockFile(real + ".lock")
	if err != nil {
		return fail(err)
	}
	// Under the directory's lock no commit is between its check and its
	// rename: the file read is the last one written.
	unlockDir, err := lockDir(filepath.Dir(real))
	if err != nil {
		unlockFile(lock)
		return fail(err)
	}
	removeTemporaries(real)
	data, fi, err := readFile(real)
	unlockDir()
	if err == nil && links(fi) > 1 {
		err = fmt.Errorf("%w: the file has more than one name (hard links)", ErrBadState)
	}
	if err != nil {
		unlockFile(lock)
		return fail(err)
	}
	st, meta, err := Decode(data)
	if err != nil {
		unlockFile(lock)
		return fail(err)
	}
	s := &Store{path: path, real: real, lock: lock, meta: meta, written: meta, held: fi, sum: sha256.Sum256(data)}
	return s, st, meta, nil
}

// removeTemporaries removes what writeTemp left when a process died
// before its rename: .NAME.tmp-* beside the file. The caller holds the
// lock, so no other writer of this file is in the middle of a write.
func removeTemporaries(real string) {
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(real), "."+globEscape(filepath.Base(real))+".tmp-?*"))
	for _, f := range left {
		if fi, err := os.Lstat(f); err == nil && fi.Mode().IsRegular() {
			os.Remove(f)
		}
	}
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Load reads a state file without locking or keeping it open (for a
// read-only look, such as a run that copies it for every scenario).
func Load(path string) (*simulator.State, Meta, error) {
	data, _, err := readFile(path)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	st, meta, err := Decode(data)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	return st, meta, nil
}

// readFile reads a state file of at most MaxFileSize bytes: a larger one,
// or one that is not a regular file (a FIFO, a device), is refused before
// its content is read.
func readFile(path string) ([]byte, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w: not a regular file", ErrBadState)
	}
	if fi.Size() > MaxFileSize {
		return nil, nil, fmt.Errorf("%w: over %d bytes", ErrBadState, MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxFileSize { // it grew since the Stat
		return nil, nil, fmt.Errorf("%w: over %d bytes", ErrBadState, MaxFileSize)
	}
	return data, fi, nil
}

// Meta returns the file's meta as last written.
func (s *Store) Meta() Meta {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta
}

// SetMeta changes the meta; it is written with the next Commit.
func (s *Store) SetMeta(m Meta) {
	s.mu.Lock()
	s.meta = m
	s.mu.Unlock()
}

// Commit implements simulator.Persister: the state is durable when it
// returns nil. Before writing it checks that this Store still holds the
// lock (the lock file at its path is the one it locked) and that the file
// is the one it last read or wrote (same inode, same SHA-256); otherwise
// it writes nothing, now or later, and the error wraps ErrLockLost. The
// check, the write and the rename happen under an flock of the file's
// directory that every Open and Commit takes (for at most DirLockWait):
// no other Store opens or replaces the file in between. An
// error wrapping simulator.ErrNotDurable means the file was replaced but
// the directory's fsync failed: the file holds the new state, which may
// not survive a power loss. After any other error the file is as it was,
// and so is the meta of the next commit (a SetMeta is undone).
func (s *Store) Commit(st *simulator.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return errors.New("state file closed")
	}
	err := s.commit(st)
	if err != nil && !errors.Is(err, simulator.ErrNotDurable) {
		s.meta = s.written
	}
	return err
}

func (s *Store) commit(st *simulator.State) error {
	if s.lost != nil {
		return s.lost
	}
	// The check and the rename happen under the directory's lock, which
	// every Open and every commit of a state file in this directory takes:
	// no other writer can open the file or replace it in between.
	unlockDir, err := lockDir(filepath.Dir(s.real))
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	defer unlockDir()
	if err := s.stillAlone(); err != nil {
		s.lost = fmt.Errorf("%s: %w: %v; it writes no more", s.path, ErrLockLost, err)
		return s.lost
	}
	if beforeRename != nil {
		beforeRename()
	}
	data, err := Encode(st, s.meta)
	if err != nil {
		return err
	}
	fi, err := writeAtomic(s.real, data)
	if fi != nil { // renamed: the file holds data
		s.held, s.sum, s.written = fi, sha256.Sum256(data), s.meta
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	s.Commits++
	return nil
}

// stillAlone reports why this Store may no longer write: its lock file was
// removed or replaced, or the state file is not the one it last read or
// wrote.
func (s *Store) stillAlone() error {
	held, err := s.lock.Stat()
	if err != nil {
		return err
	}
	now, err := os.Lstat(s.real + ".lock")
	if err != nil || !os.SameFile(held, now) {
		return errors.New("its lock file was removed or replaced")
	}
	data, fi, err := readFile(s.real)
	if err != nil || !os.SameFile(fi, s.held) || sha256.Sum256(data) != s.sum {
		return errors.New("the file changed since this process last read or wrote it")
	}
	return nil
}

// Err is the reason this Store writes no more (ErrLockLost), or nil.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// Close releases the lock.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return nil
	}
	err := unlockFile(s.lock)
	s.lock = nil
	return err
}

// pathErr drops the path from an *os.PathError or *os.LinkError: the names
// of temporary files and lock directories mean nothing to the user, whose
// message names the state file.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// writeTemp writes data to a new temporary file .NAME.tmp-* in path's
// directory, mode 0600, fsynced, and returns its name and identity.
func writeTemp(path string, data []byte) (string, os.FileInfo, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", nil, fmt.Errorf("cannot write in %s: %w", dir, pathErr(err))
	}
	name := tmp.Name()
	fail := func(err error) (string, os.FileInfo, error) {
		tmp.Close()
		os.Remove(name)
		return "", nil, fmt.Errorf("cannot write in %s: %w", dir, pathErr(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	fi, err := tmp.Stat()
	if err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return "", nil, fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	return name, fi, nil
}

// writeAtomic writes data to a temporary file in path's directory, fsyncs
// it, renames it over path and fsyncs the directory. It returns the new
// file's identity once the rename happened (nil before): an error after
// that wraps simulator.ErrNotDurable.
func writeAtomic(path string, data []byte) (os.FileInfo, error) {
	name, fi, err := writeTemp(path, data)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return nil, fmt.Errorf("cannot replace the file: %w", pathErr(err))
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fi, fmt.Errorf("%w: %v", simulator.ErrNotDurable, err)
	}
	return fi, nil
}

// beforeRename, when set (by a test), runs between the check of a commit
// and its write and rename: the widest a race with another writer can be.
var beforeRename func()

// syncDir fsyncs a directory, making a rename or link in it durable (a
// variable so that a test can make it fail).
var syncDir = syncDirectory

func syncDirectory(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// DirLockWait bounds the wait for the directory lock of an Open or a
// Commit: another writer holds it only for one write (milliseconds).
const DirLockWait = 5 * time.Second
