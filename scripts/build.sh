#!/usr/bin/env bash
# Configures and builds orca into build/ (Ninja, RelWithDebInfo unless BUILD_TYPE is set;
# ORCA_UNITY_BUILD=ON compiles the libraries as unity batches, see CMakeLists.txt).
# Arguments go to `cmake --build` (scripts/build.sh --target orca-demo builds only the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DORCA_UNITY_BUILD="${ORCA_UNITY_BUILD:-OFF}" >/dev/null
cmake --build build -j "$(nproc)" "$@"
