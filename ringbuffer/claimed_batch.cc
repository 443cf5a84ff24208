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
    single_ = other.single_;
    other.ring_ = nullptr;
  }
  return *this;
}

Token ClaimedBatch::PublishThroughRing() {
  RINGDB_ASSERT(active() && "Publish of a batch already published, aborted or moved from");
  internal::RingCore* ring = ring_;
  ring_ = nullptr;
  // After Close the batch becomes an abort, so nothing new reaches the consumers' drain. (A
  // publish racing with Close may still go through; it is then drained like any other, since its
  // sequence is at most the final sequence Close recorded.)
  if (ring->closing()) {
    ring->PublishBatch(first_sequence_, slot_count_, true /*aborted*/);
    return Token::Failed(Status::Aborted("ring closed before the batch was published"));
  }
  ring->PublishBatch(first_sequence_, slot_count_, false /*aborted*/);
  return Token(ring, last_sequence());
}

void ClaimedBatch::Abort() {
  RINGDB_ASSERT(active() && "Abort of a batch already published, aborted or moved from");
  internal::RingCore* ring = ring_;
  ring_ = nullptr;
  ring->PublishBatch(first_sequence_, slot_count_, true /*aborted*/);
}

}  // namespace ringdb
