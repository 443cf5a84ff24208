// ClaimedBatch: the producer's handle on claimed slots; publishing or aborting hands them back.
#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb {

ClaimedBatch& ClaimedBatch::operator=(ClaimedBatch&& other) noexcept {
  if (this != &other) {
    if (active_) {
      Abort();
    }
    ring_ = other.ring_;
    first_sequence_ = other.first_sequence_;
    slot_count_ = other.slot_count_;
    active_ = other.active_;
    other.active_ = false;
  }
  return *this;
}

size_t ClaimedBatch::slot_size_bytes() const noexcept { return ring_->slot_size_bytes(); }

std::span<std::byte> ClaimedBatch::slot(uint32_t index) noexcept {
  RINGDB_DASSERT(index < slot_count_);
  return ring_->slot(first_sequence_ + index);
}

Token ClaimedBatch::Publish() {
  RINGDB_ASSERT(active_ && "Publish of a batch already published, aborted or moved from");
  active_ = false;
  // After Close the batch becomes an abort, so nothing new reaches the consumers' drain. (A
  // publish racing with Close may still go through; it is then drained like any other, since its
  // sequence is at most the final sequence Close recorded.)
  if (ring_->closing()) {
    ring_->PublishBatch(first_sequence_, slot_count_, true /*aborted*/);
    return Token::Failed(Status::Aborted("ring closed before the batch was published"));
  }
  ring_->PublishBatch(first_sequence_, slot_count_, false /*aborted*/);
  return Token(ring_, last_sequence());
}

void ClaimedBatch::Abort() {
  RINGDB_ASSERT(active_ && "Abort of a batch already published, aborted or moved from");
  active_ = false;
  ring_->PublishBatch(first_sequence_, slot_count_, true /*aborted*/);
}

}  // namespace ringdb
