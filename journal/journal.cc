#include "journal/journal.h"

#include <spdlog/spdlog.h>

#include "journal/journal_scanner.h"
#include "journal/record_format.h"
#include "journal/segment_manager.h"
#include "journal/segment_name.h"
#include "journal/segment_writer.h"
#include "util/assert.h"
#include "util/crash_point.h"

namespace ringdb::journal {

Journal::Journal(const JournalOptions& options, std::string dir)
    : options_(options), dir_(std::move(dir)) {
  if (options_.env == nullptr) {
    options_.env = Env::Default();
  }
  logger_ = options_.logger ? options_.logger : DefaultLogger();
  writer_ = std::make_unique<SegmentWriter>(
      options_.group_bytes_max, options_.segment_size_bytes_max, options_.record_bytes_max);
}

Journal::~Journal() = default;

Status Journal::Open(const JournalOptions& options, const std::string& dir, RecoveryReport* report,
                     std::unique_ptr<Journal>* journal) {
  RINGDB_ASSERT(journal != nullptr);
  if (Status status = options.Validate(); !status.ok()) {
    return status;
  }
  if (options.recovery_mode == RecoveryMode::kSkipCorrupted) {
    return Status::InvalidArgument(
        "recovery_mode skip-corrupted is for JournalReader only: writing after a skipped hole "
        "would make the hole permanent");
  }
  std::unique_ptr<Journal> opened(new Journal(options, dir));
  Env* env = opened->options_.env;
  if (options.create_if_missing && !env->FileExists(dir)) {
    if (Status status = env->CreateDir(dir); !status.ok()) {
      return status;
    }
    // The new directory's own entry lives in its parent: until the parent is synced, a power loss
    // may take the directory away with every record made durable in it.
    if (Status status = env->SyncDir(ParentDir(dir)); !status.ok()) {
      return status;
    }
  }
  Result<std::unique_ptr<FileLock>> lock = env->LockFile(JoinPath(dir, kLockName));
  if (!lock.ok()) {
    return lock.status();
  }
  opened->lock_ = std::move(*lock);
  RecoveryReport local_report;
  if (Status status = opened->Recover(report != nullptr ? report : &local_report); !status.ok()) {
    return status;
  }
  *journal = std::move(opened);
  return Status::OK();
}

Status Journal::Recover(RecoveryReport* report) {
  JournalScanner scanner(options_.env, dir_, options_.record_bytes_max, options_.recovery_mode,
                         logger_.get());
  ScanOutcome outcome;
  if (Status status = scanner.Scan(UINT64_MAX, nullptr, report, &outcome); !status.ok()) {
    return status;
  }
  if (Status status = ApplyRecoveryActions(outcome, *report); !status.ok()) {
    return status;
  }
  uint64_t last_segment_id = 0;
  uint64_t last_sequence = 0;
  uint32_t last_checksum = 0;
  for (const ScannedSegment& scanned : outcome.segments) {
    SegmentState state;
    state.description = SegmentDescription{scanned.name, scanned.segment_id, scanned.first_sequence,
                                           scanned.last_sequence, scanned.end_offset};
    state.file_size_bytes = scanned.file_size_bytes;
    segments_.push_back(state);
    last_segment_id = scanned.segment_id;
    last_sequence = scanned.last_sequence;
    last_checksum = scanned.last_checksum;
  }
  const uint64_t next_segment_id =
      std::max(outcome.max_segment_id_seen, last_segment_id) + format::kFirstSegmentId;
  writer_->Position(last_segment_id, last_sequence, last_checksum, next_segment_id);
  last_sequence_.store(last_sequence, std::memory_order_release);
  durable_sequence_.store(last_sequence, std::memory_order_release);
  manager_ = std::make_unique<SegmentManager>(options_.env, dir_, options_.segment_size_bytes_max,
                                              options_.prewritten_segments, logger_.get());
  logger_->info("ringdb journal: opened {} ({} segments, sequences {}..{}, {} records, mode {})",
                dir_, segments_.size(), report->first_sequence, report->last_sequence,
                report->records_read, RecoveryModeName(options_.recovery_mode));
  return manager_->Start(outcome.pool_files);
}

Status Journal::ApplyRecoveryActions(const ScanOutcome& outcome, const RecoveryReport& report) {
  Env* env = options_.env;
  bool directory_changed = false;
  for (const std::string& name : outcome.quarantine) {
    logger_->error("ringdb journal: setting aside {} as {}{}", name, name, kQuarantineSuffix);
    const std::string path = JoinPath(dir_, name);
    if (Status status = env->RenameFile(path, path + std::string(kQuarantineSuffix));
        !status.ok()) {
      return status;
    }
    directory_changed = true;
  }
  if (!outcome.delete_segment.empty()) {
    logger_->warn("ringdb journal: deleting {}: its header was torn by an interrupted write",
                  outcome.delete_segment);
    if (Status status = env->DeleteFile(JoinPath(dir_, outcome.delete_segment)); !status.ok()) {
      return status;
    }
    directory_changed = true;
  }
  if (outcome.truncate_tail && !outcome.segments.empty()) {
    const ScannedSegment& last = outcome.segments.back();
    logger_->warn(
        "ringdb journal: truncating {} at byte offset {} after sequence {} ({}: {} bytes)",
        last.name, last.end_offset, last.last_sequence,
        report.torn_tail_truncated ? "torn tail" : "point-in-time stop",
        last.file_size_bytes - last.end_offset);
    Result<std::unique_ptr<WritableFile>> file =
        env->OpenWritable(JoinPath(dir_, last.name), OpenMode::kOpenExisting);
    if (!file.ok()) {
      return file.status();
    }
    if (Status status = (*file)->Truncate(last.end_offset); !status.ok()) {
      return status;
    }
    if (Status status = (*file)->SyncAll(); !status.ok()) {
      return status;
    }
  }
  return directory_changed ? env->SyncDir(dir_) : Status::OK();
}

Status Journal::Add(uint32_t count, std::span<const std::span<const std::byte>> pieces,
                    uint64_t* first_sequence) {
  RINGDB_ASSERT(first_sequence != nullptr);
  if (failed()) {
    return failure_;
  }
  Status status = writer_->Append(count, pieces, first_sequence);
  if (status.ok()) {
    RINGDB_ASSERT(*first_sequence == last_sequence_.load(std::memory_order_relaxed) + 1);
    last_sequence_.store(writer_->last_sequence(), std::memory_order_release);
  }
  return status;
}

Status Journal::Add(uint32_t count, std::span<const std::byte> payload, uint64_t* first_sequence) {
  const std::span<const std::byte> pieces[] = {payload};
  return Add(count, pieces, first_sequence);
}

Status Journal::Fail(const Status& cause, const std::string& what) {
  const uint64_t durable = durable_sequence();
  std::string message = "journal: " + what + " failed";
  if (IsNoSpace(cause)) {
    message = "journal: out of disk space (ENOSPC): " + what + " failed";
  }
  message += " for sequences " + std::to_string(durable + 1) + ".." +
             std::to_string(last_sequence()) + "; they are not durable and the journal refuses " +
             "appends until it is reopened (" + cause.ToString() + ")";
  failure_ = Status::IOError(message);
  failed_.store(true, std::memory_order_release);
  if (manager_) {
    manager_->StopPrewriting();
  }
  logger_->error("ringdb {}", message);
  return failure_;
}

Status Journal::RollSegment() {
  RINGDB_ASSERT(writer_->needs_segment_file());
  const std::string name =
      FormatSegmentName(writer_->segment_id(), writer_->segment_first_sequence());
  bool prewritten = false;
  Result<std::unique_ptr<WritableFile>> file = manager_->CreateSegment(name, &prewritten);
  if (!file.ok()) {
    return Fail(file.status(), "creating segment " + name);
  }
  if (!prewritten) {
    logger_->debug("ringdb journal: no pre-written file ready; {} grows by appends", name);
  }
  writer_->AttachFile(std::move(*file));
  SegmentState state;
  state.description =
      SegmentDescription{name, writer_->segment_id(), writer_->segment_first_sequence(),
                         writer_->segment_first_sequence() - 1, 0};
  state.file_size_bytes = prewritten ? options_.segment_size_bytes_max : 0;
  std::lock_guard<std::mutex> lock(mutex_);
  segments_.push_back(state);
  return Status::OK();
}

Status Journal::Commit() {
  if (failed()) {
    return failure_;
  }
  if (writer_->buffered_bytes() == 0) {
    return Status::OK();
  }
  if (writer_->needs_segment_file()) {
    if (Status status = RollSegment(); !status.ok()) {
      return status;
    }
  }
  const uint64_t group_last = writer_->last_sequence();
  const uint64_t group_bytes = writer_->buffered_bytes();
  if (Status status = writer_->WriteGroup(); !status.ok()) {
    return Fail(status, "writing segment " + segments_.back().description.name);
  }
  RINGDB_CRASH_POINT("journal.before_sync");
  if (options_.sync_mode == SyncMode::kFdatasync) {
    // One sync per group, never retried: see Fail().
    if (Status status = writer_->file()->SyncData(); !status.ok()) {
      return Fail(status, "fdatasync of segment " + segments_.back().description.name);
    }
  }
  RINGDB_CRASH_POINT("journal.after_sync");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SegmentState& current = segments_.back();
    RINGDB_ASSERT(current.description.segment_id == writer_->segment_id());
    current.description.last_sequence = group_last;
    current.description.size_bytes = writer_->segment_bytes();
    current.file_size_bytes = std::max(current.file_size_bytes, writer_->segment_bytes());
  }
  RINGDB_ASSERT(group_last > durable_sequence());
  RINGDB_ASSERT(group_bytes > 0);
  durable_sequence_.store(group_last, std::memory_order_release);
  return Status::OK();
}

Status Journal::Retire(uint64_t through_sequence) {
  const uint64_t limit = through_sequence > options_.retention_sequences
                             ? through_sequence - options_.retention_sequences
                             : 0;
  std::vector<SegmentState> retired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The newest segment is kept whatever its sequences: it is being written, or it is what tells
    // a reopened journal where the sequences stand.
    size_t count = 0;
    while (count + 1 < segments_.size() && segments_[count].description.last_sequence <= limit) {
      ++count;
    }
    retired.assign(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(count));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(count));
  }
  if (retired.empty()) {
    return Status::OK();
  }
  for (const SegmentState& segment : retired) {
    if (Status status = manager_->RetireFile(segment.description.name, segment.file_size_bytes);
        !status.ok()) {
      return status;
    }
  }
  logger_->debug("ringdb journal: retired {} segments through sequence {}", retired.size(), limit);
  return manager_->SyncDir();
}

Status Journal::Replay(uint64_t after_sequence, const std::function<Status(const Record&)>& fn) {
  RINGDB_ASSERT(fn != nullptr);
  JournalScanner scanner(options_.env, dir_, options_.record_bytes_max, options_.recovery_mode,
                         logger_.get());
  scanner.SkipSegmentsEndingBefore(after_sequence + 1);  // Open has read and checked them.
  bool first = true;
  // The records right after after_sequence must be there: if they were retired, replaying the
  // rest would silently skip transactions.
  const RecordCallback checked = [&](const Record& record) -> Status {
    if (first && record.first_sequence > after_sequence + 1) {
      return Status::Corruption("journal " + dir_ + ": sequences " +
                                std::to_string(after_sequence + 1) + ".." +
                                std::to_string(record.first_sequence - 1) +
                                " are not in the journal (retired or lost); first present in " +
                                std::string(record.segment));
    }
    first = false;
    return fn(record);
  };
  RecoveryReport report;
  ScanOutcome outcome;
  return scanner.Scan(after_sequence, &checked, &report, &outcome);
}

JournalInfo Journal::Info() const {
  JournalInfo info;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const SegmentState& segment : segments_) {
      info.segments.push_back(segment.description);
      info.bytes_total += segment.description.size_bytes;
    }
  }
  info.last_sequence = last_sequence();
  info.durable_sequence = durable_sequence();
  info.prewritten_ready = manager_ ? manager_->ready_count() : 0;
  info.failed = failed();
  return info;
}

}  // namespace ringdb::journal
