// Encoding and decoding of one record (journal/record_format.h). Pure functions over memory: the
// writer encodes into its group buffer, the reader decodes from a segment's bytes, and the fuzz
// target (tests/fuzz/) drives DecodeRecord with arbitrary bytes.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ringdb::journal {

struct RecordHeader {
  uint32_t checksum = 0;  // Masked CRC32C; filled by EncodeRecord.
  uint32_t length = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t previous_checksum = 0;
  uint64_t segment_id = 0;
  uint64_t first_sequence = 0;
  uint32_t count = 0;
  uint32_t group_offset = 0;

  uint64_t group_first_sequence() const { return first_sequence - group_offset; }
  // The last sequence the record covers; for a segment header, the sequence before it.
  uint64_t last_sequence() const { return first_sequence + count - 1; }
};

// Writes the header and the payload pieces (concatenated, header.length bytes in all) at
// destination, and returns the checksum it stored. destination must hold 40 + length bytes.
uint32_t EncodeRecord(std::byte* destination, const RecordHeader& header,
                      std::span<const std::span<const std::byte>> pieces);

struct SegmentHeaderPayload {
  uint64_t previous_segment_id = 0;     // 0: no predecessor (the journal's first segment).
  uint64_t previous_last_sequence = 0;  // Equals the header record's first_sequence - 1.
};
void EncodeSegmentHeaderPayload(std::byte* destination, const SegmentHeaderPayload& payload);
// False when the magic, version or reserved field is wrong.
bool DecodeSegmentHeaderPayload(std::span<const std::byte> payload, SegmentHeaderPayload* out);

enum class DecodeOutcome : uint8_t {
  kRecord,       // A whole record whose checksum and fields are valid.
  kEndOfInput,   // No bytes left.
  kZeroHeader,   // The header bytes present are all zero: pre-written space, nothing was written.
  kTruncated,    // The header or the payload runs past the end of the input.
  kBadLength,    // The length exceeds record_bytes_max: rejected before anything is read or held.
  kBadChecksum,  // The checksum does not match.
  kMalformed,    // The checksum matches but a field is impossible (reserved bits, zero count, ...).
};
const char* DecodeOutcomeName(DecodeOutcome outcome);

struct DecodedRecord {
  RecordHeader header;
  std::span<const std::byte> payload;  // Points into the input.
  uint64_t size_bytes = 0;             // Header plus payload.
};

// Decodes the record at the start of input. Reads at most 40 + record_bytes_max bytes and never
// allocates. *out is set only for kRecord.
DecodeOutcome DecodeRecord(std::span<const std::byte> input, uint32_t record_bytes_max,
                           DecodedRecord* out);

}  // namespace ringdb::journal
