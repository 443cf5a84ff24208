// Journaler: the journal stage. It takes the transactions the ring delivers to the journal
// consumer, in ring order, and makes each delivered run durable as one journal group (an Add per
// transaction, one Commit: one write and one fdatasync), then releases the run to the apply
// stage. It assigns each transaction its journal sequence (Pipeline::journal_sequence), fails
// every transaction once the engine is faulted, and retires journal segments when the
// checkpointer asks.
//
// The work of one pass is Pass, run by whichever thread holds the stage (engine/stage.h): the
// journaler's own thread, which gathers a group first (GroupGatherer), or a synchronous writer
// that found the stage idle (the write leader, engine_write.cc), which takes what is there. What
// a pass uses (the journal's write side, the gatherer, what was retired) belongs to the stage's
// holder and is GUARDED_BY(stage_).
//
// Thread safety: Pass by the stage's holder; Start and JoinThread by the thread that opens and
// closes the engine; the counters and retire_mutex() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "engine/group_gatherer.h"
#include "engine/histogram.h"
#include "engine/pipeline.h"
#include "engine/stage.h"
#include "journal/journal.h"
#include "ringdb/ring_buffer.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace spdlog {
class logger;
}

namespace ringdb {

class ApplyStage;
class Checkpointer;

class Journaler {
 public:
  // Everything given outlives the journaler's passes (until stage().Stop()). `consumer` is the
  // ring's journal consumer; `apply_consumer` the apply stage's, read only for statistics;
  // `apply_stage` the stage a pass may take on for its caller (Pass), and whose passes the
  // journaler's thread then runs.
  Journaler(journal::Journal* journal, Consumer* consumer, const Consumer* apply_consumer,
            Pipeline* pipeline, Checkpointer* checkpointer, ApplyStage* apply_stage,
            std::shared_ptr<spdlog::logger> logger);
  Journaler(const Journaler&) = delete;
  Journaler& operator=(const Journaler&) = delete;
  ~Journaler();

  // Starts the journaler's thread. It runs an apply pass after a pass of its own that took the
  // apply stage on for it (kInlineApplySlotsMax). Called once.
  void Start();
  // Waits for the thread to end, which it does once the ring is closed and drained.
  void JoinThread();

  Stage& stage() { return stage_; }

  // One pass from ring sequence `next`: journals everything available and returns the next
  // sequence to handle (`next` when nothing was there). The stage's thread passes `gather`,
  // waiting briefly for the group to fill (GroupGatherer); a writer running the pass takes what
  // is there, as RocksDB's write-group leader does. When `apply` is given the pass tries to hold
  // the apply stage in it before it hands the group on, so that the caller applies the group
  // too instead of waking the apply stage's thread. REQUIRES: the caller holds stage() (called
  // through Stage::Run or Stage::Hold::Run).
  uint64_t Pass(uint64_t next, bool gather, Stage::Hold* apply);

  // The journal stage's thread applies a group it journaled itself when the group is at most
  // this many slots and the apply stage is idle: a group that small comes from synchronous
  // writers, waiting, and one hand-off fewer gets them their tokens sooner on a busy host.
  // Larger groups come from pipelined submits and go to the apply stage's thread, so that
  // applying one group overlaps the next group's fdatasync.
  static constexpr uint64_t kInlineApplySlotsMax = 64;

  // Held by a backup while it copies the journal, and by Close while it retires; a pass only
  // tries it before retiring, so that no segment a backup still needs is deleted under it.
  Mutex* retire_mutex() RETURN_CAPABILITY(retire_mutex_) { return &retire_mutex_; }

  // Statistics, from any thread.
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  HistogramData group_transactions() const { return group_transactions_.Snapshot(); }
  HistogramData fsync_latency_us() const { return fsync_latency_us_.Snapshot(); }
  HistogramData ring_occupancy() const { return ring_occupancy_.Snapshot(); }

 private:
  void Loop();
  // Journals one delivered run [first, last] of ring sequences.
  void JournalRun(uint64_t first, uint64_t last) REQUIRES(stage_);
  // Makes the group [group_first, group_last] durable (one write, one fdatasync), or fails it.
  bool CommitGroup(uint64_t group_first, uint64_t group_last, uint64_t transactions, uint64_t bytes,
                   std::chrono::steady_clock::time_point started) REQUIRES(stage_);
  void MaybeRetire() REQUIRES(stage_) EXCLUDES(retire_mutex_);

  journal::Journal* const journal_;  // Its write side belongs to the stage's holder.
  Consumer* const consumer_;
  const Consumer* const apply_consumer_;
  Pipeline* const pipeline_;
  Checkpointer* const checkpointer_;
  ApplyStage* const apply_stage_;
  const std::shared_ptr<spdlog::logger> logger_;

  Stage stage_;
  GroupGatherer gatherer_ GUARDED_BY(stage_);
  // The journal sequence handed out last: sequences only grow, in ring order.
  uint64_t last_journal_sequence_ GUARDED_BY(stage_);
  uint64_t retired_through_ GUARDED_BY(stage_) = 0;
  Mutex retire_mutex_ ACQUIRED_AFTER(stage_);

  std::thread thread_;

  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> bytes_{0};
  Histogram group_transactions_;
  Histogram fsync_latency_us_;
  Histogram ring_occupancy_;
};

}  // namespace ringdb
