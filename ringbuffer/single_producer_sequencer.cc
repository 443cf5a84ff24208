#include "ringbuffer/single_producer_sequencer.h"

#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb::internal {

Status SingleProducerSequencer::Claim(uint32_t count, ClaimMode mode, Deadline deadline,
                                      uint64_t* first) {
  RINGDB_ASSERT(count > 0);
  RINGDB_ASSERT(count <= slot_count_);
  CheckSingleThread();
  const uint64_t last = state_.claimed_last + count;
  // The claim may not lap the slowest terminal consumer: slot of `last` must be free of the
  // sequence last - slot_count.
  const uint64_t wrap_point = last > slot_count_ ? last - slot_count_ : 0;
  if (wrap_point > state_.cached_gate) {
    Status room = ring_.WaitForRoom(wrap_point, mode, deadline, &state_.cached_gate);
    if (!room.ok()) {
      return room;
    }
  }
  RINGDB_DASSERT(state_.cached_gate >= wrap_point);
  // RingCore froze the consumers before calling, so the fast-path claim may use the cache from now.
  state_.claim_limit = state_.cached_gate + slot_count_;
  // Release is enough: RingCore puts the StoreLoad barrier between this and the closing check.
  state_.claimed.store(last, std::memory_order_release);
  *first = state_.claimed_last + 1;
  state_.claimed_last = last;
  return Status::OK();
}

void SingleProducerSequencer::PublishClosedClaim(uint64_t first, uint64_t last) {
  RINGDB_ASSERT(first >= state_.next_publish);
  RINGDB_ASSERT(state_.deferred_first == 0);
  if (first == state_.next_publish) {
    Publish(first, last);
    return;
  }
  // Earlier batches are still held; the last of them publishes this.
  state_.deferred_first = first;
  state_.deferred_last = last;
}

}  // namespace ringdb::internal
