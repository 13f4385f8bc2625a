#!/usr/bin/env bash
# Sharded runs merged into one report (issue 14, docs/sharding.md): the whole
# acceptance suite on the embedded card in 4 shards run as 4 processes at once,
# merged with jpkisim report merge, must hold exactly the scenarios and verdicts
# of the unsharded run; a merge with a shard missing or given twice is refused.
# No card in a reader and no pcscd: the embedded card only. Every process it
# starts it waits for; on failure it stops them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pids=()
cleanup() {
	local rc=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [ $rc -ne 0 ]; then
		for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $(basename "$f") (last lines)"; tail -n 15 "$f"; }; done
	fi
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
echo "== sharded runs checked"
