#include "tools/salvage.h"

#include <algorithm>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "journal/segment_name.h"
#include "util/assert.h"

namespace ringdb::tool {

namespace {

// Dropped records are logged one by one up to this many, then only counted: a segment renamed
// back can repeat a million records.
constexpr uint64_t kDroppedLoggedMax = 16;

// Keeps records whose sequences increase strictly; drops, logs and counts the others.
class IncreasingFilter {
 public:
  IncreasingFilter(uint64_t after_sequence, spdlog::logger* logger, SalvageCounts* counts)
      : last_kept_(after_sequence), logger_(logger), counts_(counts) {}

  bool Keep(const journal::Record& record) {
    if (record.first_sequence > last_kept_) {
      last_kept_ = record.first_sequence + record.count - 1;
      ++counts_->kept;
      return true;
    }
    if (++counts_->dropped_out_of_order <= kDroppedLoggedMax) {
      logger_->warn(
          "ringdb salvage: dropping the record of sequence {} in segment {} at byte offset {}: "
          "not above sequence {}, the last one kept (a duplicate or out-of-order segment)",
          record.first_sequence, record.segment, record.offset, last_kept_);
    }
    return false;
  }

 private:
  uint64_t last_kept_;
  spdlog::logger* logger_;
  SalvageCounts* counts_;
};

journal::JournalOptions SkipCorrupted(const journal::JournalOptions& options) {
  journal::JournalOptions read_options = options;
  read_options.recovery_mode = RecoveryMode::kSkipCorrupted;
  read_options.create_if_missing = false;
  return read_options;
}

}  // namespace

Status ReadSalvageable(const journal::JournalOptions& options, const std::string& dir,
                       uint64_t after_sequence,
                       const std::function<Status(const journal::Record&)>& fn,
                       SalvageCounts* counts) {
  RINGDB_ASSERT(fn != nullptr);
  RINGDB_ASSERT(counts != nullptr);
  *counts = SalvageCounts{};
  const std::shared_ptr<spdlog::logger> logger = options.logger ? options.logger : DefaultLogger();
  std::unique_ptr<journal::JournalReader> reader;
  Status status = journal::JournalReader::Open(SkipCorrupted(options), dir, &reader);
  if (!status.ok()) {
    return status;
  }
  IncreasingFilter filter(after_sequence, logger.get(), counts);
  journal::RecoveryReport report;
  status = reader->Read(
      after_sequence,
      [&](const journal::Record& record) {
        return filter.Keep(record) ? fn(record) : Status::OK();
      },
      &report);
  counts->skipped = report.records_skipped;
  if (counts->dropped_out_of_order > 0) {
    logger->warn(
        "ringdb salvage: dropped {} record(s) of {} whose sequence was not above the last "
        "one kept",
        counts->dropped_out_of_order, dir);
  }
  return status;
}

namespace {

bool HoldsSegments(Env* env, const std::string& dir) {
  const Result<std::vector<std::string>> names = env->ListDir(dir);
  if (!names.ok()) {
    return false;  // Missing: Journal::Open creates it, or says why it cannot.
  }
  return std::any_of(names->begin(), names->end(), [](const std::string& name) {
    return journal::ParseSegmentName(name).has_value();
  });
}

}  // namespace

Status AppendRecord(journal::Journal* journal, const journal::Record& record, uint64_t* sequence) {
  Status added = journal->Add(record.count, record.payload, sequence);
  if (added.IsBusy()) {
    added = journal->Commit();
    if (added.ok()) {
      added = journal->Add(record.count, record.payload, sequence);
    }
  }
  return added;
}

Status WriteSalvagedJournal(const journal::JournalOptions& options, const std::string& source,
                            const std::string& target, uint64_t* last, SalvageCounts* counts) {
  RINGDB_ASSERT(last != nullptr);
  journal::JournalOptions write_options = options;
  write_options.recovery_mode = RecoveryMode::kTolerateTornTail;
  write_options.create_if_missing = true;
  write_options.sync_mode = SyncMode::kFdatasync;  // Swapped in for the damaged journal.
  if (HoldsSegments(write_options.env != nullptr ? write_options.env : Env::Default(), target)) {
    return Status::InvalidArgument("salvage target " + target + " already holds a journal");
  }
  std::unique_ptr<journal::Journal> journal;
  journal::RecoveryReport opened;
  Status status = journal::Journal::Open(write_options, target, &opened, &journal);
  if (!status.ok()) {
    return status;
  }
  status = ReadSalvageable(
      options, source, 0,
      [&](const journal::Record& record) {
        uint64_t sequence = 0;
        return AppendRecord(journal.get(), record, &sequence);
      },
      counts);
  if (status.ok()) {
    status = journal->Commit();
  }
  *last = journal->last_sequence();
  return status;
}

}  // namespace ringdb::tool
