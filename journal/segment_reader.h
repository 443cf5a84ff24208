// SegmentReader: walks the records of one segment held in memory, checking each record's checksum,
// segment id, sequence and chain link, and says why it stopped.
//
// It is the single place where "is this record valid here?" is decided: recovery, replay and the
// read-only JournalReader all go through it. It never touches the disk itself: it reads through a
// SegmentSource (a window over the file, or bytes in memory).
//
// Thread safety: not thread-safe. Lifetimes: the source (or bytes) given to Reset must outlive the
// reader's use; a record's payload is valid until the next call on the reader.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "journal/record_codec.h"
#include "journal/segment_source.h"

namespace ringdb::journal {

// Why the walk stopped.
enum class SegmentEnd : uint8_t {
  kNotEnded,   // Next() has not returned false yet.
  kEndOfFile,  // The last record ended exactly at the end of the bytes.
  kZeroFill,   // Zero bytes follow: pre-written space never written.
  kStale,      // A valid record of another segment follows: left from an earlier use of the file.
  kNoHeader,   // The segment does not start with a valid header record for its id.
  kBad,        // A damaged record, or a valid one that does not link (chain, sequence, group).
};
const char* SegmentEndName(SegmentEnd end);

// Valid records of this segment found beyond the point where the walk stopped.
struct LaterRecords {
  bool found = false;
  uint64_t first_offset = 0;    // Offset of the first one found.
  uint64_t first_sequence = 0;  // Its first sequence.
  // True when every record found belongs to the commit group that was being written at the stop
  // point: then the stop is the torn tail of that group, written out of order, not corruption.
  bool all_in_stopped_group = true;
  uint64_t last_end_offset = 0;  // End of the last one found.
};

class SegmentReader {
 public:
  explicit SegmentReader(uint32_t record_bytes_max) : record_bytes_max_(record_bytes_max) {}
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Starts a walk over the source, the contents of segment segment_id whose file name says it
  // starts at name_first_sequence (used only when the header itself is unreadable).
  void Reset(SegmentSource* source, uint64_t segment_id, uint64_t name_first_sequence);
  // The same over bytes in memory.
  void Reset(std::span<const std::byte> bytes, uint64_t segment_id, uint64_t name_first_sequence) {
    memory_ = MemorySource(bytes);
    Reset(&memory_, segment_id, name_first_sequence);
  }

  // Reads the segment header if not done yet; false if the segment has none (end() == kNoHeader).
  bool Begin() { return started_ ? has_header_ : ReadHeader(); }

  // Advances to the next valid transaction record (records of unknown ignorable types are checked
  // and stepped over). False at the end; then end() and end_reason() say why.
  bool Next(DecodedRecord* record, uint64_t* offset);

  // kSkipCorrupted: after any stop (a bad record, no header, or zero-filled or stale bytes with
  // valid records of this segment beyond them), moves to the next valid record of this segment
  // and accepts it without the chain check. False if there is none.
  bool Resync();

  // Scans the bytes after the stop point for valid records of this segment. Costs a memchr over
  // them, plus a comparison and a checksum where a byte of the segment id matches. Moves the
  // source's window, so a payload returned by Next() is no longer valid after it.
  LaterRecords FindLaterRecords();

  bool has_header() const { return has_header_; }
  const RecordHeader& header_record() const { return header_record_; }
  const SegmentHeaderPayload& header_payload() const { return header_payload_; }
  SegmentEnd end() const { return end_; }
  const std::string& end_reason() const { return end_reason_; }
  // Offset just past the last valid record: where the stop happened.
  uint64_t end_offset() const { return offset_; }
  uint64_t size_bytes() const { return source_->size_bytes(); }
  uint64_t next_sequence() const { return next_sequence_; }
  uint64_t last_sequence() const { return next_sequence_ - 1; }
  uint32_t last_checksum() const { return last_checksum_; }
  uint64_t records_read() const { return records_read_; }
  // Offset where the last commit group read so far begins: its first record, or 0 when it is the
  // segment's first group (written with the header, in the same write call).
  uint64_t last_group_offset() const { return last_group_offset_; }

 private:
  bool ReadHeader();
  bool Stop(SegmentEnd end, std::string reason);
  // Checks a well-formed record of this segment against the chain; empty string when it links.
  std::string LinkError(const RecordHeader& header) const;
  void Accept(const RecordHeader& header, uint64_t size_bytes);

  const uint32_t record_bytes_max_;
  SegmentSource* source_ = nullptr;
  MemorySource memory_;  // Behind source_ when Reset was given bytes.
  uint64_t segment_id_ = 0;
  uint64_t offset_ = 0;
  bool started_ = false;
  bool has_header_ = false;
  RecordHeader header_record_;
  SegmentHeaderPayload header_payload_;
  uint64_t next_sequence_ = 0;
  uint32_t last_checksum_ = 0;
  // The commit group of the last accepted record: a following record either continues it or
  // starts a new group at next_sequence_.
  uint64_t group_first_sequence_ = 0;
  uint64_t last_group_offset_ = 0;
  uint64_t records_read_ = 0;
  SegmentEnd end_ = SegmentEnd::kNotEnded;
  std::string end_reason_;
};

}  // namespace ringdb::journal
