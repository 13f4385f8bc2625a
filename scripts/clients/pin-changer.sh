#!/bin/sh
# A client under test that changes the signing password (scripts/certify-test.sh):
# it verifies the password it was given and says the status word; given the
# configured password on a fresh card, it then changes the password (CHANGE
# REFERENCE DATA, P1 01) to another value, as a "change your password" screen
# would. certify puts a new card in for every run, so the next run's card has
# the configured password again: its VERIFY answers 9000. The new value goes to
# scriptor on its standard input, never an argument; the password given comes
# in JPKISIM_CLIENT_PIN.
set -u
SELECT=00A4040C0AD392F000260100000001
[ -n "${JPKISIM_CLIENT_PIN:-}" ] || { echo "no signing password entered"; exit 2; }
JPKISIM_SIGN_PIN=$(printf %s "$JPKISIM_CLIENT_PIN" | tr a-z A-Z)
export JPKISIM_SIGN_PIN
sw=$(jpkisim apdu --target "pcsc:$JPKISIM_READER" "$SELECT" 00A4020C02001B '00200080{len:signing-pin}{signing-pin}' | tail -n 1)
echo "VERIFY of the signing password: $sw"
[ "$sw" = 9000 ] || exit 1
# A new password of the card's format, other than the one given.
new=$(printf %s "$JPKISIM_SIGN_PIN" | tr A-Y0-8 B-Z1-9)
hex=$(printf %s "$new" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
printf '%s\n' "$SELECT" 00A4020C02001B "$(printf '00200080%02X' $((${#hex} / 2)))$(printf %s "$JPKISIM_SIGN_PIN" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)" \
	"$(printf '00240180%02X' $((${#hex} / 2)))$hex" | scriptor -r "$JPKISIM_READER" 2>/dev/null | sed -n 's/^< //p' | tail -n 1 |
	sed 's/ :.*//; s/ //g; s/^/CHANGE REFERENCE DATA: /'
echo reset | scriptor -r "$JPKISIM_READER" >/dev/null 2>&1
exit 0
