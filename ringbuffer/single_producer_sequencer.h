// SingleProducerSequencer: one producer thread, no read-modify-write on claim.
//
// The producer keeps its claim sequence and a cached copy of the gating sequence in plain fields
// (only it touches them), rereading the consumers' sequences only when the cache says the ring
// might be full. Batches must be published (or aborted) in claim order, which a single thread
// does naturally; the cursor is then simply the last published sequence. RingCore calls Claim and
// Publish directly (the class is final and both are defined here), so the common case of each is
// inlined into the ring's claim and publish.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "ringbuffer/sequence.h"
#include "ringbuffer/sequencer.h"
#include "util/assert.h"

namespace ringdb::internal {

class SingleProducerSequencer final : public Sequencer {
 public:
  SingleProducerSequencer(RingCore& ring, uint64_t slot_count)
      : ring_(ring), slot_count_(slot_count) {}
  Status Claim(uint32_t count, ClaimMode mode, Deadline deadline, uint64_t* first) override {
    RINGDB_ASSERT(count > 0);
    RINGDB_ASSERT(count <= slot_count_);
    CheckSingleThread();
    const uint64_t last = claimed_last_ + count;
    // The claim may not lap the slowest terminal consumer: slot of `last` must be free of the
    // sequence last - slot_count.
    const uint64_t wrap_point = last > slot_count_ ? last - slot_count_ : 0;
    if (wrap_point > cached_gate_) {
      Status room = WaitForRoom(wrap_point, mode, deadline);
      if (!room.ok()) {
        return room;
      }
    }
    // Release is enough: RingCore puts the StoreLoad barrier between this and the closing check.
    claimed_.store(last, std::memory_order_release);
    *first = claimed_last_ + 1;
    claimed_last_ = last;
    return Status::OK();
  }
  void Publish(uint64_t first, uint64_t last) override {
    RINGDB_ASSERT(first == next_publish_ && "kSingle batches must be published in claim order");
    RINGDB_ASSERT(last >= first);
    if (deferred_first_ == last + 1) {
      // The deferred abort directly follows: publish it with this batch.
      last = deferred_last_;
      deferred_first_ = 0;
    }
    next_publish_ = last + 1;
    cursor_.store(last, std::memory_order_release);
  }
  void PublishClosedClaim(uint64_t first, uint64_t last) override;
  uint64_t claimed() const noexcept override { return claimed_.load(std::memory_order_seq_cst); }
  uint64_t HighestPublished(uint64_t /*known*/) const noexcept override {
    return cursor_.load(std::memory_order_acquire);
  }

 private:
  // The slow side of Claim: waits for the gating sequence to reach wrap_point and caches it.
  Status WaitForRoom(uint64_t wrap_point, ClaimMode mode, Deadline deadline);

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
  // The producer thread's own fields.
  uint64_t claimed_last_ = 0;  // Last sequence claimed.
  uint64_t cached_gate_ = 0;   // Gating sequence as last read; it only grows.
  uint64_t next_publish_ = 1;  // First sequence of the next batch to publish (claim order).
  // A claim that saw Close while earlier batches were still held: published right after them.
  // At most one, because every later claim sees the closing flag before claiming.
  uint64_t deferred_first_ = 0;
  uint64_t deferred_last_ = 0;

  // Written by the producer (release), read by Close and Info.
  alignas(kCacheLineSizeBytes) std::atomic<uint64_t> claimed_{0};
  // Last published sequence: written by the producer (release), read by root consumers (acquire).
  alignas(kCacheLineSizeBytes) std::atomic<uint64_t> cursor_{0};
};

}  // namespace ringdb::internal
