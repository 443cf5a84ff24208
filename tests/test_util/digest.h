// A digest of an engine's whole visible state (every key and value, in order), so two states can
// be compared with one number.
#pragma once

#include <cstdint>
#include <string_view>

#include "ringdb/engine.h"

namespace ringdb {

inline uint64_t Fnv1a(uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

struct StateDigest {
  uint64_t hash = 14695981039346656037ull;
  uint64_t keys = 0;
  bool operator==(const StateDigest&) const = default;
};

// Keys must be added in order.
inline void AddToDigest(StateDigest* digest, std::string_view key, std::string_view value) {
  digest->hash = Fnv1a(digest->hash, key);
  digest->hash = Fnv1a(digest->hash, std::string_view("\x00\x01", 2));  // Key/value boundary.
  digest->hash = Fnv1a(digest->hash, value);
  ++digest->keys;
}

inline StateDigest DigestOf(Engine* engine) {
  StateDigest digest;
  auto iterator = engine->NewIterator();
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    AddToDigest(&digest, iterator->key(), iterator->value());
  }
  return digest;
}

}  // namespace ringdb
