#include "ringbuffer/single_producer_sequencer.h"

#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb::internal {

Status SingleProducerSequencer::Claim(uint32_t count, ClaimMode mode, Deadline deadline,
                                      uint64_t* first) {
  RINGDB_ASSERT(count > 0);
  RINGDB_ASSERT(count <= slot_count_);
  CheckSingleThread();
  const uint64_t last = next_claimed_ + count;
  // The claim may not lap the slowest terminal consumer: slot of `last` must be free of the
  // sequence last - slot_count.
  const uint64_t wrap_point = last > slot_count_ ? last - slot_count_ : 0;
  if (wrap_point > cached_gate_) {
    Status room = ring_.WaitForRoom(wrap_point, mode, deadline, &cached_gate_);
    if (!room.ok()) {
      return room;
    }
  }
  RINGDB_DASSERT(cached_gate_ >= wrap_point);
  // Release is enough: RingCore puts the StoreLoad barrier between this and the closing check.
  claimed_.store(last, std::memory_order_release);
  *first = next_claimed_ + 1;
  next_claimed_ = last;
  return Status::OK();
}

void SingleProducerSequencer::PublishClosedClaim(uint64_t first, uint64_t last) {
  RINGDB_ASSERT(first >= next_publish_);
  RINGDB_ASSERT(deferred_first_ == 0);
  if (first == next_publish_) {
    Publish(first, last);
    return;
  }
  deferred_first_ = first;  // Earlier batches are still held; the last of them publishes this.
  deferred_last_ = last;
}

}  // namespace ringdb::internal
