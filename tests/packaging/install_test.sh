#!/usr/bin/env bash
# Installs ringdb into prefixes other than the configured one and builds tests/packaging/consumer
# against each, the ways a user would, then runs it:
#   - the static library of <build dir>, installed and then moved elsewhere: through
#     find_package(ringdb CONFIG) and through `pkg-config --cflags --libs ringdb` (no --static);
#   - a shared library (BUILD_SHARED_LIBS=ON, only the library target, unoptimised: the test is
#     about linking) configured in <build dir>/packaging-shared, kept so that a rerun rebuilds
#     nothing: the same two ways, checking the SOVERSION links and what the programs load.
# Also checks that the installed `ringdb --version` agrees with pkg-config.
# Arguments: <build dir> <source dir> <C++ compiler> [compiler launcher, e.g. ccache].
set -euo pipefail
build_dir=$1
source_dir=$2
cxx=$3
launcher=${4:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/ringdb-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "install test: $*" >&2
  exit 1
}

# The directory holding ringdb.pc under a prefix (lib/ or lib/<multiarch>/).
pc_dir() {
  dirname "$(find "$1" -name ringdb.pc -print -quit)"
}

# consume_with_cmake <prefix> <name>: configures, builds and runs the consumer project.
consume_with_cmake() {
  cmake -S "$source_dir/tests/packaging/consumer" -B "$work/$2" -DCMAKE_PREFIX_PATH="$1" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release > "$work/$2.configure.log"
  cmake --build "$work/$2" > "$work/$2.build.log" || fail "building $2: $(cat "$work/$2.build.log")"
  "$work/$2/consumer" "$work/$2.db"
}

# consume_with_pkg_config <prefix> <name>: compiles the consumer with pkg-config's flags only.
consume_with_pkg_config() {
  local flags
  flags=$(PKG_CONFIG_PATH=$(pc_dir "$1") pkg-config --cflags --libs ringdb)
  # shellcheck disable=SC2086  # pkg-config's output is meant to split into words
  "$cxx" -o "$work/$2" "$source_dir/tests/packaging/consumer/main.cpp" $flags \
    2> "$work/$2.log" || fail "c++ main.cpp $flags: $(head -c 3000 "$work/$2.log")"
  LD_LIBRARY_PATH=$(PKG_CONFIG_PATH=$(pc_dir "$1") pkg-config --variable=libdir ringdb) \
    "$work/$2" "$work/$2.db"
}

check_static() {
  cmake --install "$build_dir" --prefix "$work/installed" > "$work/install.log"
  mv "$work/installed" "$work/static"  # a relocated prefix: nothing may point at the old one
  consume_with_cmake "$work/static" static-cmake
  consume_with_pkg_config "$work/static" static-pkg-config
  check_headers_alone "$work/static"
  local version expected
  version=$("$work/static/bin/ringdb" --version)
  expected=$(PKG_CONFIG_PATH=$(pc_dir "$work/static") pkg-config --modversion ringdb)
  [[ "$version" == *"$expected"* ]] ||
    fail "installed ringdb --version says '$version', pkg-config says '$expected'"
  # `ringdb bench` runs the ringdb_bench installed beside it, found in the moved prefix too.
  if [[ -x "$work/static/bin/ringdb_bench" ]]; then
    local usage
    usage=$("$work/static/bin/ringdb" bench --help) || fail "installed ringdb bench --help failed"
    [[ "$usage" == "usage: ringdb bench "* ]] || fail "installed ringdb bench --help says '$usage'"
  fi
}

# Every installed public header compiles on its own, with nothing but the package's own flags: a
# header that needs another included first, or includes one that is not installed, fails here.
check_headers_alone() {
  local prefix=$1 flags header name count=0
  flags=$(PKG_CONFIG_PATH=$(pc_dir "$prefix") pkg-config --cflags ringdb)
  while IFS= read -r header; do
    name=${header#"$prefix/include/"}
    # shellcheck disable=SC2086  # pkg-config's output is meant to split into words
    printf '#include <%s>\n#include <%s>\n' "$name" "$name" |
      "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -x c++ - $flags \
        2> "$work/header.log" || fail "$name does not compile on its own: $(head -c 3000 "$work/header.log")"
    count=$((count + 1))
  done < <(find "$prefix/include/ringdb" -name '*.h' | sort)
  ((count >= 10)) || fail "only $count public headers installed under $prefix/include/ringdb"
}

build_shared() {
  local shared_build="$build_dir/packaging-shared"
  cmake -S "$source_dir" -B "$shared_build" -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" \
    -DRINGDB_BUILD_TESTS=OFF -DRINGDB_BUILD_BENCHMARKS=OFF -DRINGDB_BUILD_EXAMPLES=OFF \
    -DRINGDB_BUILD_TOOLS=OFF > "$work/shared.configure.log"
  cmake --build "$shared_build" --target ringdb -j "$(nproc)" > "$work/shared.build.log" ||
    fail "building the shared library: $(tail -c 3000 "$work/shared.build.log")"
  cmake --install "$shared_build" --prefix "$work/shared" > "$work/shared.install.log"
}

# The program needs libringdb.so.<major>, and loads it from the prefix.
check_loads_shared() {
  local major=$1 program=$2 libdir=$3 needed loaded
  needed=$(readelf -d "$program")
  [[ "$needed" == *"[libringdb.so.$major]"* ]] ||
    fail "$program does not need libringdb.so.$major: $needed"
  loaded=$(LD_LIBRARY_PATH=$libdir ldd "$program")
  [[ "$loaded" == *"libringdb.so.$major => $libdir/libringdb.so.$major "* ]] ||
    fail "$program does not load ringdb from $libdir: $loaded"
}

check_shared() {
  build_shared
  local libdir version major
  libdir=$(PKG_CONFIG_PATH=$(pc_dir "$work/shared") pkg-config --variable=libdir ringdb)
  libdir=$(cd "$libdir" && pwd)
  version=$(PKG_CONFIG_PATH=$(pc_dir "$work/shared") pkg-config --modversion ringdb)
  major=${version%%.*}
  [[ -f "$libdir/libringdb.so.$version" && ! -L "$libdir/libringdb.so.$version" ]] ||
    fail "no libringdb.so.$version in $libdir: $(ls "$libdir")"
  [[ $(readlink "$libdir/libringdb.so.$major") == "libringdb.so.$version" ]] ||
    fail "libringdb.so.$major does not point at libringdb.so.$version"
  [[ $(readlink "$libdir/libringdb.so") == "libringdb.so.$major" ]] ||
    fail "libringdb.so does not point at libringdb.so.$major"
  [[ ! -e "$libdir/libringdb.a" ]] || fail "the shared install also holds libringdb.a"
  consume_with_cmake "$work/shared" shared-cmake
  check_loads_shared "$major" "$work/shared-cmake/consumer" "$libdir"
  consume_with_pkg_config "$work/shared" shared-pkg-config
  check_loads_shared "$major" "$work/shared-pkg-config" "$libdir"
}

check_static
check_shared
echo "install test: static and shared packages link and run through CMake and pkg-config;" \
  "every public header compiles on its own"
