// ReadOnlyDatabase::Backup: a consistent copy of the view (the journal's segments up to the view's
// end, verified, and RocksDB rebuilt from the view), which Engine::Open opens with nothing to do.
#include <algorithm>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "engine/applier.h"
#include "engine/backup_files.h"
#include "engine/directories.h"
#include "engine/options_file.h"
#include "engine/read_only_view.h"
#include "engine/rocksdb_open.h"
#include "engine/rocksdb_options.h"
#include "engine/rocksdb_status.h"
#include "journal/journal_reader.h"
#include "journal/record_format.h"

namespace ringdb::read_only {

namespace fs = std::filesystem;

Status ReadOnlyDatabaseImpl::CopyJournal(const View& view, const std::string& target) {
  for (const journal::ScannedSegment& segment : view.segments) {
    const Status status = backup::CopySegmentPrefix(
        env_, path_ + "/journal/" + segment.name, target + "/" + segment.name, segment.end_offset);
    if (!status.ok()) {
      return status;
    }
  }
  // The copy is what counts: its records must be sound and end exactly at the view's sequence.
  // A segment retired and overwritten while it was copied fails here.
  journal::JournalOptions options = journal_options_;
  options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  options.env = env_;
  std::unique_ptr<journal::JournalReader> reader;
  Status status = journal::JournalReader::Open(options, target, &reader);
  journal::RecoveryReport report;
  if (status.ok()) {
    status = reader->Verify(&report);
  }
  if (status.ok() && !view.segments.empty() && report.last_sequence != view.sequence) {
    status = Status::Corruption(
        fmt::format("the journal copied into {} ends at sequence {}, not at the view's {}", target,
                    report.last_sequence, view.sequence));
  }
  return status;
}

Status ReadOnlyDatabaseImpl::WriteRocksDb(const View& view, const std::string& target) {
  std::unique_ptr<RingdbRocksDb> opened;
  if (Status open = OpenRingdbRocksDb(
          target, RocksDbMode::ReadWrite(),
          RingdbRocksDbOptions(options_.rocksdb_options.get(), RocksDbUse::kNewCopy, logger_),
          &opened);
      !open.ok()) {
    return Status::FromCode(open.code(), "backup: " + std::string(open.message()));
  }
  RingdbRocksDb& copy = *opened;
  rocksdb::Status status;
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = true;  // Flushed below, as the engine's own writes are.
  rocksdb::WriteBatch batch;
  constexpr size_t kBatchBytes = size_t{4} << 20;
  {
    std::unique_ptr<rocksdb::Iterator> base(db()->NewIterator(rocksdb::ReadOptions(), data()));
    auto* view_batch = const_cast<rocksdb::WriteBatchWithIndex*>(&view.batch);
    std::unique_ptr<rocksdb::Iterator> it(view_batch->NewIteratorWithBase(data(), base.release()));
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      status = batch.Put(copy.data(), it->key(), it->value());
      if (status.ok() && batch.GetDataSize() >= kBatchBytes) {
        status = copy.db()->Write(write_options, &batch);
        batch.Clear();
      }
    }
    if (status.ok()) {
      status = it->status();
    }
  }
  if (status.ok()) {
    // The marker goes with the last keys: the copy holds exactly the view's state.
    status = Applier::PutMarker(&batch, copy.meta(), view.sequence);
  }
  if (status.ok()) {
    status = copy.db()->Write(write_options, &batch);
  }
  if (status.ok()) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    status = copy.db()->Flush(flush, copy.families());
  }
  const rocksdb::Status closed = copy.Close();
  if (status.ok()) {
    status = closed;
  }
  return status.ok()
             ? Status::OK()
             : Status::IOError("backup: writing RocksDB at " + target + ": " + status.ToString());
}

rocksdb::FileSystem* ReadOnlyDatabaseImpl::RocksDbFileSystem() const {
  return RocksDbFileSystemOf(options_.rocksdb_options.get());
}

Status ReadOnlyDatabaseImpl::CheckTargetOutside(const std::string& dir) const {
  std::error_code error;
  const fs::path source = fs::weakly_canonical(path_, error);
  const fs::path target = fs::weakly_canonical(dir, error);
  if (!error) {
    const auto [source_end, target_at] =
        std::mismatch(source.begin(), source.end(), target.begin(), target.end());
    if (source_end == source.end()) {
      return Status::InvalidArgument("backup: the target " + dir + " is inside the database " +
                                     path_ +
                                     ", which a backup leaves untouched: choose a directory "
                                     "outside it");
    }
  }
  return Status::OK();
}

// Copies the view's journal into dir/journal, reading the view again when the live engine
// retired a segment under the copy (each failed attempt's files are removed first).
Status ReadOnlyDatabaseImpl::CopyJournalRetrying(const std::string& dir) {
  Status status;
  for (uint32_t attempt = 1; attempt <= kReadAttempts; ++attempt) {
    backup::Abandon(env_, dir);
    status = env_->CreateDir(dir + "/journal");
    if (status.ok()) {
      status = CopyJournal(*view_, dir + "/journal");
    }
    if (status.ok()) {
      return status;
    }
    const bool retryable = status.IsCorruption() || status.IsNotFound();
    if (!retryable || attempt == kReadAttempts) {
      return retryable && LockHeld(path_)
                 ? Status::Busy("backup of " + path_ + ": the live engine retired journal " +
                                "segments under " + std::to_string(kReadAttempts) +
                                " copies in a row (last: " + status.ToString() +
                                "); try again, or back up from inside the service " +
                                "(Engine::Backup)")
                 : status;
    }
    // A segment was retired under the copy: read the view again from RocksDB's newer flush.
    if (Status refreshed = RefreshLocked(); !refreshed.ok()) {
      return refreshed;
    }
  }
  return status;
}

Status ReadOnlyDatabaseImpl::Backup(const std::string& dir) {
  if (Status outside = CheckTargetOutside(dir); !outside.ok()) {
    return outside;
  }
  WriterMutexLock lock(&mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return open;
  }
  std::unique_ptr<FileLock> target_lock;
  if (Status begun = backup::Begin(env_, dir, &target_lock); !begun.ok()) {
    return begun;
  }
  Status status = CopyJournalRetrying(dir);
  rocksdb::FileSystem* const fs = RocksDbFileSystem();
  if (status.ok()) {
    // Made here, so that RocksDB does not log a missing directory as an error before making it.
    status = CreateRocksDbDirectoriesDurably(fs, dir + "/db", "backup");
  }
  if (status.ok()) {
    status = WriteRocksDb(*view_, dir + "/db");
  }
  if (status.ok()) {
    status = SyncRocksDbDirectory(fs, dir, "backup");
  }
  if (status.ok()) {
    status = WriteOptionsFile(
        dir, options_, std::max(record_bytes_max_floor_, journal_options_.record_bytes_max), env_);
  }
  if (status.ok()) {
    status = backup::Finish(env_, dir);
  }
  if (!status.ok()) {
    backup::Abandon(env_, dir);
    backup::AbandonRocksDb(fs, dir + "/db");
    return backup::Failed(status, dir);
  }
  return status;
}

}  // namespace ringdb::read_only
