// The ring's own runs: 1 producer -> 1 consumer, producer -> A -> B, and 2 producers -> 1.
// Items are 64-bit values written in place into 32-byte slots (chunk_count 1); consumers take
// everything available at once and release it with one store, as the engine's consumers do.
#pragma once

#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "ring/harness.h"
#include "ringdb/ring_buffer.h"

namespace ringdb::bench {

inline std::unique_ptr<RingBuffer> MakeBenchRing(ProducerType type, WaitStrategy wait) {
  RingOptions options;
  options.slot_count = kQueueCapacity;
  options.chunk_count = 1;
  options.producer_type = type;
  options.wait_strategy = wait;
  std::unique_ptr<RingBuffer> ring;
  Status created = RingBuffer::Create(options, &ring);
  if (!created.ok()) {
    std::fprintf(stderr, "ring_bench: %s\n", created.ToString().c_str());
    std::abort();
  }
  return ring;
}

// Produces items 1, 2, ... in claims of `claim_size` until stopped; returns the count.
inline uint64_t ProduceInto(RingBuffer& ring, uint32_t claim_size, const RunControl& control) {
  uint64_t value = 0;
  while (!control.stopped()) {
    Result<ClaimedBatch> batch = ring.Claim(claim_size);
    if (!batch.ok()) {
      break;
    }
    ClaimedBatch& claimed = *batch;  // Hoisted: each slot write may alias the Result's fields.
    for (uint32_t index = 0; index < claim_size; ++index) {
      ++value;
      std::memcpy(claimed.slot(index).data(), &value, sizeof(value));
    }
    claimed.Publish();
  }
  return value;
}

struct ConsumerTally {
  uint64_t sum = 0;
  uint64_t count = 0;
};

// Consumes until the ring is closed and drained.
inline void ConsumeAll(Consumer* consumer, ConsumerTally* tally) {
  uint64_t next = 1;
  for (;;) {  // Ends when WaitFor reports the closed ring drained.
    Result<uint64_t> available = consumer->WaitFor(next);
    if (!available.ok()) {
      return;
    }
    for (uint64_t sequence = next; sequence <= *available; ++sequence) {
      uint64_t value = 0;
      std::memcpy(&value, consumer->slot(sequence).data(), sizeof(value));
      tally->sum += value;
    }
    tally->count += *available - next + 1;
    consumer->Release(*available);
    next = *available + 1;
  }
}

// `stages` consumers in a chain (1: producer -> A; 2: producer -> A -> B), single producer.
inline RunResult RingChain(uint32_t claim_size, uint32_t stages, WaitStrategy wait) {
  auto ring = MakeBenchRing(ProducerType::kSingle, wait);
  std::vector<Consumer*> consumers;
  for (uint32_t stage = 0; stage < stages; ++stage) {
    std::vector<Consumer*> after;
    if (!consumers.empty()) {
      after.push_back(consumers.back());
    }
    consumers.push_back(*ring->AddConsumer("stage" + std::to_string(stage), after));
  }
  std::vector<ConsumerTally> tallies(stages);
  std::vector<std::thread> threads;
  for (uint32_t stage = 0; stage < stages; ++stage) {
    threads.emplace_back(ConsumeAll, consumers[stage], &tallies[stage]);
  }
  RunControl control;
  uint64_t produced = 0;
  std::thread producer([&] {
    produced = ProduceInto(*ring, claim_size, control);
    ring->Close();
  });
  control.StopAfter(kRunDuration);
  producer.join();
  for (auto& thread : threads) {
    thread.join();
  }
  const ConsumerTally& last = tallies.back();
  return RunResult{last.count, control.ElapsedSeconds(),
                   last.count == produced && last.sum == SumTo(produced)};
}

// Two producers claiming `claim_size` slots at a time into a multi-producer ring, one consumer.
inline RunResult Ring2p1c(WaitStrategy wait, uint32_t claim_size = 1) {
  auto ring = MakeBenchRing(ProducerType::kMulti, wait);
  Consumer* consumer = *ring->AddConsumer("consumer");
  ConsumerTally tally;
  std::thread consumer_thread(ConsumeAll, consumer, &tally);
  RunControl control;
  std::atomic<uint64_t> produced_sum{0};
  std::atomic<uint64_t> produced{0};
  std::atomic<int> running{2};
  auto produce = [&] {
    const uint64_t count = ProduceInto(*ring, claim_size, control);
    produced.fetch_add(count);
    produced_sum.fetch_add(SumTo(count));
    if (running.fetch_sub(1) == 1) {
      ring->Close();  // The last producer out closes; consumers drain and stop.
    }
  };
  std::thread first(produce);
  std::thread second(produce);
  control.StopAfter(kRunDuration);
  first.join();
  second.join();
  consumer_thread.join();
  return RunResult{tally.count, control.ElapsedSeconds(),
                   tally.count == produced.load() && tally.sum == produced_sum.load()};
}

}  // namespace ringdb::bench
