#!/usr/bin/env bash
# README command 1: installs what is missing, builds what the demo needs (the orca-demo
# target: orca's three libraries and the examples, no tests or benchmarks), runs the demo
# on embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target orca-demo
exec build/orca-demo "$@"
