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

inline StateDigest DigestOf(Engine* engine) {
  StateDigest digest;
  auto iterator = engine->NewIterator();
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    digest.hash = Fnv1a(digest.hash, iterator->key());
    digest.hash = Fnv1a(digest.hash, "\x00\x01");
    digest.hash = Fnv1a(digest.hash, iterator->value());
    ++digest.keys;
  }
  return digest;
}

}  // namespace ringdb
