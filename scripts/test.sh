#!/usr/bin/env bash
# The README's test command: installs what is missing, builds ringdb into build/, and runs every
# test with ctest. Then builds with ThreadSanitizer into build-tsan/ and runs the tests labelled
# "concurrency" or "crash" there, and with AddressSanitizer + UBSan into build-asan/ (every test).
#
# RINGDB_TEST_SANITIZERS=0 skips the sanitizer builds (a quick local run).
set -euo pipefail
RINGDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RINGDB_ROOT
source "$RINGDB_ROOT/scripts/deps.sh"

ringdb_install_dependencies
jobs=$(nproc 2>/dev/null || echo 2)

ringdb_build "$RINGDB_ROOT/build"
# The kill -9 crash test runs 200 cycles here (RINGDB_CRASH_CYCLES), 3 under TSan, 5 under ASan.
RINGDB_CRASH_CYCLES="${RINGDB_CRASH_CYCLES:-200}" \
  ctest --test-dir "$RINGDB_ROOT/build" --output-on-failure -j "$jobs" --timeout 900

if [[ "${RINGDB_TEST_SANITIZERS:-1}" != "0" ]]; then
  ringdb_build "$RINGDB_ROOT/build-tsan" -DRINGDB_SANITIZE=thread -DRINGDB_BUILD_BENCHMARKS=OFF \
    -DRINGDB_BUILD_EXAMPLES=OFF
  # The crash tests' children are started with posix_spawn, never forked, so TSan sees no fork
  # from a multi-threaded parent; tests/tsan_suppressions.txt says why RocksDB frames are ignored.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$RINGDB_ROOT/tests/tsan_suppressions.txt" \
    RINGDB_CRASH_CYCLES=3 \
    ctest --test-dir "$RINGDB_ROOT/build-tsan" --output-on-failure -j "$jobs" \
    -L 'concurrency|crash' --timeout 900
  ringdb_build "$RINGDB_ROOT/build-asan" -DRINGDB_SANITIZE=address -DRINGDB_BUILD_BENCHMARKS=OFF \
    -DRINGDB_BUILD_EXAMPLES=OFF
  ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" \
    ctest --test-dir "$RINGDB_ROOT/build-asan" --output-on-failure -j "$jobs" --timeout 900
fi
echo "ringdb: all tests passed"
