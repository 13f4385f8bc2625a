#!/usr/bin/env bash
# SELECT round trips per second through ebfe/scard -> pcscd -> vpcd, in one
# run on this machine, for three cards in slot 0, one after the other:
#   (a) jpkisim serve,
#   (b) Debian's stock Python virtual card vicc (vsmartcard-vpicc),
#   (c) okcard, which answers 9000 at once (the floor of the stack).
# Starts pcscd when none runs, and stops exactly what it started.
# Usage: bench/pcsc-bench.sh [N]   (timed APDUs per card, default 2000; vicc gets N/10)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
scripts/ensure-packages.sh pcscd vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome libpcsclite-dev

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$work/jpkisim" ./cmd/jpkisim
go build -o "$work/okcard" ./bench/okcard
go build -o "$work/selectrate" ./bench/selectrate
if ! pgrep -x pcscd >/dev/null; then
	pcscd --foreground >"$work/pcscd.log" 2>&1 &
	pids+=($!)
fi
R="Virtual PCD 00 00"

# Debian's vicc needs its module path and pycryptodome under the name Crypto
# (pcsc-stack notes, G1).
mkdir -p "$work/pyshim"
ln -sfn /usr/lib/python3/dist-packages/Cryptodome "$work/pyshim/Crypto"

# measure LABEL N CMD...: start the card, wait for it in slot 0, time N SELECTs, stop it.
measure() {
	local label=$1 count=$2
	shift 2
	"$@" >"$work/$label.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		"$work/selectrate" -reader "$R" -n 1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$work/selectrate" -reader "$R" -n "$count" -label "$label"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	sleep 1 # pcscd notices the card left before the next one connects
}

echo "# $(date -u +%Y-%m-%d) $(nproc) cores; SELECT 00A4040C0AD392F000260100000001 through ebfe/scard, pcscd, vpcd slot 0"
echo "# serve and okcard alternate for 3 rounds (the host's noise is about 10 %); vicc runs once"
for round in 1 2 3; do
	measure serve "$n" "$work/jpkisim" serve --vpcd 127.0.0.1:35963 | tee -a "$work/rates"
	measure okcard "$n" "$work/okcard" -vpcd 127.0.0.1:35963 | tee -a "$work/rates"
done
PYTHONPATH=/usr/lib/python3/site-packages/virtualsmartcard:$work/pyshim \
	measure vicc $((n / 10)) /usr/bin/python3 /usr/bin/vicc -t iso7816 -H 127.0.0.1 -P 35963 | tee -a "$work/rates"
awk '{rate[$1] = rate[$1] " " $2}
END {
	split(rate["serve"], s); split(rate["okcard"], o); split(rate["vicc"], v)
	ms = med(s); mo = med(o)
	printf "median serve %.1f/s, okcard %.1f/s, vicc %.1f/s: serve = %.2f x okcard (target >= 0.9), %.0f x vicc (target >= 100)\n", ms, mo, v[1], ms / mo, ms / v[1]
}
function med(a,   n, i, j, t) { n = 0; for (i in a) n++; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }' "$work/rates"
