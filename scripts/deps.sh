#!/usr/bin/env bash
# Installs, from Debian's packages, whatever ringdb needs that this machine lacks. Sourced by
# scripts/test.sh and scripts/demo.sh; safe to run again (installs nothing when all is present).
set -euo pipefail

RINGDB_PACKAGES=(
  build-essential cmake pkg-config
  librocksdb-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libboost-dev libconcurrentqueue-dev libatomic-queue-dev
  clang libclang-rt-dev clang-format
)

ringdb_missing_packages() {
  local missing=()
  for package in "${RINGDB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  echo "${missing[@]:-}"
}

ringdb_install_dependencies() {
  local missing
  missing=$(ringdb_missing_packages)
  if [[ -z "$missing" ]]; then
    return 0
  fi
  echo "ringdb: installing missing packages: $missing"
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
  fi
  $sudo apt-get update
  # shellcheck disable=SC2086  # the list is meant to split into words
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
}

# Configures and builds into the given directory with the given extra CMake arguments.
ringdb_build() {
  local build_dir=$1
  shift
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  cmake -S "$RINGDB_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
  cmake --build "$build_dir" -j "$jobs"
}
