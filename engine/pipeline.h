// Pipeline: what the write pipeline's stages (journal, apply) and its writers share about the
// ring's slots, and the engine's fault state.
//
// For each slot, indexed by the ring sequence of the last slot of the batch ending there:
//   - the journal sequence of its transaction; 0 when the batch was aborted or failed before
//     reaching the journal. Written by the journal stage's holder, read by the apply stage's
//     holder after the journal consumer's release passed the slot (the ring's release/acquire
//     orders them).
//   - where a synchronous Write waits for the batch's outcome; null for any other batch. The
//     claimer writes it before publishing; a stage that fails the batch writes the failure there
//     before releasing it. The ring's own record of failures is per slot and a later failure in
//     the same slot replaces it: a writer that is slow to look after its token resolved would
//     read Unknown there, but never here, since nothing else claims the slot until this batch is
//     released. An entry may still point at a writer that has returned; every claim path must
//     therefore set or clear its batch's entry before publishing, and nothing may clear an entry
//     after Wait (the slot may be another batch's by then).
//
// The fault: once set, writes are refused until the engine is reopened; reads go on.
//
// Thread safety: the slot tables as said above; the fault and the counter from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ringdb/ring_buffer.h"
#include "ringdb/status.h"
#include "util/assert.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace spdlog {
class logger;
}

namespace ringdb {

class Pipeline {
 public:
  // `slot_count` is the ring's, a power of two.
  Pipeline(uint64_t slot_count, std::shared_ptr<spdlog::logger> logger);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  uint64_t journal_sequence(uint64_t batch_last) const {
    return journal_sequence_by_slot_[batch_last & mask_];
  }
  void set_journal_sequence(uint64_t batch_last, uint64_t journal_sequence) {
    journal_sequence_by_slot_[batch_last & mask_] = journal_sequence;
  }
  // Where the writer of the batch ending at batch_last waits for its outcome (null: nowhere).
  void set_outcome(uint64_t batch_last, Status* outcome) {
    outcome_by_slot_[batch_last & mask_] = outcome;
  }

  // Fails the batch ending at batch_last in the ring, and in its writer's outcome when it has one.
  void FailBatch(Consumer* consumer, uint64_t batch_last, const Status& status);
  // Fails every batch of [first, last] that reached the journal and has not failed yet.
  void FailRun(Consumer* consumer, uint64_t first, uint64_t last, const Status& status);

  // The transaction bytes of the batch [first, last] as `consumer` sees them: one span, or two
  // when it wraps around the ring's end. Returns how many.
  static size_t Gather(const Consumer* consumer, uint64_t first, uint64_t last,
                       std::span<const std::byte> pieces[2]);

  // Enters the failed state (the first status wins).
  void SetFault(const Status& status) EXCLUDES(fault_mutex_);
  // The fast check on the write path.
  bool faulted() const { return faulted_.load(std::memory_order_acquire); }
  Status FaultStatus() const EXCLUDES(fault_mutex_);

  // Transactions whose tokens failed (not by a conflict), for Stats.
  void CountFailed(uint64_t count) { failed_.fetch_add(count, std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  const uint64_t mask_;
  const std::shared_ptr<spdlog::logger> logger_;
  std::vector<uint64_t> journal_sequence_by_slot_;
  std::vector<Status*> outcome_by_slot_;

  std::atomic<bool> faulted_{false};  // Set once, with fault_, under fault_mutex_.
  mutable Mutex fault_mutex_;
  Status fault_ GUARDED_BY(fault_mutex_);

  std::atomic<uint64_t> failed_{0};
};

}  // namespace ringdb
