#include "engine/ring_options_for.h"

namespace ringdb {

RingOptions RingOptionsFor(const Options& options) {
  RingOptions ring_options;
  ring_options.slot_count = options.ring_slot_count;
  ring_options.chunk_count = options.ring_chunk_count;
  ring_options.producer_type = ProducerType::kMulti;
  ring_options.wait_strategy = options.wait_strategy;
  // Writers, the journaler and the applier all park once per group (each waits on an fdatasync),
  // so parks are as frequent as publishes: full fences on both sides, not a membarrier per park
  // (16 writers on 2 vCPUs: apply 96 -> 70 µs per group, the IPIs no longer stall the applier).
  ring_options.park_fence = ParkFence::kFence;
  // spin_count and yield_count keep the ring's defaults (a brief spin, no yields, then a futex
  // park). Yields were faster on an idle machine and collapsed on a busy one: each yield handed
  // the core to a CPU-bound thread for a whole time slice (docs/performance.md).
  return ring_options;
}

}  // namespace ringdb
