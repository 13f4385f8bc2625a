#!/usr/bin/env bash
# ensure-packages.sh PKG... — installs the Debian packages that are missing,
# with apt-get, when running as root; otherwise names them and fails.
set -euo pipefail
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${missing[*]} (install them, or run make as root)" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "missing packages ${missing[*]} and no apt-get to install them" >&2
	exit 1
fi
echo "installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
