#!/bin/sh
# The entrypoint of Containerfile.served: start pcscd and jpkisim serve, wait
# until the card is in its reader, run the command given ("$@"), then stop
# serve and pcscd by their PIDs, and exit with the command's status. SIGTERM
# or SIGINT is passed to the command; the two are stopped after it.
set -u
ready=$(mktemp)
pcscd --foreground &
pcscd_pid=$!
# shellcheck disable=SC2086 # JPKISIM_SERVE_ARGS is a list of flags
jpkisim serve --profile "${JPKISIM_PROFILE:-default}" --ready-file "$ready" ${JPKISIM_SERVE_ARGS:-} &
serve_pid=$!
cmd_pid=

stop() {
	kill "$serve_pid" "$pcscd_pid" 2>/dev/null
	wait "$serve_pid" 2>/dev/null
	wait "$pcscd_pid" 2>/dev/null
	rm -f "$ready"
}
trap '[ -n "$cmd_pid" ] && kill -TERM "$cmd_pid" 2>/dev/null' TERM INT

# serve writes the ready file once every slot's card is in its reader (30 s).
i=0
while [ ! -s "$ready" ]; do
	if ! kill -0 "$serve_pid" 2>/dev/null || [ "$i" -ge 300 ]; then
		echo "jpkisim-served: no virtual card in its reader" >&2
		stop
		exit 3
	fi
	i=$((i + 1))
	sleep 0.1
done

"$@" &
cmd_pid=$!
# wait returns early when a signal arrives: wait again until the command ends.
while :; do
	wait "$cmd_pid"
	rc=$?
	kill -0 "$cmd_pid" 2>/dev/null || break
done
stop
exit "$rc"
