// Fixed-width little-endian encoding of the integers in every on-disk format: journal records,
// segment headers, the transaction format and RocksDB's applied-sequence marker.
//
// Only little-endian hosts are supported (checked at compile time): every target of ringdb is
// x86-64 or little-endian ARM, and a big-endian port would add byte swaps here and nowhere else.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ringdb::coding {

static_assert(std::endian::native == std::endian::little, "ringdb's formats are little-endian");

// Writes value's sizeof(T) bytes at destination, which needs no alignment.
template <typename T>
inline void Put(void* destination, T value) {
  static_assert(std::is_unsigned_v<T>);
  std::memcpy(destination, &value, sizeof(T));
}

// Reads sizeof(T) bytes at source, which needs no alignment.
template <typename T>
inline T Get(const void* source) {
  static_assert(std::is_unsigned_v<T>);
  T value;
  std::memcpy(&value, source, sizeof(T));
  return value;
}

}  // namespace ringdb::coding
