// The encoding of one transaction, as it sits in ring slots, in a journal record's payload and in
// replay. It is the only representation: WriteBatch builds it, the zero-copy path writes it in
// place, the journal stores its bytes unchanged, and the applier decodes it. All integers are
// fixed-width little-endian.
//
//   transaction := header operation*
//   header      := encoded_bytes:u32  operation_count:u24  format_version:u8     (8 bytes)
//   operation   := type:u8  reserved:u8[3]  key_bytes:u32  value_bytes:u32  key  value
//                                                                  (12 bytes + key + value)
//
// encoded_bytes counts the whole transaction, header included, so a reader knows where it ends
// without trusting operation_count. reserved must be zero. Preconditions carry a value only for
// kExpectEqual; Delete, kExpectAbsent and kExpectPresent have value_bytes == 0.
//
// format_version is kFormatVersion (0) for everything this code writes. Before the field was
// named, operation_count was a u32: a transaction of 2^24 or more operations (possible with
// transaction_bytes_max above 208 MiB) holds the top of its count there, 1 to 4 (a record is at
// most 1 GiB). So 1..kLegacyCountTopMax never name a format: a reader decodes such a header as
// the u32 count it was, and the next format takes kLegacyCountTopMax + 1. A format that adds
// operation types or fields raises the version. A reader that meets a format_version above its
// own, an operation type it does not know or a nonzero reserved byte answers NotSupported: the
// transaction was written by a newer ringdb, its outcome cannot be judged here, and judging it
// failed would drop acknowledged work. Recovery and the tools stop there with that error, naming
// the record, and change nothing past it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringdb::txn {

enum class OpType : uint8_t {
  kPut = 1,
  kDelete = 2,
  kExpectEqual = 3,
  kExpectAbsent = 4,
  kExpectPresent = 5,
};

inline constexpr uint8_t kFormatVersion = 0;
inline constexpr uint8_t kLegacyCountTopMax = 4;
inline constexpr size_t kHeaderBytes = 8;
// operation_count is 24 bits wide: at most this many operations per transaction.
inline constexpr uint32_t kOperationCountLimit = (uint32_t{1} << 24) - 1;
inline constexpr size_t kOpHeaderBytes = 12;
// The largest key the format accepts, whatever the options: Options::key_bytes_max may only be
// lowered below it. Replay judges journaled transactions by these format limits, never by the
// options of the current Open, so that reopening with smaller limits cannot change an outcome.
inline constexpr uint32_t kKeyBytesLimit = uint32_t{1} << 20;
inline constexpr uint8_t kOpTypeMin = 1;
inline constexpr uint8_t kOpTypeMax = 5;

// Byte offsets of the fields, within the transaction header and within an operation header.
inline constexpr size_t kHeaderEncodedBytesAt = 0;
inline constexpr size_t kHeaderOperationCountAt = 4;
inline constexpr size_t kHeaderOperationCountBytes = 3;
inline constexpr size_t kHeaderFormatVersionAt = 7;
inline constexpr size_t kOpTypeAt = 0;
inline constexpr size_t kOpReservedAt = 1;
inline constexpr size_t kOpReservedBytes = 3;
inline constexpr size_t kOpKeyBytesAt = 4;
inline constexpr size_t kOpValueBytesAt = 8;

static_assert(kHeaderOperationCountAt == kHeaderEncodedBytesAt + sizeof(uint32_t));
static_assert(kHeaderFormatVersionAt == kHeaderOperationCountAt + kHeaderOperationCountBytes);
static_assert(kHeaderBytes == kHeaderFormatVersionAt + sizeof(uint8_t),
              "header is a u32, a u24 and a u8");
static_assert(kOperationCountLimit == (uint64_t{1} << (8 * kHeaderOperationCountBytes)) - 1);
static_assert(kOpReservedAt == kOpTypeAt + sizeof(uint8_t));
static_assert(kOpKeyBytesAt == kOpReservedAt + kOpReservedBytes);
static_assert(kOpValueBytesAt == kOpKeyBytesAt + sizeof(uint32_t));
static_assert(kOpHeaderBytes == kOpValueBytesAt + sizeof(uint32_t),
              "op header: type + 3 reserved + 2 u32");

inline bool IsPrecondition(OpType type) {
  return type == OpType::kExpectEqual || type == OpType::kExpectAbsent ||
         type == OpType::kExpectPresent;
}

}  // namespace ringdb::txn
