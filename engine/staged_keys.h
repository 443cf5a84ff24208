// StagedKeys: the keys the applier's pending group may have written, kept as 64-bit hashes in one
// open-addressing table allocated once.
//
// The applier reads a precondition straight from the database when its key is not in the set:
// nothing staged since the last commit touches it, so the database is the state that serial
// order gives. When the key may be in the set (a staged write, or rarely a hash collision) the
// applier commits the pending group first. This replaces an indexed write batch, which paid for a
// sorted index on every staged write although most groups never read their own writes back.
//
// Thread safety: one thread (the applier's).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace ringdb {

class StagedKeys {
 public:
  static constexpr uint32_t kSlots = uint32_t{1} << 14;
  static constexpr uint32_t kMaxEntries = kSlots / 2;  // Probes stay short at half load.

  StagedKeys() : slots_(kSlots, 0) { used_.reserve(kMaxEntries); }

  void Insert(std::string_view key) {
    if (saturated_) {
      return;
    }
    if (used_.size() == kMaxEntries) {
      saturated_ = true;  // Every key may be staged from now on, until Clear.
      return;
    }
    const uint64_t hash = Hash(key);
    for (uint32_t index = static_cast<uint32_t>(hash) & (kSlots - 1);;
         index = (index + 1) & (kSlots - 1)) {
      if (slots_[index] == hash) {
        return;
      }
      if (slots_[index] == 0) {
        slots_[index] = hash;
        used_.push_back(index);
        return;
      }
    }
  }

  bool MayContain(std::string_view key) const {
    if (saturated_) {
      return true;
    }
    if (used_.empty()) {
      return false;
    }
    const uint64_t hash = Hash(key);
    for (uint32_t index = static_cast<uint32_t>(hash) & (kSlots - 1);;
         index = (index + 1) & (kSlots - 1)) {
      if (slots_[index] == hash) {
        return true;
      }
      if (slots_[index] == 0) {
        return false;
      }
    }
  }

  void Clear() {
    for (const uint32_t index : used_) {
      slots_[index] = 0;
    }
    used_.clear();
    saturated_ = false;
  }

  // Never 0, which marks an empty slot.
  static uint64_t Hash(std::string_view key) {
    uint64_t hash = 0x9e3779b97f4a7c15ull ^ key.size();
    size_t offset = 0;
    for (; offset + 8 <= key.size(); offset += 8) {
      uint64_t word = 0;
      std::memcpy(&word, key.data() + offset, 8);
      hash = Mix(hash ^ word);
    }
    if (offset < key.size()) {
      uint64_t tail = 0;
      std::memcpy(&tail, key.data() + offset, key.size() - offset);
      hash = Mix(hash ^ tail);
    }
    return hash | 1;
  }

 private:
  static uint64_t Mix(uint64_t value) {
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdull;
    value ^= value >> 33;
    value *= 0xc4ceb9fe1a85ec53ull;
    value ^= value >> 33;
    return value;
  }

  std::vector<uint64_t> slots_;
  std::vector<uint32_t> used_;
  bool saturated_ = false;
};

}  // namespace ringdb
