#include "engine/group_gatherer.h"

#include <algorithm>

#include "util/assert.h"

namespace ringdb {

uint64_t GroupGatherer::CountTransactions(uint64_t first, uint64_t last) const {
  uint64_t count = 0;
  for (uint64_t sequence = first; sequence <= last; ++count) {
    const SlotMeta meta = consumer_->meta(sequence);
    RINGDB_ASSERT(meta.batch_begin());
    sequence += meta.batch_slot_count;
  }
  return count;
}

void GroupGatherer::GroupDone(uint64_t first, uint64_t last, std::chrono::nanoseconds duration) {
  const uint64_t group = CountTransactions(first, last);
  const uint64_t arrived_last = std::max(last, consumer_->Available());
  expected_transactions_ = group + CountTransactions(last + 1, arrived_last);
  budget_ = std::min(duration / 4, wait_max_);  // Half: no better at 16 writers, worse at 64.
  per_transaction_ = duration / std::max<uint64_t>(group, 1);
}

Result<uint64_t> GroupGatherer::Next(uint64_t next) {
  Result<uint64_t> available = consumer_->WaitFor(next);
  if (!available.ok() || expected_transactions_ < 2 ||
      expected_transactions_ > kExpectedTransactionsMax || budget_.count() == 0) {
    return available;
  }
  uint64_t counted = 0;
  uint64_t scan = next;  // The first sequence not yet counted; always a batch start.
  for (; scan <= *available; ++counted) {
    scan += consumer_->meta(scan).batch_slot_count;
  }
  if (counted >= expected_transactions_) {
    return available;
  }
  waits_.fetch_add(1, std::memory_order_relaxed);
  const auto deadline = std::chrono::steady_clock::now() + budget_;
  // Bounded by the deadline: each pass waits for at least one more published slot.
  while (counted < expected_transactions_) {
    const auto gap_deadline =
        std::min(deadline, std::chrono::steady_clock::now() + per_transaction_);
    Result<uint64_t> more = consumer_->WaitUntil(scan, gap_deadline);
    if (!more.ok()) {
      // The gap or the deadline passed, or the ring is closing: go with what is there.
      misses_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    for (; scan <= *more; ++counted) {
      scan += consumer_->meta(scan).batch_slot_count;
    }
  }
  return scan - 1;
}

}  // namespace ringdb
