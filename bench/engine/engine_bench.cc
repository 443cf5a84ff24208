#include "bench/engine/engine_bench.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "bench/engine/bench_util.h"
#include "bench/engine/busy_load.h"
#include "bench/engine/workloads.h"

namespace ringdb::bench {

namespace {

// Fresh directories under one parent, each removed after its workload.
class Dirs {
 public:
  explicit Dirs(const std::string& parent) {
    std::string base = parent.empty() ? std::filesystem::temp_directory_path().string() : parent;
    std::filesystem::create_directories(base);
    std::string pattern = base + "/ringdb-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("bench: mkdtemp");
      std::exit(1);
    }
    root_ = pattern;
  }
  ~Dirs() { std::filesystem::remove_all(root_); }
  std::string Fresh(const std::string& name) {
    const std::string path = root_ + "/" + name + "-" + std::to_string(next_++);
    std::filesystem::create_directories(path);
    return path;
  }
  void Drop(const std::string& path) { std::filesystem::remove_all(path); }

 private:
  std::string root_;
  int next_ = 0;
};

template <typename Fn>
auto InFresh(Dirs* dirs, const std::string& name, Fn fn) {
  const std::string path = dirs->Fresh(name);
  auto result = fn(path);
  dirs->Drop(path);
  return result;
}

// The durable lines with `load` CPU-bound threads beside them, each against RocksDB sync=true
// under the same load: the busy threads start before a line's first side and stop after its
// last, so both sides share the cores alike.
void RunLoadLines(Dirs* dirs, int load, double seconds, uint64_t ycsb_keys, bool json) {
  const std::string suffix = ".load" + std::to_string(load);
  {
    BusyLoad busy(load);
    const Figures rocks = InFresh(dirs, "rocksdb", [&](const std::string& d) {
      return RocksDbWriters(d, 1, 1, true, false, seconds);
    });
    const Figures ours =
        InFresh(dirs, "w1", [&](const std::string& d) { return RingdbWriters(d, 1, 1, seconds); });
    Print({"w1.latency_p50" + suffix, ours.p50_us, "us", "rocksdb.sync1.p50" + suffix, rocks.p50_us,
           "<= 1.25"},
          json);
    Print({"w1.latency_p99" + suffix, ours.p99_us, "us", "rocksdb.sync1.p99" + suffix, rocks.p99_us,
           "<= 1.5"},
          json);
    const PipelinedFigures w3 = InFresh(
        dirs, "w3", [&](const std::string& d) { return RingdbPipelined(d, 4096, seconds); });
    Print({"w3.pipelined" + suffix, w3.figures.per_second, "txn/s", "rocksdb.sync1" + suffix,
           rocks.per_second, ">= 40"},
          json);
  }
  for (const int threads : {16, 64}) {
    BusyLoad busy(load);
    const Figures rocks = InFresh(dirs, "rocksdb", [&](const std::string& d) {
      return RocksDbWriters(d, threads, 1, true, false, seconds);
    });
    const Figures ours = InFresh(
        dirs, "w2", [&](const std::string& d) { return RingdbWriters(d, threads, 1, seconds); });
    const std::string name = "sync" + std::to_string(threads) + suffix;
    Print({"w2." + name, ours.per_second, "txn/s", "rocksdb." + name, rocks.per_second, ">= 2.0"},
          json);
  }
  {
    BusyLoad busy(load);
    const Figures rocks = InFresh(dirs, "rocksdb", [&](const std::string& d) {
      return RocksDbYcsbA(d, 16, ycsb_keys, seconds);
    });
    const Figures ours = InFresh(
        dirs, "w5", [&](const std::string& d) { return RingdbYcsbA(d, 16, ycsb_keys, seconds); });
    Print({"w5.ycsb_a16" + suffix, ours.per_second, "ops/s", "rocksdb.ycsb_a16" + suffix,
           rocks.per_second, ">= 2.0"},
          json);
  }
}

// Today's lines, on the idle machine.
void RunIdleLines(Dirs* dirs, const BenchConfig& config, double seconds,
                  uint64_t reopen_transactions, uint64_t ycsb_keys);

}  // namespace

int RunEngineBench(const BenchConfig& config) {
  if (config.load < -1 || config.load > kBenchLoadMax) {
    std::fprintf(stderr, "bench: --load %d: must be 0 to %d\n", config.load, kBenchLoadMax);
    return 2;
  }
  Dirs dirs(config.dir);
  const double seconds = config.quick ? 2.0 : 8.0;
  const uint64_t reopen_transactions = config.quick ? 100000 : 1000000;
  const uint64_t ycsb_keys = config.quick ? 10000 : 100000;
  if (!config.json) {
    std::printf("ringdb bench (%s): %u hardware threads, directories under %s\n",
                config.quick ? "quick" : "full", std::thread::hardware_concurrency(),
                config.dir.empty() ? "the temporary directory" : config.dir.c_str());
  }
  if (config.load >= 0) {
    RunLoadLines(&dirs, config.load, seconds, ycsb_keys, config.json);
    return 0;
  }
  RunIdleLines(&dirs, config, seconds, reopen_transactions, ycsb_keys);
  for (const int load : {0, 1, 2}) {
    RunLoadLines(&dirs, load, seconds, ycsb_keys, config.json);
  }
  return 0;
}

namespace {

void RunIdleLines(Dirs* dirs_pointer, const BenchConfig& config, double seconds,
                  uint64_t reopen_transactions, uint64_t ycsb_keys) {
  Dirs& dirs = *dirs_pointer;

  // W1: one writer, submit and wait; the disk's own limit for a record of the same size.
  const Figures loop =
      InFresh(&dirs, "loop", [&](const std::string& d) { return FdatasyncLoop(d, 200, seconds); });
  const Figures w1 =
      InFresh(&dirs, "w1", [&](const std::string& d) { return RingdbWriters(d, 1, 1, seconds); });
  Print({"w1.latency_p50", w1.p50_us, "us", "fdatasync_loop.p50", loop.p50_us, "<= 1.25"},
        config.json);

  // W2: 16 and 64 writers, submit and wait.
  for (const int threads : {16, 64}) {
    const Figures rocks = InFresh(&dirs, "rocksdb", [&](const std::string& d) {
      return RocksDbWriters(d, threads, 1, true, false, seconds);
    });
    const Figures ours = InFresh(
        &dirs, "w2", [&](const std::string& d) { return RingdbWriters(d, threads, 1, seconds); });
    const std::string suffix = std::to_string(threads);
    Print({"w2.sync" + suffix, ours.per_second, "txn/s", "rocksdb.sync" + suffix, rocks.per_second,
           ">= 2.0"},
          config.json);
  }
  // W2 with 10 puts per transaction, reported beside the targeted lines.
  const Figures rocks10 = InFresh(&dirs, "rocksdb", [&](const std::string& d) {
    return RocksDbWriters(d, 16, 10, true, false, seconds);
  });
  const Figures ours10 =
      InFresh(&dirs, "w2", [&](const std::string& d) { return RingdbWriters(d, 16, 10, seconds); });
  Print({"w2.sync16_10puts", ours10.per_second, "txn/s", "rocksdb.sync16_10puts",
         rocks10.per_second, "(extra)"},
        config.json);

  // W3: one writer with up to 4096 tokens outstanding.
  const Figures rocks_sync1 = InFresh(&dirs, "rocksdb", [&](const std::string& d) {
    return RocksDbWriters(d, 1, 1, true, false, seconds);
  });
  const Figures rocks_nowal1 = InFresh(&dirs, "rocksdb", [&](const std::string& d) {
    return RocksDbWriters(d, 1, 1, false, true, seconds);
  });
  const PipelinedFigures w3 =
      InFresh(&dirs, "w3", [&](const std::string& d) { return RingdbPipelined(d, 4096, seconds); });
  Print({"w3.pipelined", w3.figures.per_second, "txn/s", "rocksdb.sync1", rocks_sync1.per_second,
         ">= 50"},
        config.json);
  Print({"w3.pipelined_vs_nowal", w3.figures.per_second, "txn/s", "rocksdb.nowal1",
         rocks_nowal1.per_second, ">= 1.0"},
        config.json);

  // W4: reopen after many transactions with no checkpoint.
  const double rocks_open = InFresh(&dirs, "rocksdb", [&](const std::string& d) {
    return RocksDbReopenMs(d, reopen_transactions);
  });
  const double ours_open = InFresh(
      &dirs, "w4", [&](const std::string& d) { return RingdbReopenMs(d, reopen_transactions); });
  Print({"w4.open", ours_open, "ms", "rocksdb.wal_recovery", rocks_open, "<= 1.0"}, config.json);

  // W5: YCSB-A, 16 threads.
  const Figures rocks_ycsb = InFresh(&dirs, "rocksdb", [&](const std::string& d) {
    return RocksDbYcsbA(d, 16, ycsb_keys, seconds);
  });
  const Figures ours_ycsb = InFresh(
      &dirs, "w5", [&](const std::string& d) { return RingdbYcsbA(d, 16, ycsb_keys, seconds); });
  Print({"w5.ycsb_a16", ours_ycsb.per_second, "ops/s", "rocksdb.ycsb_a16", rocks_ycsb.per_second,
         ">= 2.0"},
        config.json);

  Print({"write.allocs_per_txn", w3.allocations_per_transaction, "allocs", "", 0, "~0"},
        config.json);
  Print({"process.allocs_per_txn", w3.process_allocations_per_transaction, "allocs", "", 0,
         "(extra)"},
        config.json);
  Print({"memory.peak_rss_over_budget_mib", w3.peak_rss_over_budget_mib, "MiB", "", 0, "<= 64"},
        config.json);
}

}  // namespace

}  // namespace ringdb::bench
