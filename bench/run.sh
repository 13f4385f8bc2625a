#!/usr/bin/env bash
# Runs the benchmarks of docs/benchmarks.md and prints them with the machine
# they ran on. Usage: bench/run.sh [-count N]   (default 5, for benchstat)
set -euo pipefail
cd "$(dirname "$0")/.."
count=5
if [ "${1:-}" = "-count" ]; then count=$2; fi
echo "# $(go version); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
go test -run '^$' -bench . -benchmem -count "$count" ./simulator/ ./scenarios/ ./apdu/
