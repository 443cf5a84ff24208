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
#include "util/coding.h"

namespace ringdb::txn {

// The length a transaction's header gives for the whole transaction (the first field): enough for
// a reader to find where it ends before anything else is checked.
inline uint32_t EncodedBytesOf(const std::byte* header) {
  return coding::Get<uint32_t>(header + kHeaderEncodedBytesAt);
}

inline size_t OpEncodedBytes(size_t key_bytes, size_t value_bytes) {
  return kOpHeaderBytes + key_bytes + value_bytes;
}

// The two encoders every writer of the format uses: the builder (WriteBatch) and the zero-copy
// path (ClaimedTransaction). Sizes must already fit in u32: callers check their limits first.
// operation_count is at most kOperationCountLimit.
inline void EncodeHeader(std::span<std::byte, kHeaderBytes> out, uint32_t encoded_bytes,
                         uint32_t operation_count) {
  coding::Put<uint32_t>(out.data() + kHeaderEncodedBytesAt, encoded_bytes);
  coding::Put<uint32_t>(out.data() + kHeaderOperationCountAt,
                        operation_count & kOperationCountLimit);
  out[kHeaderFormatVersionAt] = static_cast<std::byte>(kFormatVersion);
}

inline void EncodeOpHeader(std::span<std::byte, kOpHeaderBytes> out, OpType type,
                           uint32_t key_bytes, uint32_t value_bytes) {
  out[kOpTypeAt] = static_cast<std::byte>(type);
  std::memset(out.data() + kOpReservedAt, 0, kOpReservedBytes);
  coding::Put<uint32_t>(out.data() + kOpKeyBytesAt, key_bytes);
  coding::Put<uint32_t>(out.data() + kOpValueBytesAt, value_bytes);
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

// A transaction that Validate checked whole: framing, operation types, key and value bounds. Only
// Validate makes one, so whoever holds one walks its operations without checking again: the
// applier decodes each transaction once, then reads its preconditions and its writes from here.
// It points into the bytes it was made from, which must outlive it and stay unchanged.
class ValidTransaction {
 public:
  ValidTransaction() = default;

  uint32_t operation_count() const { return operation_count_; }
  uint32_t precondition_count() const { return precondition_count_; }
  uint32_t write_count() const { return operation_count_ - precondition_count_; }
  std::span<const std::byte> bytes() const { return bytes_; }

  // Calls visit(op) for each operation, in order, while visit returns true.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    size_t offset = kHeaderBytes;
    for (uint32_t index = 0; index < operation_count_; ++index) {
      const std::byte* header = bytes_.data() + offset;
      const uint32_t key_bytes = coding::Get<uint32_t>(header + kOpKeyBytesAt);
      const uint32_t value_bytes = coding::Get<uint32_t>(header + kOpValueBytesAt);
      const char* key = reinterpret_cast<const char*>(header + kOpHeaderBytes);
      if (!visit(Op{static_cast<OpType>(header[kOpTypeAt]), std::string_view(key, key_bytes),
                    std::string_view(key + key_bytes, value_bytes)})) {
        return;
      }
      offset += kOpHeaderBytes + size_t{key_bytes} + value_bytes;
    }
  }

 private:
  friend Status Validate(std::span<const std::byte> bytes, uint32_t key_bytes_max,
                         uint32_t value_bytes_max, ValidTransaction* valid);

  std::span<const std::byte> bytes_;
  uint32_t operation_count_ = 0;
  uint32_t precondition_count_ = 0;
};

// Checks a whole transaction in one pass: framing, op types, key and value bounds. On OK, *valid
// (when not null) describes it; otherwise *valid is left as it was. The applier, the read-only
// view and the journal dump use it before trusting any field.
Status Validate(std::span<const std::byte> bytes, uint32_t key_bytes_max, uint32_t value_bytes_max,
                ValidTransaction* valid = nullptr);

}  // namespace ringdb::txn
