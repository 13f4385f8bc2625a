package report

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is part K of N of a run split across machines (--shard K/N,
// docs/sharding.md): K in 1..N. The zero Shard is no sharding: the whole
// run.
type Shard struct {
	K int `json:"k"`
	N int `json:"n"`
}

// MaxShards is the largest N of a shard: far beyond any CI matrix, small
// enough that a merge's messages about its shards stay readable.
const MaxShards = 10000

// ErrBadShard marks a shard that is not K/N with 1 ≤ K ≤ N ≤ MaxShards, or
// that a run cannot be split into.
var ErrBadShard = errors.New("bad shard")

// ParseShard parses "K/N" (1 ≤ K ≤ N ≤ MaxShards). Errors wrap ErrBadShard
// and name the value and the form.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	sh := Shard{K: k, N: n}
	if !ok || kerr != nil || nerr != nil || sh.Check() != nil {
		return Shard{}, fmt.Errorf("--shard %q: want K/N with 1 ≤ K ≤ N ≤ %d, for example 2/4 (%w)", s, MaxShards, ErrBadShard)
	}
	return sh, nil
}

// Check says whether s is a shard: 1 ≤ K ≤ N ≤ MaxShards (an error
// wrapping ErrBadShard otherwise). The zero Shard is not one.
func (s Shard) Check() error {
	if s.N < 1 || s.N > MaxShards || s.K < 1 || s.K > s.N {
		return fmt.Errorf("%w %d/%d: want K/N with 1 ≤ K ≤ N ≤ %d", ErrBadShard, s.K, s.N, MaxShards)
	}
	return nil
}

// Sharded reports whether s is a part of a split run.
func (s Shard) Sharded() bool { return s.N > 0 }

// String is "K/N", "" for no sharding.
func (s Shard) String() string {
	if !s.Sharded() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// Holds reports whether the work item of identity id falls to this shard:
// the FNV-1a hash of id, modulo N, is K-1. Every id falls to exactly one
// of the N shards, and an id's shard depends on the id and N alone, so
// that adding an item moves no other. The zero Shard holds every id.
func (s Shard) Holds(id string) bool {
	if !s.Sharded() {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return int(h.Sum64()%uint64(s.N)) == s.K-1
}

// HoldsIndex reports whether the work item at index i (of a sequence every
// shard enumerates alike: property sub-shards, diff sequences) falls to
// this shard: i mod N is K-1. The zero Shard holds every index.
func (s Shard) HoldsIndex(i int) bool {
	return !s.Sharded() || i%s.N == s.K-1
}
