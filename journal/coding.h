// Fixed-width little-endian encoding of the journal's integers.
//
// Only little-endian hosts are supported (checked at compile time): every target of ringdb is
// x86-64 or little-endian ARM, and a big-endian port would add byte swaps here and nowhere else.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ringdb::journal::coding {

static_assert(std::endian::native == std::endian::little, "the journal format is little-endian");

template <typename T>
inline void Put(std::byte* destination, T value) {
  static_assert(std::is_unsigned_v<T>);
  std::memcpy(destination, &value, sizeof(T));
}

template <typename T>
inline T Get(const std::byte* source) {
  static_assert(std::is_unsigned_v<T>);
  T value;
  std::memcpy(&value, source, sizeof(T));
  return value;
}

}  // namespace ringdb::journal::coding
