#!/usr/bin/env bash
# jpkisim certify through pcscd against software nobody here wrote (issue 13,
# item 5): OpenSC's pkcs11-tool and pkcs15-tool and OpenSSH's ssh-keygen -D over
# the OpenSC PKCS#11 module, each certified for a conformance profile with the
# verdicts it really earns, and the project's own well-behaved and misbehaving
# clients (scripts/clients/), the one passing every check it is judged by and the
# other failing exactly the checks it breaks (docs/conformance.md, "Certifying a
# program"). The verdicts each run must earn are below, one "CHECK OUTCOME" per
# line; a change in OpenSC, OpenSSH or a judge that moves one fails this script and
# names it. The HTML reports are then checked in headless Chromium.
#
# As root it runs inside private mount and network namespaces (scripts/private-ns.sh),
# with its own pcscd, stopped by PID on exit, also when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/private-ns.sh
if in_host_ns; then
	go build -o /dev/null ./cmd/jpkisim ./scripts/secretscan
fi
enter_private_ns "$0" "$@"

. scripts/work.sh
# JPKISIM_CERTIFY_KEEP=DIR keeps the reports, for a look at them.
on_exit() {
	if [ -n "${JPKISIM_CERTIFY_KEEP:-}" ]; then
		mkdir -p "$JPKISIM_CERTIFY_KEEP"
		cp "$work"/*.html "$work"/*.json "$JPKISIM_CERTIFY_KEEP"/ 2>/dev/null || true
	fi
}

J="$work/jpkisim"
go build -buildvcs=auto -ldflags "${VCS_LDFLAGS:-}" -o "$J" ./cmd/jpkisim
go build -o "$work/secretscan" ./scripts/secretscan
export PATH="$work:$PATH" # the project's clients call jpkisim apdu

pcscd_answers() { timeout 5 pcsc_scan -r >/dev/null 2>&1; }
if [ -z "${JPKISIM_PRIVATE_NS:-}" ] && pcscd_answers; then
	echo "== using the pcscd that answers"
else
	pcscd --foreground >>"$work/pcscd.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do pcscd_answers && break; sleep 0.1; done
fi

MODULE=$(find /usr/lib -name opensc-pkcs11.so -path '*/opensc-pkcs11.so' 2>/dev/null | head -n 1)
[ -n "$MODULE" ] || { echo "no opensc-pkcs11.so under /usr/lib: is opensc installed?" >&2; exit 1; }

# certify NAME EXPECTED-EXIT PROFILE PIN COMMAND: certify COMMAND, then compare its
# verdicts (read from stdin as "CHECK OUTCOME" lines) with what it earned.
certify() {
	local name=$1 want_rc=$2 profile=$3 pin=$4 client=$5 rc=0
	echo "== certify $name (profile $profile, PIN $pin)"
	"$J" certify --profile "$profile" --pin "$pin" --client "$client" --timeout 30s \
		--report "$work/$name.html" --json "$work/$name.json" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	cat "$work/$name.out"
	if [ "$rc" -ne "$want_rc" ]; then
		echo "certify $name exited $rc, want $want_rc" >&2
		cat "$work/$name.err" >&2
		exit 1
	fi
	jq -r '.checks[] | "\(.id) \(.outcome)"' "$work/$name.json" >"$work/$name.got"
	grep -v '^#' >"$work/$name.want"
	if ! diff -u "$work/$name.want" "$work/$name.got"; then
		echo "certify $name: the verdicts above moved (- expected, + earned)" >&2
		exit 1
	fi
	# Every check failed or passed names its evidence in the deciding run's
	# transcript — but those judged from the signature file or the exit status
	# (CLIENT-09, CLIENT-11, CLIENT-12), and the passes that rest on what the
	# card did not see (CLIENT-01: nothing sent for the empty entry; CLIENT-16:
	# no signature with the missing key).
	jq -r '.checks[] | select(.outcome != "not applicable" and (.seqs | length) == 0)
		| select((.id | IN("CLIENT-09", "CLIENT-11", "CLIENT-12")) | not)
		| select(.outcome == "failed" or (.id | IN("CLIENT-01", "CLIENT-16") | not)) | .id' "$work/$name.json" >"$work/$name.noevidence"
	if [ -s "$work/$name.noevidence" ]; then
		echo "certify $name: checks judged without evidence in the transcript: $(tr '\n' ' ' <"$work/$name.noevidence")" >&2
		exit 1
	fi
	# No PIN of the cards (the profiles' TEST-ONLY ones, and the signing
	# password in lower case as the CLIENT-03 run gives it) in anything
	# certify wrote.
	JPKISIM_SCAN_PINS="1234 ABC123 abc123" "$work/secretscan" "$work/$name".{html,json,out,err} >"$work/$name.scan" ||
		{ cat "$work/$name.scan" >&2; echo "certify $name: a PIN value in its reports" >&2; exit 1; }
}

# OpenSC's pkcs11-tool signs the message with the signing key. It folds nothing
# (CLIENT-03), derives no tries left and says CKR_GENERAL_ERROR for a blocked
# password (CLIENT-04, CLIENT-05), leaves the password verified on exit
# (disconnect_action = leave, CLIENT-14), stops at the auth PIN's 6A80 while it
# binds (CLIENT-15) and sends a signature to a child's card that has no signing
# key (CLIENT-16).
certify pkcs11-tool-sign 1 pkcs11-middleware signing \
	"pkcs11-tool --module $MODULE --token-label 'JPKI (Digital Signature PIN)' --login --pin env:JPKISIM_CLIENT_PIN \
--sign --mechanism SHA256-RSA-PKCS --input-file \"\$JPKISIM_MESSAGE\" --output-file \"\$JPKISIM_SIGNATURE\"" <<'EOF'
CLIENT-01 passed
CLIENT-02 passed
CLIENT-03 failed
CLIENT-04 failed
CLIENT-05 failed
CLIENT-06 passed
CLIENT-07 passed
CLIENT-08 passed
CLIENT-09 passed
CLIENT-13 passed
CLIENT-14 failed
CLIENT-15 failed
CLIENT-16 failed
EOF

# OpenSC's pkcs15-tool lists the PINs with their tries left, then verifies the
# signing password (auth ID 02 of OpenSC's JPKI emulation). It shows "Tries left:
# 1" and "0" (CLIENT-04, CLIENT-05) but folds nothing (CLIENT-03), leaves the
# password verified (CLIENT-14) and stops at the 6A80 (CLIENT-15).
certify pkcs15-tool-verify 1 pkcs11-middleware signing \
	"pkcs15-tool --list-pins && pkcs15-tool --verify-pin --auth-id 02 --pin env:JPKISIM_CLIENT_PIN" <<'EOF'
CLIENT-01 passed
CLIENT-02 passed
CLIENT-03 failed
CLIENT-04 passed
CLIENT-05 passed
CLIENT-06 not applicable
CLIENT-07 not applicable
CLIENT-08 not applicable
CLIENT-09 not applicable
CLIENT-13 not applicable
CLIENT-14 failed
CLIENT-15 failed
CLIENT-16 passed
EOF

# OpenSSH's ssh-keygen -D lists the card's public keys through the OpenSC PKCS#11
# module, with no PIN. OpenSC's bind stops at the 6A80 of the auth PIN's counter
# query, so it lists nothing on that card (CLIENT-15, field report B12).
certify ssh-keygen 1 pkcs11-middleware none "ssh-keygen -D $MODULE" <<'EOF'
CLIENT-01 not applicable
CLIENT-02 not applicable
CLIENT-03 not applicable
CLIENT-04 not applicable
CLIENT-05 not applicable
CLIENT-06 passed
CLIENT-07 passed
CLIENT-08 not applicable
CLIENT-09 not applicable
CLIENT-13 not applicable
CLIENT-14 not applicable
CLIENT-15 failed
CLIENT-16 passed
EOF

# The project's own clients (scripts/clients/). signer.sh is well behaved: it
# passes every check of the kiosk profile it is judged by (CLIENT-05 is not
# applicable: it reads the counter, 63C0, and never sends the VERIFY that would
# answer 6984).
certify signer 0 kiosk signing "scripts/clients/signer.sh" <<'EOF'
CLIENT-01 passed
CLIENT-02 passed
CLIENT-03 passed
CLIENT-04 passed
CLIENT-05 not applicable
CLIENT-06 passed
CLIENT-07 passed
CLIENT-10 passed
CLIENT-11 passed
CLIENT-12 passed
CLIENT-13 passed
CLIENT-14 passed
CLIENT-15 passed
CLIENT-16 passed
EOF

echo "== certify in 3 shards (--shard K/3), merged: the verdicts of the unsharded certification"
for k in 1 2 3; do
	"$J" certify --shard "$k/3" --profile kiosk --pin signing --client "scripts/clients/signer.sh" --timeout 30s \
		--json "$work/signer-shard-$k.json" >"$work/signer-shard-$k.out" 2>"$work/signer-shard-$k.err" ||
		[ $? -eq 1 ] || { echo "certify --shard $k/3 failed" >&2; cat "$work/signer-shard-$k.err" >&2; exit 1; }
done
"$J" report merge --out "$work/signer-merged" "$work"/signer-shard-{1,2,3}.json >"$work/signer-merged.out" || {
	echo "the merged shards of signer.sh are not a pass:" >&2
	cat "$work/signer-merged.out" >&2
	jq -r '.runs[] | select(.error != null or .timed_out == true) | "run \(.state)/\(.entry): \(.error // "timed out")"' "$work"/signer-shard-{1,2,3}.json >&2
	exit 1
}
diff <(jq -r '.checks[] | "\(.id) \(.outcome)"' "$work/signer.json") \
	<(jq -r '.checks[] | "\(.id) \(.outcome)"' "$work/signer-merged/certification.json") ||
	{ echo "the merged shards' verdicts differ from the unsharded certification's" >&2; exit 1; }
[ "$(jq '.runs | length' "$work/signer-merged/certification.json")" = "$(jq '.runs | length' "$work/signer.json")" ] ||
	{ echo "the merged shards made another number of runs than the unsharded certification" >&2; exit 1; }
tail -n 2 "$work/signer-merged.out"

# The same signer asking no OCSP responder fails exactly the two revocation
# checks and nothing else.
certify signer-no-revocation-check 1 relying-party signing "scripts/clients/signer.sh --mistake no-revocation-check" <<'EOF'
CLIENT-01 passed
CLIENT-02 passed
CLIENT-03 passed
CLIENT-05 not applicable
CLIENT-08 passed
CLIENT-09 passed
CLIENT-10 failed
CLIENT-11 failed
CLIENT-12 passed
CLIENT-14 passed
EOF

# bad-client.sh, the misbehaving one, fails exactly the checks its header says it
# breaks — an own password for an empty entry (01), the same entry twice (02), the
# lower case sent as typed (03), no counter read (04), 6984 read as tries left (05),
# reads past the end (06), the password left verified (14) — and passes the rest
# it is judged by.
certify bad-client 1 pkcs11-middleware signing "scripts/clients/bad-client.sh" <<'EOF'
CLIENT-01 failed
CLIENT-02 failed
CLIENT-03 failed
CLIENT-04 failed
CLIENT-05 failed
CLIENT-06 failed
CLIENT-07 passed
CLIENT-08 not applicable
CLIENT-09 not applicable
CLIENT-13 not applicable
CLIENT-14 failed
CLIENT-15 not applicable
CLIENT-16 passed
EOF

echo "== a client that changes the password in one run leaves the next run's card as new"
"$J" certify --profile pkcs11-middleware --pin signing --client "scripts/clients/pin-changer.sh" --timeout 30s \
	--json "$work/pin-changer.json" >"$work/pin-changer.out" 2>"$work/pin-changer.err" || true
jq -e '.runs[0].state == "fresh" and .runs[0].entry == "configured" and (.runs[0].output | test("CHANGE REFERENCE DATA: 9000"))' "$work/pin-changer.json" >/dev/null ||
	{ echo "pin-changer did not change the password in its first run:" >&2; jq -r '.runs[0].output' "$work/pin-changer.json" >&2; exit 1; }
jq -e '.runs[1].state == "signing-one-try-left" and (.runs[1].output | test("VERIFY of the signing password: 9000"))' "$work/pin-changer.json" >/dev/null ||
	{ echo "the card of the run after the password change still had the changed password:" >&2; jq -r '.runs[1].output' "$work/pin-changer.json" >&2; exit 1; }
echo "run 1 changed the password; run 2 (signing-one-try-left) verified the configured one: $(jq -r '.runs[1].output' "$work/pin-changer.json" | head -n 1)"
rm "$work/pin-changer.json" # not one of the reports the Chromium check reads

echo "== certify interrupted: SIGINT during a run stops it, the reports say so, exit 130"
# The client also looks for a control socket it could reach (certify's is
# in-process: there is none) and leaves a daemon out of its process group.
"$J" certify --profile kiosk --pin none --client "grep jpkisim /proc/net/unix >$work/sockets.seen; setsid sleep 28.$$ </dev/null >/dev/null 2>&1 & sleep 29.$$" --report "$work/interrupted.html" --json "$work/interrupted.json" \
	>"$work/interrupted.out" 2>"$work/interrupted.err" &
cert_pid=$!
pids+=($cert_pid)
for _ in $(seq 200); do [ -e "$work/sockets.seen" ] && break; sleep 0.1; done # the client runs
sleep 0.5
kill -INT "$cert_pid"
rc=0
wait "$cert_pid" || rc=$?
[ "$rc" -eq 130 ] || { echo "certify interrupted by SIGINT exited $rc, want 130" >&2; cat "$work/interrupted.err" >&2; exit 1; }
[ "$(jq -r .interrupted "$work/interrupted.json")" = SIGINT ] || { echo "the interrupted certification's JSON does not say SIGINT" >&2; exit 1; }
grep -q 'INTERRUPTED' "$work/interrupted.out" || { echo "the interrupted certification's summary does not say so" >&2; exit 1; }
pgrep -f "sleep 29.$$" >/dev/null && { echo "the client under test outlived the interrupted certification" >&2; exit 1; }
pgrep -f "sleep 28.$$" >/dev/null && { echo "the daemon the client left out of its process group (setsid) outlived the certification" >&2; pkill -KILL -f "sleep 28.$$"; exit 1; }
[ -e "$work/sockets.seen" ] && [ ! -s "$work/sockets.seen" ] || { echo "the client under test saw a jpkisim socket: $(cat "$work/sockets.seen" 2>/dev/null)" >&2; exit 1; }
echo "exit $rc, $(tail -n 1 "$work/interrupted.out")"

echo "== the certification reports in headless Chromium"
JPKISIM_TEST_CERTIFY_DIR="$work" go test -count=1 -v -run 'TestPCSCCertificationReports' ./cmd/jpkisim/ 2>&1 |
	grep -E '^(--- |FAIL|ok|panic|    )'
