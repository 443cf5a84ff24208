#include "journal/journal_scanner.h"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "journal/record_format.h"
#include "journal/segment_reader.h"
#include "util/assert.h"

namespace ringdb::journal {
namespace {

std::string Describe(const std::string& segment, uint64_t offset, uint64_t sequence) {
  return "segment " + segment + " at byte offset " + std::to_string(offset) + " (sequence " +
         std::to_string(sequence) + ")";
}

// Why segment `current` cannot follow `previous`; empty when it can.
std::string LinkError(const std::optional<ScannedSegment>& previous, const SegmentReader& reader,
                      const SegmentName& name) {
  const RecordHeader& header = reader.header_record();
  if (header.first_sequence != name.first_sequence) {
    return "the file name says first sequence " + std::to_string(name.first_sequence) +
           ", the header " + std::to_string(header.first_sequence);
  }
  if (!previous.has_value()) {
    return {};  // The first segment present: its predecessors were retired.
  }
  if (name.segment_id == previous->segment_id) {
    return "duplicate segment id " + std::to_string(name.segment_id) + " (also " + previous->name +
           ")";
  }
  // Ids increase but may skip: a new segment takes an id above every one seen, so the ids of a
  // deleted torn segment or of quarantined segments are never used. The header names the segment
  // it follows, which is what proves that none is missing.
  const SegmentHeaderPayload& payload = reader.header_payload();
  if (payload.previous_segment_id > previous->segment_id &&
      payload.previous_segment_id < name.segment_id) {
    return "segments " + std::to_string(previous->segment_id + 1) + " to " +
           std::to_string(payload.previous_segment_id) +
           " are missing: its header follows segment " +
           std::to_string(payload.previous_segment_id) + ", the last one present is " +
           previous->name;
  }
  if (payload.previous_segment_id != previous->segment_id ||
      payload.previous_last_sequence != previous->last_sequence ||
      header.previous_checksum != previous->last_checksum) {
    return "does not follow " + previous->name + ": it expects segment " +
           std::to_string(payload.previous_segment_id) + " to end at sequence " +
           std::to_string(payload.previous_last_sequence) + " with checksum " +
           std::to_string(header.previous_checksum) + ", which ends at sequence " +
           std::to_string(previous->last_sequence) + " with checksum " +
           std::to_string(previous->last_checksum) + " (lost, truncated or replaced records)";
  }
  return {};
}

}  // namespace

JournalScanner::JournalScanner(Env* env, std::string dir, uint32_t record_bytes_max,
                               RecoveryMode mode, spdlog::logger* logger)
    : env_(env),
      dir_(std::move(dir)),
      record_bytes_max_(record_bytes_max),
      mode_(mode),
      logger_(logger),
      source_(uint64_t{format::kRecordHeaderBytes} + record_bytes_max),
      reader_(record_bytes_max) {
  RINGDB_ASSERT(env_ != nullptr);
  RINGDB_ASSERT(logger_ != nullptr);
}

Status JournalScanner::List(std::vector<Listed>* listed, ScanOutcome* outcome) {
  Result<std::vector<std::string>> names = env_->ListDir(dir_);
  if (!names.ok()) {
    return names.status();
  }
  for (const std::string& name : *names) {
    if (const std::optional<SegmentName> parsed = ParseSegmentName(name)) {
      listed->push_back(Listed{name, *parsed});
      outcome->max_segment_id_seen = std::max(outcome->max_segment_id_seen, parsed->segment_id);
    } else if (name.ends_with(kQuarantineSuffix)) {
      // Quarantined segments keep their ids reserved, so a new segment never reuses one.
      const std::string base = name.substr(0, name.size() - kQuarantineSuffix.size());
      if (const std::optional<SegmentName> quarantined = ParseSegmentName(base)) {
        outcome->max_segment_id_seen =
            std::max(outcome->max_segment_id_seen, quarantined->segment_id);
      }
    } else if (ParsePoolName(name).has_value()) {
      outcome->pool_files.push_back(name);
    }
  }
  std::sort(listed->begin(), listed->end(), [](const Listed& a, const Listed& b) {
    return a.parsed.segment_id != b.parsed.segment_id
               ? a.parsed.segment_id < b.parsed.segment_id
               : a.parsed.first_sequence < b.parsed.first_sequence;
  });
  return Status::OK();
}

Status JournalScanner::Problem(const std::string& segment, uint64_t offset, uint64_t sequence,
                               const std::string& reason, RecoveryReport* report, bool* stop) {
  Status corruption = Status::Corruption(Describe(segment, offset, sequence) + ": " + reason);
  if (mode_ == RecoveryMode::kAbsoluteConsistency || mode_ == RecoveryMode::kTolerateTornTail) {
    return corruption;
  }
  if (report->corruption.ok()) {
    report->corruption = corruption;
  }
  if (mode_ == RecoveryMode::kPointInTime) {
    logger_->error("ringdb journal: {}; point-in-time recovery stops here and sets the rest aside",
                   corruption.ToString());
    report->stopped_early = true;
    *stop = true;
    return Status::OK();
  }
  logger_->error("ringdb journal: {}; skipping it (skip-corrupted salvage)", corruption.ToString());
  ++report->records_skipped;
  *stop = false;
  return Status::OK();
}

void JournalScanner::NoteTornTail(const std::string& name, uint64_t offset, uint64_t dropped_bytes,
                                  RecoveryReport* report) {
  report->torn_tail_truncated = true;
  report->torn_tail_segment = name;
  report->torn_tail_offset = offset;
  report->truncated_bytes = dropped_bytes;
}

Status JournalScanner::Scan(uint64_t after_sequence, const RecordCallback* fn,
                            RecoveryReport* report, ScanOutcome* outcome) {
  RINGDB_ASSERT(report != nullptr);
  RINGDB_ASSERT(outcome != nullptr);
  *report = RecoveryReport{};
  *outcome = ScanOutcome{};
  std::vector<Listed> listed;
  if (Status status = List(&listed, outcome); !status.ok()) {
    return status;
  }
  if (Status status = CheckNewestPresent(listed, report); !status.ok()) {
    return status;
  }
  for (size_t index = 0; index < listed.size(); ++index) {
    if (index + 1 < listed.size() &&
        listed[index + 1].parsed.first_sequence <= skip_before_sequence_) {
      continue;
    }
    bool stop = false;
    Status status = ScanSegment(listed[index], index + 1 == listed.size(), after_sequence, fn,
                                report, outcome, &stop);
    if (!status.ok()) {
      return status;
    }
    if (stop) {
      // Point in time: whatever follows the stop point is set aside, not deleted.
      for (size_t rest = index + 1; rest < listed.size(); ++rest) {
        outcome->quarantine.push_back(listed[rest].name);
      }
      break;
    }
  }
  report->quarantined_segments = outcome->quarantine;
  report->segments_read = outcome->segments.size();
  if (!outcome->segments.empty()) {
    report->first_sequence = outcome->segments.front().first_sequence;
    report->last_sequence = outcome->segments.back().last_sequence;
  }
  return Status::OK();
}

Status JournalScanner::ScanSegment(const Listed& entry, bool is_last, uint64_t after_sequence,
                                   const RecordCallback* fn, RecoveryReport* report,
                                   ScanOutcome* outcome, bool* stop) {
  if (Status status = source_.Open(env_, JoinPath(dir_, entry.name), last_from_device_ && is_last);
      !status.ok()) {
    return status;
  }
  Status status = ScanOpenedSegment(entry, is_last, after_sequence, fn, report, outcome, stop);
  // A read error mid-segment looks like the end of the file to the reader; it must not be taken
  // for one (a torn tail to truncate, say), so it overrides whatever the scan concluded.
  return source_.status().ok() ? status : source_.status();
}

Status JournalScanner::ScanOpenedSegment(const Listed& entry, bool is_last, uint64_t after_sequence,
                                         const RecordCallback* fn, RecoveryReport* report,
                                         ScanOutcome* outcome, bool* stop) {
  if (Status status = CheckNewestLength(entry, report, stop); !status.ok()) {
    return status;
  }
  reader_.Reset(&source_, entry.parsed.segment_id, entry.parsed.first_sequence);
  std::optional<ScannedSegment> previous;
  if (!outcome->segments.empty()) {
    previous = outcome->segments.back();
  }
  if (!reader_.Begin()) {
    const LaterRecords later = reader_.FindLaterRecords();
    if (is_last && (!later.found || later.all_in_stopped_group)) {
      // The segment was being created when the writer stopped: nothing in it was acknowledged.
      if (mode_ == RecoveryMode::kAbsoluteConsistency) {
        return Status::Corruption(Describe(entry.name, 0, entry.parsed.first_sequence) +
                                  ": torn segment header (recovery mode absolute-consistency)");
      }
      outcome->delete_segment = entry.name;
      NoteTornTail(entry.name, 0, source_.size_bytes(), report);
      return Status::OK();
    }
    Status status = Problem(entry.name, 0, entry.parsed.first_sequence,
                            "no valid segment header: " + reader_.end_reason(), report, stop);
    if (*stop) {
      outcome->quarantine.push_back(entry.name);  // Scan adds the segments after it.
    }
    // Salvage: only the header may be damaged. The records carry the segment's id, so reading
    // goes on from the first valid one (the skipped header is counted above).
    if (!status.ok() || *stop || mode_ != RecoveryMode::kSkipCorrupted || !reader_.Resync()) {
      return status;
    }
    return ReadRecords(entry, is_last, after_sequence, fn, report, outcome, stop);
  }
  const std::string link_error = LinkError(previous, reader_, entry.parsed);
  if (!link_error.empty()) {
    Status status =
        Problem(entry.name, 0, reader_.header_record().first_sequence, link_error, report, stop);
    if (!status.ok() || *stop) {
      if (*stop) {
        outcome->quarantine.push_back(entry.name);
      }
      return status;
    }
  }
  return ReadRecords(entry, is_last, after_sequence, fn, report, outcome, stop);
}

Status JournalScanner::ReadRecords(const Listed& entry, bool is_last, uint64_t after_sequence,
                                   const RecordCallback* fn, RecoveryReport* report,
                                   ScanOutcome* outcome, bool* stop) {
  DecodedRecord decoded;
  uint64_t offset = 0;
  // Bounded: each pass reads a record or resyncs strictly forward in a finite buffer.
  while (true) {
    while (reader_.Next(&decoded, &offset)) {
      ++report->records_read;
      if (fn != nullptr && decoded.header.last_sequence() > after_sequence) {
        const Record record{decoded.header.first_sequence, decoded.header.count, decoded.payload,
                            entry.name, offset};
        if (Status status = (*fn)(record); !status.ok()) {
          return status;
        }
      }
    }
    bool resynced = false;
    Status status = Status::OK();
    if (head_.has_value() && head_->clean && IsNewestByHead(entry)) {
      status = CheckCleanEnd(entry, report, stop);
    } else if (is_last) {
      status = ClassifyLastEnd(entry, report, outcome, &resynced, stop);
    } else if (reader_.end() == SegmentEnd::kBad) {
      // A closed segment never ends in a torn write: its successor was created only after its
      // last group was synced.
      status = Problem(entry.name, reader_.end_offset(), reader_.next_sequence(),
                       reader_.end_reason(), report, stop);
      resynced = status.ok() && !*stop && reader_.Resync();
    } else if (reader_.end() != SegmentEnd::kEndOfFile) {
      // Zeros or stale bytes end a closed segment only if no record of its own follows them: its
      // torn tail, if any, was truncated before a successor was created, so one that does marks a
      // hole (a write lost or zeroed after its sync). Left alone, the verdict would change when a
      // torn successor is deleted and this segment becomes the last.
      const LaterRecords later = reader_.FindLaterRecords();
      if (later.found) {
        status = Problem(entry.name, reader_.end_offset(), reader_.next_sequence(),
                         reader_.end_reason() + ", yet valid records follow at byte offset " +
                             std::to_string(later.first_offset) + " (sequence " +
                             std::to_string(later.first_sequence) + ")",
                         report, stop);
        resynced = status.ok() && !*stop && reader_.Resync();
      }
    }
    if (!status.ok()) {
      return status;
    }
    if (!resynced) {
      break;
    }
  }
  // A segment read on past a damaged header (salvage) starts where its file name says.
  const uint64_t first_sequence =
      reader_.has_header() ? reader_.header_record().first_sequence : entry.parsed.first_sequence;
  outcome->segments.push_back(ScannedSegment{entry.name, entry.parsed.segment_id, first_sequence,
                                             reader_.last_sequence(), reader_.last_checksum(),
                                             reader_.end_offset(), source_.size_bytes(),
                                             reader_.last_group_offset()});
  if (*stop) {
    outcome->truncate_tail = true;
  }
  return Status::OK();
}

Status JournalScanner::ClassifyLastEnd(const Listed& entry, RecoveryReport* report,
                                       ScanOutcome* outcome, bool* resynced, bool* stop) {
  const SegmentEnd end = reader_.end();
  if (end == SegmentEnd::kEndOfFile) {
    return Status::OK();
  }
  const LaterRecords later = reader_.FindLaterRecords();
  if (!later.found && end != SegmentEnd::kBad) {
    return Status::OK();  // Zero fill or stale bytes of an earlier use: the clean end of the log.
  }
  if (!later.found || later.all_in_stopped_group) {
    // The last commit group was being written when the writer stopped; it was never acknowledged.
    const uint64_t torn_end = later.found ? later.last_end_offset : source_.size_bytes();
    if (mode_ == RecoveryMode::kAbsoluteConsistency) {
      return Status::Corruption(
          Describe(entry.name, reader_.end_offset(), reader_.next_sequence()) + ": torn tail (" +
          reader_.end_reason() + ") (recovery mode absolute-consistency)");
    }
    outcome->truncate_tail = true;
    outcome->tail_records_end = later.found ? later.last_end_offset : 0;
    NoteTornTail(entry.name, reader_.end_offset(), torn_end - reader_.end_offset(), report);
    return Status::OK();
  }
  Status status = Problem(entry.name, reader_.end_offset(), reader_.next_sequence(),
                          reader_.end_reason() + ", yet valid records follow at byte offset " +
                              std::to_string(later.first_offset) + " (sequence " +
                              std::to_string(later.first_sequence) + ")",
                          report, stop);
  *resynced = status.ok() && !*stop && reader_.Resync();
  return status;
}

Status JournalScanner::CheckNewestPresent(const std::vector<Listed>& listed,
                                          RecoveryReport* report) {
  if (!head_.has_value() || head_->newest_segment_id == 0) {
    return Status::OK();
  }
  for (const Listed& entry : listed) {
    // A newer segment means HEAD was read before a roll that a live journal made since (a
    // reader beside it, which lists the directory after reading HEAD), and the one HEAD named may
    // have been retired meanwhile. A newer segment whose header is valid names its predecessor,
    // so a missing one is still found by the link check.
    if (IsNewestByHead(entry) || entry.parsed.segment_id > head_->newest_segment_id) {
      return Status::OK();
    }
  }
  // Point in time: the log ends with the segments present; nothing after it is left to set aside.
  bool stop = false;
  return Problem(FormatSegmentName(head_->newest_segment_id, head_->newest_first_sequence), 0,
                 head_->newest_first_sequence,
                 "missing: the journal's HEAD names it as the newest segment, so it was deleted "
                 "or lost after it was created, with whatever it held",
                 report, &stop);
}

Status JournalScanner::CheckNewestLength(const Listed& entry, RecoveryReport* report, bool* stop) {
  if (!IsNewestByHead(entry) || source_.size_bytes() >= head_->newest_size_bytes) {
    return Status::OK();
  }
  // Its length was durable before HEAD named it and before any record was written into it, and
  // no write shortens a file: something cut it afterwards.
  return Problem(entry.name, source_.size_bytes(), entry.parsed.first_sequence,
                 "the file is " + std::to_string(source_.size_bytes()) +
                     " bytes, shorter than the " + std::to_string(head_->newest_size_bytes) +
                     " bytes it had when it became the newest segment: cut after its records "
                     "were written, not a torn write",
                 report, stop);
}

Status JournalScanner::CheckCleanEnd(const Listed& entry, RecoveryReport* report, bool* stop) {
  RINGDB_ASSERT(head_.has_value() && head_->clean);
  if (reader_.end_offset() == head_->clean_end_offset &&
      reader_.last_sequence() == head_->clean_last_sequence &&
      reader_.last_checksum() == head_->clean_last_checksum) {
    report->closed_cleanly = true;
    return Status::OK();
  }
  return Problem(entry.name, reader_.end_offset(), reader_.next_sequence(),
                 reader_.end_reason() +
                     "; the journal was closed cleanly with its log ending at "
                     "byte offset " +
                     std::to_string(head_->clean_end_offset) + " after sequence " +
                     std::to_string(head_->clean_last_sequence) +
                     ", so this is damage after the close, not a torn write",
                 report, stop);
}

}  // namespace ringdb::journal
