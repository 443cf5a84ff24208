// Online backup: a RocksDB checkpoint, then a copy of the journal taken after it.
//
// Order matters. The checkpoint holds RocksDB as of some applied marker M; every transaction
// after M is already in the journal (the applier only sees journaled transactions), and the
// journal copied afterwards holds at least up to M plus everything since. Retirement is held off
// while copying, so no segment holding a transaction after M can be deleted mid-copy. A segment
// copied while being appended to ends, at worst, in a torn record, which recovery truncates.
#include <filesystem>
#include <system_error>

#include <rocksdb/utilities/checkpoint.h>

#include "engine/engine_impl.h"
#include "engine/options_file.h"

namespace ringdb {

namespace {

Status CopyJournal(const std::string& source, const std::string& target) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(target, error);
  if (error) {
    return Status::IOError("backup: cannot create " + target + ": " + error.message());
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(source, error)) {
    if (!entry.is_regular_file() || entry.path().filename() == "LOCK") {
      continue;
    }
    fs::copy_file(entry.path(), fs::path(target) / entry.path().filename(), error);
    if (error) {
      return Status::IOError("backup: copying " + entry.path().string() + ": " + error.message());
    }
  }
  if (error) {
    return Status::IOError("backup: listing " + source + ": " + error.message());
  }
  return Status::OK();
}

}  // namespace

Status EngineImpl::Backup(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (dir.empty()) {
    return Status::InvalidArgument("backup: the target directory is empty");
  }
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    return Status::InvalidArgument("backup: " + dir + " exists and is not empty");
  }
  fs::create_directories(dir, error);
  if (error) {
    return Status::IOError("backup: cannot create " + dir + ": " + error.message());
  }
  std::lock_guard<std::mutex> no_retire(retire_mutex_);
  {
    std::shared_lock<std::shared_mutex> db_lock(db_mutex_);
    if (db_ == nullptr) {
      return Status::Aborted("backup: the engine is closed");
    }
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status status = rocksdb::Checkpoint::Create(db_.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    if (status.ok()) {
      // log_size_for_flush = 0: always flush first, since with the WAL off the memtable would
      // otherwise be missing from the checkpoint (the journal copy covers it anyway).
      status = checkpoint->CreateCheckpoint(dir + "/db", 0 /*log_size_for_flush*/);
    }
    if (!status.ok()) {
      return Status::IOError("backup: RocksDB checkpoint into " + dir + "/db: " +
                             status.ToString());
    }
  }
  const Status status = CopyJournal(path_ + "/journal", dir + "/journal");
  return status.ok() ? WriteOptionsFile(dir, options_, journal_record_bytes_max_) : status;
}

}  // namespace ringdb
