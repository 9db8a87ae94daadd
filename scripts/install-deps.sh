#!/usr/bin/env bash
# Installs what orca needs from Debian 12's packages, only what is missing.
# Quiet when everything is present. Usage: scripts/install-deps.sh [--with-postgresql-server]
set -euo pipefail

packages=(g++ cmake ninja-build ccache
          libcaf-dev libsqlite3-dev libpq-dev libspdlog-dev catch2)
# The test command's extras: a PostgreSQL server, and clang-format-14 for the layout check.
if [[ "${1:-}" == "--with-postgresql-server" ]]; then
  packages+=(postgresql clang-format-14)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "orca: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --force-unsafe-io: dpkg skips its fsync before each file rename. Unpacking the ~70 packages
# of a fresh machine took 60 s with the syncs and 20 s without; the risk is a
# truncated file if the machine crashes during the install (reinstall the package then).
$sudo apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
  "${missing[@]}" >/dev/null
