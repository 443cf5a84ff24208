// SegmentBuilder: segments built record by record with the codec, for the tests of the segment
// reader and of the sources it reads through.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "journal/record_codec.h"
#include "journal/record_format.h"

namespace ringdb::journal::testing {

// Builds a segment: header record, then transactions of one byte each, chained.
class SegmentBuilder {
 public:
  SegmentBuilder(uint64_t segment_id, uint64_t first_sequence, uint32_t previous_checksum)
      : segment_id_(segment_id), next_sequence_(first_sequence), last_checksum_(previous_checksum) {
    RecordHeader header;
    header.length = format::kSegmentHeaderPayloadBytes;
    header.type = format::kSegmentHeader;
    header.previous_checksum = previous_checksum;
    header.segment_id = segment_id;
    header.first_sequence = first_sequence;
    std::byte payload[format::kSegmentHeaderPayloadBytes];
    EncodeSegmentHeaderPayload(payload, SegmentHeaderPayload{segment_id - 1, first_sequence - 1});
    Put(header, payload);
  }
  void AddTransaction(std::byte value) {
    RecordHeader header;
    header.length = 1;
    header.type = format::kTransaction;
    header.previous_checksum = last_checksum_;
    header.segment_id = segment_id_;
    header.first_sequence = next_sequence_++;
    header.count = 1;
    Put(header, std::span(&value, 1));
  }
  // The next transaction, with its own payload.
  void AddTransaction(std::span<const std::byte> payload) {
    AddRecord(format::kTransaction, next_sequence_, 1, 0, payload);
    ++next_sequence_;
  }
  // A chained record with every field chosen by the test.
  void AddRecord(uint8_t type, uint64_t first_sequence, uint32_t count, uint32_t group_offset,
                 std::span<const std::byte> payload) {
    RecordHeader header;
    header.length = static_cast<uint32_t>(payload.size());
    header.type = type;
    header.previous_checksum = last_checksum_;
    header.segment_id = segment_id_;
    header.first_sequence = first_sequence;
    header.count = count;
    header.group_offset = group_offset;
    Put(header, payload);
  }
  std::vector<std::byte> bytes;
  uint32_t last_checksum() const { return last_checksum_; }

 private:
  void Put(const RecordHeader& header, std::span<const std::byte> payload) {
    const size_t at = bytes.size();
    bytes.resize(at + format::kRecordHeaderBytes + payload.size());
    const std::span<const std::byte> pieces[] = {payload};
    last_checksum_ = EncodeRecord(bytes.data() + at, header, pieces);
  }
  uint64_t segment_id_;
  uint64_t next_sequence_;
  uint32_t last_checksum_;
};

}  // namespace ringdb::journal::testing
