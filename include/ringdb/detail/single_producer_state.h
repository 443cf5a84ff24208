// The single-producer ring's claim and publish state, and the inline common case of both.
//
// Implementation detail of ringdb/ring_buffer.h: only the ring's own code writes these fields.
// It is public so that RingBuffer::Claim and ClaimedBatch::Publish can run their common case
// (room known to be free, ring open, nobody parked) inline in the producer's code: through the
// library's calls a claim-1 item cost ~250 instructions, most of it call plumbing and checks that
// the common case does not need. Anything unusual (the first claim, a ring that looks full, Close,
// parked threads to wake, a deferred abort) takes the library path, which owns the same state.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ringdb::internal {

class RingCore;

// The per-slot metadata word: batch_slot_count << 32 | index_in_batch << 1 | aborted. Private
// layout, decoded inline so that reading it costs one load.
inline constexpr uint64_t MetaWord(uint32_t batch_slot_count, uint32_t index, bool aborted) {
  return (uint64_t{batch_slot_count} << 32) | (uint64_t{index} << 1) | (aborted ? 1u : 0u);
}

// Writes the metadata words of the batch [first, first + count). It covers at most two
// contiguous runs (before and after the ring's end); contiguous, branch-free loops let the
// compiler vectorise them, which matters at claim 64.
inline void WriteMetaWords(uint64_t* words, uint64_t slot_count, uint64_t first, uint32_t count,
                           bool aborted) noexcept {
  const uint64_t start_index = first & (slot_count - 1);
  if (count == 1) {
    words[start_index] = MetaWord(1, 0, aborted);  // Claim 1: skip the loops' set-up.
    return;
  }
  const auto first_run = static_cast<uint32_t>(std::min<uint64_t>(count, slot_count - start_index));
  const uint64_t base = MetaWord(count, 0, aborted);
  for (uint32_t index = 0; index < first_run; ++index) {
    words[start_index + index] = base + (uint64_t{index} << 1);
  }
  for (uint32_t index = first_run; index < count; ++index) {
    words[index - first_run] = base + (uint64_t{index} << 1);
  }
}

// Defined in the library: the wake after an inline publish when some thread may be parked, and
// the full StoreLoad barrier for processes without membarrier (ringbuffer/store_load_fence.h).
void WakeParkedAfterPublish(RingCore* ring);
void StoreLoadFenceOutOfLine() noexcept;

enum class InlineClaim : uint8_t {
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
  uint64_t* meta_words = nullptr;
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
      StoreLoadFenceOutOfLine();
    }
  }

  // The claim when the cached gate shows room.
  InlineClaim TryClaimInline(uint32_t count, uint64_t* first) noexcept {
    // count - 1 wraps for 0, which the library path rejects with InvalidArgument. A closed ring
    // goes there too, so that at most one claim (one that raced with Close) is ever lost to it.
    if (uint64_t{count} - 1 >= claim_limit - claimed_last ||
        closing->load(std::memory_order_relaxed)) {
      return InlineClaim::kSlowPath;
    }
    const uint64_t last = claimed_last + count;
    claimed.store(last, std::memory_order_release);
    *first = claimed_last + 1;
    claimed_last = last;
    // The claim's store, a StoreLoad barrier, then the closing flag (ringbuffer/ring_core.h):
    // either Close's final sequence covers this claim or this load sees the flag.
    LightFence();
    return closing->load(std::memory_order_acquire) ? InlineClaim::kLostToClose
                                                    : InlineClaim::kClaimed;
  }

  // The publish of [first, first + count) when it is next in claim order, no abort is deferred
  // and the ring is open; false means "take the library path" (nothing was published then).
  bool TryPublishInline(uint64_t first, uint32_t count) noexcept {
    if (first != next_publish || deferred_first != 0 || closing->load(std::memory_order_acquire)) {
      return false;
    }
    const uint64_t last = first + count - 1;
    WriteMetaWords(meta_words, slot_count, first, count, false);
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
