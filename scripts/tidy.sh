#!/usr/bin/env bash
# A focused clang-tidy pass (.clang-tidy: bugprone-*, performance-*, fitting core-guidelines
# checks) over orca's own sources, 2 files at a time, using build/compile_commands.json.
# Not part of the test command (a full pass takes tens of minutes on 2 cores).
# Usage: scripts/tidy.sh [file regex]   e.g. scripts/tidy.sh 'drivers/src/echo'
# Prints each finding once and a count per check; exits 1 if there are findings.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if ! command -v run-clang-tidy-14 >/dev/null; then
  echo "orca: clang-tidy-14 is not installed (apt-get install clang-tidy-14)" >&2
  exit 2
fi
[[ -f build/compile_commands.json ]] || scripts/build.sh
# orca's sources, not the compile-fail checks (they must not compile).
regex="${1:-}"
files="^${root}/(?!tests/compile_fail/)(drivers|model|actors|examples|bench|tests)/.*${regex}"
log=build/tidy.log
# g++-only warning flags in the compile commands mean nothing to clang; clang's own warnings
# are reported as findings, not errors (the commands carry -Werror under ORCA_WERROR).
run-clang-tidy-14 -p build -j 2 -quiet -extra-arg=-Wno-unknown-warning-option -extra-arg=-Wno-error "$files" 2>&1 |
  sed -e 's/\x1b\[[0-9;]*m//g' >"$log" || true
findings=$(grep -E '^/.*: (warning|error): ' "$log" | sed "s|^${root}/||" | sort -u || true)
if [[ -z "$findings" ]]; then
  echo "orca: clang-tidy found nothing ($log)" >&2
  exit 0
fi
echo "$findings"
echo
echo "$findings" | grep -oE '\[[a-z0-9.,-]+\]$' | sort | uniq -c | sort -rn
echo "orca: $(echo "$findings" | wc -l) findings; full output in $log" >&2
exit 1
