#!/usr/bin/env bash
# README command 1: installs what is missing, builds what the demo needs and runs it on
# embedded SQLite. The build is made for a quick first run: only the orca-demo target
# (orca's three libraries, the examples' workflows, the demo; no tests or benchmarks), in
# Release (no debug information, a third less compile time) and in unity batches. The
# test command rebuilds build/ file by file in RelWithDebInfo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_TYPE="${BUILD_TYPE:-Release}" ORCA_UNITY_BUILD=ON scripts/build.sh --target orca-demo
exec build/orca-demo "$@"
