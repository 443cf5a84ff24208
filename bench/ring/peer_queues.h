// The peers the ring is measured against, in the same run: boost::lockfree::spsc_queue (one at a
// time, and bulk), moodycamel::ConcurrentQueue (bulk 1->1, and 2->1), atomic_queue (SPSC).
// Producers number items from 1; waits on a full or empty queue spin, as those libraries intend.
#pragma once

#include <array>
#include <memory>
#include <thread>

#include <atomic_queue/atomic_queue.h>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue/concurrentqueue.h>

#include "ring/harness.h"

namespace ringdb::bench {

// Drives one producer and one consumer over push/pop callables; `Push(value)` and
// `Pop(sum, count)` return false when full / empty.
template <typename Produce, typename Consume>
RunResult RunPair(Produce produce, Consume consume) {
  RunControl control;
  std::atomic<uint64_t> produced{0};
  std::atomic<bool> done{false};
  uint64_t sum = 0;
  uint64_t count = 0;
  std::thread consumer([&] {
    for (;;) {  // Ends once the producer is done and every item it made has arrived.
      if (!consume(&sum, &count) && done.load(std::memory_order_acquire) &&
          count == produced.load(std::memory_order_relaxed)) {
        return;
      }
    }
  });
  std::thread producer([&] {
    produced.store(produce(control), std::memory_order_relaxed);
    done.store(true, std::memory_order_release);
  });
  control.StopAfter(kRunDuration);
  producer.join();
  consumer.join();
  RunResult result{count, control.ElapsedSeconds(), sum == SumTo(count)};
  return result;
}

inline RunResult BoostSpscOne() {
  auto queue = std::make_unique<
      boost::lockfree::spsc_queue<uint64_t, boost::lockfree::capacity<kQueueCapacity>>>();
  return RunPair(
      [&](RunControl& control) {
        uint64_t value = 0;
        while (!control.stopped()) {
          ++value;
          while (!queue->push(value)) {
          }
        }
        return value;
      },
      [&](uint64_t* sum, uint64_t* count) {
        uint64_t value = 0;
        if (!queue->pop(value)) {
          return false;
        }
        *sum += value;
        ++*count;
        return true;
      });
}

// Producer pushes 64 at a time (like a claim of 64), consumer pops up to 256 at a time.
inline RunResult BoostSpscBulk() {
  auto queue = std::make_unique<
      boost::lockfree::spsc_queue<uint64_t, boost::lockfree::capacity<kQueueCapacity>>>();
  return RunPair(
      [&](RunControl& control) {
        uint64_t value = 0;
        std::array<uint64_t, 64> batch{};
        while (!control.stopped()) {
          for (uint64_t& item : batch) {
            item = ++value;
          }
          const uint64_t* next = batch.data();
          size_t left = batch.size();
          while (left > 0) {
            const size_t pushed = queue->push(next, left);
            next += pushed;
            left -= pushed;
          }
        }
        return value;
      },
      [&](uint64_t* sum, uint64_t* count) {
        std::array<uint64_t, 256> items;
        const size_t popped = queue->pop(items.data(), items.size());
        for (size_t index = 0; index < popped; ++index) {
          *sum += items[index];
        }
        *count += popped;
        return popped > 0;
      });
}

inline RunResult MoodycamelBulk() {
  moodycamel::ConcurrentQueue<uint64_t> queue(kQueueCapacity);
  return RunPair(
      [&](RunControl& control) {
        moodycamel::ProducerToken token(queue);
        uint64_t value = 0;
        std::array<uint64_t, 64> batch{};
        while (!control.stopped()) {
          for (uint64_t& item : batch) {
            item = ++value;
          }
          queue.enqueue_bulk(token, batch.data(), batch.size());
        }
        return value;
      },
      [&](uint64_t* sum, uint64_t* count) {
        std::array<uint64_t, 256> items;
        const size_t popped = queue.try_dequeue_bulk(items.data(), items.size());
        for (size_t index = 0; index < popped; ++index) {
          *sum += items[index];
        }
        *count += popped;
        return popped > 0;
      });
}

inline RunResult AtomicQueueSpsc() {
  // SPSC specialisation, throughput-maximising; 0 is the queue's "empty" marker, and items start
  // from 1 anyway.
  using Queue = atomic_queue::AtomicQueueB<uint64_t, std::allocator<uint64_t>, uint64_t{0}, true,
                                           false, true>;
  Queue queue(kQueueCapacity);
  return RunPair(
      [&](RunControl& control) {
        uint64_t value = 0;
        while (!control.stopped()) {
          ++value;
          while (!queue.try_push(value)) {
          }
        }
        return value;
      },
      [&](uint64_t* sum, uint64_t* count) {
        uint64_t value = 0;
        if (!queue.try_pop(value)) {
          return false;
        }
        *sum += value;
        ++*count;
        return true;
      });
}

// Two producers enqueue one at a time (each with its producer token); one consumer pops in bulk.
inline RunResult Moodycamel2p1c() {
  moodycamel::ConcurrentQueue<uint64_t> queue(kQueueCapacity);
  RunControl control;
  std::atomic<uint64_t> produced{0};
  std::atomic<uint64_t> produced_sum{0};
  std::atomic<int> producers_done{0};
  auto produce = [&] {
    moodycamel::ProducerToken token(queue);
    uint64_t value = 0;
    while (!control.stopped()) {
      queue.enqueue(token, ++value);
    }
    produced.fetch_add(value, std::memory_order_relaxed);
    produced_sum.fetch_add(SumTo(value), std::memory_order_relaxed);
    producers_done.fetch_add(1, std::memory_order_release);
  };
  uint64_t count = 0;
  uint64_t sum = 0;
  std::thread consumer([&] {
    std::array<uint64_t, 256> items;
    for (;;) {  // Ends once both producers are done and everything arrived.
      const size_t popped = queue.try_dequeue_bulk(items.data(), items.size());
      for (size_t index = 0; index < popped; ++index) {
        sum += items[index];
      }
      count += popped;
      if (popped == 0 && producers_done.load(std::memory_order_acquire) == 2 &&
          count == produced.load(std::memory_order_relaxed)) {
        return;
      }
    }
  });
  std::thread first(produce);
  std::thread second(produce);
  control.StopAfter(kRunDuration);
  first.join();
  second.join();
  consumer.join();
  return RunResult{count, control.ElapsedSeconds(), sum == produced_sum.load()};
}

}  // namespace ringdb::bench
