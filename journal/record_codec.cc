#include "journal/record_codec.h"

#include <algorithm>

#include "journal/crc32c.h"
#include "journal/record_format.h"
#include "util/assert.h"
#include "util/coding.h"

namespace ringdb::journal {
namespace {

using coding::Get;
using coding::Put;

bool IsAllZero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

RecordHeader ParseHeader(const std::byte* source) {
  RecordHeader header;
  header.checksum = Get<uint32_t>(source + format::kChecksumOffset);
  header.length = Get<uint32_t>(source + format::kLengthOffset);
  header.type = Get<uint8_t>(source + format::kTypeOffset);
  header.flags = Get<uint8_t>(source + format::kFlagsOffset);
  header.previous_checksum = Get<uint32_t>(source + format::kPreviousChecksumOffset);
  header.segment_id = Get<uint64_t>(source + format::kSegmentIdOffset);
  header.first_sequence = Get<uint64_t>(source + format::kFirstSequenceOffset);
  header.count = Get<uint32_t>(source + format::kCountOffset);
  header.group_offset = Get<uint32_t>(source + format::kGroupOffsetOffset);
  return header;
}

// The fields the checksum cannot vouch for the sense of: a record can be well-checksummed and still
// impossible (a writer bug, or a format this reader does not know).
bool FieldsAreConsistent(const RecordHeader& header, uint16_t reserved) {
  if (reserved != 0 || (header.flags & ~format::kFlagsKnownMask) != 0) {
    return false;
  }
  if (header.first_sequence < format::kFirstSequence ||
      header.group_offset >= header.first_sequence) {
    return false;
  }
  if (header.type == format::kTransaction) {
    return header.count >= 1 && header.first_sequence <= UINT64_MAX - header.count;
  }
  if (header.type == format::kSegmentHeader) {
    return header.count == 0 && header.group_offset == 0 &&
           header.length == format::kSegmentHeaderPayloadBytes;
  }
  return (header.type & format::kTypeSafeToIgnoreMask) != 0;
}

}  // namespace

uint32_t EncodeRecord(std::byte* destination, const RecordHeader& header,
                      std::span<const std::span<const std::byte>> pieces) {
  RINGDB_ASSERT(destination != nullptr);
  RINGDB_ASSERT(header.length <= format::kRecordBytesLimit);
  Put<uint32_t>(destination + format::kLengthOffset, header.length);
  Put<uint8_t>(destination + format::kTypeOffset, header.type);
  Put<uint8_t>(destination + format::kFlagsOffset, header.flags);
  Put<uint16_t>(destination + format::kReservedOffset, 0);
  Put<uint32_t>(destination + format::kPreviousChecksumOffset, header.previous_checksum);
  Put<uint64_t>(destination + format::kSegmentIdOffset, header.segment_id);
  Put<uint64_t>(destination + format::kFirstSequenceOffset, header.first_sequence);
  Put<uint32_t>(destination + format::kCountOffset, header.count);
  Put<uint32_t>(destination + format::kGroupOffsetOffset, header.group_offset);
  uint32_t crc = crc32c::Extend(
      0, std::span<const std::byte>(destination + format::kChecksummedFrom,
                                    format::kRecordHeaderBytes - format::kChecksummedFrom));
  std::byte* cursor = destination + format::kRecordHeaderBytes;
  for (const std::span<const std::byte>& piece : pieces) {
    if (!piece.empty()) {  // An empty piece may carry a null pointer, which memcpy must not see.
      std::memcpy(cursor, piece.data(), piece.size());
      crc = crc32c::Extend(crc, piece);
      cursor += piece.size();
    }
  }
  RINGDB_ASSERT(cursor == destination + format::kRecordHeaderBytes + header.length);
  const uint32_t masked = crc32c::Mask(crc);
  Put<uint32_t>(destination + format::kChecksumOffset, masked);
  return masked;
}

void EncodeSegmentHeaderPayload(std::byte* destination, const SegmentHeaderPayload& payload) {
  Put<uint64_t>(destination + format::kSegmentMagicOffset, format::kSegmentMagic);
  Put<uint32_t>(destination + format::kSegmentVersionOffset, format::kFormatVersion);
  Put<uint32_t>(destination + format::kSegmentHeaderReservedOffset, 0);
  Put<uint64_t>(destination + format::kPreviousSegmentIdOffset, payload.previous_segment_id);
  Put<uint64_t>(destination + format::kPreviousLastSequenceOffset, payload.previous_last_sequence);
}

bool DecodeSegmentHeaderPayload(std::span<const std::byte> payload, SegmentHeaderPayload* out) {
  RINGDB_ASSERT(out != nullptr);
  if (payload.size() != format::kSegmentHeaderPayloadBytes) {
    return false;
  }
  const std::byte* source = payload.data();
  if (Get<uint64_t>(source + format::kSegmentMagicOffset) != format::kSegmentMagic ||
      Get<uint32_t>(source + format::kSegmentVersionOffset) != format::kFormatVersion ||
      Get<uint32_t>(source + format::kSegmentHeaderReservedOffset) != 0) {
    return false;
  }
  out->previous_segment_id = Get<uint64_t>(source + format::kPreviousSegmentIdOffset);
  out->previous_last_sequence = Get<uint64_t>(source + format::kPreviousLastSequenceOffset);
  return true;
}

const char* DecodeOutcomeName(DecodeOutcome outcome) {
  switch (outcome) {
    case DecodeOutcome::kRecord:
      return "record";
    case DecodeOutcome::kEndOfInput:
      return "end of input";
    case DecodeOutcome::kZeroHeader:
      return "zero-filled header";
    case DecodeOutcome::kTruncated:
      return "truncated record";
    case DecodeOutcome::kBadLength:
      return "length over record_bytes_max";
    case DecodeOutcome::kBadChecksum:
      return "checksum mismatch";
    case DecodeOutcome::kMalformed:
      return "malformed header";
  }
  return "invalid outcome";
}

DecodeOutcome DecodeRecord(std::span<const std::byte> input, uint32_t record_bytes_max,
                           DecodedRecord* out) {
  RINGDB_ASSERT(out != nullptr);
  RINGDB_ASSERT(record_bytes_max <= format::kRecordBytesLimit);
  if (input.empty()) {
    return DecodeOutcome::kEndOfInput;
  }
  const std::span<const std::byte> header_bytes =
      input.first(std::min<size_t>(input.size(), format::kRecordHeaderBytes));
  if (IsAllZero(header_bytes)) {
    return DecodeOutcome::kZeroHeader;
  }
  if (header_bytes.size() < format::kRecordHeaderBytes) {
    return DecodeOutcome::kTruncated;
  }
  const RecordHeader header = ParseHeader(input.data());
  // The length is checked before it is used for anything: a garbage length must cost nothing.
  if (header.length > record_bytes_max) {
    return DecodeOutcome::kBadLength;
  }
  const uint64_t size_bytes = uint64_t{format::kRecordHeaderBytes} + header.length;
  if (size_bytes > input.size()) {
    return DecodeOutcome::kTruncated;
  }
  const uint32_t crc =
      crc32c::Value(input.subspan(format::kChecksummedFrom, size_bytes - format::kChecksummedFrom));
  if (crc32c::Mask(crc) != header.checksum) {
    return DecodeOutcome::kBadChecksum;
  }
  if (!FieldsAreConsistent(header, Get<uint16_t>(input.data() + format::kReservedOffset))) {
    return DecodeOutcome::kMalformed;
  }
  out->header = header;
  out->payload = input.subspan(format::kRecordHeaderBytes, header.length);
  out->size_bytes = size_bytes;
  return DecodeOutcome::kRecord;
}

}  // namespace ringdb::journal
