#include "ringbuffer/single_producer_sequencer.h"

#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb::internal {

Status SingleProducerSequencer::WaitForRoom(uint64_t wrap_point, ClaimMode mode,
                                            Deadline deadline) {
  Status room = ring_.WaitForRoom(wrap_point, mode, deadline, &cached_gate_);
  RINGDB_DASSERT(!room.ok() || cached_gate_ >= wrap_point);
  return room;
}

void SingleProducerSequencer::PublishClosedClaim(uint64_t first, uint64_t last) {
  RINGDB_ASSERT(first >= next_publish_);
  RINGDB_ASSERT(deferred_first_ == 0);
  if (first == next_publish_) {
    Publish(first, last);
    return;
  }
  // Earlier batches are still held; the last of them publishes this.
  deferred_first_ = first;
  deferred_last_ = last;
}

}  // namespace ringdb::internal
