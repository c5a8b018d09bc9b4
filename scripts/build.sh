#!/usr/bin/env bash
# Configure (or reconfigure) and build one build directory.
# usage: scripts/build.sh BUILDDIR [meson options...]
set -euo pipefail
dir=$1
shift
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
else
	meson setup "$dir" "$@"
fi
ninja -C "$dir"
