#!/usr/bin/env bash
# README command 1: installs what is missing, builds what the demo needs (the orca-demo
# target: orca's three libraries and the examples' workflows, no tests or benchmarks, in
# unity batches), runs the demo on embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
ORCA_UNITY_BUILD=ON scripts/build.sh --target orca-demo
exec build/orca-demo "$@"
