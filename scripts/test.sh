#!/usr/bin/env bash
# README command 2: installs what is missing, builds, starts a throwaway PostgreSQL and
# runs every test through ctest on SQLite and PostgreSQL; then builds the programs of the
# fault suite again under AddressSanitizer + UndefinedBehaviorSanitizer (build-address-undefined/)
# and runs that suite (ctest -L fault) on both backends. The server is stopped afterwards,
# whatever the outcome. Set ORCA_TEST_POSTGRESQL_URL to use a server of your own instead.
#
# Arguments go to the first ctest (`scripts/test.sh -L stream`); given any, the sanitizer
# phase is skipped unless ORCA_TEST_SANITIZE=1. ORCA_TEST_SANITIZE=0 always skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
sanitize=${ORCA_TEST_SANITIZE:-$(( $# == 0 ))}
phases=$(( sanitize == 1 ? 5 : 4 ))
phase() { echo "orca: [$1/$phases] $2 ($(( SECONDS - started )) s so far)" >&2; }

phase 1 "installing missing packages"
scripts/install-deps.sh --with-postgresql-server
phase 2 "building build/"
# Warnings in orca's own code fail the build here (ORCA_WERROR; plain builds only warn).
scripts/build.sh -DORCA_WERROR=ON

phase 3 "starting a throwaway PostgreSQL"
if [[ -z "${ORCA_TEST_POSTGRESQL_URL:-}" ]]; then
  pgdir=$(mktemp -d /tmp/orca-pg.XXXXXX)
  trap '"$root/scripts/pg-throwaway.sh" stop "$pgdir" || true' EXIT
  if ! ORCA_TEST_POSTGRESQL_URL=$(scripts/pg-throwaway.sh start "$pgdir"); then
    echo "orca: could not start the throwaway PostgreSQL (see above); the PostgreSQL tests cannot run" >&2
    exit 1
  fi
  export ORCA_TEST_POSTGRESQL_URL
fi
echo "orca: PostgreSQL tests use ${ORCA_TEST_POSTGRESQL_URL%%\?*}" >&2

phase 4 "running every test (build/)"
status=0
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600 "$@" || status=$?

if (( sanitize == 1 )); then
  # Only the test programs that hold the fault suite (drivers, actors), the writer program
  # the multi-process SQLite tests start, and what they link.
  phase 5 "the fault suite under ASan + UBSan (build-address-undefined/)"
  ORCA_SANITIZE_TARGETS="orca_drivers_tests orca_actors_tests orca_test_sqlite_writer" \
    scripts/sanitize.sh address,undefined -L fault || { rc=$?; (( status == 0 )) && status=$rc; }
fi
echo "orca: finished in $(( SECONDS - started )) s, $( (( status == 0 )) && echo "every test passed" || echo "FAILED (exit $status)")" >&2
exit "$status"
