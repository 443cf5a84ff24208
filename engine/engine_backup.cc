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
// backup created in its parent.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <rocksdb/utilities/checkpoint.h>

#include "engine/engine_impl.h"
#include "engine/options_file.h"
#include "journal/record_format.h"
#include "ringdb/env.h"

namespace ringdb {

namespace {

// Copies the first `length` bytes of a segment (what its committed groups wrote), then the zero
// end marker the journal ends every group with, and syncs the copy. Bytes past `length` may be
// changing under the live journaler and are not needed.
Status CopySegmentPrefix(const std::string& source, const std::string& target, uint64_t length) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    return Status::IOError("backup: cannot open " + source + ": " + std::strerror(errno));
  }
  const int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return Status::IOError("backup: cannot create " + target + ": " + std::strerror(errno));
  }
  std::vector<char> buffer(1 << 20);
  Status status;
  for (uint64_t offset = 0; offset < length && status.ok();) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - offset));
    const ssize_t got = ::pread(in, buffer.data(), want, static_cast<off_t>(offset));
    if (got <= 0 || ::write(out, buffer.data(), static_cast<size_t>(got)) != got) {
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

// Creates dir and its missing parents; *created receives each directory made, deepest first.
Status CreateDirectories(const std::string& dir, std::vector<std::string>* created) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path normal = fs::absolute(dir, error).lexically_normal();
  if (!normal.has_filename()) {
    normal = normal.parent_path();  // "a/b/" is "a/b".
  }
  std::vector<fs::path> missing;
  for (fs::path path = normal; !error && !path.empty() && !fs::exists(path, error);
       path = path.parent_path()) {
    missing.push_back(path);
    if (path == path.root_path()) {
      break;
    }
  }
  for (auto path = missing.rbegin(); path != missing.rend() && !error; ++path) {
    fs::create_directory(*path, error);
  }
  if (error) {
    return Status::IOError("backup: cannot create " + dir + ": " + error.message());
  }
  for (const fs::path& path : missing) {
    created->push_back(path.string());
  }
  return Status::OK();
}

}  // namespace

Status EngineImpl::CopyJournal(const std::string& dir, const std::vector<std::string>& created) {
  // The segments as the journal knows them (the newest one included, up to what its last
  // commit wrote); the pool of pre-written files is not part of the journal and is skipped.
  std::vector<journal::SegmentDescription> segments;
  {
    std::shared_lock<std::shared_mutex> db_lock(db_mutex_);
    if (journal_ == nullptr) {
      return Status::Aborted("backup: the engine is closed");
    }
    segments = journal_->Info().segments;
  }
  const std::string target = dir + "/journal";
  std::error_code error;
  std::filesystem::create_directories(target, error);
  if (error) {
    return Status::IOError("backup: cannot create " + target + ": " + error.message());
  }
  for (const journal::SegmentDescription& segment : segments) {
    if (segment.size_bytes == 0) {
      continue;  // Rolled to, its first group not yet durable: nothing in it was acknowledged.
    }
    const Status status = CopySegmentPrefix(path_ + "/journal/" + segment.name,
                                            target + "/" + segment.name, segment.size_bytes);
    if (!status.ok()) {
      return status;
    }
  }
  Status status = WriteOptionsFile(dir, options_, journal_record_bytes_max_);
  // Each directory's entries, then each created directory's own entry in its parent.
  std::vector<std::string> synced = {target, dir};
  for (const std::string& made : created) {
    synced.push_back(std::filesystem::path(made).parent_path().string());
  }
  Env* const env = options_.env != nullptr ? options_.env : Env::Default();
  for (const std::string& directory : synced) {
    if (status.ok()) {
      status = env->SyncDir(directory);
    }
  }
  return status;
}

Status EngineImpl::Backup(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (dir.empty()) {
    return Status::InvalidArgument("backup: the target directory is empty");
  }
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    return Status::InvalidArgument("backup: " + dir + " exists and is not empty");
  }
  std::vector<std::string> created;
  if (Status status = CreateDirectories(dir, &created); !status.ok()) {
    return status;
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
      return Status::IOError("backup: RocksDB checkpoint into " + dir +
                             "/db: " + status.ToString());
    }
  }
  return CopyJournal(dir, created);
}

}  // namespace ringdb
