#include "engine/ring_options_for.h"

namespace ringdb {

namespace {

WaitStrategyKind ToRingWait(WaitStrategy wait) {
  switch (wait) {
    case WaitStrategy::kBusySpin: return WaitStrategyKind::kBusySpin;
    case WaitStrategy::kYielding: return WaitStrategyKind::kYielding;
    case WaitStrategy::kSleeping: return WaitStrategyKind::kSleeping;
    case WaitStrategy::kSpinThenPark: break;
  }
  return WaitStrategyKind::kSpinThenPark;
}

}  // namespace

RingOptions RingOptionsFor(const Options& options) {
  RingOptions ring_options;
  ring_options.slot_count = options.ring_slot_count;
  ring_options.chunk_count = options.ring_chunk_count;
  ring_options.producer_type = ProducerType::kMulti;
  ring_options.wait_strategy = ToRingWait(options.wait_strategy);
  // Writers, the journaler and the applier all park once per group (each waits on an fdatasync),
  // so parks are as frequent as publishes: full fences on both sides, not a membarrier per park
  // (16 writers on 2 vCPUs: apply 96 -> 70 µs per group, the IPIs no longer stall the applier).
  ring_options.park_fence = ParkFence::kFence;
  // spin_count and yield_count keep the ring's defaults (no spin, 128 yields): a writer that
  // yields while its group syncs hands the core to the writers still submitting, and one that
  // parks only after ~50 µs of yields seldom needs a futex wake (submit-and-wait, 2 vCPUs:
  // 1 writer 8.5-9.0k txn/s against 5.5-6.3k with 128 spins and 16 yields, 16 writers 75-81k
  // against 60-65k; ringdb bench --quick, 0 spins against 32: w2.sync16 2.57-3.10 of RocksDB
  // against 2.37, w5 2.42-2.61 against 2.11-2.16, w1 and w3 unchanged).
  return ring_options;
}

}  // namespace ringdb
