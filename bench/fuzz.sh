#!/usr/bin/env bash
# Runs every fuzz target for a given time and reports execs and crashes.
# Usage: bench/fuzz.sh [DURATION]   (default 30s; Go duration syntax)
set -uo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
status=0
for target in apdu:FuzzParse simulator:FuzzTransmit simulator/vpcd:FuzzFrameReader simulator/store:FuzzDecode; do
	pkg=${target%%:*}; fn=${target#*:}
	out=$(go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$t" "./$pkg/" 2>&1)
	rc=$?
	execs=$(printf '%s\n' "$out" | grep -o 'execs: [0-9]*' | tail -1)
	if [ $rc -eq 0 ]; then verdict="no crash"; else verdict="CRASH (see testdata/fuzz/$fn)"; status=1; fi
	printf '%-28s %-8s %-20s %s\n' "$pkg.$fn" "$t" "$execs" "$verdict"
	[ $rc -eq 0 ] || printf '%s\n' "$out" | tail -20
done
exit $status
