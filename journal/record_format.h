// The journal's on-disk layout: constants only. docs/journal_format.md is the prose version; the
// two must agree, and the static_asserts below pin what the prose promises.
//
// A segment file is a sequence of records, each a 40-byte header and a payload. Every field is
// fixed-width little-endian:
//
//   offset size field
//        0    4 checksum           masked CRC32C of bytes [4, 40 + length): header rest + payload
//        4    4 length             payload bytes, <= the journal's record_bytes_max
//        8    1 type               RecordType; bit 7 set: a reader that does not know it may
//                                  skip it
//        9    1 flags              zero (no flag is defined yet; a reader rejects unknown ones)
//       10    2 reserved           zero
//       12    4 previous_checksum  checksum field of the record before this one (the hash chain)
//       16    8 segment_id         id of the segment the record was written into
//       24    8 first_sequence     journal sequence of the record's first transaction
//       32    4 count              sequences the record consumes (>= 1; 0 for a segment header)
//       36    4 group_offset       first_sequence minus the first sequence of its commit group
//       40    . payload            `length` bytes
//
// Each segment starts with a kSegmentHeader record whose payload is a SegmentHeader (below) and
// whose previous_checksum is the checksum of the previous segment's last record, so the chain runs
// unbroken across segments.
#pragma once

#include <cstdint>

namespace ringdb::journal::format {

// Header field offsets.
inline constexpr uint32_t kChecksumOffset = 0;
inline constexpr uint32_t kLengthOffset = 4;
inline constexpr uint32_t kTypeOffset = 8;
inline constexpr uint32_t kFlagsOffset = 9;
inline constexpr uint32_t kReservedOffset = 10;
inline constexpr uint32_t kPreviousChecksumOffset = 12;
inline constexpr uint32_t kSegmentIdOffset = 16;
inline constexpr uint32_t kFirstSequenceOffset = 24;
inline constexpr uint32_t kCountOffset = 32;
inline constexpr uint32_t kGroupOffsetOffset = 36;
inline constexpr uint32_t kRecordHeaderBytes = 40;
// The checksum covers everything after itself.
inline constexpr uint32_t kChecksummedFrom = kLengthOffset;

static_assert(kLengthOffset == kChecksumOffset + 4);
static_assert(kTypeOffset == kLengthOffset + 4);
static_assert(kFlagsOffset == kTypeOffset + 1);
static_assert(kReservedOffset == kFlagsOffset + 1);
static_assert(kPreviousChecksumOffset == kReservedOffset + 2);
static_assert(kSegmentIdOffset == kPreviousChecksumOffset + 4);
static_assert(kFirstSequenceOffset == kSegmentIdOffset + 8);
static_assert(kCountOffset == kFirstSequenceOffset + 8);
static_assert(kGroupOffsetOffset == kCountOffset + 4);
static_assert(kRecordHeaderBytes == kGroupOffsetOffset + 4);
// 8-byte multiple, so headers of back-to-back records stay cheap to read from a buffer.
static_assert(kRecordHeaderBytes % 8 == 0);

enum RecordType : uint8_t {
  // 0 is never a type: a zero-filled (pre-written) region must not parse as a record.
  kTransaction = 1,    // The bytes of `count` transactions, as the ring's slots held them.
  kSegmentHeader = 2,  // First record of every segment; payload = SegmentHeader.
};
// A type with this bit set that a reader does not know is skipped (format evolution); an unknown
// type without it is an error.
inline constexpr uint8_t kTypeSafeToIgnoreMask = 0x80;
static_assert((kTransaction & kTypeSafeToIgnoreMask) == 0);
static_assert((kSegmentHeader & kTypeSafeToIgnoreMask) == 0);

// No flag is defined yet. The commit group a record belongs to is told by group_offset instead.
inline constexpr uint8_t kFlagsKnownMask = 0x00;

// The hard ceiling of a record's payload, whatever the options say: 1 GiB leaves length's top bits
// free to reject garbage, and no transaction of an embedded engine approaches it.
inline constexpr uint32_t kRecordBytesLimit = uint32_t{1} << 30;

// SegmentHeader payload layout.
inline constexpr uint32_t kSegmentMagicOffset = 0;            // u64 kSegmentMagic
inline constexpr uint32_t kSegmentVersionOffset = 8;          // u32 kFormatVersion
inline constexpr uint32_t kSegmentHeaderReservedOffset = 12;  // u32 zero
inline constexpr uint32_t kPreviousSegmentIdOffset = 16;      // u64, 0 = none
inline constexpr uint32_t kPreviousLastSequenceOffset = 24;   // u64, first_sequence - 1
inline constexpr uint32_t kSegmentHeaderPayloadBytes = 32;
static_assert(kSegmentVersionOffset == kSegmentMagicOffset + 8);
static_assert(kSegmentHeaderReservedOffset == kSegmentVersionOffset + 4);
static_assert(kPreviousSegmentIdOffset == kSegmentHeaderReservedOffset + 4);
static_assert(kPreviousLastSequenceOffset == kPreviousSegmentIdOffset + 8);
static_assert(kSegmentHeaderPayloadBytes == kPreviousLastSequenceOffset + 8);
inline constexpr uint32_t kSegmentHeaderRecordBytes =
    kRecordHeaderBytes + kSegmentHeaderPayloadBytes;
static_assert(kSegmentHeaderRecordBytes == 72);

// Every group write is followed by this many zero bytes (overwritten by the next group), so that
// after any completed write the log ends in a zero header even in a recycled file full of old
// bytes: a clean end reads as zeros, and only an interrupted write leaves anything else.
inline constexpr uint32_t kEndMarkerBytes = kRecordHeaderBytes;

inline constexpr uint64_t kSegmentMagic = 0x314c4e524a424452ull;  // "RDBJRNL1" little-endian.
inline constexpr uint32_t kFormatVersion = 1;

// Segment ids start at 1 so that 0 can mean "no previous segment"; sequences start at 1 so that 0
// can mean "nothing journaled yet".
inline constexpr uint64_t kFirstSegmentId = 1;
inline constexpr uint64_t kFirstSequence = 1;

}  // namespace ringdb::journal::format
