// ApplyStage: the apply stage. It takes the transactions the ring delivers to the apply consumer,
// in ring order, and writes each delivered run into RocksDB: the Applier judges each transaction
// against the state so far and stages its writes, and one Commit writes the run with the applied
// marker. It then releases the run, which resolves its tokens: the apply consumer is the ring's
// terminal one. It fails every transaction once the engine is faulted, and a run whose RocksDB
// write failed.
//
// The apply consumer runs after the journal consumer, so a pass only sees transactions the journal
// made durable, each with the journal sequence the journal stage assigned it (Pipeline).
//
// The work of one pass is Pass, run by whichever thread holds the stage (engine/stage.h): the
// stage's own thread, or a thread that took the stage on after a journal pass (a synchronous
// writer, engine_write.cc, or the journal stage's thread, Journaler::kInlineApplySlotsMax). What a
// pass uses (the Applier, the scratch copy) belongs to the stage's holder and is
// GUARDED_BY(stage_).
//
// Thread safety: Pass by the stage's holder; Start and JoinThread by the thread that opens and
// closes the engine; committed_sequence() and the counters from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

#include "engine/applier.h"
#include "engine/histogram.h"
#include "engine/pipeline.h"
#include "engine/stage.h"
#include "ringdb/ring_buffer.h"
#include "util/thread_annotations.h"

namespace ringdb {

class ApplyStage {
 public:
  // Everything given outlives the stage's passes (until stage().Stop()). `applier` has replayed
  // the journal: its committed_sequence() is where the stage starts. `consumer` is the ring's
  // apply consumer; `journal_consumer` the one it runs after, read only to check that order.
  // `transaction_bytes_max` sizes the copy of a transaction that wraps around the ring's end.
  ApplyStage(Applier* applier, Consumer* consumer, const Consumer* journal_consumer,
             Pipeline* pipeline, uint32_t transaction_bytes_max);
  ApplyStage(const ApplyStage&) = delete;
  ApplyStage& operator=(const ApplyStage&) = delete;
  ~ApplyStage();

  // Starts the stage's thread. Called once.
  void Start();
  // Waits for the thread to end, which it does once the ring is closed and drained.
  void JoinThread();

  Stage& stage() { return stage_; }

  // One pass from ring sequence `next`: applies everything available and returns the next
  // sequence to handle (`next` when nothing was there). REQUIRES: the caller holds stage()
  // (called through Stage::Run or Stage::Hold::Run).
  uint64_t Pass(uint64_t next);

  // The applied sequence: RocksDB holds every transaction through it. Stored with release after
  // the RocksDB write, so a reader that loads it (acquire) may rely on RocksDB holding everything
  // up to it, as the checkpointer does. It may lag what readers see (a run can take several
  // RocksDB writes, Applier::Stage), so snapshots and Info read the marker in RocksDB instead.
  uint64_t committed_sequence() const {
    return committed_sequence_.load(std::memory_order_acquire);
  }

  // Statistics, from any thread.
  uint64_t committed() const { return committed_.load(std::memory_order_relaxed); }
  uint64_t conflicted() const { return conflicted_.load(std::memory_order_relaxed); }
  HistogramData apply_latency_us() const { return apply_latency_us_.Snapshot(); }

 private:
  void Loop();
  // Applies one delivered run [first, last] of ring sequences in one RocksDB write.
  void ApplyRun(uint64_t first, uint64_t last) REQUIRES(stage_);
  // The bytes of the batch [first, last], copied into scratch_ when they wrap around the ring.
  std::span<const std::byte> Bytes(uint64_t first, uint64_t last) REQUIRES(stage_);

  Consumer* const consumer_;
  const Consumer* const journal_consumer_;
  Pipeline* const pipeline_;

  Stage stage_;
  Applier* const applier_ PT_GUARDED_BY(stage_);
  // Contiguous copy of a transaction that wraps around the ring's end.
  std::vector<std::byte> scratch_ GUARDED_BY(stage_);
  std::thread thread_;

  // Written by the stage's holder only.
  std::atomic<uint64_t> committed_sequence_;
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> conflicted_{0};
  Histogram apply_latency_us_;
};

}  // namespace ringdb
