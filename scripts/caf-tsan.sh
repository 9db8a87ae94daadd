#!/usr/bin/env bash
# Builds CAF 0.17.6's core library with ThreadSanitizer into a local prefix, from Debian's
# source package, so that a TSan build of orca sees the synchronisation inside CAF (Debian's
# libcaf_core is not instrumented). Used by `scripts/sanitize.sh thread`.
# Usage: scripts/caf-tsan.sh PREFIX   (does nothing if PREFIX already holds the build)
#
# The source comes through apt with a private configuration (a deb-src line for bookworm in
# a directory of its own), never touching the system's sources: `apt-get source
# --download-only libcaf-dev`. If the mirror lacks the Debian patch tarball, the upstream
# tarball the .dsc names is used after its SHA-256 was checked against the .dsc. Debian's
# patches touch the build files and non-core code only (its installed headers equal the
# upstream ones), so the library is the same code as Debian's libcaf_core.
set -euo pipefail
prefix=${1:?usage: scripts/caf-tsan.sh PREFIX}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd -P)
if [[ -f "$prefix/.complete" ]]; then exit 0; fi

say() { echo "caf-tsan: $*" >&2; }
work="$prefix/.work"
rm -rf "$work"
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
echo "deb-src http://deb.debian.org/debian bookworm main" >"$work/apt/sources.list"
apt_private=(-o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
             -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache"
             -o APT::Sandbox::User=root)
say "fetching Debian's source package of libcaf-dev (private apt configuration in $work/apt)"
apt-get "${apt_private[@]}" -qq update
(cd "$work/src" && apt-get "${apt_private[@]}" -qq source --download-only libcaf-dev) ||
  say "apt-get source did not fetch every file; checking what it got"

cd "$work/src"
dsc=$(ls actor-framework_0.17.6-*.dsc 2>/dev/null | head -n 1)
[[ -n "$dsc" ]] || { say "no actor-framework 0.17.6 .dsc was downloaded"; exit 1; }
if ls actor-framework_0.17.6-*.debian.tar.* >/dev/null 2>&1; then
  dpkg-source -x "$dsc" caf >/dev/null
else
  orig=actor-framework_0.17.6.orig.tar.gz
  expected=$(awk -v f="$orig" '/^Checksums-Sha256:/ {on = 1; next} /^[A-Z]/ {on = 0} on && $3 == f {print $1}' "$dsc")
  [[ -n "$expected" && -f "$orig" ]] || { say "neither the Debian tarball nor $orig is there"; exit 1; }
  echo "$expected  $orig" | sha256sum -c --quiet - || { say "$orig does not match $dsc"; exit 1; }
  say "the mirror has no Debian patch tarball: building the upstream tarball named by $dsc (SHA-256 checked)"
  mkdir caf
  tar -xzf "$orig" -C caf --strip-components=1
fi

# Core only (orca links libcaf_core alone), C++17 as g++ 12 needs for CAF 0.17's headers in
# this mode, TSan everywhere; the generated build_config.hpp matches Debian's (log level QUIET).
say "building libcaf_core with -fsanitize=thread into $prefix (nice, -j2)"
cmake -S caf -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" \
  -DCMAKE_CXX_FLAGS="-std=c++17 -fsanitize=thread -fno-omit-frame-pointer -Wno-deprecated-declarations" \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
  -DCAF_NO_IO=ON -DCAF_NO_EXAMPLES=ON -DCAF_NO_UNIT_TESTS=ON -DCAF_NO_OPENCL=ON -DCAF_NO_OPENSSL=ON \
  -DCAF_NO_PYTHON=ON -DCAF_NO_TOOLS=ON -DCAF_NO_SUMMARY=ON -DCAF_LOG_LEVEL=QUIET >/dev/null
nice -n 15 cmake --build build -j 2 --target libcaf_core_shared
cmake --install build >/dev/null
[[ -f "$prefix/include/caf/all.hpp" && -n "$(ls "$prefix"/lib*/libcaf_core.so* 2>/dev/null)" ]] ||
  { say "the install in $prefix lacks CAF's headers or libcaf_core.so"; exit 1; }
cd "$prefix" && rm -rf "$work"
touch "$prefix/.complete"
say "done: $prefix"
