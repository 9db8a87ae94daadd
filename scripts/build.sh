#!/usr/bin/env bash
# Configures and builds orca into build/ (Ninja, RelWithDebInfo unless BUILD_TYPE is set;
# ORCA_UNITY_BUILD=ON compiles the libraries as unity batches, see CMakeLists.txt).
# Arguments of the form -D... go to the configure step (scripts/test.sh passes
# -DORCA_WERROR=ON), the others to `cmake --build` (scripts/demo.sh passes --target orca-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
configure=()
build=()
for arg in "$@"; do
  if [[ $arg == -D* ]]; then configure+=("$arg"); else build+=("$arg"); fi
done
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DORCA_UNITY_BUILD="${ORCA_UNITY_BUILD:-OFF}" "${configure[@]}" >/dev/null
cmake --build build -j "$(nproc)" "${build[@]}"
