#include "journal/journal.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "journal/journal_head.h"
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
  if (Status status = env->LockFile(JoinPath(dir, kLockName), &opened->lock_); !status.ok()) {
    return status;
  }
  RecoveryReport local_report;
  if (Status status = opened->Recover(report != nullptr ? report : &local_report); !status.ok()) {
    return status;
  }
  *journal = std::move(opened);
  return Status::OK();
}

Status Journal::Recover(RecoveryReport* report) {
  const auto started = std::chrono::steady_clock::now();
  std::optional<JournalHead> head;
  if (Status status = ReadJournalHead(options_.env, dir_, &head); !status.ok()) {
    if (options_.recovery_mode != RecoveryMode::kPointInTime) {
      return status;
    }
    logger_->error("ringdb journal: {}; point-in-time recovery goes on without it",
                   status.ToString());
    head.reset();
  }
  ScanOutcome outcome;
  EndCheck end_check = EndCheck::kDeviceScan;
  if (Status status = ScanForRecovery(head, report, &outcome, &end_check); !status.ok()) {
    return status;
  }
  const auto read_done = std::chrono::steady_clock::now();
  // Everything above only read. Nothing is changed unless the state built on this journal can
  // still be reached from what recovery keeps.
  if (Status status = CheckAppliedSequence(outcome); !status.ok()) {
    return status;
  }
  // HEAD still describes the journal unless recovery found it damaged, cut it (point in time
  // accepts a short or missing newest segment, or an end other than a clean close's) or set a
  // segment aside; then it is rewritten, or the next open would judge the same damage again.
  // A torn tail leaves HEAD as it was: it can only be found where HEAD is not marked clean, and
  // cutting it changes neither the newest segment nor its length (and needs no free space).
  const uint64_t newest_id = outcome.segments.empty() ? 0 : outcome.segments.back().segment_id;
  const bool head_current = head.has_value() && head->newest_segment_id == newest_id &&
                            (outcome.segments.empty() ||
                             outcome.segments.back().file_size_bytes >= head->newest_size_bytes) &&
                            outcome.delete_segment.empty() && outcome.quarantine.empty() &&
                            (!head->clean || report->closed_cleanly) && report->corruption.ok();
  if (Status status = ApplyRecoveryActions(outcome, end_check, report); !status.ok()) {
    return status;
  }
  uint64_t last_segment_id = 0;
  uint64_t last_sequence = 0;
  uint32_t last_checksum = 0;
  {
    MutexLock lock(&mutex_);
    for (const ScannedSegment& scanned : outcome.segments) {
      SegmentState state;
      state.description =
          SegmentDescription{scanned.name, scanned.segment_id, scanned.first_sequence,
                             scanned.last_sequence, scanned.end_offset};
      state.file_size_bytes = scanned.file_size_bytes;
      state.header_durable = true;
      state.last_checksum = scanned.last_checksum;
      segments_.push_back(state);
      last_segment_id = scanned.segment_id;
      last_sequence = scanned.last_sequence;
      last_checksum = scanned.last_checksum;
    }
  }
  last_sequence_.store(last_sequence, std::memory_order_release);
  durable_sequence_.store(last_sequence, std::memory_order_release);
  // ApplyRecoveryActions already wrote HEAD when it set a segment aside: once is enough.
  const bool head_rewritten = !outcome.quarantine.empty() || !outcome.delete_segment.empty();
  if (!head_current && !head_rewritten && (head.has_value() || !WriterSegments().empty())) {
    // A journal without HEAD (made before it existed), or one that recovery found damaged.
    if (Status status = WriteHeadForNewest(); !status.ok()) {
      return status;
    }
  }
  manager_ = std::make_unique<SegmentManager>(options_.env, dir_, options_.segment_size_bytes_max,
                                              options_.prewritten_segments, logger_.get());
  if (Status status = manager_->Start(outcome.pool_files); !status.ok()) {
    return status;
  }
  const uint64_t next_segment_id =
      std::max(outcome.max_segment_id_seen, last_segment_id) + format::kFirstSegmentId;
  writer_->Position(last_segment_id, last_sequence, last_checksum, next_segment_id);
  // An opened journal starts small again, unless the pool holds a larger file to use whole.
  PlanNextSegment(FirstSegmentBytes());
  const auto milliseconds = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  const auto opened = std::chrono::steady_clock::now();
  logger_->info(
      "ringdb journal: opened {} ({} segments, sequences {}..{}, {} records, mode {}) in {:.1f} "
      "ms: {:.1f} ms to sync and read ({}), {:.1f} ms to act",
      dir_, WriterSegments().size(), report->first_sequence, report->last_sequence,
      report->records_read, RecoveryModeName(options_.recovery_mode),
      milliseconds(opened - started), milliseconds(read_done - started), EndCheckName(end_check),
      milliseconds(opened - read_done));
  return Status::OK();
}

uint64_t Journal::FirstSegmentBytes() const {
  return options_.segment_size_bytes_min != 0 ? options_.segment_size_bytes_min
                                              : options_.segment_size_bytes_max;
}

void Journal::PlanNextSegment(uint64_t capacity_bytes) {
  // A ready pool file larger than planned is used whole rather than wasted on a smaller segment.
  const uint64_t planned = std::min(options_.segment_size_bytes_max,
                                    std::max(capacity_bytes, manager_->ready_file_bytes()));
  RINGDB_ASSERT(planned > 0);
  writer_->PlanNextSegment(planned);
  manager_->PlanNextSegment(planned);
  prepare_requested_ = false;
}

Status Journal::WriteHeadForNewest() {
  JournalHead head;
  {
    MutexLock lock(&mutex_);
    if (!segments_.empty()) {
      const SegmentState& newest = segments_.back();
      head.newest_segment_id = newest.description.segment_id;
      head.newest_first_sequence = newest.description.first_sequence;
      head.newest_size_bytes = newest.file_size_bytes;
    }
  }
  head.synced_writes = options_.sync_mode == SyncMode::kFdatasync;
  return WriteJournalHead(options_.env, dir_, head);
}

Status Journal::Add(uint32_t count, std::span<const std::span<const std::byte>> pieces,
                    uint64_t* first_sequence) {
  RINGDB_ASSERT(first_sequence != nullptr);
  if (failed()) {
    return failure_;
  }
  if (closed_) {
    return Status::Aborted("journal " + dir_ + " is closed");
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
  const uint64_t capacity = writer_->segment_capacity_bytes();
  if (options_.sync_mode != SyncMode::kFdatasync) {
    // Groups are not synced one by one, but the segment being closed is, once: a segment with a
    // successor is then always durable, which lets recovery sync only the newest one.
    std::string previous;
    {
      MutexLock lock(&mutex_);
      previous = segments_.empty() ? std::string() : segments_.back().description.name;
    }
    if (Status status = SyncSegmentFile(previous); !status.ok()) {
      return Fail(status, "syncing segment " + previous + " before rolling");
    }
    MutexLock lock(&mutex_);
    if (!segments_.empty()) {
      segments_.back().header_durable = true;  // Only now: see Commit.
    }
  }
  bool prewritten = false;
  std::unique_ptr<WritableFile> file;
  if (Status status = manager_->CreateSegment(name, capacity, &prewritten, &file); !status.ok()) {
    return Fail(status, "creating segment " + name);
  }
  if (!prewritten) {
    sparse_segments_.fetch_add(1, std::memory_order_relaxed);
    logger_->debug("ringdb journal: no pre-written file ready; {} ({} bytes) is sparse", name,
                   capacity);
  }
  Result<uint64_t> size = file->Size();
  if (!size.ok()) {
    return Fail(size.status(), "sizing segment " + name);
  }
  if (*size < capacity) {
    // Writes would extend it, and a length that changes cannot tell a cut from a torn append.
    return Fail(Status::IOError(name + " is " + std::to_string(*size) + " bytes, not the " +
                                std::to_string(capacity) + " it was created with"),
                "sizing segment " + name);
  }
  writer_->AttachFile(std::move(file));
  SegmentState state;
  state.description =
      SegmentDescription{name, writer_->segment_id(), writer_->segment_first_sequence(),
                         writer_->segment_first_sequence() - 1, 0};
  state.file_size_bytes = *size;
  {
    MutexLock lock(&mutex_);
    segments_.push_back(state);
  }
  // Before any record goes into it: from now on the segment missing, or shorter than this, is
  // damage. Its name and length are already durable (SegmentManager::CreateSegment).
  if (Status status = WriteHeadForNewest(); !status.ok()) {
    return Fail(status, "recording " + name + " in HEAD");
  }
  // Segments grow while the traffic fills them: twice this one's size next time.
  PlanNextSegment(std::min(options_.segment_size_bytes_max, 2 * capacity));
  return Status::OK();
}

Status Journal::SyncSegmentFile(const std::string& name) {
  if (name.empty()) {
    return Status::OK();
  }
  std::unique_ptr<WritableFile> file;
  if (Status status =
          options_.env->OpenWritable(JoinPath(dir_, name), OpenMode::kOpenExisting, &file);
      !status.ok()) {
    return status;
  }
  return file->SyncAll();
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
    return Fail(status, "writing segment " + WriterSegments().back().description.name);
  }
  RINGDB_CRASH_POINT("journal.before_sync");
  if (options_.sync_mode == SyncMode::kFdatasync) {
    // One sync per group, never retried: see Fail().
    if (Status status = writer_->file()->SyncData(); !status.ok()) {
      return Fail(status, "fdatasync of segment " + WriterSegments().back().description.name);
    }
  }
  RINGDB_CRASH_POINT("journal.after_sync");
  {
    MutexLock lock(&mutex_);
    SegmentState& current = segments_.back();
    RINGDB_ASSERT(current.description.segment_id == writer_->segment_id());
    current.description.last_sequence = group_last;
    current.description.size_bytes = writer_->segment_bytes();
    current.file_size_bytes = std::max(current.file_size_bytes, writer_->segment_bytes());
    // Without a sync nothing says the segment's header reached the disk: Retire must keep its
    // predecessor until the roll to the next segment (or Close) has synced this one.
    if (options_.sync_mode == SyncMode::kFdatasync) {
      current.header_durable = true;
    }
    current.last_checksum = writer_->last_checksum();
  }
  RINGDB_ASSERT(group_last > durable_sequence());
  RINGDB_ASSERT(group_bytes > 0);
  durable_sequence_.store(group_last, std::memory_order_release);
  if (!prepare_requested_ && writer_->segment_bytes() * 4 >= writer_->segment_capacity_bytes()) {
    // A quarter full: the traffic is likely to fill it, so the next segment's file is written
    // now, in the background, and not before (an idle or small journal pre-writes nothing).
    manager_->PrepareAhead();
    prepare_requested_ = true;
  }
  return Status::OK();
}

Status Journal::Retire(uint64_t through_sequence) {
  const uint64_t limit = through_sequence > options_.retention_sequences
                             ? through_sequence - options_.retention_sequences
                             : 0;
  if (failed()) {
    // After a failed write the newest segment may hold nothing durable, not even its header:
    // which segment carries the last sequence across a reopen is for recovery to find out.
    return failure_;
  }
  std::vector<SegmentState> retired;
  {
    MutexLock lock(&mutex_);
    // The newest segment whose header is durable is kept whatever its sequences, with any after
    // it: it is what tells a reopened journal where the sequences stand.
    size_t newest_durable = segments_.size();
    while (newest_durable > 0 && !segments_[newest_durable - 1].header_durable) {
      --newest_durable;
    }
    size_t count = 0;
    while (count + 1 < newest_durable && segments_[count].description.last_sequence <= limit) {
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
  const uint64_t verified = durable_sequence();
  // The records right after after_sequence must be there: if they were retired, replaying the
  // rest would silently skip transactions.
  const RecordCallback checked = [&](const Record& record) -> Status {
    if (record.first_sequence > verified) {
      // Open verified the log through `verified` from the device and cut what followed; a record
      // past it was not there then.
      return Status::Corruption("journal " + dir_ + ": a record at sequence " +
                                std::to_string(record.first_sequence) + " in " +
                                std::string(record.segment) + " follows the durable end " +
                                std::to_string(verified) + " of the log");
    }
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

Status Journal::Close() {
  if (failed()) {
    return failure_;
  }
  if (closed_) {
    return Status::OK();
  }
  closed_ = true;
  JournalHead head;
  {
    MutexLock lock(&mutex_);
    if (segments_.empty()) {
      return Status::OK();  // Nothing was ever written: nothing to mark.
    }
    const SegmentState& newest = segments_.back();
    // Only a failed Commit leaves it otherwise (or no-sync mode, until the sync below).
    RINGDB_ASSERT(newest.header_durable || options_.sync_mode != SyncMode::kFdatasync);
    head.newest_segment_id = newest.description.segment_id;
    head.newest_first_sequence = newest.description.first_sequence;
    head.newest_size_bytes = newest.file_size_bytes;
    head.clean = true;
    head.clean_end_offset = newest.description.size_bytes;
    head.clean_last_sequence = newest.description.last_sequence;
    head.clean_last_checksum = newest.last_checksum;
    head.synced_writes = options_.sync_mode == SyncMode::kFdatasync;
  }
  RINGDB_ASSERT(head.clean_last_sequence == durable_sequence());
  if (options_.sync_mode != SyncMode::kFdatasync) {
    // A clean close promises the next Open that every byte of the log is on the disk.
    const std::string& newest_name = WriterSegments().back().description.name;
    if (Status status = SyncSegmentFile(newest_name); !status.ok()) {
      return Fail(status, "syncing segment " + newest_name + " to close");
    }
    MutexLock lock(&mutex_);
    segments_.back().header_durable = true;
  }
  return WriteJournalHead(options_.env, dir_, head);
}

JournalInfo Journal::Info() const {
  JournalInfo info;
  {
    MutexLock lock(&mutex_);
    for (const SegmentState& segment : segments_) {
      info.segments.push_back(segment.description);
      info.bytes_total += segment.description.size_bytes;
    }
  }
  info.last_sequence = last_sequence();
  info.durable_sequence = durable_sequence();
  info.prewritten_ready = manager_ ? manager_->ready_count() : 0;
  info.sparse_segments = sparse_segments_.load(std::memory_order_relaxed);
  info.failed = failed();
  return info;
}

}  // namespace ringdb::journal
