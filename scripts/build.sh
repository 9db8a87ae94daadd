#!/usr/bin/env bash
# Configures and builds orca into build/ (Ninja, RelWithDebInfo unless BUILD_TYPE is set).
# Arguments go to `cmake --build` (scripts/build.sh --target orca-demo builds only the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j "$(nproc)" "$@"
