// ReadOnlyDatabase::Backup: a consistent copy of the view (the journal's segments up to the view's
// end, verified, and RocksDB rebuilt from the view), which Engine::Open opens with nothing to do.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "engine/applier.h"
#include "engine/column_families.h"
#include "engine/options_file.h"
#include "engine/read_only_view.h"
#include "engine/rocksdb_logger.h"
#include "engine/rocksdb_status.h"
#include "journal/journal_reader.h"
#include "journal/record_format.h"

namespace ringdb::read_only {

namespace {

namespace fs = std::filesystem;

// Copies the first `length` bytes of a segment (its records up to the view's end), then the zero
// end marker that ends every group, and syncs the copy.
Status CopySegmentPrefix(const std::string& source, const std::string& target, uint64_t length) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    // Gone: retired since the view was read; the caller reads the view again.
    const std::string reason = std::strerror(errno);
    return errno == ENOENT ? Status::NotFound("backup: " + source + " is gone (retired)")
                           : Status::IOError("backup: cannot open " + source + ": " + reason);
  }
  const int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int saved = errno;
    ::close(in);
    return Status::IOError("backup: cannot create " + target + ": " + std::strerror(saved));
  }
  std::vector<char> buffer(1 << 20);
  Status status;
  for (uint64_t offset = 0; offset < length && status.ok();) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - offset));
    const ssize_t got = ::pread(in, buffer.data(), want, static_cast<off_t>(offset));
    if (got == 0) {
      // Shorter than the view read it: truncated or replaced since. Read the view again.
      status = Status::Corruption("backup: " + source + " ends at byte " + std::to_string(offset) +
                                  ", before the view's end " + std::to_string(length));
    } else if (got < 0 || ::write(out, buffer.data(), static_cast<size_t>(got)) != got) {
      status = Status::IOError("backup: copying " + source + " at byte " + std::to_string(offset));
    }
    offset += got > 0 ? static_cast<uint64_t>(got) : 0;
  }
  const std::vector<char> end_marker(journal::format::kEndMarkerBytes, 0);
  if (status.ok() && ::write(out, end_marker.data(), end_marker.size()) !=
                         static_cast<ssize_t>(end_marker.size())) {
    status = Status::IOError("backup: writing the end of " + target);
  }
  if (status.ok() && ::fsync(out) != 0) {
    status = Status::IOError("backup: fsync " + target + ": " + std::strerror(errno));
  }
  ::close(in);
  ::close(out);
  return status;
}

}  // namespace

Status ReadOnlyDatabaseImpl::CopyJournal(const View& view, const std::string& target) {
  for (const journal::ScannedSegment& segment : view.segments) {
    const Status status = CopySegmentPrefix(path_ + "/journal/" + segment.name,
                                            target + "/" + segment.name, segment.end_offset);
    if (!status.ok()) {
      return status;
    }
  }
  // The copy is what counts: its records must be sound and end exactly at the view's sequence.
  // A segment retired and overwritten while it was copied fails here.
  journal::JournalOptions options = journal_options_;
  options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  options.env = Env::Default();
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
  rocksdb::Options db_options;
  if (options_.rocksdb_options) {
    db_options = *options_.rocksdb_options;
  } else {
    db_options.write_buffer_size = kDefaultRocksDbWriteBufferBytes;
  }
  db_options.create_if_missing = true;
  db_options.error_if_exists = true;
  db_options.create_missing_column_families = true;
  db_options.atomic_flush = true;
  ApplyRingdbRocksDbSettings(&db_options, logger_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(
      db_options, target, RingdbColumnFamilies(rocksdb::ColumnFamilyOptions(db_options)), &handles,
      &raw);
  if (!status.ok()) {
    return Status::IOError("backup: creating RocksDB at " + target + ": " + status.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = true;  // Flushed below, as the engine's own writes are.
  rocksdb::WriteBatch batch;
  constexpr size_t kBatchBytes = size_t{4} << 20;
  {
    std::unique_ptr<rocksdb::Iterator> base(db_->NewIterator(rocksdb::ReadOptions(), data_));
    auto* view_batch = const_cast<rocksdb::WriteBatchWithIndex*>(&view.batch);
    std::unique_ptr<rocksdb::Iterator> it(view_batch->NewIteratorWithBase(data_, base.release()));
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      status = batch.Put(handles[0], it->key(), it->value());
      if (status.ok() && batch.GetDataSize() >= kBatchBytes) {
        status = db->Write(write_options, &batch);
        batch.Clear();
      }
    }
    if (status.ok()) {
      status = it->status();
    }
  }
  char marker[8];
  for (int index = 0; index < 8; ++index) {
    marker[index] = static_cast<char>((view.sequence >> (8 * index)) & 0xffu);
  }
  if (status.ok()) {
    // The marker goes with the last keys: the copy holds exactly the view's state.
    status = batch.Put(handles[1], Applier::kMarkerKey, rocksdb::Slice(marker, sizeof(marker)));
  }
  if (status.ok()) {
    status = db->Write(write_options, &batch);
  }
  if (status.ok()) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    status = db->Flush(flush, handles);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  const rocksdb::Status closed = db->Close();
  if (status.ok()) {
    status = closed;
  }
  return status.ok()
             ? Status::OK()
             : Status::IOError("backup: writing RocksDB at " + target + ": " + status.ToString());
}

Status ReadOnlyDatabaseImpl::Backup(const std::string& dir) {
  if (dir.empty()) {
    return Status::InvalidArgument("backup: the target directory is empty");
  }
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    return Status::InvalidArgument("backup: " + dir + " exists and is not empty");
  }
  const fs::path source = fs::weakly_canonical(path_, error);
  const fs::path target = fs::weakly_canonical(dir, error);
  if (!error) {
    const auto [source_end, target_at] =
        std::mismatch(source.begin(), source.end(), target.begin(), target.end());
    if (source_end == source.end()) {
      return Status::InvalidArgument("backup: the target " + dir + " is inside the database " +
                                     path_ +
                                     ", which a backup leaves untouched: choose a "
                                     "directory outside it");
    }
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return open;
  }
  // Directories made here, deepest first: removed on failure, synced into their parents.
  std::vector<fs::path> created;
  for (fs::path path = fs::absolute(dir, error).lexically_normal();
       !error && !path.empty() && !fs::exists(path, error); path = path.parent_path()) {
    created.push_back(path);
    if (path == path.root_path()) {
      break;
    }
  }
  fs::create_directories(fs::path(dir) / "journal", error);
  if (error) {
    return Status::IOError("backup: cannot create " + dir + "/journal: " + error.message());
  }
  const auto clear = [&] {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(dir, ignored)) {
      fs::remove_all(entry.path(), ignored);
    }
  };
  Status status;
  for (uint32_t attempt = 1; attempt <= kReadAttempts; ++attempt) {
    fs::create_directories(fs::path(dir) / "journal", error);
    status = error
                 ? Status::IOError("backup: cannot create " + dir + "/journal: " + error.message())
                 : CopyJournal(*view_, dir + "/journal");
    if (status.ok()) {
      break;
    }
    clear();
    const bool retryable = status.IsCorruption() || status.IsNotFound();
    if (!retryable || attempt == kReadAttempts) {
      return retryable && LockHeld(path_)
                 ? Status::Busy("backup of " + path_ +
                                ": the live engine retired journal "
                                "segments under " +
                                std::to_string(kReadAttempts) +
                                " copies in a row (last: " + status.ToString() +
                                "); try again, or back up from inside the service "
                                "(Engine::Backup)")
                 : status;
    }
    // A segment was retired under the copy: read the view again from RocksDB's newer flush.
    if (Status refreshed = RefreshLocked(); !refreshed.ok()) {
      return refreshed;
    }
  }
  // Made here, so that RocksDB does not log a missing directory as an error before making it.
  fs::create_directories(fs::path(dir) / "db", error);
  status = error ? Status::IOError("backup: cannot create " + dir + "/db: " + error.message())
                 : WriteRocksDb(*view_, dir + "/db");
  if (status.ok()) {
    status = WriteOptionsFile(dir, options_,
                              std::max(record_bytes_max_floor_, journal_options_.record_bytes_max));
  }
  std::vector<std::string> synced = {dir + "/journal", dir};
  for (const fs::path& made : created) {
    synced.push_back(made.parent_path().string());
  }
  for (const std::string& directory : synced) {
    if (status.ok()) {
      status = Env::Default()->SyncDir(directory);
    }
  }
  if (!status.ok()) {
    clear();
  }
  return status;
}

}  // namespace ringdb::read_only
