#!/bin/sh
# Runs one libFuzzer target for its ctest: run_fuzzer.sh NAME BINARY WORK_CORPUS SEEDS FLAGS...
# The fuzzer's own output goes to WORK_CORPUS.log; what is printed (and kept in WORK_CORPUS.summary)
# is the count of executions, or on a finding the end of the log with the crash input's path.
set -u
name=$1 binary=$2 corpus=$3 seeds=$4
shift 4
mkdir -p "$corpus"
log="$corpus.log"
"$binary" "$@" -artifact_prefix="$corpus-" "$corpus" "$seeds" >"$log" 2>&1
status=$?
done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 | sed 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*//')
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log"
  echo "fuzz $name: FAILED (exit $status); replay with: $binary <the crash- file above>"
  exit "$status"
fi
echo "fuzz $name: ${done_line:-no summary} [$stats]" | tee "$corpus.summary"
