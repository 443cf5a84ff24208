// ringdb's side of each workload, through the public API only.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <rocksdb/options.h>

#include "bench/engine/bench_util.h"
#include "bench/engine/timed_run.h"
#include "bench/engine/workloads.h"
#include "ringdb/ringdb.h"

namespace ringdb::bench {

namespace {

using Clock = std::chrono::steady_clock;
const std::string kValue(100, 'v');

// Default options: durable (fdatasync per group), the default ring and wait strategy. The
// checkpoint threshold is raised so that no checkpoint runs in the middle of a measurement.
Options BenchOptions() {
  Options options;
  options.checkpoint_journal_bytes = uint64_t{64} << 30;
  return options;
}

std::unique_ptr<Engine> OpenEngine(const std::string& dir, const Options& options) {
  std::unique_ptr<Engine> engine;
  const Status status = Engine::Open(options, dir, &engine);
  if (!status.ok()) {
    std::fprintf(stderr, "bench: cannot open ringdb at %s: %s\n", dir.c_str(),
                 status.ToString().c_str());
    std::exit(1);
  }
  return engine;
}

void FillBatch(Random* random, int puts, std::string* key, WriteBatch* batch) {
  batch->Clear();
  for (int put = 0; put < puts; ++put) {
    random->Key(key);
    batch->Put(*key, kValue);
  }
}

}  // namespace

Figures RingdbWriters(const std::string& dir, int threads, int puts, double seconds) {
  std::unique_ptr<Engine> engine = OpenEngine(dir, BenchOptions());
  return RunTimed(threads, seconds, [&](int thread) {
    return [&, random = Random(static_cast<uint64_t>(thread) + 1), key = std::string(),
            batch = WriteBatch()]() mutable {
      FillBatch(&random, puts, &key, &batch);
      return engine->Write(batch).ok();
    };
  });
}

PipelinedFigures RingdbPipelined(const std::string& dir, int outstanding, double seconds) {
  const Options options = BenchOptions();
  // What the process already holds (earlier workloads' memory that the allocator kept) is not
  // ringdb's: the budget below starts from it.
  const double resident_before_mib = ResidentMib(false);
  std::unique_ptr<Engine> engine = OpenEngine(dir, options);
  std::vector<Token> window(static_cast<size_t>(outstanding));
  Random random(42);
  std::string key;
  WriteBatch batch;
  FillBatch(&random, 1, &key, &batch);  // Grows the buffers before counting starts.
  ResetPeakResident();
  CountBackgroundAllocations(true);
  // The total before the background count here, and the other way round at the end: each
  // allocation counts in the total first, so the background share never exceeds the total's.
  const uint64_t allocations_before = AllocationCount();
  const uint64_t background_before = BackgroundAllocationCount();
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::duration<double>(seconds);
  uint64_t count = 0;
  while ((count & 1023) != 0 || Clock::now() < deadline) {
    Token& slot = window[count % window.size()];
    if (slot.sequence() != 0 && !slot.Wait().ok()) {
      std::exit(1);
    }
    FillBatch(&random, 1, &key, &batch);
    slot = engine->Submit(batch);
    ++count;
  }
  for (Token& token : window) {
    if (token.sequence() != 0 && !token.Wait().ok()) {
      std::exit(1);
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  const uint64_t background = BackgroundAllocationCount() - background_before;
  const uint64_t allocations = AllocationCount() - allocations_before;
  CountBackgroundAllocations(false);
  const double peak_mib = ResidentMib(true);
  // The budget: what the process held before the engine, the ring, RocksDB's write buffers (two
  // column families, up to two memtables each, of the size ringdb configures) and its default
  // block cache (32 MiB).
  const double ring_mib =
      static_cast<double>(options.ring_slot_count * options.ring_chunk_count * 32) / (1 << 20);
  const double write_buffer_mib = static_cast<double>(kDefaultRocksDbWriteBufferBytes) / (1 << 20);
  const double budget_mib = resident_before_mib + ring_mib + 2 * 2 * write_buffer_mib + 32;
  PipelinedFigures figures;
  figures.figures = {static_cast<double>(count) / elapsed, 0, 0, count};
  figures.allocations_per_transaction =
      static_cast<double>(allocations > background ? allocations - background : 0) /
      static_cast<double>(count);
  figures.process_allocations_per_transaction =
      static_cast<double>(allocations) / static_cast<double>(count);
  figures.peak_rss_over_budget_mib = peak_mib - budget_mib;
  return figures;
}

// W4's options: RocksDB's memtable holds every write, as in RocksDbReopenMs.
Options ReopenOptions() {
  Options options = BenchOptions();
  auto db_options = std::make_shared<rocksdb::Options>();
  db_options->write_buffer_size = kReopenWriteBufferBytes;
  options.rocksdb_options = db_options;
  return options;
}

void RingdbWriteAndAbandon(const std::string& dir, uint64_t transactions) {
  std::unique_ptr<Engine> engine = OpenEngine(dir, ReopenOptions());
  Random random(7);
  std::string key;
  WriteBatch batch;
  std::vector<Token> window(4096);
  for (uint64_t i = 0; i < transactions; ++i) {
    Token& slot = window[i % window.size()];
    if (slot.sequence() != 0 && !slot.Wait().ok()) {
      _exit(1);
    }
    FillBatch(&random, 1, &key, &batch);
    slot = engine->Submit(batch);
  }
  for (Token& token : window) {
    if (token.sequence() != 0 && !token.Wait().ok()) {
      _exit(1);
    }
  }
  _exit(0);  // No Close: no flush, no checkpoint; the journal must be replayed.
}

double RingdbReopenMs(const std::string& dir, uint64_t transactions) {
  RunWriterProcess(kRingdbWriter, dir, transactions);
  const auto started = Clock::now();
  std::unique_ptr<Engine> engine = OpenEngine(dir, ReopenOptions());
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

Figures RingdbYcsbA(const std::string& dir, int threads, uint64_t keys, double seconds) {
  Options options = BenchOptions();
  std::unique_ptr<Engine> engine = OpenEngine(dir, options);
  WriteBatch load;
  for (uint64_t key = 0; key < keys; ++key) {
    load.Put("user" + std::to_string(key), kValue);
    if (load.operation_count() == 1000 || key + 1 == keys) {
      if (!engine->Write(load).ok()) {
        std::exit(1);
      }
      load.Clear();
    }
  }
  const Zipfian zipfian(keys);
  return RunTimed(threads, seconds, [&](int thread) {
    return [&, random = Random(static_cast<uint64_t>(thread) + 100), value = std::string(),
            batch = WriteBatch()]() mutable {
      const std::string key = "user" + std::to_string(zipfian.Next(&random));
      if ((random.Next() & 1) != 0) {
        return engine->Get(key, &value).ok();
      }
      batch.Clear();
      batch.Put(key, kValue);
      return engine->Write(batch).ok();
    };
  });
}

}  // namespace ringdb::bench
