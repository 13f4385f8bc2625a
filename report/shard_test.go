package report

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"1/1": {1, 1}, "2/4": {2, 4}, "4/4": {4, 4}, "10000/10000": {10000, MaxShards}} {
		if got, err := ParseShard(in); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0/4", "5/4", "1/0", "a/b", "1", "1/4/2", "-1/4", "2/-4", "1/10001", "1/1000000000"} {
		if _, err := ParseShard(in); !errors.Is(err, ErrBadShard) {
			t.Errorf("ParseShard(%q): %v, want ErrBadShard", in, err)
		}
	}
}

// TestShardsPartition: every id falls to exactly one of N shards, the
// zero Shard holds all, and the split is not degenerate.
func TestShardsPartition(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7} {
		count := make([]int, n)
		for i := range 1000 {
			id := fmt.Sprintf("features/f%d.feature\x00scenario %d", i%13, i)
			held := 0
			for k := 1; k <= n; k++ {
				if (Shard{k, n}).Holds(id) {
					held++
					count[k-1]++
				}
			}
			if held != 1 || !(Shard{}).Holds(id) {
				t.Fatalf("n=%d: %q held by %d shards", n, id, held)
			}
		}
		for k, c := range count {
			if c < 1000/n/2 {
				t.Errorf("n=%d: shard %d holds %d of 1000", n, k+1, c)
			}
		}
	}
	for i := range 20 {
		held := 0
		for k := 1; k <= 4; k++ {
			if (Shard{k, 4}).HoldsIndex(i) {
				held++
			}
		}
		if held != 1 {
			t.Fatalf("index %d held by %d shards", i, held)
		}
	}
}
