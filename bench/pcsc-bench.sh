#!/usr/bin/env bash
# SELECT round trips per second through ebfe/scard -> pcscd -> vpcd, in one
# run on this machine, for three cards in slot 0, one after the other:
#   (a) jpkisim serve,
#   (b) Debian's stock Python virtual card vicc (vsmartcard-vpicc),
#   (c) okcard, which answers 9000 at once (the floor of the stack).
#
# As root it runs inside private mount and network namespaces (unshare -mn),
# with its own pcscd on its own /run/pcscd and loopback, as
# scripts/pcsc-test.sh does: it never meets a host's pcscd or readers.
# Elsewhere it uses the pcscd that answers (pcsc_scan lists its readers), or
# starts one. It remembers the PID of everything it starts and stops exactly
# that on exit, also when a measurement fails.
#
# Usage: bench/pcsc-bench.sh [N]   (timed APDUs per card, default 2000; vicc gets N/10)
# JPKISIM_BENCH_FAIL=LABEL (serve, okcard or vicc) makes that measurement fail
# on purpose, to check that nothing the bench started is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}

. scripts/private-ns.sh
if in_host_ns; then
	# Packages and builds first, while the network is there: the namespace has none.
	scripts/ensure-packages.sh pcscd vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome libpcsclite-dev pcsc-tools iproute2
	go build -o /dev/null ./cmd/jpkisim ./bench/okcard ./bench/selectrate
elif [ -z "${JPKISIM_PRIVATE_NS:-}" ]; then
	scripts/ensure-packages.sh pcscd vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome libpcsclite-dev pcsc-tools
fi
enter_private_ns "$0" "$@"

. scripts/work.sh

go build -o "$work/jpkisim" ./cmd/jpkisim
go build -o "$work/okcard" ./bench/okcard
go build -o "$work/selectrate" ./bench/selectrate

# pcscd_answers: the PC/SC service the bench would use lists its readers.
pcscd_answers() { timeout 5 pcsc_scan -r >/dev/null 2>&1; }
if [ -z "${JPKISIM_PRIVATE_NS:-}" ] && pcscd_answers; then
	echo "# using the pcscd that answers"
else
	pcscd --foreground >"$work/pcscd.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do pcscd_answers && break; sleep 0.1; done
fi
R="Virtual PCD 00 00"

# Debian's vicc needs its module path and pycryptodome under the name Crypto
# (pcsc-stack notes, G1).
mkdir -p "$work/pyshim"
ln -sfn /usr/lib/python3/dist-packages/Cryptodome "$work/pyshim/Crypto"

# measure LABEL N CMD...: start the card, wait for it in slot 0, time N SELECTs
# (the line goes to stdout and to $work/rates), stop the card. It runs in this
# shell, never in a pipeline's subshell, so that the card's PID is in pids
# when a measurement fails and cleanup stops it.
measure() {
	local label=$1 count=$2 reader=$R
	shift 2
	"$@" >"$work/$label.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		"$work/selectrate" -reader "$R" -n 1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ "${JPKISIM_BENCH_FAIL:-}" = "$label" ] && reader="No such reader (JPKISIM_BENCH_FAIL=$label)"
	"$work/selectrate" -reader "$reader" -n "$count" -label "$label" >"$work/line"
	cat "$work/line"
	cat "$work/line" >>"$work/rates"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	forget "$pid"
	sleep 1 # pcscd notices the card left before the next one connects
}

echo "# $(date -u +%Y-%m-%d) $(nproc) cores; SELECT 00A4040C0AD392F000260100000001 through ebfe/scard, pcscd, vpcd slot 0"
echo "# serve and okcard alternate for 3 rounds (the host's noise is about 10 %); vicc runs once"
for round in 1 2 3; do
	measure serve "$n" "$work/jpkisim" serve --vpcd 127.0.0.1:35963
	measure okcard "$n" "$work/okcard" -vpcd 127.0.0.1:35963
done
PYTHONPATH=/usr/lib/python3/site-packages/virtualsmartcard:$work/pyshim \
	measure vicc $((n / 10)) /usr/bin/python3 /usr/bin/vicc -t iso7816 -H 127.0.0.1 -P 35963
awk '{rate[$1] = rate[$1] " " $2}
END {
	split(rate["serve"], s); split(rate["okcard"], o); split(rate["vicc"], v)
	ms = med(s); mo = med(o)
	printf "median serve %.1f/s, okcard %.1f/s, vicc %.1f/s: serve = %.2f x okcard (target >= 0.9), %.0f x vicc (target >= 100)\n", ms, mo, v[1], ms / mo, ms / v[1]
}
function med(a,   n, i, j, t) { n = 0; for (i in a) n++; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }' "$work/rates"
