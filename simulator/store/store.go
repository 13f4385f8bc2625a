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
// Every write goes to a temporary file in the same directory, is fsynced,
// renamed over the old file, and the directory is fsynced, so that a crash
// leaves either the old state or the new one, never a mix. A Store is a
// simulator.Persister: the card commits a decremented retry counter before
// the comparison's answer leaves it. One process at a time: a Store holds
// an exclusive lock (FILE.lock) until Close. A file that does not parse,
// has another format or version, or fails its checksum is refused with an
// error naming it, and is never rewritten by Open.
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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/jpkisim/jpkisim/simulator"
)

// Format and Version identify the file format.
const (
	Format  = "jpkisim-card-state"
	Version = 1
)

// ErrBadState is wrapped by every refusal of a state file.
var ErrBadState = errors.New("bad card state file")

// ErrLocked is wrapped when another process holds the state file.
var ErrLocked = errors.New("card state file in use by another process")

// CertStatus is the office's record of one certificate, kept with the card.
type CertStatus struct {
	Status string `json:"status"`           // valid, revoked, suspended, absent
	Reason string `json:"reason,omitempty"` // RFC 5280 reason name
	Serial string `json:"serial,omitempty"` // hex
	Since  string `json:"since,omitempty"`  // RFC 3339: when it was revoked or put on hold
}

// Meta is what the file holds besides the card's files.
type Meta struct {
	// Profile names the profile whose behaviour settings and ATR the card
	// runs with (they are not part of the EEPROM).
	Profile string `json:"profile"`
	// Certificates is the office's record of the card's certificates.
	Certificates struct {
		Signing CertStatus `json:"signing"`
		Auth    CertStatus `json:"auth"`
	} `json:"certificates"`
	// Lapsed names the event that ended the card (death, departure): the
	// office acts on it no more. Empty for a live card.
	Lapsed string `json:"lapsed,omitempty"`
	// CardExpiry (YYYY-MM-DD) is the card's own expiry, and StayEnds the end
	// of a foreign resident's period of stay, when the office was told them:
	// they cap every later issuance (VALID-05, VALID-06).
	CardExpiry string `json:"card_expiry,omitempty"`
	StayEnds   string `json:"stay_ends,omitempty"`
	// Former lists the certificates the card held before a renewal or a
	// re-issue, revoked, so that relying parties still learn their status.
	Former []FormerCert `json:"former,omitempty"`
}

// FormerCert is a certificate the card no longer holds.
type FormerCert struct {
	Kind     string `json:"certificate"` // signing or auth
	Serial   string `json:"serial"`      // hex
	Reason   string `json:"reason"`      // RFC 5280 reason name
	Since    string `json:"since"`       // RFC 3339: when it was revoked
	NotAfter string `json:"not_after"`   // RFC 3339
}

type fileEnvelope struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Body    json.RawMessage `json:"body"`
}

type body struct {
	Meta
	Apps []app `json:"apps"`
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
	Data    []byte `json:"data,omitempty"`     // base64 in JSON
	PIN     *pin   `json:"pin,omitempty"`
	Key     []byte `json:"key,omitempty"` // PKCS#8 DER, base64 in JSON
}

type pin struct {
	Value     []byte `json:"value"` // base64 in JSON
	MaxTries  int    `json:"max_tries"`
	Remaining int    `json:"remaining"`
	MinLen    int    `json:"min_len"`
	MaxLen    int    `json:"max_len"`
	Alphabet  string `json:"alphabet"`
}

var kinds = map[simulator.EFKind]string{simulator.Transparent: "transparent", simulator.PINObject: "pin", simulator.KeyObject: "key"}

// Encode serialises a state and its meta to the file format. A state the
// card cannot hold (the checks of Decode) or one over MaxFileSize is
// refused with an error wrapping ErrBadState: nothing writes a file that
// would be refused when read.
func Encode(st *simulator.State, meta Meta) ([]byte, error) {
	if err := check(st, meta); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadState, err)
	}
	b := body{Meta: meta}
	for _, a := range st.Apps {
		fa := app{Name: a.Name, AID: hex.EncodeToString(a.AID)}
		for _, e := range a.EFs {
			fe := ef{FID: fmt.Sprintf("%04X", e.FID), Kind: kinds[e.Kind], Never: e.Read.Never, Data: e.Data}
			if e.Read.PIN != 0 {
				fe.ReadPIN = fmt.Sprintf("%04X", e.Read.PIN)
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
	out, err := json.MarshalIndent(fileEnvelope{Format: Format, Version: Version, SHA256: hex.EncodeToString(sum[:]), Body: raw}, "", " ")
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
	var env fileEnvelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return bad("not a card state file (%s)", jsonProblem(err))
	}
	if len(data) > MaxFileSize {
		return bad("over %d bytes", MaxFileSize)
	}
	if env.Format != Format {
		return bad("field format: not %s", Format)
	}
	if env.Version != Version {
		return bad("field version: this jpkisim reads version %d", Version)
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
	if err := check(st, b.Meta); err != nil {
		return bad("%v", err)
	}
	return st, b.Meta, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", strings.TrimPrefix(te.Field, "Meta."))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the file ends early"
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + f // DisallowUnknownFields has no typed error
	}
	return "malformed JSON"
}

// parseFID reads 4 hex digits; the error names the field, not the value.
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
	e := &simulator.EF{FID: fid, Data: fe.Data, Read: simulator.Access{Never: fe.Never}}
	if fe.ReadPIN != "" {
		if e.Read.PIN, err = parseFID(fe.ReadPIN, at+".read_pin"); err != nil {
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
	default:
		return nil, refuse(at+".kind", "not transparent, pin or key")
	}
	if p := fe.PIN; p != nil {
		e.PIN = &simulator.PIN{Value: p.Value, MaxTries: p.MaxTries, Remaining: p.Remaining,
			Format: simulator.PINFormat{MinLen: p.MinLen, MaxLen: p.MaxLen, Alphabet: p.Alphabet}}
	}
	if len(fe.Key) > 0 {
		if e.Kind != simulator.KeyObject {
			return nil, refuse(at+".key", "only a key EF holds a key")
		}
		rk, err := parseKey(fe.Key)
		if err != nil {
			return nil, refuse(at+".key", "%v", err)
		}
		e.Key = rk
	}
	return e, nil
}

// keys caches parsed keys by their DER: checking an RSA key costs a
// millisecond or so, and a process loads the same few keys again and again
// (tests, fuzzing). Keys are immutable and shared between states.
var keys struct {
	sync.Mutex
	m map[[sha256.Size]byte]*rsa.PrivateKey
}

// parseKey reads a PKCS#8 RSA-2048 private key.
func parseKey(der []byte) (*rsa.PrivateKey, error) {
	id := sha256.Sum256(der)
	keys.Lock()
	k, ok := keys.m[id]
	keys.Unlock()
	if ok {
		return k, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("not a PKCS#8 private key")
	}
	k, ok = parsed.(*rsa.PrivateKey)
	if !ok || k.N.BitLen() != 2048 {
		return nil, errors.New("not an RSA-2048 key")
	}
	keys.Lock()
	if len(keys.m) >= 16 || keys.m == nil {
		keys.m = map[[sha256.Size]byte]*rsa.PrivateKey{}
	}
	keys.m[id] = k
	keys.Unlock()
	return k, nil
}

// Store is an open state file: it loads the state and commits every change
// atomically. It implements simulator.Persister.
type Store struct {
	path string
	lock *os.File
	mu   sync.Mutex
	meta Meta
	// Commits counts the commits made (for tests and benchmarks).
	Commits int
}

// Create writes a new state file; it refuses to replace an existing one.
func Create(path string, st *simulator.State, meta Meta) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s: already exists; a card state file is never replaced", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	data, err := Encode(st, meta)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// Open locks and loads a state file. The lock is held until Close.
func Open(path string) (*Store, *simulator.State, Meta, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, Meta{}, fmt.Errorf("%s: %w", path, err) // no lock file for a file that is not there
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	data, err := readFile(path)
	if err != nil {
		unlockFile(lock)
		return nil, nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	st, meta, err := Decode(data)
	if err != nil {
		unlockFile(lock)
		return nil, nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	return &Store{path: path, lock: lock, meta: meta}, st, meta, nil
}

// Load reads a state file without locking or keeping it open (for a
// read-only look, such as a run that copies it for every scenario).
func Load(path string) (*simulator.State, Meta, error) {
	data, err := readFile(path)
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
func readFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrBadState)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrBadState, MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize { // it grew since the Stat
		return nil, fmt.Errorf("%w: over %d bytes", ErrBadState, MaxFileSize)
	}
	return data, nil
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
// returns nil.
func (s *Store) Commit(st *simulator.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return errors.New("state file closed")
	}
	data, err := Encode(st, s.meta)
	if err != nil {
		return err
	}
	if err := writeAtomic(s.path, data); err != nil {
		return err
	}
	s.Commits++
	return nil
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

// writeAtomic writes data to a temporary file in path's directory, fsyncs
// it, renames it over path and fsyncs the directory.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name means nothing to the user
		}
		return fmt.Errorf("%s: cannot write in %s: %w", path, dir, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
