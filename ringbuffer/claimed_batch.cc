// ClaimedBatch: the producer's handle on claimed slots; publishing or aborting hands them back.
#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb {

ClaimedBatch& ClaimedBatch::operator=(ClaimedBatch&& other) noexcept {
  if (this != &other) {
    if (active()) {
      Abort();
    }
    ring_ = other.ring_;
    slots_ = other.slots_;
    mask_ = other.mask_;
    slot_size_bytes_ = other.slot_size_bytes_;
    first_sequence_ = other.first_sequence_;
    slot_count_ = other.slot_count_;
    other.ring_ = nullptr;
  }
  return *this;
}

Token ClaimedBatch::PublishThroughRing(internal::RingCore* ring, uint64_t first, uint32_t count) {
  RINGDB_ASSERT(ring != nullptr && "Publish of a batch already published, aborted or moved from");
  internal::SingleProducerState* single = ring->single_producer_state();
  if (single != nullptr && single->TryPublishFast(first, count)) {
    return Token(ring, first + count - 1);
  }
  // After Close the batch becomes an abort, so nothing new reaches the consumers' drain. (A
  // publish racing with Close may still go through; it is then drained like any other, since its
  // sequence is at most the final sequence Close recorded.)
  if (ring->closing()) {
    ring->PublishBatch(first, count, true /*aborted*/);
    return Token::Failed(Status::Aborted("ring closed before the batch was published"));
  }
  ring->PublishBatch(first, count, false /*aborted*/);
  return Token(ring, first + count - 1);
}

void ClaimedBatch::AbortThroughRing(internal::RingCore* ring, uint64_t first, uint32_t count) {
  RINGDB_ASSERT(ring != nullptr && "Abort of a batch already published, aborted or moved from");
  ring->PublishBatch(first, count, true /*aborted*/);
}

}  // namespace ringdb
