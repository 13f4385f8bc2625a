#!/bin/sh
# A signing client under test (features/client_conformance.feature), well
# behaved unless told to make a mistake. It signs the message in
# $JPKISIM_MESSAGE with the signing key and writes the raw PKCS#1 v1.5
# signature to $JPKISIM_SIGNATURE. It reads the signing password's retry
# counter first and goes on when the card will not say it (6A80, CLIENT-15);
# presents the password it was given once, upper-cased; reads the signing
# certificate and its CA certificate in chunks that stop at the
# certificate's end, and refuses a card without one without crashing
# (CLIENT-16); refuses an expired certificate (CLIENT-12); asks the OCSP
# responder ($JPKISIM_PKI_URL, else the certificate's own OCSP URI) and
# refuses a revoked or held certificate (CLIENT-10, CLIENT-11); signs a
# DigestInfo with the NULL parameter (CLIENT-08, CLIENT-09) and waits for the
# card however slow (CLIENT-13); lets jpkisim apdu answer 61xx with GET
# RESPONSE and 6Cxx with the right Le (CLIENT-07); resets the card at the end
# (CLIENT-14).
#
# --mistake NAME (repeatable) makes one mistake instead:
#   give-up-on-6a80       stops when the counter query answers 6A80
#   crash-without-cert    crashes (SIGSEGV) on a card without a signing certificate
#   ignore-expiry         does not look at the certificate's validity
#   no-revocation-check   asks no OCSP responder
#   no-null               signs a DigestInfo without the NULL parameter
#   bare-hash             signs the bare SHA-256 hash (P1 00, 32 bytes)
#   short-timeout         gives the signature 1 s, then gives up
#   no-get-response       sends the signature through scriptor and takes a
#                         61xx for the end (no GET RESPONSE)
# The password comes in JPKISIM_CLIENT_PIN, never an argument; the reader in
# JPKISIM_READER.
set -u
AP=00A4040C0AD392F000260100000001
usage() {
	echo "usage: signer.sh [--mistake NAME]..." >&2
	exit 2
}
mistakes=" "
while [ $# -gt 0 ]; do
	case $1 in
	--mistake)
		[ $# -ge 2 ] || usage
		mistakes="$mistakes$2 "
		shift 2
		;;
	*) usage ;;
	esac
done
has() { case $mistakes in *" $1 "*) return 0 ;; esac; return 1; }
apdu() { jpkisim apdu --target "pcsc:$JPKISIM_READER" "$@"; }
tmp=$(mktemp -d)
# done_with STATUS: reset the card (SCARD_RESET_CARD) and exit.
done_with() {
	echo reset | scriptor -r "$JPKISIM_READER" >/dev/null 2>&1
	rm -rf "$tmp"
	exit "$1"
}
if [ -z "${JPKISIM_CLIENT_PIN:-}" ]; then
	echo "no signing password entered: nothing sent to the card"
	exit 2
fi
JPKISIM_SIGN_PIN=$(printf %s "$JPKISIM_CLIENT_PIN" | tr a-z A-Z)
export JPKISIM_SIGN_PIN

sw=$(apdu "$AP" 00A4020C02001B 00200080 | tail -n 1)
case $sw in
63C0 | 6984)
	echo "the signing password is locked: have it reset at the municipal office"
	done_with 3
	;;
63C1) echo "warning: 1 try left: a wrong signing password now locks it" ;;
63C?) echo "$((0x${sw#63C})) tries left" ;;
6A80)
	if has give-up-on-6a80; then
		echo "cannot read the signing password's retry counter ($sw): giving up"
		done_with 1
	fi
	echo "the card does not say how many tries are left ($sw): going on"
	;;
*)
	echo "reading the retry counter: $sw"
	done_with 1
	;;
esac
sw=$(apdu "$AP" 00A4020C02001B '00200080{len:signing-pin}{signing-pin}' | tail -n 1)
case $sw in
9000) echo "signing password accepted" ;;
6984 | 63C0)
	echo "the signing password is locked"
	done_with 3
	;;
*)
	echo "the card refused the signing password: $sw"
	done_with 1
	;;
esac

# Each jpkisim apdu is a connection of its own, and pcscd powers an unused
# card off between two of them when the machine is slow: what needs the
# password (the signing certificate, the signature) gets its VERIFY in the
# same connection — the value the card accepted, presented again.
VERIFY="00A4020C02001B 00200080{len:signing-pin}{signing-pin}"

# read_cert FID FILE [verify]: the DER certificate of EF FID, read in chunks
# up to its DER length, into FILE, after the password's VERIFY in the same
# connection with "verify"; status 1 when the EF holds none.
read_cert() {
	pre= skip=3
	if [ "${3:-}" = verify ]; then
		pre=$VERIFY skip=5
	fi
	# shellcheck disable=SC2086 # the VERIFY is two C-APDUs
	r=$(apdu "$AP" $pre "00A4020C02$1" 00B0000004 | tail -n 1)
	case $r in
	3082????9000) ;;
	*) return 1 ;;
	esac
	h=${r%9000}
	len=$((0x${h#3082} + 4))
	off=0
	cmds=
	while [ "$off" -lt "$len" ]; do
		n=$((len - off))
		[ "$n" -le 256 ] || n=256
		cmds="$cmds $(printf '00B0%04X%02X' "$off" $((n % 256)))"
		off=$((off + n))
	done
	# shellcheck disable=SC2086 # one argument per C-APDU
	apdu "$AP" $pre "00A4020C02$1" $cmds | tail -n "+$skip" >"$tmp/chunks" || return 1
	: >"$tmp/hex"
	while read -r c; do
		case $c in
		*9000) printf %s "${c%9000}" >>"$tmp/hex" ;;
		*) return 1 ;;
		esac
	done <"$tmp/chunks"
	xxd -r -p "$tmp/hex" >"$2"
}
if ! read_cert 0001 "$tmp/cert.der" verify; then
	if has crash-without-cert; then
		echo "panic: runtime error: invalid memory address or nil pointer dereference"
		kill -SEGV $$
	fi
	echo "this card holds no signing certificate (a card of someone under 15): nothing signed"
	done_with 1
fi
read_cert 0002 "$tmp/ca.der" || {
	echo "reading the signing CA certificate failed"
	done_with 1
}
openssl x509 -inform DER -in "$tmp/cert.der" -out "$tmp/cert.pem"
openssl x509 -inform DER -in "$tmp/ca.der" -out "$tmp/ca.pem"
if ! has ignore-expiry && ! openssl x509 -in "$tmp/cert.pem" -noout -checkend 0 >/dev/null; then
	echo "the signing certificate has expired ($(openssl x509 -in "$tmp/cert.pem" -noout -enddate)): not signing"
	done_with 1
fi
if ! has no-revocation-check; then
	url=${JPKISIM_PKI_URL:+$JPKISIM_PKI_URL/ocsp/sign}
	[ -n "$url" ] || url=$(openssl x509 -in "$tmp/cert.pem" -noout -ocsp_uri)
	st=$(openssl ocsp -issuer "$tmp/ca.pem" -cert "$tmp/cert.pem" -url "$url" -CAfile "$tmp/ca.pem" 2>&1)
	case $st in
	*"cert.pem: good"*) echo "OCSP: the signing certificate is good" ;;
	*"cert.pem: revoked"*)
		echo "OCSP: the signing certificate is revoked or on hold ($(printf '%s\n' "$st" | sed -n 's/^[[:space:]]*Reason: //p')): not signing"
		done_with 1
		;;
	*)
		echo "OCSP: no usable answer about the signing certificate: not signing"
		done_with 1
		;;
	esac
fi

digest=$(openssl dgst -sha256 -binary "$JPKISIM_MESSAGE" | od -An -v -tx1 | tr -d ' \n')
if has bare-hash; then
	data=$digest
elif has no-null; then
	data=302F300B06096086480165030402010420$digest
else
	data=3031300D060960864801650304020105000420$digest
fi
cmd=$(printf '802A0080%02X%s00' $((${#data} / 2)) "$data")
if has no-get-response; then
	pin=$(printf %s "$JPKISIM_SIGN_PIN" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
	r=$(printf '%s\n' "$AP" 00A4020C02001B "$(printf '00200080%02X' $((${#pin} / 2)))$pin" 00A4020C02001A "$cmd" |
		scriptor -r "$JPKISIM_READER" 2>/dev/null | sed -n 's/^< //p' | tail -n 1)
	r=$(printf %s "${r%% :*}" | tr -d ' ')
	case $r in
	*61??) r=${r%????}9000 ;; # "more data": taken for the end
	esac
elif has short-timeout; then
	# shellcheck disable=SC2086 # the VERIFY is two C-APDUs
	if ! r=$(timeout 1 jpkisim apdu --target "pcsc:$JPKISIM_READER" "$AP" $VERIFY 00A4020C02001A "$cmd"); then
		echo "the card did not answer the signature within 1 s: giving up"
		done_with 1
	fi
	r=$(printf '%s\n' "$r" | tail -n 1)
else
	# shellcheck disable=SC2086 # the VERIFY is two C-APDUs
	r=$(apdu "$AP" $VERIFY 00A4020C02001A "$cmd" | tail -n 1)
fi
sw=${r#"${r%????}"}
sig=${r%????}
if [ "$sw" != 9000 ]; then
	echo "the card refused the signature: $sw"
	done_with 1
fi
printf %s "$sig" | xxd -r -p >"$JPKISIM_SIGNATURE"
echo "signed the message: $((${#sig} / 2)) bytes in the signature"
done_with 0
