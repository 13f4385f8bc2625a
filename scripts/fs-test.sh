#!/usr/bin/env bash
# The card state file on a full disk and in a read-only directory, with real
# file systems: a write that fails answers 6581 and spends nothing, and once
# the file system takes writes again the counters are where the wrong
# entries left them (docs/state-file.md, "How each guarantee is tested").
#
# As root it runs inside a private mount namespace (unshare --mount) and
# mounts its own small tmpfs file systems there, so that the host sees none
# of them; root ignores file permissions, so a read-only directory has to be
# a read-only mount. Elsewhere it skips, saying so. Wrong PINs go through
# `jpkisim apdu` as hex; the card's correct PINs only through the
# environment, to the in-process half (TestStateFileOnABrokenFileSystem),
# never in a process's arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "fs-test: skipped: mounting a full and a read-only file system needs root (make test as root runs it)"
	exit 0
fi
if [ -z "${JPKISIM_FS_NS:-}" ]; then
	exec unshare --mount --propagation private env JPKISIM_FS_NS=1 "$0" "$@"
fi

work=$(mktemp -d)
mounts=()
cleanup() {
	local rc=$? i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" 2>/dev/null || true; done
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

J="$work/jpkisim"
go build -o "$J" ./cmd/jpkisim
go test -c -o "$work/cmd.test" ./cmd/jpkisim

# The card's PINs: not the profile's test PINs, and never in an argument.
export JPKISIM_AUTH_PIN=4731 JPKISIM_SIGN_PIN=FS7TEST9
SEL=00A4040C0AD392F000260100000001
WRONG_AUTH=002000980439393939       # 9999
WRONG_SIGN=0020009B065A5A39393939   # ZZ9999
fail() { echo "fs-test: FAIL: $*" >&2; exit 1; }

# tries FILE: "AUTH/AUTH_MAX SIGN/SIGN_MAX" as card show reads them.
tries() {
	"$J" card show --state "$1" | sed -n 's|^auth PIN: \([0-9]*\) of \([0-9]*\) tries left; signing password: \([0-9]*\) of \([0-9]*\) tries left$|\1/\2 \3/\4|p'
}
# answers FILE HEX...: the status words of one apdu session, space-separated.
answers() {
	local f=$1
	shift
	"$J" apdu --state "$f" "$@" | sed 's/.*\(....\)$/\1/' | tr '\n' ' ' | sed 's/ $//'
}
# correct FILE broken|writable: the correct PINs, in process.
correct() {
	JPKISIM_FS_STATE=$1 JPKISIM_FS_EXPECT=$2 "$work/cmd.test" -test.run '^TestStateFileOnABrokenFileSystem$' -test.count=1 >"$work/correct.log" 2>&1 ||
		{ cat "$work/correct.log" >&2; fail "correct PINs, $2: see above"; }
	grep -q '^PASS' "$work/correct.log" || fail "the in-process half did not run"
}
no_temporaries() {
	local left
	left=$(find "$(dirname "$1")" -maxdepth 1 -name ".$(basename "$1").tmp-*" | wc -l)
	[ "$left" -eq 0 ] || fail "$left temporary files left beside $1"
}

echo "== a full disk"
full="$work/full"
mkdir "$full"
mount -t tmpfs -o size=256k,mode=0700 jpkisim-fs-full "$full"
mounts+=("$full")
F="$full/card.json"
"$J" card new --state "$F" >/dev/null
before=$(answers "$F" $SEL $WRONG_AUTH $WRONG_SIGN)
[ "$before" = "9000 63C2 63C4" ] || fail "wrong PINs before the disk filled: $before"
dd if=/dev/zero of="$full/fill" bs=4k >/dev/null 2>&1 || true # until no space is left
df -k "$full" | tail -1
got=$(answers "$F" $SEL $WRONG_AUTH $WRONG_AUTH $WRONG_AUTH $WRONG_AUTH $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN 00200098 0020009B)
[ "$got" = "9000 6581 6581 6581 6581 6581 6581 6581 6581 6581 63C2 63C4" ] || fail "wrong PINs on a full disk: $got"
correct "$F" broken
[ "$(tries "$F")" = "2/3 4/5" ] || fail "counters on a full disk: $(tries "$F")"
no_temporaries "$F"
rm "$full/fill" # space comes back
[ "$(tries "$F")" = "2/3 4/5" ] || fail "counters once space came back: $(tries "$F")"
correct "$F" writable
got=$(answers "$F" $SEL $WRONG_AUTH 0020009B)
[ "$got" = "9000 63C2 63C5" ] || fail "after the full disk: $got"
echo "full disk: wrong and correct PINs answered 6581 and spent nothing; the counters came back as the wrong entries left them"

echo "== a read-only directory"
# The directory is a read-only mount; its lock file a writable file
# bind-mounted into it, as with a directory that lost its write permission
# after the lock file was made: the lock is taken, every write fails.
ro="$work/ro"
rw="$work/rw"
mkdir "$ro" "$rw"
mount -t tmpfs -o size=256k,mode=0700 jpkisim-fs-ro "$ro"
mounts+=("$ro")
mount -t tmpfs -o size=64k,mode=0700 jpkisim-fs-rw "$rw"
mounts+=("$rw")
R="$ro/card.json"
"$J" card new --state "$R" >/dev/null
got=$(answers "$R" $SEL $WRONG_SIGN)
[ "$got" = "9000 63C4" ] || fail "before the read-only mount: $got"
: >"$rw/lock"
mount -o remount,ro "$ro"
sum=$(sha256sum "$R")
# Without a writable lock file the card is not opened at all.
if out=$("$J" apdu --state "$R" $SEL $WRONG_SIGN 2>&1); then fail "opened on a read-only file system: $out"; fi
echo "$out" | grep -q "read-only file system" || fail "the refusal does not say why: $out"
mount --bind "$rw/lock" "$R.lock"
mounts+=("$R.lock")
got=$(answers "$R" $SEL $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN $WRONG_SIGN $WRONG_AUTH 0020009B 00200098)
[ "$got" = "9000 6581 6581 6581 6581 6581 6581 6581 63C4 63C3" ] || fail "wrong PINs in a read-only directory: $got"
correct "$R" broken
[ "$(sha256sum "$R")" = "$sum" ] || fail "the file changed on a read-only mount"
umount "$R.lock"
unset 'mounts[-1]'
mount -o remount,rw "$ro"
[ "$(tries "$R")" = "3/3 4/5" ] || fail "counters once the directory took writes: $(tries "$R")"
correct "$R" writable
echo "read-only directory: refused without a lock; with one, every VERIFY answered 6581 and the counters stayed"
echo "== fs checks passed"
