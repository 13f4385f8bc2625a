#!/usr/bin/env bash
# record-fixtures.sh — records fixtures/transcripts/: the public clients'
# call sequences (docs/card.md §13) as the virtual card saw them through the
# real PC/SC stack. pcscd with vsmartcard's vpcd driver, `jpkisim serve
# --transcript` in slot 0 (the default profile: TEST-ONLY PINs), and each
# client in turn; serve writes one transcript per card session (power-on to
# power-off), and each client's session is copied under the client's name.
# PIN data is masked in every transcript. The replay test
# (replay/fixtures_test.go, in make test) sends them again to the embedded
# card. Needs root (private namespaces, as scripts/pcsc-test.sh); stops what
# it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/private-ns.sh
if in_host_ns; then
	go build -o /dev/null ./cmd/jpkisim
fi
enter_private_ns "$0" "$@"

work=$(mktemp -d)
pids=()
cleanup() {
	local rc=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	[ $rc -ne 0 ] && tail -n 20 "$work"/*.log
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

J="$work/jpkisim"
go build -o "$J" ./cmd/jpkisim
R="Virtual PCD 00 00"
out=fixtures/transcripts
mkdir -p "$out"

pcscd --foreground >"$work/pcscd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do timeout 5 pcsc_scan -r >/dev/null 2>&1 && break; sleep 0.1; done
# serve_profile P: serve a card of profile P in slot 0, recorded into $work/tr.
serve_profile() {
	"$J" serve --profile "$1" --vpcd 127.0.0.1:35963 --transcript "$work/tr" >"$work/serve-$1.log" 2>&1 &
	serve_pid=$!
	pids+=($serve_pid)
	for _ in $(seq 100); do
		"$J" apdu --target "pcsc:$R" 00A4040C0AD392F000260100000001 2>/dev/null | grep -q '^9000$' && break
		sleep 0.1
	done
}
serve_profile default

# session NAME COMMAND...: runs the client, waits until pcscd has powered the
# card down (the session's end), and copies the session serve recorded.
session() {
	local name=$1
	shift
	sleep 2
	local before
	before=$(ls "$work/tr" | wc -l)
	"$@" >"$work/$name.log" 2>&1 || { echo "$name failed" >&2; cat "$work/$name.log" >&2; exit 1; }
	sleep 2
	local n
	n=$(ls "$work/tr" | wc -l)
	[ "$n" -eq $((before + 1)) ] || { echo "$name: $((n - before)) sessions recorded, want 1" >&2; exit 1; }
	cp "$work/tr/$(ls "$work/tr" | tail -n 1)" "$out/$name.json"
	echo "$name: $(grep -c '"kind": "exchange"' "$out/$name.json") exchanges"
}

SELJPKI=00A4040C0AD392F000260100000001
SELKENHOJO=00A4040C0AD3921000310001010408
SELKENKAKU=00A4040C0AD3921000310001010402
SELCOMMON=00A4040C0AD3921000310001010100
# SHA-256 DigestInfo of 32 bytes 01..20, as a client signs for a login
DIGESTINFO=3031300D060960864801650304020105000420000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F

session opensc-tool-name opensc-tool -r "$R" -n
session pkcs15-tool-dump pkcs15-tool --reader 0 -D
session pkcs15-tool-read-auth-certificate pkcs15-tool --reader 0 --read-certificate 01
session myna-pin-status "$J" apdu --target "pcsc:$R" \
	"$SELKENHOJO" 00A4020C020011 00200080 00A4020C020014 00200080 00A4020C020015 00200080 \
	"$SELKENKAKU" 00A4020C020013 00200080 00A4020C020012 00200080 \
	"$SELJPKI" 00A4020C020018 00200080 00A4020C02001B 00200080
session myna-jpki-auth-sign "$J" apdu --target "pcsc:$R" \
	"$SELJPKI" 00A4020C020006 00B0000020 00A4020C020018 '00200080{len:auth-pin}{auth-pin}' \
	00A4020C020017 "802A008033${DIGESTINFO}00" 00A4020C02000A 00B0000007 00B0000000
session jsapdu-kenhojo "$J" apdu --target "pcsc:$R" \
	"$SELKENHOJO" 00200091 '00200091{len:kenhojo-pin}{kenhojo-pin}' 00B0810000000000 00B0820000000000 00B0830000000000 00B0840000000000
session myna-portal-serial "$J" apdu --target "pcsc:$R" "$SELCOMMON" 00B2010C00
session tret-counters "$J" apdu --target "pcsc:$R" \
	"$SELJPKI" 00A4020C02001B 00200080 00A4020C020018 00200080 "$SELKENHOJO" 00A4020C020011 00200080 "$SELCOMMON" 00A4020C02001C 00200080
session wrong-pin-and-challenge "$J" apdu --target "pcsc:$R" \
	"$SELJPKI" 00A4020C020018 00200080 002000800439393938 00200080 '00200080{len:auth-pin}{auth-pin}' 00200080 0084000008

# The T=0 card: pcscd passes 61xx and 6Cxx through, the client fetches and
# resends itself; the transcript shows every round (t0-*: replayed on the
# t0 profile).
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
sleep 1
serve_profile t0
session t0-opensc-tool-send opensc-tool -r "$R" -s "$SELJPKI" -s 00A4020C02000A -s 00B0000000 -s 00B0010000 -s 0084000008
session t0-read-past-the-end "$J" apdu --target "pcsc:$R" "$SELJPKI" 00A4020C020006 00B0000000 00B0000020
