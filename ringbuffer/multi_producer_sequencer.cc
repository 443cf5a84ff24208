#include "ringbuffer/multi_producer_sequencer.h"

#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb::internal {

MultiProducerSequencer::MultiProducerSequencer(RingCore& ring, uint64_t slot_count)
    : ring_(ring),
      slot_count_(slot_count),
      mask_(slot_count - 1),
      published_(std::make_unique<std::atomic<uint64_t>[]>(slot_count)) {
  RINGDB_ASSERT(slot_count > 0);
  RINGDB_ASSERT((slot_count & mask_) == 0);
  // Sequence 0 is never published, so zeroed flags mean "nothing published here yet".
  for (uint64_t index = 0; index < slot_count; ++index) {
    published_[index].store(0, std::memory_order_relaxed);
  }
}

Status MultiProducerSequencer::Claim(uint32_t count, ClaimMode mode, Deadline deadline,
                                     uint64_t* first) {
  RINGDB_ASSERT(count > 0);
  RINGDB_ASSERT(count <= slot_count_);
  uint64_t current = claimed_.load(std::memory_order_relaxed);
  // Bounded: each iteration either claims, fails, or loses the CAS to a producer that claimed.
  for (;;) {
    const uint64_t last = current + count;
    const uint64_t wrap_point = last > slot_count_ ? last - slot_count_ : 0;
    uint64_t gate = cached_gate_.load(std::memory_order_acquire);
    if (wrap_point > gate) {
      Status room = ring_.WaitForRoom(wrap_point, mode, deadline, &gate);
      if (!room.ok()) {
        return room;
      }
      cached_gate_.store(gate, std::memory_order_release);
    }
    // The CAS is a full barrier on x86 anyway; RingCore fences after it before the closing check.
    if (claimed_.compare_exchange_weak(current, last, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)) {
      *first = current + 1;
      return Status::OK();
    }
  }
}

void MultiProducerSequencer::Publish(uint64_t first, uint64_t last) {
  RINGDB_ASSERT(first > 0);
  RINGDB_ASSERT(last >= first);
  // Last to first: a scanner that sees `first` (acquire) sees every later flag of the batch.
  for (uint64_t sequence = last; sequence >= first; --sequence) {
    published_[sequence & mask_].store(sequence, std::memory_order_release);
  }
}

uint64_t MultiProducerSequencer::HighestPublished(uint64_t known) const noexcept {
  // Only the flags are read, never claimed_: the claim CAS would otherwise pull its line away from
  // the producers on every scan (reading it halved the 2->1 rate). A flag equal to its sequence
  // is proof enough, since only a claimed sequence is ever published, and nobody can publish
  // more than slot_count past what this consumer has seen.
  uint64_t highest = known;
  const uint64_t limit = known + slot_count_;
  while (highest < limit &&
         published_[(highest + 1) & mask_].load(std::memory_order_acquire) == highest + 1) {
    ++highest;
  }
  return highest;
}

}  // namespace ringdb::internal
