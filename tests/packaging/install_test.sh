#!/usr/bin/env bash
# Installs ringdb from a build tree into a temporary prefix, builds tests/packaging/consumer as an
# outside project against it (find_package(ringdb CONFIG) and pkg-config), runs it, and checks the
# installed `ringdb --version`. Arguments: <build dir> <source dir>.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/ringdb-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$source_dir/tests/packaging/consumer" -B "$work/build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" -j 2 > "$work/build.log"
"$work/build/consumer" "$work/db"

version=$("$work/prefix/bin/ringdb" --version)
expected=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig" \
  pkg-config --modversion ringdb)
if [[ "$version" != *"$expected"* ]]; then
  echo "installed ringdb --version says '$version', pkg-config says '$expected'" >&2
  exit 1
fi
echo "install test: package, pkg-config ($expected) and command all consistent"
