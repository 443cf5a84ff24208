// `ringdb bench`: durable throughput and latency of ringdb side by side with RocksDB and the
// disk's own limit, in one run: the ringdb_bench program, which `ringdb bench` runs.
#pragma once

#include <string>

namespace ringdb::bench {

struct BenchConfig {
  bool quick = false;  // about a minute instead of ten
  bool json = false;   // JSON lines instead of a table
  std::string dir;     // parent of the fresh directories; default: a temporary one
  // CPU-bound threads beside the durable lines (`.loadN`). -1, the default: today's lines on
  // the idle machine, then the `.loadN` lines for N = 0, 1 and 2. N >= 0: only the lines of N.
  int load = -1;
};

// The largest --load accepted: more busy threads than this only measures the scheduler.
inline constexpr int kBenchLoadMax = 16;

// Runs every workload and prints one line per figure; returns a process exit code.
int RunEngineBench(const BenchConfig& config);

}  // namespace ringdb::bench
