# work.sh — sourced by the scripts that start processes (scripts/pcsc-test.sh,
# scripts/certify-test.sh, scripts/shard-test.sh, bench/pcsc-bench.sh): a
# work directory of their own, the PIDs of everything they start, and on
# exit — also when a check fails — those stopped by PID, the last lines of
# every $work/*.log shown after a failure, and the directory removed. A
# script may define on_exit STATUS, called before the directory goes.
work=$(mktemp -d)
pids=()
# forget PID: drop a process that is gone from the list cleanup signals.
forget() {
	local keep=() p
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
}
cleanup() {
	local rc=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if declare -F on_exit >/dev/null; then on_exit "$rc"; fi
	if [ $rc -ne 0 ]; then
		for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $(basename "$f") (last lines)"; tail -n 15 "$f"; }; done
	fi
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
