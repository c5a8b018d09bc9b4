#!/usr/bin/env bash
# Install dependencies, build with -Werror, and run every test.
# usage: scripts/test.sh            normal build in build/
#        scripts/test.sh --sanitize AddressSanitizer + UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

dir=build
opts=(-Dwerror=true)
if [ "${1:-}" = "--sanitize" ]; then
	dir=build-asan
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
bash scripts/build.sh "$dir" "${opts[@]}"
meson test -C "$dir" --print-errorlogs --num-processes 2
