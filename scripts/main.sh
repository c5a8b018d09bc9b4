#!/usr/bin/env bash
# The main job: install dependencies, build, and run the quickstart example
# on a local SQLite file (creates a user, authenticates, prints what happened).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
mkdir -p data/run
exec ./build/examples/quickstart/authkit-quickstart data/run/quickstart.db
