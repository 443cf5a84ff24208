// Options of the journal, the recovery report, and the record view handed to replay callbacks.
//
// Thread safety: plain values. Lifetimes: JournalOptions::env must outlive every Journal and
// JournalReader opened with it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringdb/env.h"
#include "ringdb/journal_modes.h"
#include "ringdb/logger.h"
#include "ringdb/status.h"

namespace ringdb::journal {

// The public enums (ringdb/journal_modes.h), named here as the journal's own.
using ::ringdb::RecoveryMode;
using ::ringdb::SyncMode;

const char* SyncModeName(SyncMode mode);
const char* RecoveryModeName(RecoveryMode mode);

struct JournalOptions {
  // Size at which the journal rolls to a new segment file; pre-written segments have exactly this
  // size. Unit: bytes. Default: 64 MiB. Range: >= group_bytes_max + 112 (a segment header and the
  // end marker). Fixed at Open.
  uint64_t segment_size_bytes_max = uint64_t{64} << 20;
  // Size of the first segment an opened journal creates; each segment after it is twice the size
  // of the one before, up to segment_size_bytes_max, so a journal that writes little takes little
  // disk and a busy one reaches full-size segments after a few rolls. A segment is made larger
  // than planned only to hold its first record whole, or to use a larger pool file (pre-written or
  // recycled) whole. Unit: bytes. Default: 0, meaning segment_size_bytes_max (every segment full
  // size). Range: 0, or 1 to segment_size_bytes_max. Fixed at Open.
  uint64_t segment_size_bytes_min = 0;
  // Capacity of the group buffer, allocated once at Open: one Commit writes at most this. Unit:
  // bytes. Default: 4 MiB. Range: >= record_bytes_max + 112 (a record header and a segment
  // header), <= segment_size_bytes_max - 112. Fixed at Open.
  uint64_t group_bytes_max = uint64_t{4} << 20;
  // Largest payload of one record; longer Adds are refused and longer lengths read from disk are
  // rejected before any allocation. Unit: bytes. Default: 1 MiB. Range: 0 to 1 GiB. Fixed at Open.
  uint32_t record_bytes_max = uint32_t{1} << 20;
  // Default: kFdatasync.
  SyncMode sync_mode = SyncMode::kFdatasync;
  // Default: kTolerateTornTail.
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
  // Number of segment files kept ready ahead of need, zero-filled by a background thread or
  // recycled by Retire (renamed, not rewritten), so the hot path overwrites blocks instead of
  // extending the file, which halves the cost of each fdatasync on this disk. Nothing is
  // pre-written before the traffic asks for it: the files for the next segment are written once
  // the current segment is a quarter full, at the next segment's size. A segment that finds no
  // file ready is sized at creation without being written (a sparse file), so that its length,
  // like a pre-written one's, never changes afterwards; 0 disables pre-writing and recycling.
  // Unit: files. Default: 1. Range: 0 to 16. Fixed at Open.
  uint32_t prewritten_segments = 1;
  // Retire(through) keeps segments holding any of the last retention_sequences sequences at or
  // below `through`, for point-in-time replay. Unit: sequences. Default: 0.
  uint64_t retention_sequences = 0;
  // The last sequence that the state built from this journal already holds (the engine passes
  // RocksDB's applied marker). Journal::Open decides what recovery would keep from a read-only
  // scan first, and refuses with Corruption, changing nothing, when the log would end before this
  // sequence: records the state depends on are damaged, and only salvage may go on. Unit:
  // sequence. Default: 0 (no such state).
  uint64_t applied_sequence = 0;
  // Journal::Open creates the directory (not its parents) when missing. Default: true.
  bool create_if_missing = true;
  // The file layer. Default: nullptr, meaning Env::Default().
  Env* env = nullptr;
  // Default: nullptr, meaning ringdb::DefaultLogger().
  std::shared_ptr<spdlog::logger> logger;

  // OK, or InvalidArgument naming the first bad field and its allowed range. Never clamps.
  Status Validate() const;
};

// What Open (or JournalReader::Verify) found.
struct RecoveryReport {
  uint64_t first_sequence = 0;  // First sequence present on disk; 0 when the journal is empty.
  uint64_t last_sequence = 0;   // Last valid sequence; 0 when the journal is empty.
  uint64_t records_read = 0;    // Valid transaction records.
  uint64_t segments_read = 0;
  // An interrupted last write was found (and, by Journal::Open, cut: zeroed, kept in damaged/).
  bool torn_tail_truncated = false;
  std::string torn_tail_segment;  // File name of that segment.
  uint64_t torn_tail_offset = 0;  // Byte offset of the first bad byte in it.
  uint64_t truncated_bytes = 0;   // Bytes past that offset that were dropped.
  // kSkipCorrupted: bad regions skipped over.
  uint64_t records_skipped = 0;
  // kPointInTime (or kSkipCorrupted): a corruption was found and reading stopped (or skipped).
  bool stopped_early = false;
  // The corruption met (OK if none): names the segment, byte offset and sequence.
  Status corruption;
  // kPointInTime: segments renamed to <name>.quarantined.
  std::vector<std::string> quarantined_segments;
  // Bytes recovery cut from the log and kept in the journal's damaged/ directory (a torn tail, a
  // point-in-time stop, a segment with a torn header, page-cache bytes the device never got).
  std::vector<std::string> set_aside_files;
  // The log ends where a clean close said it would (the journal's HEAD carried the mark).
  bool closed_cleanly = false;
};

// One journal record as replay sees it. payload and segment are valid only during the callback.
struct Record {
  uint64_t first_sequence = 0;
  uint32_t count = 0;
  std::span<const std::byte> payload;
  std::string_view segment;  // File name of the segment holding the record.
  uint64_t offset = 0;       // Byte offset of the record's header in that segment.
};

struct SegmentDescription {
  std::string name;
  uint64_t segment_id = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;  // first_sequence - 1 while the segment holds no record.
  uint64_t size_bytes = 0;     // Bytes of records written (not the pre-written file size).
};

struct JournalInfo {
  std::vector<SegmentDescription> segments;
  uint64_t last_sequence = 0;     // Last sequence handed out by Add.
  uint64_t durable_sequence = 0;  // Last sequence made durable by Commit.
  uint64_t bytes_total = 0;       // Sum of the segments' size_bytes.
  uint32_t prewritten_ready = 0;  // Pre-written or recycled files waiting in the pool.
  // Segments created since Open with no pool file ready: sized sparse, so their first writes
  // allocate blocks and each of their syncs costs about what an appending one does.
  uint64_t sparse_segments = 0;
  bool failed = false;  // A write or sync failed: the journal refuses appends.
};

}  // namespace ringdb::journal
