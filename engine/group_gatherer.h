// GroupGatherer: how long the journaler waits before it journals the next group.
//
// A writer that submits and waits is back with its next transaction a little after its token
// resolves: after the group's fdatasync, the applier's write and a wake-up. A journaler that starts
// the next fdatasync at once with whatever is waiting splits such writers into groups that take
// turns (16 writers ran as two alternating groups of about eight, each paying a whole fdatasync).
// So after each group the journaler expects the writers it just made durable to come back, plus
// those that arrived during the sync, and waits for that many transactions, but only while they
// keep coming (each within the last group's journaling time per transaction) and never longer
// than a quarter of that time in all. A single writer is expected back alone, which is what the
// journaler would wait for anyway. Large groups are not waited for (kExpectedTransactionsMax).
//
// Thread safety: whoever holds the journal stage (engine/stage.h), one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ringdb/result.h"
#include "ringdb/ring_buffer.h"

namespace ringdb {

class GroupGatherer {
 public:
  // The longest wait for a group to fill, whatever the last sync took.
  static constexpr std::chrono::microseconds kWaitMax{1000};
  // Groups expected to be larger than this are not waited for: they already share a sync widely,
  // and bringing back that many writers keeps the disk idle longer than it saves (64 writers:
  // 49k txn/s with waiting, 55k without; 16 writers: 23k with, 19k without).
  static constexpr uint64_t kExpectedTransactionsMax = 32;

  explicit GroupGatherer(Consumer* consumer, std::chrono::nanoseconds wait_max = kWaitMax)
      : consumer_(consumer), wait_max_(wait_max) {}

  // Waits for the next group, which starts at `next`, and returns the highest sequence available
  // (at least `next`); Aborted once the ring is closed and drained.
  Result<uint64_t> Next(uint64_t next);
  // The group [first, last] is durable; journaling it took `duration`. It reads the group's slot
  // metadata, so REQUIRES: the consumer has not released the group yet (released slots may be
  // claimed again at once).
  void GroupDone(uint64_t first, uint64_t last, std::chrono::nanoseconds duration);

  // How often Next waited, and how often a wait ended unfilled. Readable from any thread.
  uint64_t waits() const { return waits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  // Transactions (aborted ones included) among the published sequences [first, last], each
  // starting a batch.
  uint64_t CountTransactions(uint64_t first, uint64_t last) const;

  Consumer* const consumer_;
  const std::chrono::nanoseconds wait_max_;
  uint64_t expected_transactions_ = 0;
  std::chrono::nanoseconds budget_{0};
  std::chrono::nanoseconds per_transaction_{0};
  std::atomic<uint64_t> waits_{0};  // Written by the journaler thread only.
  std::atomic<uint64_t> misses_{0};
};

}  // namespace ringdb
