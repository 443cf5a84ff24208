// The per-slot metadata word: batch_slot_count << 32 | index_in_batch << 1 | aborted.
//
// The producer writes the words of a batch before publishing it; a consumer decodes one after its
// acquire of the publication, so a slot's place in its batch costs one plain load to read.
#pragma once

#include <algorithm>
#include <cstdint>

#include "ringdb/ring_buffer.h"

namespace ringdb::internal {

inline constexpr uint64_t MetaWord(uint32_t batch_slot_count, uint32_t index, bool aborted) {
  return (uint64_t{batch_slot_count} << 32) | (uint64_t{index} << 1) | (aborted ? 1u : 0u);
}

inline SlotMeta DecodeMetaWord(uint64_t word) noexcept {
  return SlotMeta{static_cast<uint32_t>(word >> 32), static_cast<uint32_t>(word >> 1) & 0x7fffffffu,
                  (word & 1u) != 0};
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

}  // namespace ringdb::internal
