// The workloads of `ringdb bench`, each run on ringdb and on its peer (RocksDB used directly,
// or a plain write+fdatasync loop) in fresh directories under one parent, in the same process.
#pragma once

#include <cstddef>
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
// transaction and peak resident memory over the configured budget, during the run: those of the
// write path (the writer, the engine's threads, RocksDB's write on the applier), and those of the
// whole process, which adds RocksDB's background flushes of the memtables the run filled.
struct PipelinedFigures {
  Figures figures;
  double allocations_per_transaction = 0;
  double process_allocations_per_transaction = 0;
  double peak_rss_over_budget_mib = 0;
};
PipelinedFigures RingdbPipelined(const std::string& dir, int outstanding, double seconds);

// Writes `transactions` single-put transactions in a writer process that exits without closing,
// so that nothing is checkpointed or flushed at close, and returns the time to open the directory
// again, ms. Both sides run with a memtable of kReopenWriteBufferBytes, so that no flush retires
// part of the log while writing (which one flushes first, and when, is otherwise a matter of
// timing): both then recover every write from their log.
inline constexpr size_t kReopenWriteBufferBytes = size_t{1} << 30;
double RingdbReopenMs(const std::string& dir, uint64_t transactions);
double RocksDbReopenMs(const std::string& dir, uint64_t transactions);
// The writer processes' work; each ends the process with _exit (0 on success).
[[noreturn]] void RingdbWriteAndAbandon(const std::string& dir, uint64_t transactions);
[[noreturn]] void RocksDbWriteAndAbandon(const std::string& dir, uint64_t transactions);

// The writer process is this program started again (not a fork: a forked child of a process that
// already used RocksDB inherits its background thread pool without the threads, and its first
// flush waits forever). RunWriterProcess starts it and waits, exiting on failure;
// RunWriterIfAsked, called first thing in main, makes the started program do the writing.
inline constexpr const char* kRingdbWriter = "ringdb";
inline constexpr const char* kRocksDbWriter = "rocksdb";
void RunWriterProcess(const char* writer, const std::string& dir, uint64_t transactions);
void RunWriterIfAsked();

// YCSB workload A: 50 % reads, 50 % updates of zipfian-chosen keys among `keys`, by `threads`.
Figures RingdbYcsbA(const std::string& dir, int threads, uint64_t keys, double seconds);
Figures RocksDbYcsbA(const std::string& dir, int threads, uint64_t keys, double seconds);

}  // namespace ringdb::bench
