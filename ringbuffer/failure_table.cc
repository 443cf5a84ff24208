#include "ringbuffer/failure_table.h"

#include <string>

#include "util/assert.h"

namespace ringdb::internal {

FailureTable::FailureTable(uint64_t slot_count)
    : mask_(slot_count - 1), entries_(std::make_unique<Entry[]>(slot_count)) {
  RINGDB_ASSERT(slot_count > 0);
  RINGDB_ASSERT((slot_count & mask_) == 0);
}

void FailureTable::Record(uint64_t sequence, const Status& status) {
  RINGDB_ASSERT(sequence > 0);
  RINGDB_ASSERT(!status.ok());
  Entry& entry = entries_[sequence & mask_];
  MutexLock lock(&mutex_);
  const uint64_t held = entry.sequence.load(std::memory_order_relaxed);
  // Failures of one entry arrive in sequence order (see the header); anything else is a consumer
  // failing a batch it already released.
  RINGDB_ASSERT(held <= sequence);
  if (held == sequence) {
    return;  // The first failure wins.
  }
  if (held != 0) {
    entry.overwritten_max = held;
  }
  entry.status = status;
  // Release: a reader that sees this sequence under the lock or without it sees the status.
  entry.sequence.store(sequence, std::memory_order_release);
}

Status FailureTable::Outcome(uint64_t sequence) const {
  RINGDB_ASSERT(sequence > 0);
  const Entry& entry = entries_[sequence & mask_];
  // The success path: no failure at or after `sequence` in this entry.
  if (entry.sequence.load(std::memory_order_acquire) < sequence) {
    return Status::OK();
  }
  MutexLock lock(&mutex_);
  const uint64_t held = entry.sequence.load(std::memory_order_relaxed);
  if (held == sequence) {
    return entry.status;
  }
  RINGDB_ASSERT(held > sequence);
  if (sequence > entry.overwritten_max) {
    return Status::OK();
  }
  return Status::Unknown("outcome of sequence " + std::to_string(sequence) +
                         " is no longer retained: a later failure reused its entry");
}

uint64_t FailureTable::bytes_reserved() const noexcept { return (mask_ + 1) * sizeof(Entry); }

}  // namespace ringdb::internal
