#include "journal/segment_writer.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "journal/record_codec.h"
#include "journal/record_format.h"
#include "util/assert.h"

namespace ringdb::journal {

SegmentWriter::SegmentWriter(uint64_t group_bytes_max, uint64_t segment_size_bytes_max,
                             uint32_t record_bytes_max)
    : segment_size_bytes_max_(segment_size_bytes_max),
      record_bytes_max_(record_bytes_max),
      buffer_(group_bytes_max + format::kEndMarkerBytes),
      next_segment_bytes_(segment_size_bytes_max) {
  // JournalOptions::Validate guarantees that an empty group always takes a maximal record.
  RINGDB_ASSERT(group_bytes_max >= uint64_t{record_bytes_max} + format::kRecordHeaderBytes +
                                       format::kSegmentHeaderRecordBytes);
  RINGDB_ASSERT(segment_size_bytes_max >=
                group_bytes_max + format::kSegmentHeaderRecordBytes + format::kEndMarkerBytes);
}

void SegmentWriter::Position(uint64_t last_segment_id, uint64_t last_sequence,
                             uint32_t last_checksum, uint64_t next_segment_id) {
  RINGDB_ASSERT(used_bytes_ == 0);
  RINGDB_ASSERT(next_segment_id > last_segment_id);
  segment_id_ = last_segment_id;
  next_segment_id_ = next_segment_id;
  last_sequence_ = last_sequence;
  last_checksum_ = last_checksum;
  group_first_sequence_ = last_sequence + 1;
  // No room left: the first Append begins a new segment.
  segment_bytes_ = 0;
  segment_capacity_bytes_ = 0;
  needs_file_ = false;
}

void SegmentWriter::PlanNextSegment(uint64_t capacity_bytes) {
  RINGDB_ASSERT(capacity_bytes > 0);
  RINGDB_ASSERT(capacity_bytes <= segment_size_bytes_max_);
  next_segment_bytes_ = capacity_bytes;
}

void SegmentWriter::BeginSegment(uint64_t record_bytes) {
  RINGDB_ASSERT(used_bytes_ == 0);
  RINGDB_ASSERT(next_segment_id_ > segment_id_);
  // Room for the header, the first record and the end marker, in whole 4 KiB blocks. Validate
  // makes segment_size_bytes_max hold that for the largest record.
  constexpr uint64_t kBlockBytes = 4096;
  const uint64_t first_group_bytes =
      uint64_t{format::kSegmentHeaderRecordBytes} + record_bytes + format::kEndMarkerBytes;
  RINGDB_ASSERT(first_group_bytes <= segment_size_bytes_max_);
  const uint64_t needed_bytes = (first_group_bytes + kBlockBytes - 1) / kBlockBytes * kBlockBytes;
  segment_capacity_bytes_ =
      std::min(segment_size_bytes_max_, std::max(next_segment_bytes_, needed_bytes));
  RecordHeader header;
  header.length = format::kSegmentHeaderPayloadBytes;
  header.type = format::kSegmentHeader;
  header.previous_checksum = last_checksum_;
  header.segment_id = next_segment_id_;
  header.first_sequence = last_sequence_ + 1;
  header.count = 0;
  header.group_offset = 0;
  std::byte payload[format::kSegmentHeaderPayloadBytes];
  EncodeSegmentHeaderPayload(payload, SegmentHeaderPayload{segment_id_, last_sequence_});
  const std::span<const std::byte> pieces[] = {payload};
  last_checksum_ = EncodeRecord(buffer_.data(), header, pieces);
  used_bytes_ = format::kSegmentHeaderRecordBytes;
  segment_id_ = next_segment_id_++;
  segment_first_sequence_ = header.first_sequence;
  segment_bytes_ = 0;
  needs_file_ = true;
  file_.reset();
}

Status SegmentWriter::Append(uint32_t count, std::span<const std::span<const std::byte>> pieces,
                             uint64_t* first_sequence) {
  RINGDB_ASSERT(first_sequence != nullptr);
  if (count == 0) {
    return Status::InvalidArgument("a journal record must carry at least one transaction");
  }
  uint64_t payload_bytes = 0;
  for (const std::span<const std::byte>& piece : pieces) {
    // Checked piece by piece so that the sum cannot overflow before it is compared.
    payload_bytes += piece.size();
    if (payload_bytes > record_bytes_max_) {
      return Status::InvalidArgument("record payload of at least " + std::to_string(payload_bytes) +
                                     " bytes exceeds record_bytes_max " +
                                     std::to_string(record_bytes_max_));
    }
  }
  RINGDB_ASSERT(last_sequence_ <= UINT64_MAX - count);
  const uint64_t record_bytes = format::kRecordHeaderBytes + payload_bytes;
  if (used_bytes_ == 0) {
    group_first_sequence_ = last_sequence_ + 1;
    if (segment_id_ == 0 ||
        segment_bytes_ + record_bytes + format::kEndMarkerBytes > segment_capacity_bytes_) {
      BeginSegment(record_bytes);
    }
  }
  if (used_bytes_ + record_bytes + format::kEndMarkerBytes > buffer_.size() ||
      segment_bytes_ + used_bytes_ + record_bytes + format::kEndMarkerBytes >
          segment_capacity_bytes_) {
    RINGDB_ASSERT(used_bytes_ > 0);  // An empty group always takes one record (Validate).
    return Status::Busy("journal group is full: Commit, then Add again");
  }
  RecordHeader header;
  header.length = static_cast<uint32_t>(payload_bytes);
  header.type = format::kTransaction;
  header.previous_checksum = last_checksum_;
  header.segment_id = segment_id_;
  header.first_sequence = last_sequence_ + 1;
  header.count = count;
  RINGDB_ASSERT(header.first_sequence - group_first_sequence_ < UINT32_MAX);
  header.group_offset = static_cast<uint32_t>(header.first_sequence - group_first_sequence_);
  last_checksum_ = EncodeRecord(buffer_.data() + used_bytes_, header, pieces);
  used_bytes_ += record_bytes;
  last_sequence_ += count;
  *first_sequence = header.first_sequence;
  return Status::OK();
}

void SegmentWriter::AttachFile(std::unique_ptr<WritableFile> file) {
  RINGDB_ASSERT(needs_file_);
  RINGDB_ASSERT(file != nullptr);
  file_ = std::move(file);
  needs_file_ = false;
}

Status SegmentWriter::WriteGroup() {
  RINGDB_ASSERT(file_ != nullptr);
  RINGDB_ASSERT(used_bytes_ > 0);
  RINGDB_ASSERT(segment_bytes_ + used_bytes_ + format::kEndMarkerBytes <= segment_capacity_bytes_);
  RINGDB_ASSERT(segment_capacity_bytes_ <= segment_size_bytes_max_);
  RINGDB_ASSERT(used_bytes_ + format::kEndMarkerBytes <= buffer_.size());
  // The zero end marker goes out in the same write call (see record_format.h).
  std::memset(buffer_.data() + used_bytes_, 0, format::kEndMarkerBytes);
  Status status = WriteFully(file_.get(), segment_bytes_,
                             std::span(buffer_).first(used_bytes_ + format::kEndMarkerBytes));
  if (!status.ok()) {
    return status;
  }
  segment_bytes_ += used_bytes_;
  used_bytes_ = 0;
  group_first_sequence_ = last_sequence_ + 1;
  return Status::OK();
}

}  // namespace ringdb::journal
