// Sequence: a ring sequence counter alone on its cache line.
//
// Each consumer's sequence is written by its one thread and read by producers, dependent
// consumers and token waiters. Padding it to a cache line keeps those reads from invalidating a
// neighbour's line (false sharing), the cost that LMAX's padded Sequence removes.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringdb::internal {

inline constexpr size_t kCacheLineSizeBytes = 64;

struct alignas(kCacheLineSizeBytes) Sequence {
  // Acquire: whoever reads a sequence then reads the slots (or the failure-table entries) the
  // writer finished before advancing it.
  uint64_t Load() const noexcept { return value.load(std::memory_order_acquire); }
  // Release: everything the owner did to slots up to `sequence` is visible to an acquiring reader.
  void Store(uint64_t sequence) noexcept { value.store(sequence, std::memory_order_release); }

  std::atomic<uint64_t> value{0};
};
static_assert(sizeof(Sequence) == kCacheLineSizeBytes);
static_assert(alignof(Sequence) == kCacheLineSizeBytes);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

}  // namespace ringdb::internal
