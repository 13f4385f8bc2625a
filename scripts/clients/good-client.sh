#!/bin/sh
# A well-behaved client under test (features/client_conformance.feature):
# it presents the signing password it was given once (CLIENT-02), upper-cased
# (CLIENT-03), says the tries left and warns at one (CLIENT-04), stops on
# 6984 and says locked (CLIENT-05), reads the auth certificate in chunks
# until the card shows the end (CLIENT-06), and resets the card when it is
# done, so that no PIN stays verified for the next program (CLIENT-14).
# With --read-counter-first it reads the retry counter (the empty VERIFY)
# before it presents the password, and says how many tries are left.
# The password comes in JPKISIM_CLIENT_PIN, never an argument; the reader in
# JPKISIM_READER.
set -u
SELECT=00A4040C0AD392F000260100000001
apdu() { jpkisim apdu --target "pcsc:$JPKISIM_READER" "$@"; }
# done_with STATUS: reset the card (SCARD_RESET_CARD) and exit.
done_with() {
	echo reset | scriptor -r "$JPKISIM_READER" >/dev/null 2>&1
	exit "$1"
}
if [ -z "${JPKISIM_CLIENT_PIN:-}" ]; then
	echo "no signing password entered: nothing sent to the card"
	exit 2
fi
if [ "${1:-}" = --read-counter-first ]; then
	sw=$(apdu "$SELECT" 00A4020C02001B 00200080 | tail -n 1)
	case $sw in
	63C0)
		echo "the signing password is locked: have it reset at the municipal office"
		done_with 3
		;;
	63C1) echo "warning: 1 try left: a wrong signing password now locks it" ;;
	63C?) echo "$((0x${sw#63C})) tries left" ;;
	esac
fi
JPKISIM_SIGN_PIN=$(printf %s "$JPKISIM_CLIENT_PIN" | tr a-z A-Z)
export JPKISIM_SIGN_PIN
sw=$(apdu "$SELECT" 00A4020C02001B '00200080{len:signing-pin}{signing-pin}' | tail -n 1)
case $sw in
9000) echo "signing password accepted" ;;
6984)
	echo "the signing password is locked: have it reset at the municipal office"
	done_with 3
	;;
63C0)
	echo "wrong signing password: it is now locked"
	done_with 1
	;;
63C1)
	echo "wrong signing password: warning, 1 try left before it locks"
	done_with 1
	;;
63C?)
	echo "wrong signing password: $((0x${sw#63C})) tries left"
	done_with 1
	;;
*)
	echo "the card refused the signing password: $sw"
	done_with 1
	;;
esac
offset=0
size=0
while :; do
	r=$(apdu "$SELECT" 00A4020C02000A "$(printf '00B0%04X00' "$offset")" | tail -n 1)
	sw=${r#"${r%????}"}
	data=${r%????}
	n=$((${#data} / 2))
	case $sw in
	9000 | 6282) ;;
	6B00) break ;;
	*)
		echo "reading the auth certificate: $sw"
		done_with 1
		;;
	esac
	size=$((size + n))
	offset=$((offset + n))
	[ "$sw" = 9000 ] && [ "$n" -eq 256 ] || break
done
echo "read the auth certificate EF: $size bytes"
done_with 0
