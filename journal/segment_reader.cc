#include "journal/segment_reader.h"

#include <cstring>

#include "journal/record_format.h"
#include "util/assert.h"
#include "util/coding.h"

namespace ringdb::journal {

const char* SegmentEndName(SegmentEnd end) {
  switch (end) {
    case SegmentEnd::kNotEnded:
      return "not ended";
    case SegmentEnd::kEndOfFile:
      return "end of file";
    case SegmentEnd::kZeroFill:
      return "zero-filled space";
    case SegmentEnd::kStale:
      return "stale record of an earlier use of the file";
    case SegmentEnd::kNoHeader:
      return "no valid segment header";
    case SegmentEnd::kBad:
      return "bad record";
  }
  return "invalid";
}

void SegmentReader::Reset(SegmentSource* source, uint64_t segment_id,
                          uint64_t name_first_sequence) {
  RINGDB_ASSERT(source != nullptr);
  RINGDB_ASSERT(source->window_bytes_min() >=
                uint64_t{format::kRecordHeaderBytes} + record_bytes_max_);
  RINGDB_ASSERT(segment_id >= format::kFirstSegmentId);
  RINGDB_ASSERT(name_first_sequence >= format::kFirstSequence);
  source_ = source;
  segment_id_ = segment_id;
  offset_ = 0;
  started_ = false;
  has_header_ = false;
  header_record_ = RecordHeader{};
  header_payload_ = SegmentHeaderPayload{};
  // Until a header is read, the file name is the best guess of where the segment starts; it only
  // serves FindLaterRecords when the header is unreadable.
  next_sequence_ = name_first_sequence;
  group_first_sequence_ = name_first_sequence;
  last_group_offset_ = 0;
  last_checksum_ = 0;
  records_read_ = 0;
  end_ = SegmentEnd::kNotEnded;
  end_reason_.clear();
}

bool SegmentReader::Stop(SegmentEnd end, std::string reason) {
  RINGDB_ASSERT(end != SegmentEnd::kNotEnded);
  end_ = end;
  end_reason_ = std::move(reason);
  return false;
}

bool SegmentReader::ReadHeader() {
  started_ = true;
  DecodedRecord decoded;
  const DecodeOutcome outcome = DecodeRecord(source_->From(0), record_bytes_max_, &decoded);
  if (outcome != DecodeOutcome::kRecord) {
    return Stop(SegmentEnd::kNoHeader, DecodeOutcomeName(outcome));
  }
  const RecordHeader& header = decoded.header;
  if (header.type != format::kSegmentHeader) {
    return Stop(SegmentEnd::kNoHeader, "first record is not a segment header");
  }
  if (header.segment_id != segment_id_) {
    return Stop(SegmentEnd::kNoHeader, "header names segment " + std::to_string(header.segment_id) +
                                           ", the file name " + std::to_string(segment_id_));
  }
  SegmentHeaderPayload payload;
  if (!DecodeSegmentHeaderPayload(decoded.payload, &payload) ||
      payload.previous_last_sequence + 1 != header.first_sequence) {
    return Stop(SegmentEnd::kNoHeader, "segment header payload is malformed");
  }
  has_header_ = true;
  header_record_ = header;
  header_payload_ = payload;
  next_sequence_ = header.first_sequence;
  group_first_sequence_ = header.first_sequence;
  last_checksum_ = header.checksum;
  offset_ = decoded.size_bytes;
  return true;
}

std::string SegmentReader::LinkError(const RecordHeader& header) const {
  if (header.type == format::kSegmentHeader) {
    return "a second segment header";
  }
  if (header.previous_checksum != last_checksum_) {
    return "chain broken: previous_checksum " + std::to_string(header.previous_checksum) +
           ", expected " + std::to_string(last_checksum_);
  }
  if (header.first_sequence != next_sequence_) {
    return "sequence " + std::to_string(header.first_sequence) + ", expected " +
           std::to_string(next_sequence_);
  }
  // A record continues the current commit group or starts the next one.
  const uint64_t group = header.group_first_sequence();
  if (group != group_first_sequence_ && group != next_sequence_) {
    return "commit group " + std::to_string(group) + " does not follow group " +
           std::to_string(group_first_sequence_);
  }
  return {};
}

void SegmentReader::Accept(const RecordHeader& header, uint64_t size_bytes) {
  RINGDB_ASSERT(header.segment_id == segment_id_);
  RINGDB_ASSERT(header.first_sequence == next_sequence_);
  RINGDB_ASSERT(end_ == SegmentEnd::kNotEnded);
  next_sequence_ = header.first_sequence + header.count;
  if (header.group_first_sequence() != group_first_sequence_) {
    last_group_offset_ = offset_;  // The record starts the next commit group.
  }
  group_first_sequence_ = header.group_first_sequence();
  last_checksum_ = header.checksum;
  offset_ += size_bytes;
  RINGDB_ASSERT(offset_ <= source_->size_bytes());
}

bool SegmentReader::Next(DecodedRecord* record, uint64_t* offset) {
  RINGDB_ASSERT(record != nullptr);
  RINGDB_ASSERT(offset != nullptr);
  if (end_ != SegmentEnd::kNotEnded) {
    return false;
  }
  if (!started_ && !ReadHeader()) {
    return false;
  }
  // Bounded: each pass consumes at least one record header of the segment or returns.
  while (true) {
    const DecodeOutcome outcome = DecodeRecord(source_->From(offset_), record_bytes_max_, record);
    if (outcome == DecodeOutcome::kEndOfInput) {
      return Stop(SegmentEnd::kEndOfFile, "end of file");
    }
    if (outcome == DecodeOutcome::kZeroHeader) {
      return Stop(SegmentEnd::kZeroFill, "zero-filled space");
    }
    if (outcome != DecodeOutcome::kRecord) {
      return Stop(SegmentEnd::kBad, DecodeOutcomeName(outcome));
    }
    if (record->header.segment_id != segment_id_) {
      return Stop(SegmentEnd::kStale,
                  "record of segment " + std::to_string(record->header.segment_id));
    }
    std::string link_error = LinkError(record->header);
    if (!link_error.empty()) {
      return Stop(SegmentEnd::kBad, std::move(link_error));
    }
    *offset = offset_;
    Accept(record->header, record->size_bytes);
    if (record->header.type == format::kTransaction) {
      ++records_read_;
      return true;
    }
    // A record of an unknown type with the safe-to-ignore bit: linked and checked, then skipped.
  }
}

LaterRecords SegmentReader::FindLaterRecords() {
  RINGDB_ASSERT(end_ != SegmentEnd::kNotEnded);
  LaterRecords later;
  std::byte id_bytes[8];
  coding::Put<uint64_t>(id_bytes, segment_id_);
  // A record of this segment carries its id: memchr for one non-zero byte of the id skips the
  // zero-filled rest of a pre-written segment at memory speed (ids start at 1).
  size_t anchor = 0;
  while (anchor < 7 && id_bytes[anchor] == std::byte{0}) {
    ++anchor;
  }
  const int anchor_byte = std::to_integer<int>(id_bytes[anchor]);
  const uint64_t probe_offset = format::kSegmentIdOffset + anchor;
  const uint64_t record_bytes_whole = uint64_t{format::kRecordHeaderBytes} + record_bytes_max_;
  uint64_t position = offset_ + 1;
  // Bounded: position grows every pass, and the source ends.
  while (true) {
    const std::span<const std::byte> window = source_->From(position);
    if (window.size() < format::kRecordHeaderBytes) {
      break;
    }
    // Candidates whose whole record is in the window: all of them when the window reaches the
    // end of the segment, else those with a whole record's worth of bytes after them (From()
    // guarantees at least that much, so at least one candidate position is covered).
    const bool to_end = position + window.size() >= source_->size_bytes();
    const uint64_t candidates = to_end ? window.size() - format::kRecordHeaderBytes + 1
                                       : window.size() - record_bytes_whole + 1;
    const void* hit = std::memchr(window.data() + probe_offset, anchor_byte, candidates);
    if (hit == nullptr) {
      if (to_end) {
        break;
      }
      position += candidates;
      continue;
    }
    const uint64_t at =
        static_cast<uint64_t>(static_cast<const std::byte*>(hit) - window.data()) - probe_offset;
    DecodedRecord decoded;
    if (std::memcmp(window.data() + at + format::kSegmentIdOffset, id_bytes, 8) != 0 ||
        DecodeRecord(window.subspan(at), record_bytes_max_, &decoded) != DecodeOutcome::kRecord ||
        decoded.header.type == format::kSegmentHeader) {
      position += at + 1;
      continue;
    }
    if (!later.found) {
      later.found = true;
      later.first_offset = position + at;
      later.first_sequence = decoded.header.first_sequence;
    }
    // The group being written at the stop point began either with the group of the last accepted
    // record or right after it; a record of any later group proves that group was synced.
    const uint64_t group = decoded.header.group_first_sequence();
    if (group != group_first_sequence_ && group != next_sequence_) {
      later.all_in_stopped_group = false;
    }
    position += at + decoded.size_bytes;
    later.last_end_offset = position;
  }
  return later;
}

bool SegmentReader::Resync() {
  // Any stop can be resynced past, a zero-filled or stale stretch too: valid records of a later
  // group beyond it make it a hole in the log, which salvage skips.
  RINGDB_ASSERT(end_ != SegmentEnd::kNotEnded);
  const LaterRecords later = FindLaterRecords();
  if (!later.found) {
    return false;
  }
  DecodedRecord decoded;
  const DecodeOutcome outcome =
      DecodeRecord(source_->From(later.first_offset), record_bytes_max_, &decoded);
  RINGDB_ASSERT(outcome == DecodeOutcome::kRecord);
  // Accept the record as the new start of the chain; the reader re-reads it as a normal record.
  started_ = true;
  offset_ = later.first_offset;
  last_checksum_ = decoded.header.previous_checksum;
  next_sequence_ = decoded.header.first_sequence;
  group_first_sequence_ = decoded.header.group_first_sequence();
  last_group_offset_ = offset_;
  end_ = SegmentEnd::kNotEnded;
  end_reason_.clear();
  return true;
}

}  // namespace ringdb::journal
