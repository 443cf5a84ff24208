// RingCore::Info: the ring's shape and position, for EngineInfo. Not on a hot path: it allocates
// the consumer list.
#include <algorithm>

#include "ringbuffer/ring_core.h"

namespace ringdb::internal {

RingInfo RingCore::Info() const {
  RingInfo info;
  info.slot_count = slot_count_;
  info.slot_size_bytes = slot_size_bytes_;
  info.bytes_reserved = slot_count_ * slot_size_bytes_ + slot_count_ * sizeof(SlotMeta) +
                        sequencer_bytes_reserved_ + failures_.bytes_reserved();
  info.cursor = sequencer_->claimed();
  info.closed = closing_.load(std::memory_order_acquire);
  const uint32_t count = consumer_count_.load(std::memory_order_acquire);
  uint64_t passed_by_all = UINT64_MAX;
  uint64_t gating = UINT64_MAX;
  for (uint32_t index = 0; index < count; ++index) {
    const ConsumerCore& consumer = *consumers_[index];
    bool terminal = true;
    for (uint32_t other = 0; other < count; ++other) {
      const ConsumerCore& c = *consumers_[other];
      terminal &= std::find(c.dependencies.begin(), c.dependencies.begin() + c.dependency_count,
                            &consumer) == c.dependencies.begin() + c.dependency_count;
    }
    const uint64_t sequence = consumer.sequence.Load();
    info.consumers.push_back({consumer.name, sequence, terminal});
    passed_by_all = std::min(passed_by_all, sequence);
    if (terminal) {
      gating = std::min(gating, sequence);
    }
  }
  // Everything some consumer passed was published, so the scan may start from the slowest one.
  info.published_sequence = sequencer_->HighestPublished(count == 0 ? 0 : passed_by_all);
  info.gating_sequence = count == 0 ? info.published_sequence : gating;
  const uint64_t in_use = info.cursor - std::min(info.cursor, info.gating_sequence);
  info.free_slot_count = slot_count_ - std::min(slot_count_, in_use);
  return info;
}

}  // namespace ringdb::internal
