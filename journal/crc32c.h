// CRC32C (Castagnoli), the journal's checksum.
//
// Why CRC32C and not XXH3: the SSE4.2 crc32 instruction runs at ~8 bytes per cycle-latency on every
// x86-64 this engine targets, far above the disk's 0.6-1.6 GB/s, so the checksum
// is never the bottleneck; it needs no extra package; and a CRC, unlike a hash, guarantees to
// detect every burst error up to 32 bits and every odd number of flipped bits, which is the failure
// a disk actually produces. A 64-bit XXH3 would lower the chance of a random collision, but the
// hash chain (each record also carries its predecessor's checksum) already stops a lone collision
// from silently splicing records. A portable table implementation is chosen at run time where the
// CPU lacks SSE4.2.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ringdb::journal::crc32c {

// Returns the CRC32C of data appended to the data whose CRC32C is crc (Extend(0, x) = Value(x)).
uint32_t Extend(uint32_t crc, std::span<const std::byte> data);
inline uint32_t Value(std::span<const std::byte> data) { return Extend(0, data); }

// Stored checksums are masked (as in LevelDB): the CRC of a string that embeds CRCs, which every
// record header does through its chain field, is otherwise prone to degenerate values.
inline uint32_t Mask(uint32_t crc) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline uint32_t Unmask(uint32_t masked) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  const uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

// True when the hardware instruction is in use (for logs and the benchmark).
bool IsHardwareAccelerated();

}  // namespace ringdb::journal::crc32c
