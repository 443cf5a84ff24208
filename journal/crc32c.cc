#include "journal/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ringdb::journal::crc32c {
namespace {

constexpr uint32_t kPolynomialReflected = 0x82f63b78u;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t index = 0; index < 256; ++index) {
    uint32_t crc = index;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) ? (crc >> 1) ^ kPolynomialReflected : crc >> 1;
    }
    table[index] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t ExtendPortable(uint32_t crc, const std::byte* data, size_t size) {
  uint32_t state = ~crc;
  for (size_t index = 0; index < size; ++index) {
    state = kTable[(state ^ static_cast<uint8_t>(data[index])) & 0xffu] ^ (state >> 8);
  }
  return ~state;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const std::byte* data,
                                                          size_t size) {
  uint64_t state = ~crc;
  size_t index = 0;
  for (; index + 8 <= size; index += 8) {
    uint64_t word;
    std::memcpy(&word, data + index, sizeof(word));
    state = _mm_crc32_u64(state, word);
  }
  uint32_t state32 = static_cast<uint32_t>(state);
  for (; index < size; ++index) {
    state32 = _mm_crc32_u8(state32, static_cast<uint8_t>(data[index]));
  }
  return ~state32;
}
#endif

using ExtendFunction = uint32_t (*)(uint32_t, const std::byte*, size_t);

ExtendFunction Choose() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.2")) {
    return &ExtendHardware;
  }
#endif
  return &ExtendPortable;
}

// Chosen once, before main or on first use; a function pointer keeps the hot loop branch-free.
const ExtendFunction kExtend = Choose();

}  // namespace

uint32_t Extend(uint32_t crc, std::span<const std::byte> data) {
  return kExtend(crc, data.data(), data.size());
}

bool IsHardwareAccelerated() { return kExtend != &ExtendPortable; }

}  // namespace ringdb::journal::crc32c
