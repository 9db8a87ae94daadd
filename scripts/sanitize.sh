#!/usr/bin/env bash
# Builds orca with sanitizers and runs the suite under them, on SQLite and a throwaway
# PostgreSQL. Usage: scripts/sanitize.sh address,undefined | thread  [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kind="${1:?usage: scripts/sanitize.sh address,undefined|thread [ctest args]}"
shift
dir="build-${kind//,/-}"
scripts/install-deps.sh --with-postgresql-server
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DORCA_SANITIZE="$kind" >/dev/null
cmake --build "$dir" -j "$(nproc)"

if [[ -z "${ORCA_TEST_POSTGRESQL_URL:-}" ]]; then
  pgdir=$(mktemp -d /tmp/orca-pg.XXXXXX)
  trap '"$root/scripts/pg-throwaway.sh" stop "$pgdir" || true' EXIT
  ORCA_TEST_POSTGRESQL_URL=$(scripts/pg-throwaway.sh start "$pgdir")
  export ORCA_TEST_POSTGRESQL_URL
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Debian's libcaf_core is not built with -fsanitize=thread: the synchronisation inside its
# mailboxes is invisible to TSan, so actor-layer runs report CAF's own message handoffs.
# Meaningful TSan runs of the actor tests need a TSan-built CAF; see README.
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1"
ctest --test-dir "$dir" --output-on-failure --timeout 1200 "$@"
