#!/usr/bin/env bash
# Configures and builds orca into build/ (Ninja, RelWithDebInfo unless BUILD_TYPE is set).
# Arguments go to the configure step (scripts/test.sh passes -DORCA_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build build -j "$(nproc)"
