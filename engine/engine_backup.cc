// Online backup: a RocksDB checkpoint, then a copy of the journal taken after it.
//
// Order matters. The checkpoint holds RocksDB as of some applied marker M; every transaction
// after M is already in the journal (the applier only sees journaled transactions), and the
// journal copied afterwards holds at least up to M plus everything since. Retirement is held off
// while copying, so no segment holding a transaction after M can be deleted mid-copy. Each
// segment is copied only up to what its committed groups wrote, with the journal's zero end
// marker after it, so a copy never catches a group half-written; a segment the journal has just
// rolled to and not yet committed a group into (its pre-written file is all zeros) holds nothing
// acknowledged and is left out. Everything is synced, down to the entry of each directory the
// backup created in its parent, and the directory counts as a database only once all of that is
// durable (backup_files.h).
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/utilities/checkpoint.h>

#include "engine/backup_files.h"
#include "engine/directories.h"
#include "engine/engine_impl.h"
#include "engine/options_file.h"
#include "ringdb/env.h"

namespace ringdb {

Status EngineImpl::CopyJournal(Env* env, const std::string& dir) {
  // The segments as the journal knows them (the newest one included, up to what its last
  // commit wrote); the pool of pre-written files is not part of the journal and is skipped.
  std::vector<journal::SegmentDescription> segments;
  {
    ReaderMutexLock db_lock(&db_mutex_);
    if (journal_ == nullptr) {
      return Status::Aborted("backup: the engine is closed");
    }
    segments = journal_->Info().segments;
  }
  const std::string target = dir + "/journal";
  if (Status status = env->CreateDir(target); !status.ok()) {
    return status;
  }
  for (const journal::SegmentDescription& segment : segments) {
    if (segment.size_bytes == 0) {
      continue;  // Rolled to, its first group not yet durable: nothing in it was acknowledged.
    }
    const Status status = backup::CopySegmentPrefix(
        env, path_ + "/journal/" + segment.name, target + "/" + segment.name, segment.size_bytes);
    if (!status.ok()) {
      return status;
    }
  }
  return WriteOptionsFile(dir, options_, journal_record_bytes_max_, env);
}

Status EngineImpl::CheckpointRocksDb(const std::string& dir) {
  ReaderMutexLock db_lock(&db_mutex_);
  if (rocksdb_ == nullptr) {
    return Status::Aborted("backup: the engine is closed");
  }
  rocksdb::FileSystem* const fs = db()->GetFileSystem();
  if (Status status = CreateRocksDbDirectoriesDurably(fs, dir, "backup"); !status.ok()) {
    return status;
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(db(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (status.ok()) {
    // log_size_for_flush = 0: always flush first, since with the WAL off the memtable would
    // otherwise be missing from the checkpoint (the journal copy covers it anyway).
    status = checkpoint->CreateCheckpoint(dir + "/db", 0 /*log_size_for_flush*/);
  }
  if (!status.ok()) {
    return Status::IOError("backup: RocksDB checkpoint into " + dir + "/db: " + status.ToString());
  }
  // RocksDB syncs the checkpoint's files and renames its directory into place; the entry of that
  // rename is made durable here, through the file system that made it.
  return SyncRocksDbDirectory(fs, dir, "backup");
}

Status EngineImpl::Backup(const std::string& dir) {
  Env* const env = options_.env != nullptr ? options_.env : Env::Default();
  std::unique_ptr<FileLock> lock;
  if (Status status = backup::Begin(env, dir, &lock); !status.ok()) {
    return status;
  }
  MutexLock no_retire(journaler_->retire_mutex());
  Status status = CheckpointRocksDb(dir);
  if (status.ok()) {
    status = CopyJournal(env, dir);
  }
  if (status.ok()) {
    status = backup::Finish(env, dir);
  }
  if (!status.ok()) {
    backup::Abandon(env, dir);
    ReaderMutexLock db_lock(&db_mutex_);
    if (rocksdb_ != nullptr) {
      backup::AbandonRocksDb(db()->GetFileSystem(), dir + "/db");
    }
    return backup::Failed(status, dir);
  }
  return status;
}

}  // namespace ringdb
