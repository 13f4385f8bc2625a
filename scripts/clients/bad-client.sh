#!/bin/sh
# A misbehaving client under test (features/client_conformance.feature):
# it presents the signing password again when the card refuses it (two
# tries for one entry: CLIENT-02), reads a 6984 as "4 tries left" from SW2
# and exits 0 (CLIENT-05, as one public driver does), reads the auth
# certificate EF in fixed chunks past the end the card showed (CLIENT-06),
# and leaves the card as it is, the password verified (CLIENT-14). When
# nothing was entered it presents a password of its own (CLIENT-01): jpkisim
# apdu's, the test card's, with JPKISIM_SIGN_PIN unset. A password typed in
# lower case goes to the card as typed (CLIENT-03): jpkisim apdu would refuse
# it, so that VERIFY goes through scriptor, its hex on scriptor's standard
# input. It never reads the retry counter first, so it warns of nothing at
# one try left (CLIENT-04). The password comes in JPKISIM_CLIENT_PIN, never an
# argument.
set -u
SELECT=00A4040C0AD392F000260100000001
apdu() { jpkisim apdu --target "pcsc:$JPKISIM_READER" "$@"; }
if [ -n "${JPKISIM_CLIENT_PIN:-}" ]; then
	JPKISIM_SIGN_PIN=$JPKISIM_CLIENT_PIN
	export JPKISIM_SIGN_PIN
else
	unset JPKISIM_SIGN_PIN
fi
verify() { apdu "$SELECT" 00A4020C02001B '00200080{len:signing-pin}{signing-pin}' | tail -n 1; }
case ${JPKISIM_CLIENT_PIN:-} in
*[a-z]*)
	verify() {
		hex=$(printf %s "$JPKISIM_CLIENT_PIN" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
		printf '%s\n' "$SELECT" 00A4020C02001B "$(printf '00200080%02X' $((${#hex} / 2)))$hex" |
			scriptor -r "$JPKISIM_READER" 2>/dev/null | sed -n 's/^< //p' | tail -n 1 | sed 's/ :.*//; s/ //g'
	}
	;;
esac
sw=$(verify)
[ "$sw" = 9000 ] || sw=$(verify) # "the card may have been busy": the same entry again
case $sw in
9000) echo "signing password accepted" ;;
63C? | 698?)
	echo "wrong signing password: $((0x${sw#??} % 16)) tries left"
	exit 0
	;;
esac
for offset in 0000 0100 0200 0300 0400 0500 0600 0700 0800 0900; do
	apdu "$SELECT" 00A4020C02000A "00B0${offset}00" >/dev/null
done
echo "read the auth certificate EF"
exit 0
