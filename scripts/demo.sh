#!/usr/bin/env bash
# README command 1: installs what is missing, builds, runs the demo on embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/orca-demo "$@"
