#!/usr/bin/env bash
# Checks or applies .clang-format (clang-format 14) over orca's own sources.
# Usage: scripts/format.sh check   lists the files whose layout differs; exits 1 if any do
#        scripts/format.sh fix     rewrites those files in place
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:?usage: scripts/format.sh check|fix}"
clang_format=$(command -v clang-format-14 || command -v clang-format || true)
if [[ -z "$clang_format" ]]; then
  echo "orca: clang-format-14 is not installed (apt-get install clang-format-14)" >&2
  exit 2
fi

mapfile -t files < <(git ls-files -- drivers model actors examples bench tests | grep -E '\.(cpp|hpp)$')
case "$mode" in
  check)
    differing=()
    for f in "${files[@]}"; do
      if ! "$clang_format" --style=file "$f" | cmp -s - "$f"; then differing+=("$f"); fi
    done
    if ((${#differing[@]})); then
      printf '%s\n' "${differing[@]}"
      echo "orca: ${#differing[@]} of ${#files[@]} files differ from .clang-format; run scripts/format.sh fix" >&2
      exit 1
    fi
    echo "orca: ${#files[@]} files match .clang-format" >&2
    ;;
  fix)
    printf '%s\0' "${files[@]}" | xargs -0 -n 16 "$clang_format" --style=file -i
    ;;
  *)
    echo "usage: scripts/format.sh check|fix" >&2
    exit 2
    ;;
esac
