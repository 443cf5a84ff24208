// FailureTable: the outcomes of failed batches, kept without allocating per batch, so that a
// Token can be just (ring, sequence).
//
// Successes record nothing. Fail(s) stores {s, status} in entry s & (slot_count - 1), remembering
// in `overwritten_max` the largest failed sequence that entry ever lost. Why this is exact enough:
//  * Failures of one entry arrive in increasing sequence order: Fail(s) happens before the
//    consumer releases s, and s + slot_count cannot even be claimed before every terminal consumer
//    released s. So an entry's history is f1 < f2 < ... < fk (all congruent mod slot_count),
//    `sequence` holds fk and `overwritten_max` holds f(k-1).
//  * A token is read only once resolved, i.e. after every Fail for its sequence happened-before
//    (release by the consumer, acquire by the reader), so the reader sees fk >= s if s failed.
// Hence for a resolved sequence s:  fk == s -> the failure;  fk < s -> s never failed (OK);
//  fk > s and s > f(k-1) -> s is not in the history (OK);  otherwise s may be one of the lost
// failures -> Unknown. Success is never reported for a batch that failed. Reading the common case
// (no failure near s) is one acquire load.
//
// Alternative rejected: a per-batch heap outcome (shared_ptr) as in a future/promise — one
// allocation per transaction on the hot path, which the design forbids.
//
// Thread safety: Record from consumer threads, Outcome from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "ringdb/status.h"
#include "util/mutex.h"

namespace ringdb::internal {

class FailureTable {
 public:
  explicit FailureTable(uint64_t slot_count);
  FailureTable(const FailureTable&) = delete;
  FailureTable& operator=(const FailureTable&) = delete;

  // Records that the batch ending at `sequence` failed; a second failure of the same batch is
  // ignored (the first wins). REQUIRES: !status.ok().
  void Record(uint64_t sequence, const Status& status);
  // The outcome of a resolved batch (see the argument above).
  Status Outcome(uint64_t sequence) const;
  uint64_t bytes_reserved() const noexcept;

 private:
  struct Entry {
    // The last failed sequence stored here (0: none). Written under mutex_ with release; read
    // without the lock (acquire) on the success path, which then needs nothing else.
    std::atomic<uint64_t> sequence{0};
    uint64_t overwritten_max = 0;  // Guarded by mutex_.
    Status status;                 // Guarded by mutex_.
  };

  uint64_t mask_;
  std::unique_ptr<Entry[]> entries_;
  // Failures are rare: one lock for the table is enough. It guards the entries' overwritten_max
  // and status; an entry's sequence is also read without it (acquire), which the analysis cannot
  // express for the elements of an array, so the entries carry no attribute.
  mutable Mutex mutex_;
};

}  // namespace ringdb::internal
