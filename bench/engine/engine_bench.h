// `ringdb bench`: durable throughput and latency of ringdb side by side with RocksDB and the
// disk's own limit, in one run. Shared by the `ringdb` command and the ringdb_bench program.
#pragma once

#include <string>

namespace ringdb::bench {

struct BenchConfig {
  bool quick = false;  // about a minute instead of ten
  bool json = false;   // JSON lines instead of a table
  std::string dir;     // parent of the fresh directories; default: a temporary one
};

// Runs every workload and prints one line per figure; returns a process exit code.
int RunEngineBench(const BenchConfig& config);

}  // namespace ringdb::bench
