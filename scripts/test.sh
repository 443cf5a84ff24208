#!/usr/bin/env bash
# The README's test command: installs what is missing, checks that every C++ file is formatted
# (scripts/format.sh), builds ringdb into build/, and runs every test with ctest. Then builds with
# ThreadSanitizer into build-tsan/ and runs the tests labelled "concurrency" or "crash" there,
# and with AddressSanitizer + UBSan into build-asan/ (every test). Then builds the libFuzzer
# targets with clang into build-fuzz/ and runs each for RINGDB_FUZZ_SECONDS, and measures line
# coverage of the journal and of the engine's recovery code (scripts/coverage.sh, build-cov/),
# failing under its threshold.
#
# Whatever is skipped, ringdb's library is also compiled with clang into build-tsa/, unoptimized and
# unlinked, for clang's thread-safety analysis of its locking annotations (util/mutex.h), which
# g++ does not check.
#
# RINGDB_TEST_SANITIZERS=0 skips the sanitizer builds, RINGDB_TEST_FUZZ=0 the fuzzers and
# RINGDB_TEST_COVERAGE=0 the coverage stage (a quick local run).
set -euo pipefail
RINGDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RINGDB_ROOT
source "$RINGDB_ROOT/scripts/deps.sh"

ringdb_install_dependencies
jobs=$(nproc 2>/dev/null || echo 2)

"$RINGDB_ROOT/scripts/format.sh"

# The thread-safety analysis first: it fails in seconds where the builds below take minutes.
# -Wthread-safety comes from cmake/RingdbWarnings.cmake for any clang build; only the library's
# object files are built, without optimization or debug information, since nothing runs them.
CC=clang CXX=clang++ cmake -S "$RINGDB_ROOT" -B "$RINGDB_ROOT/build-tsa" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DRINGDB_BUILD_TESTS=OFF -DRINGDB_BUILD_BENCHMARKS=OFF \
  -DRINGDB_BUILD_EXAMPLES=OFF -DRINGDB_BUILD_TOOLS=OFF -DRINGDB_INSTALL=OFF
cmake --build "$RINGDB_ROOT/build-tsa" -j "$jobs" \
  --target ringdb_util ringdb_ringbuffer ringdb_journal ringdb_engine

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
    RINGDB_CRASH_CYCLES=3 RINGDB_POWER_LOSS_CYCLES=5 \
    ctest --test-dir "$RINGDB_ROOT/build-tsan" --output-on-failure -j "$jobs" \
    -L 'concurrency|crash' --timeout 900
  ringdb_build "$RINGDB_ROOT/build-asan" -DRINGDB_SANITIZE=address -DRINGDB_BUILD_BENCHMARKS=OFF \
    -DRINGDB_BUILD_EXAMPLES=OFF
  ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" \
    ctest --test-dir "$RINGDB_ROOT/build-asan" --output-on-failure -j "$jobs" --timeout 900
fi

if [[ "${RINGDB_TEST_FUZZ:-1}" != "0" ]]; then
  # Only the fuzz targets and the sources they compile in; clang is in scripts/deps.sh.
  CC=clang CXX=clang++ cmake -S "$RINGDB_ROOT" -B "$RINGDB_ROOT/build-fuzz" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGDB_BUILD_BENCHMARKS=OFF -DRINGDB_BUILD_EXAMPLES=OFF \
    -DRINGDB_BUILD_TOOLS=OFF -DRINGDB_INSTALL=OFF \
    -DRINGDB_FUZZ_SECONDS="${RINGDB_FUZZ_SECONDS:-25}"
  cmake --build "$RINGDB_ROOT/build-fuzz" -j "$jobs" \
    --target journal_record_fuzz options_fuzz journal_dir_fuzz
  rm -f "$RINGDB_ROOT"/build-fuzz/tests/fuzz/*.summary
  ctest --test-dir "$RINGDB_ROOT/build-fuzz" -L fuzz -j "$jobs" --output-on-failure --timeout 600
  cat "$RINGDB_ROOT"/build-fuzz/tests/fuzz/*.summary
fi

if [[ "${RINGDB_TEST_COVERAGE:-1}" != "0" ]]; then
  "$RINGDB_ROOT/scripts/coverage.sh"
fi
echo "ringdb: all tests passed"
