#!/usr/bin/env bash
# The acceptance suite and the OpenSC checks through the real PC/SC stack:
# pcscd with vsmartcard's vpcd driver, `jpkisim serve` in slot 0 ("Virtual
# PCD 00 00") and, in slot 1, a virtual card posing as a real one (to check
# the real-card guard and the automatic real-card run).
#
# As root it runs inside private mount and network namespaces (unshare -mn):
# its own /run/pcscd on a tmpfs and its own loopback, so that it never meets a
# host's pcscd, a host's readers or another run of itself. Elsewhere it uses
# the pcscd that answers (pcsc_scan lists its readers), or starts one. It
# remembers the PID of everything it starts and stops exactly that on exit,
# also when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/private-ns.sh
if in_host_ns; then
	# Build first, while the module proxy is reachable: the namespace has no network.
	go build -o /dev/null ./cmd/jpkisim ./scripts/secretscan
fi
enter_private_ns "$0" "$@"

. scripts/work.sh

J="$work/jpkisim"
# The commit, for the reports, even where GOFLAGS says -buildvcs=false, and
# in a git worktree through the linker flags make passes (Makefile VCS_LDFLAGS).
go build -buildvcs=auto -ldflags "${VCS_LDFLAGS:-}" -o "$J" ./cmd/jpkisim
SLOT0="Virtual PCD 00 00"
SLOT1="Virtual PCD 00 01"
SELECT=00A4040C0AD392F000260100000001

start_pcscd() {
	pcscd --foreground >>"$work/pcscd.log" 2>&1 &
	pcscd_pid=$!
	pids+=("$pcscd_pid")
}

# wait_card READER: until the card in READER answers the JPKI SELECT (10 s).
wait_card() {
	for _ in $(seq 100); do
		if "$J" apdu --target "pcsc:$1" "$SELECT" 2>/dev/null | grep -q '^9000$'; then return 0; fi
		sleep 0.1
	done
	echo "no card answered in $1" >&2
	return 1
}

# pcscd_answers: the PC/SC service this script would use lists its readers.
pcscd_answers() { timeout 5 pcsc_scan -r >/dev/null 2>&1; }

own_pcscd=0
if [ -z "${JPKISIM_PRIVATE_NS:-}" ] && pcscd_answers; then
	echo "== using the pcscd that answers"
else
	echo "== starting pcscd${JPKISIM_PRIVATE_NS:+ in a private mount and network namespace}"
	start_pcscd
	own_pcscd=1
	for _ in $(seq 50); do pcscd_answers && break; sleep 0.1; done
fi

echo "== starting jpkisim serve in slot 0, and a card posing as a real one in slot 1"
"$J" serve --vpcd 127.0.0.1:35963 >"$work/serve0.log" 2>&1 &
serve0_pid=$!
pids+=($serve0_pid)
# -v: its log shows every APDU, checked below for what must never reach it
"$J" serve -v --vpcd 127.0.0.1:35964 --as-real-card >"$work/serve1.log" 2>&1 &
pids+=($!)
wait_card "$SLOT0"
wait_card "$SLOT1"
# Our own cards must be the ones in the slots, not another program's.
for log in serve0 serve1; do
	for _ in $(seq 50); do grep -q "card inserted" "$work/$log.log" && break; sleep 0.1; done
	grep -q "card inserted" "$work/$log.log" || { echo "$log never got its slot: another card holds the vpcd port" >&2; exit 1; }
done
opensc-tool -l

echo "== the acceptance suite on the embedded card and through pcscd against jpkisim serve, into one set of reports"
"$J" run --target "sim,pcsc:$SLOT0" --format "progress,junit:$work/run.xml,cucumber:$work/run.json" --report "$work/run.html"
echo "== the reports of that run: HTML in headless Chromium, JUnit, Cucumber (docs/reports.md)"
JPKISIM_TEST_REPORT_DIR="$work" go test -count=1 -v -run 'TestPCSCReportOfARunThroughPCSCD' ./cmd/jpkisim/ 2>&1 |
	grep -E '^(--- |FAIL|ok|panic|    )'

echo "== OpenSC, the PC/SC transport and the real-card guard against the PC/SC stack"
JPKISIM_TEST_READER="$SLOT0" JPKISIM_TEST_REAL_READER="$SLOT1" JPKISIM_BIN="$J" \
	go test -count=1 -p 1 -v -run 'PCSC|OpenSC|RealCard' ./harness/ ./harness/pcsc/ ./cmd/jpkisim/ 2>&1 |
	grep -E '^(=== RUN|--- |PASS|FAIL|ok|    )' | grep -v '^=== RUN'

# --- tests and readers (issue 9, item 7): go test probes only the readers this script
# created and names in JPKISIM_TEST_READER / JPKISIM_TEST_REAL_READER; every reader only
# with JPKISIM_TEST_REAL_CARDS=1.
echo "== go test touches no reader it did not create; JPKISIM_TEST_REAL_CARDS=1 opts in"
apdus() { grep -c 'msg=apdu' "$work/serve1.log" || true; }
before=$(apdus)
env -u JPKISIM_TEST_READER -u JPKISIM_TEST_REAL_READER -u JPKISIM_TEST_REAL_CARDS -u JPKISIM_AUTH_PIN -u JPKISIM_SIGN_PIN -u JPKISIM_KENHOJO_PIN -u JPKISIM_JUKI_PIN \
	go test -count=1 -run 'TestFeatures$|TestRunSummaryAndExitStatus$' ./scenarios/ ./cmd/jpkisim/ >"$work/gotest-plain.log" 2>&1
if [ "$(apdus)" -ne "$before" ]; then
	echo "go test sent $(($(apdus) - before)) APDUs to $SLOT1, a reader it was not given" >&2
	exit 1
fi
if [ -n "${JPKISIM_PRIVATE_NS:-}" ]; then # every reader here is ours: opting in touches no one's card
	env -u JPKISIM_TEST_READER -u JPKISIM_TEST_REAL_READER -u JPKISIM_AUTH_PIN -u JPKISIM_SIGN_PIN -u JPKISIM_KENHOJO_PIN -u JPKISIM_JUKI_PIN JPKISIM_TEST_REAL_CARDS=1 \
		go test -count=1 -v -run 'TestFeatures$' ./scenarios/ >"$work/gotest-optin.log" 2>&1
	grep -E "pcsc:$SLOT1: [0-9]+ non-destructive scenarios ran" "$work/gotest-optin.log" | sed 's/^ *//' ||
		{ echo "JPKISIM_TEST_REAL_CARDS=1 did not run the real-card pass on $SLOT1" >&2; exit 1; }
	echo "no APDU without it, $(($(apdus) - before)) with it"
else
	echo "no APDU without it (the opt-in is checked only in the private namespace, where every reader is ours)"
fi

# --- bounded waits and the readers others hold (issue 9, item 8), one package at a time
# (-p 1): these tests hold the readers the other tests use
echo "== a transaction held by another program, a reader held exclusively, a stalled card"
JPKISIM_TEST_READER="$SLOT0" JPKISIM_TEST_REAL_READER="$SLOT1" JPKISIM_TEST_SERVE_PID="$serve0_pid" \
	go test -p 1 -count=1 -v -run 'TestTransactionHeldElsewhere|TestExclusiveReader|TestHeldTransaction|TestStalledCard' \
	./harness/pcsc/ ./cmd/jpkisim/ 2>&1 | grep -E '^(--- |FAIL|ok|panic|    )'

echo "== the property and the differential run through pcscd"
"$J" props --target "pcsc:$SLOT0" --sequences 100 --max-len 30 | tail -n 2
"$J" diff --a sim --b "pcsc:$SLOT0" --count 1000 | tail -n 1

# --- diff and props against a card that is not virtual (issue 9, item 6) ---
echo "== diff and props against the card posing as a real one: only what the guard lets through, no try spent"
# tries_of READER: both retry counters, each read with the empty VERIFY after
# selecting JPKI and the PIN EF (a query that spends nothing).
tries_of() { "$J" apdu --target "pcsc:$1" "$SELECT" 00A4020C020018 00200080 00A4020C02001B 00200080 | sed -n '3p;5p' | tr '\n' ' '; }
real_before=$(tries_of "$SLOT1")
"$J" diff --a sim --b "pcsc:$SLOT1" --count 1000 | tail -n 1 | tee "$work/diff-real.out"
grep -qE '^no difference: 1000 sequences, [0-9]+ commands; 0 sequences stopped' "$work/diff-real.out" ||
	{ echo "diff against the card posing as a real one: not 1000 sequences without a difference and without a refusal" >&2; exit 1; }
"$J" props --target "pcsc:$SLOT1" --sequences 100 --max-len 30 | tail -n 1 | tee "$work/props-real.out"
grep -q '; 0 stopped at a command the real-card guard refused' "$work/props-real.out" ||
	{ echo "props against the card posing as a real one: the guard refused some of what it sent" >&2; exit 1; }
real_after=$(tries_of "$SLOT1")
echo "tries (auth, signing) before: $real_before- after: $real_after"
[ "$real_before" = "63C3 63C5 " ] && [ "$real_after" = "$real_before" ] ||
	{ echo "the card posing as a real one lost a try" >&2; exit 1; }
# --- end of the section of item 6 ---

echo "== attacks through run --features on the card posing as a real one, no flag (docs/guard.md)"
# The user configured the right PINs (the default profile's test PINs); every
# scenario tries to make one reach another PIN, or a VERIFY in another form.
if JPKISIM_AUTH_PIN=1234 JPKISIM_SIGN_PIN=ABC123 "$J" run --target "pcsc:$SLOT1" --features scripts/attack \
	--format progress >"$work/attack.log" 2>&1; then
	echo "an attack scenario passed: the guard let it through" >&2
	exit 1
fi
scenarios=$(grep -oE '^[0-9]+ scenarios \([0-9]+ failed\)' "$work/attack.log" || true)
refusals=$(grep -c 'Error: .*refused by the real-card guard' "$work/attack.log" || true)
[ -n "$scenarios" ] && [ "${scenarios%% *}" -eq "$refusals" ] || { echo "attack run: '$scenarios', $refusals refusals" >&2; tail -n 20 "$work/attack.log" >&2; exit 1; }
echo "$scenarios, each refused by the guard"

echo "== nothing that can spend a try, and no restore, reached the card posing as a real one"
# PIN changes and resets, ENVELOPE, the restore, any class but 00 and 80, 80
# with anything but 2A; and a VERIFY with data that did not answer 9000 (a
# VERIFY of the configured PIN on a full counter spends nothing).
{
	grep -E 'c=(80EE|002[1-9C-D]|00C[23]|8032|0[1-9A-F]|[1-79A-F][0-9A-F]|80([013-9A-F][0-9A-F]|2[0-9B-F]))' "$work/serve1.log" || true
	grep -E 'c=0020[0-9A-F]{4}[0-9A-FX]' "$work/serve1.log" | grep -v ' r=9000 ' || true
} >"$work/forbidden"
if [ -s "$work/forbidden" ]; then
	echo "forbidden commands reached slot 1:" >&2
	head "$work/forbidden" >&2
	exit 1
fi
echo "none in $(grep -c 'msg=apdu' "$work/serve1.log") logged APDUs ($(grep -cE 'c=0020[0-9A-F]{4}[0-9A-FX]' "$work/serve1.log") VERIFYs of the configured PINs, all 9000)"
for ef in 0018 001B; do
	"$J" apdu --target "pcsc:$SLOT1" "$SELECT" "00A4020C02$ef" 00200080 | tail -n 1
done | tr '\n' ' ' | grep -qx '63C3 63C5 ' || { echo "slot 1's retry counters are not full" >&2; exit 1; }
echo "slot 1's retry counters are full: 3 of 3, 5 of 5"

kill "$serve0_pid"
wait "$serve0_pid" 2>/dev/null || true
forget "$serve0_pid" # gone: never signal that PID again

echo "== a T=0 card through pcscd: the reports' transcripts show 61xx and the GET RESPONSE after it"
"$J" serve --profile t0 --vpcd 127.0.0.1:35963 >"$work/serve-t0.log" 2>&1 &
serve_t0_pid=$!
pids+=($serve_t0_pid)
sleep 0.7 # pcscd sees the old card leave before the new one arrives
wait_card "$SLOT0"
"$J" run --target "pcsc:$SLOT0" --tags @CERT-09 --format "junit:$work/t0.xml" >/dev/null 2>"$work/run-t0.log" ||
	{ echo "the run on the T=0 card failed" >&2; tail -n 20 "$work/run-t0.log" >&2; exit 1; }
grep -qE '&lt; 61[0-9A-F]{2} ' "$work/t0.xml" && grep -qE '&gt; 00C00000[0-9A-F]{2}' "$work/t0.xml" ||
	{ echo "the T=0 card's transcripts show no 61xx and GET RESPONSE" >&2; exit 1; }
echo "$(grep -cE '&gt; 00C00000' "$work/t0.xml") GET RESPONSE exchanges in the transcripts"
kill "$serve_t0_pid"
wait "$serve_t0_pid" 2>/dev/null || true
forget "$serve_t0_pid"

# --- a served card under control (issue 13, item 1): serve --control says when its card
# is in the reader, on stdout and in --ready-file; the control interface takes it to one
# try left, locked, removed mid-signature and back, each seen through pcscd
echo "== serve --control: one try left, locked, removed mid-signature and back, through pcscd"
mkfifo "$work/serve-ctl.fifo"
"$J" serve --vpcd 127.0.0.1:35963 --control "unix:$work/ctl.sock" --ready-file "$work/ready.json" \
	>"$work/serve-ctl.fifo" 2>"$work/serve-ctl.log" &
serve_ctl_pid=$!
pids+=($serve_ctl_pid)
exec 3<"$work/serve-ctl.fifo"
ready_line=""
read -r -t 15 ready_line <&3 || true
exec 3<&-
[ "$ready_line" = "ready: 1 slot, control unix:$work/ctl.sock" ] || { echo "serve --control: ready line '$ready_line'" >&2; exit 1; }
[ "$(jq -r '.slots[0].reader + " " + (.pid|tostring)' "$work/ready.json")" = "$SLOT0 $serve_ctl_pid" ] ||
	{ echo "the ready file does not name $SLOT0 and serve's PID: $(cat "$work/ready.json")" >&2; exit 1; }
[ "$(stat -c %a "$work/ctl.sock")" = 600 ] || { echo "the control socket is not mode 0600" >&2; exit 1; }
echo "$ready_line"
JPKISIM_TEST_CONTROL="unix:$work/ctl.sock" JPKISIM_TEST_CONTROL_READER="$SLOT0" \
	go test -count=1 -v -run 'TestPCSCControl$' ./cmd/jpkisim/ 2>&1 | grep -E '^(--- |FAIL|ok|panic|    )'
"$J" ctl --control "unix:$work/ctl.sock" status --slot 0 | jq -c '{profile, inserted, in_reader, tries: [.tries[] | select(.app == "JPKI") | .left]}'
kill "$serve_ctl_pid"
wait "$serve_ctl_pid" 2>/dev/null || true
forget "$serve_ctl_pid"
[ ! -e "$work/ctl.sock" ] && [ ! -e "$work/ready.json" ] || { echo "serve left its control socket or ready file behind" >&2; exit 1; }
# --- end of the section of issue 13, item 1 ---

# --- a client under test in front of the served card (issue 13, item 2): the client
# steps take the served card to a conformance state through its control interface,
# run a program against it through pcscd and judge what the card saw. The scenarios
# tagged @card-PROFILE need a card of that profile: each such tag is a run of its own,
# on a card of the profile the control interface put in (docs/conformance.md).
echo "== a client under test judged by the conformance catalogue: run --tags @client with the served card's control interface"
"$J" serve --vpcd 127.0.0.1:35963 --control "unix:$work/ctl-client.sock" --ready-file "$work/ready-client.json" --pki 127.0.0.1:35990 \
	>"$work/serve-client.out" 2>"$work/serve-client.log" &
serve_client_pid=$!
pids+=($serve_client_pid)
for _ in $(seq 150); do [ -s "$work/ready-client.json" ] && break; sleep 0.1; done
[ -s "$work/ready-client.json" ] || { echo "serve --control for the client under test: no ready file" >&2; exit 1; }
client_cards=$(grep -o '@card-[a-z0-9-]*' features/client_conformance.feature | sort -u | sed 's/^@card-//')
client_tags=@client
for c in $client_cards; do client_tags="$client_tags && not @card-$c"; done
for c in "" $client_cards; do
	tags=$client_tags
	if [ -n "$c" ]; then
		tags="@client && @card-$c"
		"$J" ctl --control "unix:$work/ctl-client.sock" profile "$c" >/dev/null
		for _ in $(seq 100); do
			[ "$("$J" ctl --control "unix:$work/ctl-client.sock" status --slot 0 | jq '.inserted and .in_reader and .powered')" = true ] && break
			sleep 0.1
		done
	fi
	JPKISIM_CONTROL="unix:$work/ctl-client.sock" JPKISIM_PKI_URL=http://127.0.0.1:35990 JPKISIM_BIN="$J" \
		"$J" run --target "pcsc:$SLOT0" --features features/client_conformance.feature --tags "$tags" --format pretty >"$work/run-client.log" 2>&1 ||
		{ echo "the client-under-test scenarios ($tags) failed" >&2; tail -n 60 "$work/run-client.log" >&2; exit 1; }
	echo "${c:-default}: $(grep -E "^[0-9]+ (scenarios|steps)" "$work/run-client.log" | tr '\n' ' ')"
	# The run put the card back as it found it: the counters the states set are the snapshot's again.
	tries_client=$("$J" ctl --control "unix:$work/ctl-client.sock" status --slot 0 | jq -r '[.tries[] | select(.app == "JPKI") | .left] | join(" ")')
	[ "$tries_client" = "3 5" ] || { echo "after the client-under-test run ($tags) the JPKI tries are $tries_client, not 3 5" >&2; exit 1; }
done
kill "$serve_client_pid"
wait "$serve_client_pid" 2>/dev/null || true
forget "$serve_client_pid"
# --- end of the section of issue 13, item 2 ---

echo "== secrets: a card with other PINs through pcscd, every trace and report on, searched for the PINs"
AUTH=8642
SIGN=QW7ZX93K
KENHOJO=7391
JUKI=5024
JPKISIM_AUTH_PIN=$AUTH JPKISIM_SIGN_PIN=$SIGN JPKISIM_KENHOJO_PIN=$KENHOJO JPKISIM_JUKI_PIN=$JUKI "$J" card new --state "$work/secret.json" >"$work/card-new.log" 2>&1
"$J" serve -v --state "$work/secret.json" --vpcd 127.0.0.1:35963 >"$work/serve-secret.log" 2>&1 &
serve_secret_pid=$!
pids+=($serve_secret_pid)
sleep 0.7 # pcscd sees the old card leave before the new one arrives
wait_card "$SLOT0"
(
	export JPKISIM_AUTH_PIN=$AUTH JPKISIM_SIGN_PIN=$SIGN JPKISIM_KENHOJO_PIN=$KENHOJO JPKISIM_JUKI_PIN=$JUKI
	"$J" run --target "pcsc:$SLOT0" --format "pretty,junit:$work/secret.xml,cucumber:$work/secret.json.report" >"$work/run-secret.log" 2>&1
	"$J" props --target "pcsc:$SLOT0" --sequences 50 --max-len 30 >"$work/props-secret.log" 2>&1
	"$J" apdu --target "pcsc:$SLOT0" "$SELECT" 00A4020C020018 '00200080{len:auth-pin}{auth-pin}' >"$work/apdu-secret.log" 2>&1
	# card new wrote the Kenhojo and Juki PINs of the environment: they open the card.
	"$J" apdu --target "pcsc:$SLOT0" 00A4040C0AD3921000310001010408 00A4020C020011 '00200080{len:kenhojo-pin}{kenhojo-pin}' \
		00A4040C0AD3921000310001010401 00A4020C02001C '00200080{len:juki-pin}{juki-pin}' >"$work/apdu-secret-cardface.log" 2>&1
	[ "$(tr '\n' ' ' <"$work/apdu-secret-cardface.log")" = "9000 9000 9000 9000 9000 9000 " ] ||
		{ echo "the Kenhojo or Juki PIN of the environment does not open the card: $(tr '\n' ' ' <"$work/apdu-secret-cardface.log")" >&2; exit 1; }
	"$J" run --target "pcsc:$SLOT0" --features features/retry.feature --tags @RETRY-03 --format pretty >"$work/run-secret-2.log" 2>&1
	"$J" card show --state "$work/secret.json" >"$work/card-show.log" 2>&1
) || { echo "the suite failed on the card with other PINs" >&2; tail -n 30 "$work/run-secret.log" >&2; exit 1; }
grep -E "scenarios|^targets" "$work/run-secret.log" | tail -n 2
JPKISIM_SCAN_PINS="$AUTH $SIGN $KENHOJO $JUKI" go run ./scripts/secretscan "$work"/*.log "$work/secret.xml" "$work/secret.json.report"

# --- a run leaves a served state file as it found it (issue 9, item 3) ---
echo "== run, props and diff leave the card of serve --state as they found it, also when interrupted"
# body_of: the card's whole EEPROM in the file (PINs, counters, files), as one hash.
body_of() { jq -cS .body "$work/secret.json" | sha256sum | cut -c1-16; }
tries_in_file() { jq -r '[.body.apps[].efs[] | select(.kind == "pin") | .pin.remaining] | join(" ")' "$work/secret.json"; }
(
	export JPKISIM_AUTH_PIN=$AUTH JPKISIM_SIGN_PIN=$SIGN JPKISIM_KENHOJO_PIN=$KENHOJO JPKISIM_JUKI_PIN=$JUKI
	found=$(body_of)
	echo "the file before: tries $(tries_in_file), body $found"
	"$J" run --target "pcsc:$SLOT0" --features features/retry.feature --tags @RETRY-06 --format progress >"$work/run-keep.log" 2>&1 ||
		{ echo "run --tags @RETRY-06 failed" >&2; tail -n 20 "$work/run-keep.log" >&2; exit 1; }
	[ "$(body_of)" = "$found" ] || { echo "run --tags @RETRY-06 left the file changed: tries $(tries_in_file)" >&2; exit 1; }
	"$J" props --target "pcsc:$SLOT0" --sequences 30 --max-len 30 >"$work/props-keep.log" 2>&1 ||
		{ echo "props failed" >&2; tail -n 20 "$work/props-keep.log" >&2; exit 1; }
	[ "$(body_of)" = "$found" ] || { echo "props left the file changed: tries $(tries_in_file)" >&2; exit 1; }
	"$J" diff --a sim --b "pcsc:$SLOT0" --count 100 >"$work/diff-keep.log" 2>&1 ||
		{ echo "diff failed" >&2; tail -n 20 "$work/diff-keep.log" >&2; exit 1; }
	[ "$(body_of)" = "$found" ] || { echo "diff left the file changed: tries $(tries_in_file)" >&2; exit 1; }
	echo "after run --tags @RETRY-06, props and diff: tries $(tries_in_file), body $(body_of)"

	# Another client spends a signing-password try: the card a run finds is
	# no longer the one serve loaded, and a run must return to the former.
	"$J" apdu --target "pcsc:$SLOT0" "$SELECT" 00A4020C02001B 002000800657524F4E4731 | tail -n 1 | grep -qx 63C4
	found=$(body_of)
	echo "another client spent a try: tries $(tries_in_file), body $found"
	# props starts its model where the card is, and returns the card there.
	"$J" props --target "pcsc:$SLOT0" --sequences 30 --max-len 30 >"$work/props-keep-2.log" 2>&1 ||
		{ echo "props on a card with a try spent failed" >&2; tail -n 20 "$work/props-keep-2.log" >&2; exit 1; }
	[ "$(body_of)" = "$found" ] || { echo "props left the file changed: tries $(tries_in_file)" >&2; exit 1; }
	from=$(wc -l <"$work/serve-secret.log")
	"$J" run --target "pcsc:$SLOT0" --format progress >"$work/run-interrupted.log" 2>&1 &
	run_pid=$!
	# Interrupt it once its scenarios have spent tries (wrong VERIFYs answered 63Cx).
	for _ in $(seq 300); do
		[ "$(tail -n +"$from" "$work/serve-secret.log" | grep -cE 'c=002000[0-9A-F]{4}X.* r=63C')" -ge 3 ] && break
		sleep 0.1
	done
	kill -INT "$run_pid"
	rc=0
	wait "$run_pid" || rc=$?
	[ "$rc" -eq 130 ] && grep "interrupted by SIGINT; the card was restored" "$work/run-interrupted.log" ||
		{ echo "the interrupted run exited $rc without restoring the card" >&2; tail -n 20 "$work/run-interrupted.log" >&2; exit 1; }
	[ "$(body_of)" = "$found" ] || { echo "the interrupted run left the file changed: tries $(tries_in_file)" >&2; exit 1; }
	echo "after the interrupted run: tries $(tries_in_file), body $(body_of)"
	echo "$found" >"$work/found.body"
) || exit 1
# The file once serve has stopped, then serve again for what follows.
kill "$serve_secret_pid"
wait "$serve_secret_pid" 2>/dev/null || true
forget "$serve_secret_pid"
echo "serve stopped: tries $(tries_in_file), body $(body_of)"
[ "$(body_of)" = "$(cat "$work/found.body")" ] || { echo "the file once serve stopped is not the card the run found" >&2; exit 1; }
"$J" serve --state "$work/secret.json" --vpcd 127.0.0.1:35963 >"$work/serve-secret-2.log" 2>&1 &
pids+=($!)
sleep 0.7 # pcscd sees the old card leave before the new one arrives
wait_card "$SLOT0"
# --- end of the section of item 3 ---

# --- a run's snapshot is its own (issue 9, item 3, review): another PC/SC client's
# snapshot command during a run, and a second run on the same card, are refused ---
echo "== another client cannot move a run's snapshot; a second run on the card fails at once"
(
	export JPKISIM_AUTH_PIN=$AUTH JPKISIM_SIGN_PIN=$SIGN JPKISIM_KENHOJO_PIN=$KENHOJO JPKISIM_JUKI_PIN=$JUKI
	long="$work/long-features"
	mkdir -p "$long"
	# Each scenario leaves the signing password at 1 try from where the run found it.
	wrong=$(($(tries_in_file | cut -d' ' -f2) - 1))
	[ "$wrong" -ge 2 ] || { echo "the signing password has too few tries for this check: $(tries_in_file)" >&2; exit 1; }
	{
		printf 'Feature: a long run that spends tries in every scenario\n\n'
		printf '  Background:\n    Given the JPKI application is selected\n\n'
		printf '  @destructive\n  Scenario Outline: wrong signing passwords down to one try, scenario <n>\n'
		printf '    When I enter a wrong signing password %d times\n    Then the status word is 63C1\n\n' "$wrong"
		printf '    Examples:\n      | n |\n'
		for n in $(seq 1000); do printf '      | %d |\n' "$n"; done
	} >"$long/long.feature"
	found=$(body_of)
	echo "the file before: tries $(tries_in_file), body $found"
	"$J" run --target "pcsc:$SLOT0" --features "$long" --format progress >"$work/run-long.log" 2>&1 &
	run_pid=$!
	# Once a few scenarios have run (progress prints a character per step):
	for _ in $(seq 300); do
		[ "$(tr -cd '.' <"$work/run-long.log" 2>/dev/null | wc -c)" -ge 30 ] && break
		sleep 0.1
	done
	# Another client: the snapshot command, mid-run (a snapshot taken now would hold
	# the tries the current scenario spent; a wrong VERIFY of its own would break
	# that scenario's expected counter, so it sends none). The run
	# resets the card before every scenario, which cuts off another client's
	# transaction now and then ("card reset"): it tries again, as a program would.
	for _ in $(seq 20); do
		"$J" apdu --target "pcsc:$SLOT0" "$SELECT" 80EE01000F4A504B4953494D2D524553544F5245 \
			>"$work/apdu-move.log" 2>&1 && [ "$(wc -l <"$work/apdu-move.log")" -eq 2 ] && break
	done
	kill -0 "$run_pid" 2>/dev/null || { echo "the long run ended before the other client was done: make it longer" >&2; exit 1; }
	tail -n 1 "$work/apdu-move.log" | grep -qx 6985 ||
		{ echo "another client's snapshot during a run was not refused:" >&2; cat "$work/apdu-move.log" >&2; exit 1; }
	# A second run on the same card, meanwhile: refused at once, exit 3, one line.
	for _ in $(seq 20); do
		rc=0
		"$J" run --target "pcsc:$SLOT0" --features features/retry.feature --tags @RETRY-06 --format progress \
			>"$work/run-second.out" 2>"$work/run-second.log" || rc=$?
		grep -q "card reset" "$work/run-second.log" || break
	done
	[ "$rc" -eq 3 ] && [ "$(wc -l <"$work/run-second.log")" -eq 1 ] && grep -q "snapshot of another run" "$work/run-second.log" ||
		{ echo "a second run on a card that another run holds exited $rc:" >&2; cat "$work/run-second.log" >&2; exit 1; }
	[ ! -s "$work/run-second.out" ] || { echo "the second run ran scenarios:" >&2; cat "$work/run-second.out" >&2; exit 1; }
	cat "$work/run-second.log"
	kill -0 "$run_pid" 2>/dev/null || { echo "the long run ended before the other client was done: make it longer" >&2; exit 1; }
	rc=0
	wait "$run_pid" || rc=$?
	[ "$rc" -eq 0 ] && grep -q "1000 scenarios (1000 passed)" "$work/run-long.log" ||
		{ echo "the long run exited $rc with another client beside it" >&2; tail -n 20 "$work/run-long.log" >&2; exit 1; }
	[ "$(body_of)" = "$found" ] || { echo "the long run left the file changed: tries $(tries_in_file)" >&2; exit 1; }
	echo "after the long run beside another client and a second run: tries $(tries_in_file), body $(body_of)"
) || exit 1
# --- end of the section of the review of item 3 ---

# --- exit statuses (issue 9, item 8): a state file the file system will not let be
# written, pcscd lost under a command
if [ -n "${JPKISIM_PRIVATE_NS:-}" ]; then
	echo "== a state file on a read-only file system: exit 3, one line, the file untouched"
	ro="$work/ro"
	mkdir "$ro"
	mount -t tmpfs -o size=1m jpkisim-ro "$ro"
	(
		trap 'umount "$ro" 2>/dev/null || true' EXIT
		"$J" card new --state "$ro/card.json" >/dev/null
		mount -o remount,ro "$ro"
		sum=$(sha256sum "$ro/card.json")
		for args in "card new --state $ro/new.json" "card reset-pin --state $ro/card.json --pin auth" \
			"card event --state $ro/card.json loss" "apdu --state $ro/card.json $SELECT" \
			"serve --state $ro/card.json --vpcd 127.0.0.1:1"; do
			rc=0
			# shellcheck disable=SC2086 # the words of args are the arguments
			timeout 20 "$J" $args >"$work/ro.out" 2>"$work/ro.err" || rc=$?
			if [ $rc -ne 3 ] || [ "$(wc -l <"$work/ro.err")" -ne 1 ]; then
				echo "jpkisim ${args%% --*} on a read-only file system: exit $rc, $(cat "$work/ro.err")" >&2
				exit 1
			fi
		done
		[ "$(sha256sum "$ro/card.json")" = "$sum" ] || { echo "the state file changed on a read-only file system" >&2; exit 1; }
		"$J" card show --state "$ro/card.json" >/dev/null || { echo "card show cannot read a state file on a read-only file system" >&2; exit 1; }
		echo "5 commands: exit 3 — $(cat "$work/ro.err"); card show still reads it"
	)
fi
if [ $own_pcscd -eq 1 ]; then
	echo "== pcscd stopped in the middle of a command: exit 3, one line"
	many=()
	for _ in $(seq 20000); do many+=("$SELECT"); done
	"$J" apdu --target "pcsc:$SLOT0" "${many[@]}" >"$work/lost.out" 2>"$work/lost.err" &
	lost_pid=$!
	pids+=("$lost_pid")
	for _ in $(seq 100); do [ -s "$work/lost.out" ] && break; sleep 0.05; done
	kill "$pcscd_pid"
	wait "$pcscd_pid" 2>/dev/null || true
	forget "$pcscd_pid"
	rc=0
	wait "$lost_pid" || rc=$?
	forget "$lost_pid"
	if [ $rc -ne 3 ] || [ "$(wc -l <"$work/lost.err")" -ne 1 ]; then
		echo "apdu with pcscd gone after $(wc -l <"$work/lost.out") answers: exit $rc, $(cat "$work/lost.err")" >&2
		exit 1
	fi
	echo "after $(wc -l <"$work/lost.out") answers: exit 3 — $(cat "$work/lost.err")"
	start_pcscd
	wait_card "$SLOT0"
fi

if [ $own_pcscd -eq 1 ]; then
	echo "== pcscd restarted: jpkisim serve re-attaches by itself"
	kill "$pcscd_pid"
	wait "$pcscd_pid" 2>/dev/null || true
	forget "$pcscd_pid" # reaped: never signal that PID again
	start_pcscd
	wait_card "$SLOT0"
	"$J" apdu --target "pcsc:$SLOT0" "$SELECT" 00A4020C020018 00200080
	echo "card re-attached after the pcscd restart"
fi
echo "== PC/SC checks passed"
