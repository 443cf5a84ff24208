// RingOptions::Validate: every rejected value names its field; nothing is clamped.
#include "ringdb/ring_options.h"

#include <string>

namespace ringdb {

Status ValidateRingGeometry(uint64_t slot_count, uint32_t chunk_count, std::string_view slot_field,
                            std::string_view chunk_field) {
  if (slot_count == 0 || (slot_count & (slot_count - 1)) != 0) {
    return Status::InvalidArgument(std::string(slot_field) + " must be a power of two, not " +
                                   std::to_string(slot_count));
  }
  if (slot_count > kRingSlotCountMax) {
    return Status::InvalidArgument(std::string(slot_field) + " = " + std::to_string(slot_count) +
                                   " must be at most " + std::to_string(kRingSlotCountMax));
  }
  if (chunk_count == 0 || chunk_count > kRingChunkCountMax) {
    return Status::InvalidArgument(std::string(chunk_field) + " must be 1 to " +
                                   std::to_string(kRingChunkCountMax) + ", not " +
                                   std::to_string(chunk_count));
  }
  // Both bounded above: the product fits in 64 bits.
  const uint64_t bytes = slot_count * chunk_count * kRingChunkSizeBytes;
  if (bytes > kRingBytesMax) {
    return Status::InvalidArgument(std::string(slot_field) + " * " + std::string(chunk_field) +
                                   " * 32 = " + std::to_string(bytes) + " bytes must be at most " +
                                   std::to_string(kRingBytesMax) + " (16 GiB)");
  }
  return Status::OK();
}

Status RingOptions::Validate() const {
  if (Status status = ValidateRingGeometry(slot_count, chunk_count, "slot_count", "chunk_count");
      !status.ok()) {
    return status;
  }
  if (producer_type != ProducerType::kSingle && producer_type != ProducerType::kMulti) {
    return Status::InvalidArgument("producer_type is not a ProducerType");
  }
  if (static_cast<uint8_t>(wait_strategy) > static_cast<uint8_t>(WaitStrategy::kBlocking)) {
    return Status::InvalidArgument("wait_strategy is not a WaitStrategy");
  }
  if (park_fence != ParkFence::kMembarrier && park_fence != ParkFence::kFence) {
    return Status::InvalidArgument("park_fence is not a ParkFence");
  }
  if (spin_count > kRingSpinCountMax) {
    return Status::InvalidArgument("spin_count must be at most " +
                                   std::to_string(kRingSpinCountMax));
  }
  if (yield_count > kRingYieldCountMax) {
    return Status::InvalidArgument("yield_count must be at most " +
                                   std::to_string(kRingYieldCountMax));
  }
  return Status::OK();
}

}  // namespace ringdb
