#!/usr/bin/env bash
# README command 2: installs what is missing, builds, starts a throwaway PostgreSQL and
# runs every test through ctest on SQLite and PostgreSQL. The server is stopped afterwards,
# whatever the outcome. Set ORCA_TEST_POSTGRESQL_URL to use a server of your own instead.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh --with-postgresql-server
# Warnings in orca's own code fail the build here (ORCA_WERROR; plain builds only warn).
scripts/build.sh -DORCA_WERROR=ON

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

ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600 "$@"
