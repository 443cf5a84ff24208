#!/usr/bin/env bash
# Line coverage of the journal (journal/) and of the engine's recovery code (opening, replay, the
# applier, the transaction decoder and the OPTIONS file), measured with g++ --coverage and gcov
# (both part of build-essential) while the journal and engine tests run.
#
# Builds into build-cov/ (-O0, so that every line counts), runs the test binaries from a clean
# slate of counters, prints each file's line coverage and the totals, and fails when the
# journal's total is under RINGDB_COVERAGE_MIN_JOURNAL percent or the engine's recovery code's
# under RINGDB_COVERAGE_MIN_ENGINE.
#
#   scripts/coverage.sh                              # build, run, report
#   RINGDB_COVERAGE_MIN_JOURNAL=0 RINGDB_COVERAGE_MIN_ENGINE=0 scripts/coverage.sh  # report only
set -euo pipefail
RINGDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RINGDB_ROOT
source "$RINGDB_ROOT/scripts/deps.sh"

# Measured when these thresholds were set: journal 93.1 %, engine recovery 93.4 %. The margin is
# for lines that timing decides (background pre-writing, races a test does not force).
min_journal=${RINGDB_COVERAGE_MIN_JOURNAL:-91}
min_engine=${RINGDB_COVERAGE_MIN_ENGINE:-91}
build_dir=$RINGDB_ROOT/build-cov
jobs=$(nproc 2>/dev/null || echo 2)
tests=(journal_test journal_concurrency_test engine_unit_test engine_test engine_fault_test
       engine_crash_test engine_compound_fault_test engine_no_silent_wait_test ringdb_tool_test
       conflict_message_test format_version_test)

ringdb_install_dependencies
cmake -S "$RINGDB_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="--coverage -fprofile-update=atomic" \
  -DCMAKE_EXE_LINKER_FLAGS="--coverage" -DCMAKE_SHARED_LINKER_FLAGS="--coverage" \
  -DRINGDB_BUILD_BENCHMARKS=OFF -DRINGDB_BUILD_EXAMPLES=OFF -DRINGDB_INSTALL=OFF >/dev/null
# Counters of an earlier build would not match the new objects (the build runs the tests once to
# list them).
find "$build_dir" -name '*.gcda' -delete
cmake --build "$build_dir" -j "$jobs" --target "${tests[@]}"

find "$build_dir" -name '*.gcda' -delete
for test in "${tests[@]}"; do
  binary=$(find "$build_dir/tests" -type f -name "$test" -perm -u+x | head -n 1)
  echo "coverage: running $test"
  # The crash test's children die by SIGKILL and write no counters; its parent does the recovery.
  RINGDB_CRASH_CYCLES=3 "$binary" --gtest_brief=1 >"$build_dir/$test.log" 2>&1 || {
    tail -n 50 "$build_dir/$test.log"
    echo "coverage: $test failed (log: $build_dir/$test.log)" >&2
    exit 1
  }
done

# gcov -n prints, for every source a .gcda covers, "File '<path>'" then "Lines executed:P% of N".
# Only the .cc files are reported: a header's inline code is counted once per translation unit.
report=$(mktemp)
trap 'rm -f "$report"' EXIT
for object_dir in "$build_dir/journal/CMakeFiles/ringdb_journal.dir" \
                  "$build_dir/engine/CMakeFiles/ringdb_engine.dir"; do
  (cd "$object_dir" && gcov -n ./*.gcda 2>/dev/null) | awk -v root="$RINGDB_ROOT/" '
    /^File / { file = $2; gsub("\047", "", file); sub(root, "", file); next }
    /^Lines executed:/ && file ~ /\.cc$/ {
      split($2, parts, ":"); percent = parts[2]; sub("%", "", percent)
      total = $4; covered = int(percent * total / 100 + 0.5)
      print file, covered, total; file = "" }'
done | sort -u >"$report"

awk -v min_journal="$min_journal" -v min_engine="$min_engine" '
  function group(file) {
    if (file ~ /^journal\//) return "journal";
    if (file ~ /^engine\/(engine_open|applier|txn_codec|journal_options_for|options|options_file)\.cc$/)
      return "engine recovery";
    return "";
  }
  {
    g = group($1)
    label = g == "" ? "(not counted)" : g
    printf "%-36s %6.1f%%  %5d of %5d lines  %s\n", $1, $3 ? 100 * $2 / $3 : 100, $2, $3, label
    if (g != "") { covered[g] += $2; total[g] += $3 }
  }
  END {
    failed = 0
    for (g in total) {
      percent = 100 * covered[g] / total[g]
      printf "TOTAL %-30s %6.1f%%  %5d of %5d lines\n", g, percent, covered[g], total[g]
      minimum = g == "journal" ? min_journal : min_engine
      if (percent < minimum) {
        printf "coverage: %s is under its threshold of %s%%\n", g, minimum
        failed = 1
      }
    }
    if (failed) exit 1
  }' "$report"
