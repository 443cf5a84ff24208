// SegmentWriter: the group buffer of the journaling thread. Add encodes records into a buffer
// allocated once (no I/O, no allocation); the writer knows which segment each record will land in,
// so a group never straddles two segments: when a record does not fit in the current segment, the
// group either ends (Busy) or, when empty, starts in a new segment with its header record first.
// WriteGroup then issues the one write call of the group.
//
// Segments differ in size: the journal plans each one's capacity (PlanNextSegment), and a new
// segment takes the planned capacity, or more when its first record would not fit in it. The
// capacity is fixed when the segment begins, before its file exists: the file the journal then
// attaches is at least that long, so no write ever extends it.
//
// Thread safety: used by the journaling thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ringdb/env.h"
#include "ringdb/status.h"

namespace ringdb::journal {

class SegmentWriter {
 public:
  SegmentWriter(uint64_t group_bytes_max, uint64_t segment_size_bytes_max,
                uint32_t record_bytes_max);
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Where recovery left the log: the last segment on disk (0 if none), its last sequence and the
  // checksum of its last record, and the id the next segment must take. The next Append starts a
  // new segment: an opened journal never writes into a segment a crash may have left dirty.
  void Position(uint64_t last_segment_id, uint64_t last_sequence, uint32_t last_checksum,
                uint64_t next_segment_id);
  // The capacity of the next segment to begin, in (0, segment_size_bytes_max]. Default:
  // segment_size_bytes_max.
  void PlanNextSegment(uint64_t capacity_bytes);

  // Buffers one record. InvalidArgument for a count of 0 or a payload over record_bytes_max; Busy
  // when the group is full or the current segment cannot take it (Commit, then Add again).
  Status Append(uint32_t count, std::span<const std::span<const std::byte>> pieces,
                uint64_t* first_sequence);

  // True when the buffered group begins a new segment that has no file yet.
  bool needs_segment_file() const { return needs_file_; }
  uint64_t segment_id() const { return segment_id_; }
  uint64_t segment_first_sequence() const { return segment_first_sequence_; }
  void AttachFile(std::unique_ptr<WritableFile> file);
  WritableFile* file() const { return file_.get(); }

  // Writes the buffered group with one WriteFully at the segment's end. On success the group
  // counts as written (not yet synced) and the buffer empties.
  Status WriteGroup();

  uint64_t buffered_bytes() const { return used_bytes_; }
  uint64_t last_sequence() const { return last_sequence_; }
  uint64_t group_first_sequence() const { return group_first_sequence_; }
  uint64_t segment_bytes() const { return segment_bytes_; }
  // Capacity of the current segment (the one being written, or begun by the buffered group): its
  // records and end marker never reach past it.
  uint64_t segment_capacity_bytes() const { return segment_capacity_bytes_; }
  uint32_t last_checksum() const { return last_checksum_; }

 private:
  // Begins the next segment, with room for a first record of record_bytes (header included).
  void BeginSegment(uint64_t record_bytes);

  const uint64_t segment_size_bytes_max_;
  const uint32_t record_bytes_max_;
  std::vector<std::byte> buffer_;  // Allocated once: group_bytes_max.
  uint64_t used_bytes_ = 0;
  uint64_t segment_id_ = 0;  // Segment the buffered and next records go to; 0 = none yet.
  uint64_t next_segment_id_ = 0;
  uint64_t segment_first_sequence_ = 0;
  uint64_t segment_bytes_ = 0;  // Bytes written to the current segment (excludes the buffer).
  uint64_t segment_capacity_bytes_ = 0;  // Of the current segment; 0 before the first one.
  uint64_t next_segment_bytes_ = 0;      // Planned capacity of the next segment.
  uint64_t last_sequence_ = 0;           // Last sequence appended (buffered or written).
  uint64_t group_first_sequence_ = 0;
  uint32_t last_checksum_ = 0;
  bool needs_file_ = false;
  std::unique_ptr<WritableFile> file_;
};

}  // namespace ringdb::journal
