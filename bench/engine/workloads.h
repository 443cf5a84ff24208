// The workloads of `ringdb bench`, each run on ringdb and on its peer (RocksDB used directly,
// or a plain write+fdatasync loop) in fresh directories under one parent, in the same process.
#pragma once

#include <cstdint>
#include <string>

namespace ringdb::bench {

struct Figures {
  double per_second = 0;  // transactions (or operations) per second
  double p50_us = 0;
  double p99_us = 0;
  uint64_t count = 0;
};

// A plain loop appending `bytes` and calling fdatasync: the disk's limit for durable commits.
Figures FdatasyncLoop(const std::string& dir, size_t bytes, double seconds);

// `threads` writers, each committing transactions of `puts` random 16-byte keys with 100-byte
// values, one at a time (submit and wait), for `seconds`.
Figures RingdbWriters(const std::string& dir, int threads, int puts, double seconds);
Figures RocksDbWriters(const std::string& dir, int threads, int puts, bool sync, bool disable_wal,
                       double seconds);

// One writer keeping up to `outstanding` tokens in flight. Also measures heap allocations per
// transaction and peak resident memory over the configured budget, during the run.
struct PipelinedFigures {
  Figures figures;
  double allocations_per_transaction = 0;
  double peak_rss_over_budget_mib = 0;
};
PipelinedFigures RingdbPipelined(const std::string& dir, int outstanding, double seconds);

// Writes `transactions` single-put transactions in a child process that is then killed, so
// that nothing is checkpointed or flushed, and returns the time to open the directory again, ms.
double RingdbReopenMs(const std::string& dir, uint64_t transactions);
double RocksDbReopenMs(const std::string& dir, uint64_t transactions);

// YCSB workload A: 50 % reads, 50 % updates of zipfian-chosen keys among `keys`, by `threads`.
Figures RingdbYcsbA(const std::string& dir, int threads, uint64_t keys, double seconds);
Figures RocksDbYcsbA(const std::string& dir, int threads, uint64_t keys, double seconds);

}  // namespace ringdb::bench
