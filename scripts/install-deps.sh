#!/usr/bin/env bash
# Install the Debian 12 packages libauthkit needs to build, test and run its
# examples. Idempotent: does nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
	build-essential meson ninja-build pkg-config
	libsqlite3-dev sqlite3 libsodium-dev libjwt-dev libjansson-dev libcrypt-dev
	libmicrohttpd-dev libpq-dev postgresql check
	python3 python3-bcrypt python3-jwt valgrind
	libcurl4-openssl-dev curl wrk
	jq
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
