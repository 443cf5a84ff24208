// JournalScanner: reads every segment of a journal directory in order, checks that each segment
// follows its predecessor (ids, sequences, chain), classifies the end of the log (clean, torn tail,
// corruption), applies the recovery mode, and hands each record to a callback.
//
// It only reads: what to do about a torn tail or a quarantine (cut, rename, set aside) is
// returned as a ScanOutcome and carried out by Journal::Open; JournalReader never does it.
//
// Thread safety: not thread-safe. Memory: one read window of a few MiB (FileWindowSource), reused
// from segment to segment.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "journal/journal_head.h"
#include "journal/journal_options.h"
#include "journal/segment_name.h"
#include "journal/segment_reader.h"
#include "journal/segment_source.h"

namespace ringdb::journal {

struct ScannedSegment {
  std::string name;
  uint64_t segment_id = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;  // first_sequence - 1 when the segment holds no record.
  uint32_t last_checksum = 0;
  uint64_t end_offset = 0;  // Just past its last valid record.
  uint64_t file_size_bytes = 0;
  // Where its last commit group begins (SegmentReader::last_group_offset()).
  uint64_t last_group_offset = 0;
};

struct ScanOutcome {
  // Segments that hold the valid log, in order; the last one is where the log ends.
  std::vector<ScannedSegment> segments;
  // A torn tail (or a point-in-time stop) to cut: segments.back() from its end_offset on (or, when
  // the last file had no valid header, delete_segment names that file, to be set aside whole).
  bool truncate_tail = false;
  std::string delete_segment;
  // The end of the valid records of the torn commit group found past the stop, if any: a cut
  // must reach at least this far.
  uint64_t tail_records_end = 0;
  // kPointInTime: files to rename to <name>.quarantined, and the valid segment to cut at
  // end_offset.
  std::vector<std::string> quarantine;
  uint64_t max_segment_id_seen = 0;  // New segments take ids above every id ever seen.
  std::vector<std::string> pool_files;
};

using RecordCallback = std::function<Status(const Record&)>;

class JournalScanner {
 public:
  JournalScanner(Env* env, std::string dir, uint32_t record_bytes_max, RecoveryMode mode,
                 spdlog::logger* logger);
  JournalScanner(const JournalScanner&) = delete;
  JournalScanner& operator=(const JournalScanner&) = delete;

  // Scans the directory. Calls fn (if not null) for each record holding a sequence above
  // after_sequence (last_sequence > after_sequence, so a record straddling it is included),
  // stopping at the first non-OK status it returns. Fills *report (not null). Returns Corruption
  // (naming segment, offset and sequence) when the mode does not tolerate what was found, or an I/O
  // error.
  Status Scan(uint64_t after_sequence, const RecordCallback* fn, RecoveryReport* report,
              ScanOutcome* outcome);
  // Scan then leaves out every segment whose successor (by file name) starts at or before
  // `sequence`: none of its records is needed. Only for a journal that Open has already checked
  // (a replay after recovery), since a left-out segment is neither read nor verified.
  void SkipSegmentsEndingBefore(uint64_t sequence) { skip_before_sequence_ = sequence; }
  // Checks the end of the log against the journal's HEAD: its newest segment missing or shorter
  // than it was made, or a log that does not end where a clean close said, is damage (handled
  // per the mode like any corruption), never a torn tail.
  void UseHead(const std::optional<JournalHead>& head) { head_ = head; }
  // Reads the last segment from the storage device rather than the page cache
  // (Env::OpenReadableFromDevice): what recovery builds on must be what a power loss keeps.
  void ReadLastSegmentFromDevice() { last_from_device_ = true; }

 private:
  struct Listed {
    std::string name;
    SegmentName parsed;
  };
  Status List(std::vector<Listed>* listed, ScanOutcome* outcome);
  // Decides what a problem found at (segment, offset) means under the mode. Returns OK when the
  // scan may go on (skip mode) or stop quietly (point in time); *stop tells which.
  Status Problem(const std::string& segment, uint64_t offset, uint64_t sequence,
                 const std::string& reason, RecoveryReport* report, bool* stop);

  // Scans one segment: header, link to its predecessor, records, end. Appends it to
  // outcome->segments when it holds part of the valid log.
  Status ScanSegment(const Listed& entry, bool is_last, uint64_t after_sequence,
                     const RecordCallback* fn, RecoveryReport* report, ScanOutcome* outcome,
                     bool* stop);
  Status ScanOpenedSegment(const Listed& entry, bool is_last, uint64_t after_sequence,
                           const RecordCallback* fn, RecoveryReport* report, ScanOutcome* outcome,
                           bool* stop);
  Status ReadRecords(const Listed& entry, bool is_last, uint64_t after_sequence,
                     const RecordCallback* fn, RecoveryReport* report, ScanOutcome* outcome,
                     bool* stop);
  // The end of the last segment: clean, torn tail, or corruption (valid records of a later commit
  // group after the bad bytes).
  Status ClassifyLastEnd(const Listed& entry, RecoveryReport* report, ScanOutcome* outcome,
                         bool* resynced, bool* stop);
  void NoteTornTail(const std::string& name, uint64_t offset, uint64_t dropped_bytes,
                    RecoveryReport* report);
  Status CheckNewestPresent(const std::vector<Listed>& listed, RecoveryReport* report);
  // HEAD's newest segment shorter than HEAD says: cut after its records were written.
  Status CheckNewestLength(const Listed& entry, RecoveryReport* report, bool* stop);
  // The segment HEAD marked closed cleanly must end exactly where the close said.
  Status CheckCleanEnd(const Listed& entry, RecoveryReport* report, bool* stop);
  bool IsNewestByHead(const Listed& entry) const {
    return head_.has_value() && head_->newest_segment_id == entry.parsed.segment_id;
  }

  Env* const env_;
  const std::string dir_;
  const uint32_t record_bytes_max_;
  const RecoveryMode mode_;
  spdlog::logger* const logger_;
  uint64_t skip_before_sequence_ = 0;
  std::optional<JournalHead> head_;
  bool last_from_device_ = false;
  FileWindowSource source_;  // The segment being scanned.
  SegmentReader reader_;
};

}  // namespace ringdb::journal
