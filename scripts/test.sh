#!/usr/bin/env bash
# Install dependencies, build with -Werror, and run every test.
# usage: scripts/test.sh            normal build in build/
#        scripts/test.sh --sanitize AddressSanitizer + UBSan build in build-asan/
#        scripts/test.sh --valgrind the suites that do little hashing, under
#                                   valgrind's leak checker (build/), and a
#                                   subset of the CLI test with the CLI under it
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

dir=build
opts=(-Dwerror=true -Dpostgres=enabled)
if [ "${1:-}" = "--sanitize" ]; then
	dir=build-asan
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
bash scripts/build.sh "$dir" "${opts[@]}"

# A private PostgreSQL server for the PostgreSQL tests (store-pg, pg-shared,
# pg-outage), stopped however this script ends. With it started here, those
# tests must run: a missing server is a failure, never a skip.
eval "$(bash scripts/pg-test-cluster.sh start)"
trap 'bash scripts/pg-test-cluster.sh stop' EXIT
export AUTHKIT_TEST_PG_REQUIRED=1
if [ "${1:-}" = "--valgrind" ]; then
	# Argon2id at 19 MiB is slow under valgrind: the hashing-heavy suites
	# (users, auth, args, fault, threads, crash) run under ASan instead.
	vg=(meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 4
		--wrap='valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 -q')
	"${vg[@]}" store store-pg token http session password vault apikey usage
	"${vg[@]}" --suite fuzz
	# The CLI test is Python driving the authkit binary: wrap the binary, not
	# the interpreter; check_cli.py then runs the subset that covers every
	# CLI source file (each CLI start hashes once, slow under valgrind).
	AUTHKIT_CLI_WRAPPER='valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 -q' \
		meson test -C "$dir" --print-errorlogs --timeout-multiplier 4 cli
	# The example servers' tests start the server binary: wrap the server
	# (tests/server_harness.c reads HS_SERVER_WRAPPER; exit 99 fails the test).
	HS_SERVER_WRAPPER='valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 -q' \
		meson test -C "$dir" --print-errorlogs --timeout-multiplier 4 chat imagegen
	exit 0
fi
meson test -C "$dir" --print-errorlogs --num-processes 2
