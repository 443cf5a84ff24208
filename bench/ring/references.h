// References for the ring's figures, measured in the same run as the ring and its peers. They
// are measuring sticks, not queues: no claims, no waits but a spin, no metadata, no Close.
//
//   bare.stride32.*: the ring's 1->1 transfer written as a bare loop. One producer writes 64-bit
//     items into 32-byte slots (the ring's smallest slot, chunk_count 1) of a 4096-slot array and
//     publishes with one release store per batch; the consumer polls without pause, reads every
//     item and frees the slots with one release store per pass. Only the stride differs from
//     boost's 8-byte array, so its line against boost shows what four times the cache lines per
//     item costs, and the ring's line against it what the ring's claims and waits cost (or save:
//     the ring's consumer, which yields instead of polling, leaves the producer its lines).
//   bound.shared_counter.2p: two threads increment one shared counter and do nothing else. Every
//     claim of a queue that gives each claim the next place in one order shared by all producers
//     (the ring's kMulti) is at least such an increment, so no such queue claims one item at a
//     time faster; moodycamel gives each producer a queue of its own instead.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>

#include "ring/harness.h"

namespace ringdb::bench {

inline constexpr size_t kBareSlotBytes = 32;

template <uint64_t kBatch>
RunResult BareStride32() {
  static_assert(kQueueCapacity % kBatch == 0);
  constexpr uint64_t kMask = kQueueCapacity - 1;
  struct alignas(64) Shared {
    std::atomic<uint64_t> published{0};
    alignas(64) std::atomic<uint64_t> consumed{0};
    alignas(64) std::atomic<bool> producer_done{false};
  };
  auto shared = std::make_unique<Shared>();
  // Value-initialised: zeroed, and every page touched before the run.
  auto slots = std::make_unique<std::array<std::byte, kQueueCapacity * kBareSlotBytes>>();
  std::byte* base = slots->data();
  RunControl control;
  uint64_t produced = 0;
  uint64_t sum = 0;
  uint64_t count = 0;
  std::thread consumer([&] {
    uint64_t next = 0;
    for (;;) {  // Ends once the producer is done and everything it published has been read.
      const bool done = shared->producer_done.load(std::memory_order_acquire);
      const uint64_t published = shared->published.load(std::memory_order_acquire);
      if (published == next) {
        if (done) {
          break;
        }
        continue;
      }
      for (uint64_t sequence = next; sequence < published; ++sequence) {
        uint64_t value = 0;
        std::memcpy(&value, base + (sequence & kMask) * kBareSlotBytes, sizeof(value));
        sum += value;
      }
      count += published - next;
      next = published;
      shared->consumed.store(next, std::memory_order_release);
    }
  });
  std::thread producer([&] {
    uint64_t next = 0;
    uint64_t consumed = 0;
    while (!control.stopped()) {
      while (next + kBatch - consumed > kQueueCapacity) {
        consumed = shared->consumed.load(std::memory_order_acquire);
      }
      for (uint64_t index = 0; index < kBatch; ++index) {
        const uint64_t value = next + index + 1;
        std::memcpy(base + ((next + index) & kMask) * kBareSlotBytes, &value, sizeof(value));
      }
      next += kBatch;
      shared->published.store(next, std::memory_order_release);
    }
    produced = next;
    shared->producer_done.store(true, std::memory_order_release);
  });
  control.StopAfter(kRunDuration);
  producer.join();
  consumer.join();
  return RunResult{count, control.ElapsedSeconds(), count == produced && sum == SumTo(count)};
}

inline RunResult SharedCounterBound() {
  alignas(64) std::atomic<uint64_t> counter{0};
  RunControl control;
  uint64_t counts[2] = {0, 0};
  auto increment = [&](uint64_t* mine) {
    uint64_t count = 0;
    while (!control.stopped()) {
      counter.fetch_add(1, std::memory_order_seq_cst);
      ++count;
    }
    *mine = count;
  };
  std::thread first(increment, &counts[0]);
  std::thread second(increment, &counts[1]);
  control.StopAfter(kRunDuration);
  first.join();
  second.join();
  const uint64_t total = counter.load();
  return RunResult{total, control.ElapsedSeconds(), total == counts[0] + counts[1]};
}

}  // namespace ringdb::bench
