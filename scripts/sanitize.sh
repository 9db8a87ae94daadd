#!/usr/bin/env bash
# Builds orca with sanitizers and runs tests under them, on SQLite and PostgreSQL (a
# throwaway server unless ORCA_TEST_POSTGRESQL_URL is set).
# Usage: scripts/sanitize.sh address,undefined | thread  [ctest arguments...]
#
#   address,undefined  ASan + UBSan (+ LeakSanitizer) into build-address-undefined/.
#   thread             TSan into build-thread/, against CAF 0.17.6 built with TSan
#                      (scripts/caf-tsan.sh, into .cache/caf-tsan; built once: 141 files, 40 min on a busy 2-core machine).
#
# ORCA_SANITIZE_TARGETS="t1 t2": build only those targets (the test command builds the two
# test programs that hold the `fault` suite); everything by default.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kind="${1:?usage: scripts/sanitize.sh address,undefined|thread [ctest args]}"
shift
dir="build-${kind//,/-}"
jobs=$(nproc)
((jobs > 2)) && jobs=2  # CI and the development machines have 2 cores, shared
scripts/install-deps.sh --with-postgresql-server

configure=(-DCMAKE_BUILD_TYPE=Debug -DORCA_SANITIZE="$kind")
case $kind in
  address,undefined | undefined,address)
    # halt_on_error: the first report fails the test. detect_leaks: LeakSanitizer at exit.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
  thread)
    caf="$root/.cache/caf-tsan"
    scripts/caf-tsan.sh "$caf"
    caf_lib=$(ls -d "$caf"/lib*/libcaf_core.so | head -n 1)
    configure+=(-DCAF_INCLUDE_DIR="$caf/include" -DCAF_CORE_LIBRARY="$caf_lib"
                -DCMAKE_BUILD_RPATH="$(dirname "$caf_lib")")
    # halt_on_error=0: every race is reported, each test fails at exit if one was (exitcode).
    export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:exitcode=66"
    ;;
  *) echo "sanitize.sh: unknown kind '$kind' (address,undefined or thread)" >&2; exit 2 ;;
esac

echo "orca: building $dir (-fsanitize=$kind)" >&2
cmake -S . -B "$dir" -G Ninja "${configure[@]}" >/dev/null
targets=()
for t in ${ORCA_SANITIZE_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$dir" -j "$jobs" "${targets[@]}"

if [[ -z "${ORCA_TEST_POSTGRESQL_URL:-}" ]]; then
  pgdir=$(mktemp -d /tmp/orca-pg.XXXXXX)
  trap '"$root/scripts/pg-throwaway.sh" stop "$pgdir" || true' EXIT
  ORCA_TEST_POSTGRESQL_URL=$(scripts/pg-throwaway.sh start "$pgdir")
  export ORCA_TEST_POSTGRESQL_URL
fi
echo "orca: running tests in $dir under -fsanitize=$kind" >&2
ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 1200 "$@"
