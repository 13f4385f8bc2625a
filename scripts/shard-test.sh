#!/usr/bin/env bash
# Sharded runs merged into one report (issue 14, docs/sharding.md): the whole
# acceptance suite on the embedded card in 4 shards run as 4 processes at once,
# merged with jpkisim report merge, must hold exactly the scenarios and verdicts
# of the unsharded run; a merge with a shard missing or given twice is refused.
# No card in a reader and no pcscd: the embedded card only. Every process it
# starts it waits for; on failure it stops them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/work.sh

J="$work/jpkisim"
go build -buildvcs=auto -ldflags "${VCS_LDFLAGS:-}" -o "$J" ./cmd/jpkisim

# outcomes FILE: every scenario of an evidence file as "target uri:line name status
# steps", sorted — what the merged run must share with the unsharded one.
outcomes() {
	jq -r '.targets[] | .name as $t | .scenarios[] | "\($t) \(.uri):\(.line) \(.name) \(.status) \(.steps | length)"' "$1" | sort
}

echo "== the suite unsharded, then in 4 shards as 4 processes at once"
"$J" run --target sim --format progress,evidence:"$work/whole.json" >"$work/whole.log" 2>&1
for k in 1 2 3 4; do
	"$J" run --target sim --shard "$k/4" --format progress,evidence:"$work/shard-$k.json" >"$work/shard-$k.log" 2>&1 &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || { echo "a shard failed" >&2; exit 1; }
done
pids=()
for k in 1 2 3 4; do
	[ "$(jq -r '.identity.shard | "\(.k)/\(.n)"' "$work/shard-$k.json")" = "$k/4" ] ||
		{ echo "shard $k's evidence does not say it is shard $k/4" >&2; exit 1; }
	echo "shard $k/4: $(tail -n 1 "$work/shard-$k.log")"
done

echo "== jpkisim report merge"
"$J" report merge --out "$work/merged" "$work"/shard-{1,2,3,4}.json
outcomes "$work/whole.json" >"$work/whole.txt"
outcomes "$work/merged/evidence.json" >"$work/merged.txt"
if ! diff -u "$work/whole.txt" "$work/merged.txt" >"$work/diff.log"; then
	echo "the merged shards differ from the unsharded run (- unsharded, + merged):" >&2
	head -n 40 "$work/diff.log" >&2
	exit 1
fi
echo "merged = unsharded: $(wc -l <"$work/whole.txt") scenarios, the same verdicts and steps"
for f in junit.xml cucumber.json report.html; do
	[ -s "$work/merged/$f" ] || { echo "the merge wrote no $f" >&2; exit 1; }
done
jq -e '[.shards[].machine] | length == 4' "$work/merged/evidence.json" >/dev/null ||
	{ echo "the merged run does not say where its 4 shards ran" >&2; exit 1; }

echo "== a merge with a shard missing, and with one given twice, is refused (exit 2)"
for set in "1 2 3" "1 2 3 4 2"; do
	files=()
	for k in $set; do files+=("$work/shard-$k.json"); done
	rc=0
	"$J" report merge --out "$work/bad" "${files[@]}" 2>"$work/refused.err" || rc=$?
	[ "$rc" -eq 2 ] || { echo "merging shards $set exited $rc, want 2" >&2; exit 1; }
	echo "shards $set: $(cat "$work/refused.err")"
done
echo "== props: 200,000 sequences in 4 shards (--shard K/4 --seed S) as 4 processes at once, merged"
seed=20261202
for k in 1 2 3 4; do
	"$J" props --shard "$k/4" --seed "$seed" --sequences 200000 --json "$work/props-$k.json" >"$work/props-$k.log" 2>&1 &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || { echo "a props shard failed" >&2; exit 1; }
done
pids=()
"$J" report merge --out "$work/props-merged" "$work"/props-{1,2,3,4}.json
m="$work/props-merged/props.json"
[ "$(jq '[.sub_shards[].sequences] | add' "$m")" = 200000 ] || { echo "the merged props shards ran $(jq '[.sub_shards[].sequences] | add' "$m") sequences, not 200000" >&2; exit 1; }
[ "$(jq '[.sub_shards[].seed] | unique | length' "$m")" = "$(jq '.shards' "$m")" ] ||
	{ echo "the merged props shards' sub-shard seeds are not disjoint" >&2; exit 1; }
[ "$(jq '[.sub_shards[].index] | sort == [range(0; '"$(jq .shards "$m")"')]' "$m")" = true ] ||
	{ echo "the merged props shards did not run every sub-shard once" >&2; exit 1; }
echo "merged: $(jq '[.sub_shards[].sequences] | add' "$m") sequences in $(jq .shards "$m") sub-shards with $(jq '[.sub_shards[].seed] | unique | length' "$m") distinct seeds, passed: $(jq .passed "$m")"
rc=0
"$J" report merge --out "$work/bad" "$work"/props-{1,2,2,4}.json 2>"$work/refused.err" || rc=$?
[ "$rc" -eq 2 ] || { echo "merging props shards 1 2 2 4 exited $rc, want 2" >&2; exit 1; }
echo "props shards 1 2 2 4: $(cat "$work/refused.err")"
echo "== sharded runs checked"
