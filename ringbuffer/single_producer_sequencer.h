// SingleProducerSequencer: one producer thread, no read-modify-write on claim.
//
// The producer keeps its claim sequence and a cached copy of the gating sequence in plain fields
// (only it touches them), rereading the consumers' sequences only when the cache says the ring
// might be full. Batches must be published (or aborted) in claim order, which a single thread
// does naturally; the cursor is then simply the last published sequence.
//
// The state is a SingleProducerState (ringbuffer/single_producer_state.h), whose claim and
// publish RingBuffer and ClaimedBatch try first, for the common case; this class is the rest.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "ringbuffer/sequence.h"
#include "ringbuffer/sequencer.h"
#include "ringbuffer/single_producer_state.h"
#include "util/assert.h"

namespace ringdb::internal {

class SingleProducerSequencer final : public Sequencer {
 public:
  SingleProducerSequencer(RingCore& ring, uint64_t slot_count)
      : ring_(ring), slot_count_(slot_count) {
    state_.ring = &ring;
    state_.slot_count = slot_count;
  }
  Status Claim(uint32_t count, ClaimMode mode, Deadline deadline, uint64_t* first) override;
  void Publish(uint64_t first, uint64_t last) override {
    RINGDB_ASSERT(first == state_.next_publish &&
                  "kSingle batches must be published in claim order");
    RINGDB_ASSERT(last >= first);
    if (state_.deferred_first == last + 1) {
      // The deferred abort directly follows: publish it with this batch.
      last = state_.deferred_last;
      state_.deferred_first = 0;
    }
    state_.next_publish = last + 1;
    state_.cursor.store(last, std::memory_order_release);
  }
  void PublishClosedClaim(uint64_t first, uint64_t last) override;
  uint64_t claimed() const noexcept override {
    return state_.claimed.load(std::memory_order_seq_cst);
  }
  uint64_t HighestPublished(uint64_t /*known*/) const noexcept override {
    return state_.cursor.load(std::memory_order_acquire);
  }
  SingleProducerState& state() noexcept { return state_; }

 private:
  void CheckSingleThread() {
#ifndef NDEBUG
    std::thread::id expected{};
    const std::thread::id self = std::this_thread::get_id();
    if (!owner_.compare_exchange_strong(expected, self, std::memory_order_relaxed)) {
      RINGDB_ASSERT(expected == self && "Claim from two threads: use ProducerType::kMulti");
    }
#endif
  }

  RingCore& ring_;
  const uint64_t slot_count_;
#ifndef NDEBUG
  std::atomic<std::thread::id> owner_{};  // The one thread allowed to claim (debug check).
#endif
  SingleProducerState state_;
};

}  // namespace ringdb::internal
