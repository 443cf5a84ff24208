// Encoding and decoding of the transaction format described in txn_format.h. Pure functions over
// byte spans: no allocation, no I/O, safe on any input (a decoder never reads past its span).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "engine/txn_format.h"
#include "ringdb/status.h"

namespace ringdb::txn {

inline void EncodeU32(std::byte* out, uint32_t value) {
  for (int index = 0; index < 4; ++index) {
    out[index] = static_cast<std::byte>((value >> (8 * index)) & 0xffu);
  }
}

inline uint32_t DecodeU32(const std::byte* in) {
  uint32_t value = 0;
  for (int index = 0; index < 4; ++index) {
    value |= static_cast<uint32_t>(in[index]) << (8 * index);
  }
  return value;
}

inline size_t OpEncodedBytes(size_t key_bytes, size_t value_bytes) {
  return kOpHeaderBytes + key_bytes + value_bytes;
}

// The two encoders every writer of the format uses: the builder (WriteBatch) and the zero-copy
// path (ClaimedTransaction). Sizes must already fit in u32: callers check their limits first.
// operation_count is at most kOperationCountLimit.
inline void EncodeHeader(std::span<std::byte, kHeaderBytes> out, uint32_t encoded_bytes,
                         uint32_t operation_count) {
  EncodeU32(out.data() + kHeaderEncodedBytesAt, encoded_bytes);
  EncodeU32(out.data() + kHeaderOperationCountAt, operation_count & kOperationCountLimit);
  out[kHeaderFormatVersionAt] = static_cast<std::byte>(kFormatVersion);
}

inline void EncodeOpHeader(std::span<std::byte, kOpHeaderBytes> out, OpType type,
                           uint32_t key_bytes, uint32_t value_bytes) {
  out[kOpTypeAt] = static_cast<std::byte>(type);
  std::memset(out.data() + kOpReservedAt, 0, kOpReservedBytes);
  EncodeU32(out.data() + kOpKeyBytesAt, key_bytes);
  EncodeU32(out.data() + kOpValueBytesAt, value_bytes);
}

// One decoded operation; key and value point into the transaction's bytes.
struct Op {
  OpType type;
  std::string_view key;
  std::string_view value;
};

// Walks the operations of one encoded transaction held in one contiguous span.
class Decoder {
 public:
  // Checks the header against the span; Corruption names what is inconsistent, NotSupported a
  // format_version above kFormatVersion.
  static Status Open(std::span<const std::byte> bytes, Decoder* decoder);

  uint32_t operation_count() const { return operation_count_; }
  uint32_t encoded_bytes() const { return encoded_bytes_; }
  // Decodes the next operation into *op. Returns false at the end (check status() then).
  bool Next(Op* op);
  // OK, or what stopped Next: Corruption, or NotSupported for an operation type this code does
  // not know.
  const Status& status() const { return status_; }

 private:
  std::span<const std::byte> bytes_;
  size_t offset_ = 0;
  uint32_t operation_count_ = 0;
  uint32_t operations_read_ = 0;
  uint32_t encoded_bytes_ = 0;
  Status status_;
};

// Checks a whole transaction once: framing, op types, key and value bounds. The applier and the
// journal dump use it before trusting any field.
Status Validate(std::span<const std::byte> bytes, uint32_t key_bytes_max, uint32_t value_bytes_max);

}  // namespace ringdb::txn
