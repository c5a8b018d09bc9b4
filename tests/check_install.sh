#!/usr/bin/env bash
# Install the build into a staging directory, then compile and run a program
# outside the tree with nothing but `pkg-config --cflags --libs authkit`, and
# run the installed `authkit` CLI.
# usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >/dev/null
pc=$(find "$stage" -name authkit.pc | head -n 1)
[ -n "$pc" ] || { echo "authkit.pc was not installed"; exit 1; }
for h in authkit.h authkit/user.h authkit/sys/store.h authkit/version.h; do
	find "$stage" -path "*/include/$h" | grep -q . || { echo "header $h was not installed"; exit 1; }
done

export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR=$stage
flags=$(pkg-config --cflags --libs authkit)
echo "pkg-config --cflags --libs authkit: $flags"
cp "$src/examples/quickstart/quickstart.c" "$stage/prog.c"
cc -std=c11 -Wall -Wextra -Werror -o "$stage/prog" "$stage/prog.c" $flags

libdir=$(dirname "$(find "$stage" -name 'libauthkit.so.*' | head -n 1)")
out=$(cd "$stage" && LD_LIBRARY_PATH=$libdir AUTHKIT_ARGON2_MEMLIMIT=19922944 ./prog "$stage/installed.db")
echo "$out"
grep -Eq "authenticate alice \(right\) +success" <<<"$out"
grep -Eq "authenticate bob \(unknown\) +invalid credentials" <<<"$out"

# The CLI is installed into bindir and runs against the installed library.
cli=$(find "$stage" -path '*/bin/authkit' -type f | head -n 1)
[ -n "$cli" ] || { echo "the authkit CLI was not installed"; exit 1; }
LD_LIBRARY_PATH=$libdir "$cli" --version | grep -Eq '^authkit [0-9]+\.[0-9]+\.[0-9]+$'
LD_LIBRARY_PATH=$libdir AUTHKIT_ARGON2_MEMLIMIT=19922944 "$cli" init --db "$stage/cli.db" | grep -q created
LD_LIBRARY_PATH=$libdir AUTHKIT_ARGON2_MEMLIMIT=19922944 "$cli" check --db "$stage/cli.db" | grep -q "integrity: ok"
echo "installed CLI: ${cli#$stage}"
