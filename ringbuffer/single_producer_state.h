// The single-producer ring's claim and publish state, and the common case of both.
//
// RingBuffer::Claim and ClaimedBatch::Publish try these first, before any other check: room known
// to be free (a cached gate, so that a claim reads no consumer's cache line), ring open, nobody
// parked. Anything unusual (the first claim, a ring that looks full, Close, parked threads to
// wake, a deferred abort) takes the general path, which owns the same state.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ringbuffer/store_load_fence.h"
#include "ringdb/ring_buffer.h"

namespace ringdb::internal {

class RingCore;

// Writes the metadata of the batch [first, first + count). It covers at most two contiguous runs
// (before and after the ring's end); contiguous, branch-free loops let the compiler vectorise
// them, which matters at claim 64.
inline void WriteSlotMetas(SlotMeta* metas, uint64_t slot_count, uint64_t first, uint32_t count,
                           bool aborted) noexcept {
  const uint64_t start_index = first & (slot_count - 1);
  if (count == 1) {
    metas[start_index] = SlotMeta{1, 0, aborted};  // Claim 1: skip the loops' set-up.
    return;
  }
  const auto first_run = static_cast<uint32_t>(std::min<uint64_t>(count, slot_count - start_index));
  for (uint32_t index = 0; index < first_run; ++index) {
    metas[start_index + index] = SlotMeta{count, index, aborted};
  }
  for (uint32_t index = first_run; index < count; ++index) {
    metas[index - first_run] = SlotMeta{count, index, aborted};
  }
}

// The wake after a publish when some thread may be parked (ring_core.cc).
void WakeParkedAfterPublish(RingCore* ring);

enum class FastClaim : uint8_t {
  kClaimed,      // *first is set; the batch is the caller's.
  kSlowPath,     // Nothing claimed: no room known, count 0, or the first claim.
  kLostToClose,  // Claimed [*first, *first + count), but Close ran: it must be aborted.
};

struct alignas(64) SingleProducerState {
  // The producer thread's own fields.
  uint64_t claimed_last = 0;  // Last sequence claimed.
  uint64_t cached_gate = 0;   // Gating sequence as last read; it only grows.
  // Claims up to this sequence need not read the consumers: cached_gate + slot_count once the
  // ring's consumers are fixed, 0 before, so that the first claim takes the library path.
  uint64_t claim_limit = 0;
  uint64_t next_publish = 1;  // First sequence of the next batch to publish (claim order).
  // A claim that saw Close while earlier batches were still held: published right after them.
  // At most one, because every later claim sees the closing flag before claiming.
  uint64_t deferred_first = 0;
  uint64_t deferred_last = 0;

  // Fixed at construction.
  RingCore* ring = nullptr;
  std::byte* slots = nullptr;
  size_t slot_size_bytes = 0;
  uint64_t slot_count = 0;
  SlotMeta* metas = nullptr;
  const std::atomic<bool>* closing = nullptr;
  // How many threads are parked on any of the ring's lots; a waker that reads 0 after its fence
  // has nobody to wake (see ringbuffer/parking_lot.h).
  const std::atomic<uint32_t>* parked_total = nullptr;
  // True when the ring uses ParkFence::kMembarrier and the process registered for it: the
  // frequent side of each StoreLoad barrier is then a compiler barrier, otherwise (kFence, old
  // kernel, ThreadSanitizer) a full fence.
  bool fence_asymmetric = false;

  // Written by the producer (release), read by Close and Info.
  alignas(64) std::atomic<uint64_t> claimed{0};
  // Last published sequence: written by the producer (release), read by root consumers (acquire).
  alignas(64) std::atomic<uint64_t> cursor{0};

  void LightFence() const noexcept {
    if (fence_asymmetric) {
      std::atomic_signal_fence(std::memory_order_seq_cst);  // Close and Park issue the heavy side.
    } else {
      StoreLoadFence();
    }
  }

  // The claim when the cached gate shows room.
  FastClaim TryClaimFast(uint32_t count, uint64_t* first) noexcept {
    // count - 1 wraps for 0, which the library path rejects with InvalidArgument. A closed ring
    // goes there too, so that at most one claim (one that raced with Close) is ever lost to it.
    if (uint64_t{count} - 1 >= claim_limit - claimed_last ||
        closing->load(std::memory_order_relaxed)) {
      return FastClaim::kSlowPath;
    }
    const uint64_t last = claimed_last + count;
    claimed.store(last, std::memory_order_release);
    *first = claimed_last + 1;
    claimed_last = last;
    // The claim's store, a StoreLoad barrier, then the closing flag (ringbuffer/ring_core.h):
    // either Close's final sequence covers this claim or this load sees the flag.
    LightFence();
    return closing->load(std::memory_order_acquire) ? FastClaim::kLostToClose : FastClaim::kClaimed;
  }

  // The publish of [first, first + count) when it is next in claim order, no abort is deferred
  // and the ring is open; false means "take the library path" (nothing was published then).
  bool TryPublishFast(uint64_t first, uint32_t count) noexcept {
    if (first != next_publish || deferred_first != 0 || closing->load(std::memory_order_acquire)) {
      return false;
    }
    const uint64_t last = first + count - 1;
    WriteSlotMetas(metas, slot_count, first, count, false);
    next_publish = last + 1;
    cursor.store(last, std::memory_order_release);
    LightFence();  // The waker's side of the parking protocol.
    if (parked_total->load(std::memory_order_relaxed) != 0) {
      WakeParkedAfterPublish(ring);
    }
    return true;
  }
};

}  // namespace ringdb::internal
