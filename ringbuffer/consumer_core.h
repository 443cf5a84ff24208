// ConsumerCore: the ring-side state of one consumer (the public Consumer is a thin handle on it).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "ringbuffer/parking_lot.h"
#include "ringbuffer/sequence.h"
#include "ringdb/ring_buffer.h"

namespace ringdb::internal {

// A consumer runs after at most this many others. Graphs in a storage engine are shallow
// (journal -> applier -> a few observers); the bound keeps the dependency list inline.
inline constexpr uint32_t kConsumerDependencyCountMax = 8;

struct ConsumerCore {
  ConsumerCore(RingCore* owner, std::string consumer_name, const std::byte* slots,
               const SlotMeta* metas, uint64_t mask, size_t slot_size_bytes)
      : name(std::move(consumer_name)),
        ring(owner),
        handle(this, slots, metas, mask, slot_size_bytes) {}

  const std::string name;
  RingCore* const ring;
  // Fixed at AddConsumer, read-only afterwards.
  std::array<ConsumerCore*, kConsumerDependencyCountMax> dependencies{};
  uint32_t dependency_count = 0;
  // Owner-thread only: the highest sequence WaitFor/Available last reported, which bounds Release
  // and Fail and lets a root consumer resume its publication scan where it stopped.
  uint64_t available_cached = 0;
  // Set by Interrupt() (any thread, release), read by the owner's waits (acquire).
  std::atomic<bool> interrupted{false};
  // Written by the owner thread only (release), read by producers, dependents and token waiters.
  Sequence sequence;
  // The owner parks here waiting for data; woken by publishes, releases, Close and Interrupt.
  ParkingLot lot;
  Consumer handle;
};

}  // namespace ringdb::internal
