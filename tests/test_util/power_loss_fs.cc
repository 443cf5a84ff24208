#include "test_util/power_loss_fs.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <system_error>
#include <vector>

namespace ringdb {

using rocksdb::FileOptions;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

namespace {

// RocksDB sometimes joins names with a doubled slash ("db//LOG.old.1"); the bookkeeping compares
// directories as strings, so every path it keeps is normalized first.
std::string Normalized(const std::string& path) {
  std::string result;
  for (const char c : path) {
    if (c != '/' || result.empty() || result.back() != '/') {
      result += c;
    }
  }
  while (result.size() > 1 && result.back() == '/') {
    result.pop_back();
  }
  return result;
}

std::string Parent(const std::string& path) {
  const std::string normalized = Normalized(path);
  const size_t slash = normalized.rfind('/');
  return slash == std::string::npos ? std::string(".") : normalized.substr(0, slash);
}

// path with its leading directory `from` replaced by `to`; path itself when it is not in `from`.
std::string Reprefixed(const std::string& path, const std::string& from, const std::string& to) {
  if (path == from) {
    return to;
  }
  if (path.size() > from.size() && path.starts_with(from) && path[from.size()] == '/') {
    return to + path.substr(from.size());
  }
  return path;
}

bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

}  // namespace

struct PowerLossFileSystem::State {
  // One file written through this file system: what was written and what a sync made durable.
  struct File {
    uint64_t written_bytes = 0;
    uint64_t synced_bytes = 0;
  };
  // A directory change not yet covered by a fsync of `dir`.
  struct Change {
    enum class Kind : uint8_t { kCreate, kRename, kDelete };
    Kind kind;
    std::string dir;
    std::string path;    // Created, renamed to, or deleted.
    std::string source;  // kRename: the old name.
    std::string kept;    // kDelete, kRename: a link to the file removed or replaced ("" if none).
    bool directory = false;  // kRename: a directory was renamed, with everything in it.
  };
  struct DirectoryRename {
    std::string from;
    std::string to;
  };

  explicit State(std::string side) : side_dir(std::move(side)) {}

  // Called under the mutex before every operation that changes a file or directory (`appends`:
  // one that writes file data): true when it must fail. After a power cut (CutPower, or the armed
  // countdown running out now) every such operation fails; on a full disk only appends do.
  bool Refused(bool appends) {
    if (!power_cut && cut_armed) {
      if (cut_countdown == 0) {
        power_cut = true;
        cut_armed = false;
      } else {
        --cut_countdown;
      }
    }
    if (power_cut) {
      return appends || !full_disk;
    }
    ++counters.operations;
    return false;
  }

  IOStatus Refuse(const char* operation, const std::string& path) {
    ++counters.refused_after_cut;
    if (counters.refusals.size() < kRefusalsKept) {
      counters.refusals.push_back(std::string(operation) + " " + path);
    }
    if (full_disk) {
      return IOStatus::NoSpace(std::string(operation) + " " + path, "No space left on device");
    }
    return IOStatus::IOError(std::string(operation) + " " + path + ": power cut");
  }

  // Keeps the file at path reachable from the side directory, with its bookkeeping; returns the
  // link's path, or "" when there is no such file.
  std::string Keep(const std::string& path) {
    if (!Exists(path)) {
      return "";
    }
    const std::string kept = side_dir + "/" + std::to_string(++side_count);
    std::error_code error;
    std::filesystem::create_hard_link(path, kept, error);
    if (error) {
      std::fprintf(stderr, "power-loss fs: cannot keep %s: %s\n", path.c_str(),
                   error.message().c_str());
      std::abort();
    }
    if (auto found = files.find(path); found != files.end()) {
      files[kept] = found->second;
      files.erase(found);
    }
    return kept;
  }

  void Forget(const std::string& kept) {
    if (kept.empty()) {
      return;
    }
    files.erase(kept);
    std::error_code ignored;
    std::filesystem::remove(kept, ignored);
  }

  // A directory moved from `from` to `to`: the bookkeeping of everything under it moves too, so
  // that its files' durable sizes and its pending entries follow it (a fsync of the directory
  // under its new name makes them durable; a power loss truncates them where they now are).
  void DirectoryRenamed(const std::string& from, const std::string& to) {
    std::map<std::string, std::shared_ptr<File>> moved;
    for (auto& [path, file] : files) {
      moved[Reprefixed(path, from, to)] = std::move(file);
    }
    files = std::move(moved);
    for (Change& change : changes) {
      MoveChange(&change, from, to);
    }
    directory_renames.push_back({from, to});
  }

  static void MoveChange(Change* change, const std::string& from, const std::string& to) {
    change->dir = Reprefixed(change->dir, from, to);
    change->path = Reprefixed(change->path, from, to);
    change->source = Reprefixed(change->source, from, to);
  }

  // What a directory opened as `path`, when directory_renames held `since` entries, is called now.
  std::string CurrentName(std::string path, size_t since) const {
    for (size_t index = since; index < directory_renames.size(); ++index) {
      path = Reprefixed(path, directory_renames[index].from, directory_renames[index].to);
    }
    return path;
  }

  // A fsync of dir made every change in it durable.
  void DirectorySynced(const std::string& dir) {
    ++counters.dir_syncs;
    std::vector<Change> remaining;
    for (Change& change : changes) {
      if (change.dir == dir) {
        Forget(change.kept);
      } else {
        remaining.push_back(std::move(change));
      }
    }
    changes = std::move(remaining);
  }

  std::mutex mutex;
  bool power_cut = false;
  bool cut_armed = false;      // CutPowerAt: power_cut is set at the operation after the countdown
  uint64_t cut_countdown = 0;  // operations still allowed while armed
  bool full_disk = false;      // SetFullDisk: the cut fills the disk instead of cutting power
  bool lost = false;
  const std::string side_dir;
  uint64_t side_count = 0;
  std::map<std::string, std::shared_ptr<File>> files;  // By current path.
  std::vector<Change> changes;                         // Oldest first.
  std::vector<DirectoryRename> directory_renames;      // Oldest first.
  Counters counters;
};

namespace {

using State = PowerLossFileSystem::State;

// Every call that changes the file runs under the state's mutex, so that CutPower is one instant:
// a write or sync either completed before it (and counts) or fails.
class PowerLossWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  PowerLossWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target,
                        std::shared_ptr<State> state, std::shared_ptr<State::File> file,
                        std::string path)
      : FSWritableFileOwnerWrapper(std::move(target)),
        state_(std::move(state)),
        file_(std::move(file)),
        path_(std::move(path)) {}

  IOStatus Append(const Slice& data, const IOOptions& options, IODebugContext* debug) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(true /*appends*/)) {
      return state_->Refuse("write", path_);
    }
    IOStatus status = target()->Append(data, options, debug);
    if (status.ok()) {
      file_->written_bytes += data.size();
    }
    return status;
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& /*verification*/,
                  IODebugContext* debug) override {
    return Append(data, options, debug);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            IODebugContext* debug) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(true /*appends*/)) {
      return state_->Refuse("pwrite", path_);
    }
    IOStatus status = target()->PositionedAppend(data, offset, options, debug);
    if (status.ok()) {
      file_->written_bytes = std::max<uint64_t>(file_->written_bytes, offset + data.size());
    }
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            const rocksdb::DataVerificationInfo& /*verification*/,
                            IODebugContext* debug) override {
    return PositionedAppend(data, offset, options, debug);
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options, IODebugContext* debug) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(false)) {
      return state_->Refuse("ftruncate", path_);
    }
    IOStatus status = target()->Truncate(size, options, debug);
    if (status.ok()) {
      file_->written_bytes = size;
      file_->synced_bytes = std::min<uint64_t>(file_->synced_bytes, size);
    }
    return status;
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* debug) override {
    return SyncWith(options, debug, false /*full*/);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* debug) override {
    return SyncWith(options, debug, true /*full*/);
  }
  // sync_file_range starts write-back; it promises nothing about durability, so it is not a sync.
  IOStatus RangeSync(uint64_t offset, uint64_t size, const IOOptions& options,
                     IODebugContext* debug) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(false)) {
      return state_->Refuse("sync_file_range", path_);
    }
    return target()->RangeSync(offset, size, options, debug);
  }
  // Closing is not a sync; it always reaches the target so that the descriptor is released.
  IOStatus Close(const IOOptions& options, IODebugContext* debug) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    const bool cut = state_->power_cut;
    IOStatus status = target()->Close(options, debug);
    return cut ? state_->Refuse("close", path_) : status;
  }

 private:
  IOStatus SyncWith(const IOOptions& options, IODebugContext* debug, bool full) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(false)) {
      return state_->Refuse("fsync", path_);
    }
    IOStatus status = full ? target()->Fsync(options, debug) : target()->Sync(options, debug);
    if (status.ok()) {
      file_->synced_bytes = file_->written_bytes;
      ++state_->counters.file_syncs;
    }
    return status;
  }

  std::shared_ptr<State> state_;
  std::shared_ptr<State::File> file_;
  std::string path_;
};

class PowerLossDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  // Called under the state's mutex.
  PowerLossDirectory(std::unique_ptr<rocksdb::FSDirectory> target, std::shared_ptr<State> state,
                     std::string path)
      : FSDirectoryWrapper(std::move(target)),
        state_(std::move(state)),
        path_(std::move(path)),
        renames_seen_(state_->directory_renames.size()) {}

  IOStatus Fsync(const IOOptions& options, IODebugContext* debug) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(false)) {
      return state_->Refuse("fsync", path_);
    }
    IOStatus status = FSDirectoryWrapper::Fsync(options, debug);
    if (status.ok()) {
      state_->DirectorySynced(state_->CurrentName(path_, renames_seen_));
    }
    return status;
  }
  IOStatus FsyncWithDirOptions(const IOOptions& options, IODebugContext* debug,
                               const rocksdb::DirFsyncOptions& dir_options) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->Refused(false)) {
      return state_->Refuse("fsync", path_);
    }
    IOStatus status = FSDirectoryWrapper::FsyncWithDirOptions(options, debug, dir_options);
    if (status.ok()) {
      state_->DirectorySynced(state_->CurrentName(path_, renames_seen_));
    }
    return status;
  }

 private:
  std::shared_ptr<State> state_;
  std::string path_;
  size_t renames_seen_;  // The handle follows the directory through later renames.
};

// Truncates path to size when it is longer.
void TruncateTo(const std::string& path, uint64_t size) {
  std::error_code error;
  const uint64_t current = std::filesystem::file_size(path, error);
  if (error || current <= size) {
    return;
  }
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    std::fprintf(stderr, "power-loss fs: truncate %s: %s\n", path.c_str(), std::strerror(errno));
    std::abort();
  }
}

void RenameOrDie(const std::string& source, const std::string& target) {
  std::error_code error;
  std::filesystem::rename(source, target, error);
  if (error) {
    std::fprintf(stderr, "power-loss fs: rename %s -> %s: %s\n", source.c_str(), target.c_str(),
                 error.message().c_str());
    std::abort();
  }
}

}  // namespace

PowerLossFileSystem::PowerLossFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target,
                                         std::string side_dir)
    : FileSystemWrapper(target), state_(std::make_shared<State>(std::move(side_dir))) {
  std::error_code error;
  std::filesystem::create_directories(state_->side_dir, error);
  if (error) {
    std::fprintf(stderr, "power-loss fs: cannot create %s: %s\n", state_->side_dir.c_str(),
                 error.message().c_str());
    std::abort();
  }
}

PowerLossFileSystem::~PowerLossFileSystem() {
  std::error_code ignored;
  std::filesystem::remove_all(state_->side_dir, ignored);
}

void PowerLossFileSystem::CutPower() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->power_cut = true;
  state_->cut_armed = false;
}

void PowerLossFileSystem::SetFullDisk(bool full_disk) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->full_disk = full_disk;
}

void PowerLossFileSystem::CutPowerAt(uint64_t n) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->power_cut) {
    state_->cut_armed = true;
    state_->cut_countdown = n;
  }
}

bool PowerLossFileSystem::power_cut() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->power_cut;
}

std::string PowerLossFileSystem::SimulatePowerLoss(Mode mode, uint64_t seed) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->power_cut || state_->lost || mode == Mode::kProcessCrash) {
    std::fprintf(stderr,
                 "power-loss fs: SimulatePowerLoss needs one CutPower before it and a power-loss "
                 "mode (SimulateProcessCrash is the process crash)\n");
    std::abort();
  }
  state_->lost = true;
  std::string report;
  std::mt19937_64 random(seed);
  if (mode == Mode::kDropUnsynced || mode == Mode::kKeepRandomPrefix) {
    for (const auto& [path, file] : state_->files) {
      uint64_t size = file->synced_bytes;
      const uint64_t unsynced = file->written_bytes - std::min(file->written_bytes, size);
      if (mode == Mode::kKeepRandomPrefix) {
        size += random() % (unsynced + 1);
      }
      if (size < file->written_bytes) {
        report += " truncated " + path + " " + std::to_string(file->written_bytes) + "->" +
                  std::to_string(size) + ";";
      }
      TruncateTo(path, size);
    }
  }
  // Newest first, so that each change is undone on the directory it was made to.
  for (auto change = state_->changes.rbegin(); change != state_->changes.rend(); ++change) {
    std::error_code ignored;
    switch (change->kind) {
      case State::Change::Kind::kCreate:
        std::filesystem::remove(change->path, ignored);
        report += " lost " + change->path + ";";
        break;
      case State::Change::Kind::kRename:
        RenameOrDie(change->path, change->source);
        if (!change->kept.empty()) {
          RenameOrDie(change->kept, change->path);
        }
        if (change->directory) {
          // The older changes were made under the directory's old name: undo them there.
          for (auto older = std::next(change); older != state_->changes.rend(); ++older) {
            State::MoveChange(&*older, change->path, change->source);
          }
        }
        report += " unrenamed " + change->path + ";";
        break;
      case State::Change::Kind::kDelete:
        if (!change->kept.empty()) {
          RenameOrDie(change->kept, change->path);
          report += " undeleted " + change->path + ";";
        }
        break;
    }
  }
  return report;
}

std::string PowerLossFileSystem::SimulateProcessCrash() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->lost) {
    std::fprintf(stderr, "power-loss fs: SimulateProcessCrash after SimulatePowerLoss\n");
    std::abort();
  }
  state_->power_cut = false;
  state_->cut_armed = false;
  state_->full_disk = false;
  std::string report;
  for (const auto& [path, file] : state_->files) {
    if (file->written_bytes > file->synced_bytes) {
      report += " unsynced " + path + " " + std::to_string(file->synced_bytes) + ".." +
                std::to_string(file->written_bytes) + ";";
    }
  }
  report += " " + std::to_string(state_->changes.size()) + " directory changes pending;";
  return report;
}

PowerLossFileSystem::Counters PowerLossFileSystem::counters() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->counters;
}

IOStatus PowerLossFileSystem::OpenWritable(const std::string& path, const FileOptions& options,
                                           bool reopen,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("open", path);
  }
  const bool existed = Exists(path);
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus status = reopen ? target()->ReopenWritableFile(path, options, &file, debug)
                           : target()->NewWritableFile(path, options, &file, debug);
  if (!status.ok()) {
    return status;
  }
  if (!existed) {
    state_->changes.push_back(
        {State::Change::Kind::kCreate, Parent(path), Normalized(path), "", ""});
  }
  std::shared_ptr<State::File>& tracked = state_->files[Normalized(path)];
  if (!reopen || tracked == nullptr) {
    // A new (or newly truncated) file has nothing durable; a file reopened for appending that
    // this file system never wrote is durable as found.
    std::error_code error;
    const uint64_t size = reopen && existed ? std::filesystem::file_size(path, error) : 0;
    tracked = std::make_shared<State::File>(State::File{size, size});
  }
  *result = std::make_unique<PowerLossWritableFile>(std::move(file), state_, tracked, path);
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::NewWritableFile(const std::string& path, const FileOptions& options,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              IODebugContext* debug) {
  return OpenWritable(path, options, false /*reopen*/, result, debug);
}

IOStatus PowerLossFileSystem::ReopenWritableFile(const std::string& path,
                                                 const FileOptions& options,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                 IODebugContext* debug) {
  return OpenWritable(path, options, true /*reopen*/, result, debug);
}

IOStatus PowerLossFileSystem::ReuseWritableFile(
    const std::string& path, const std::string& /*old_path*/, const FileOptions& /*options*/,
    std::unique_ptr<rocksdb::FSWritableFile>* /*result*/, IODebugContext* /*debug*/) {
  return IOStatus::NotSupported("power-loss fs: log recycling is not modelled: " + path);
}

IOStatus PowerLossFileSystem::NewRandomRWFile(const std::string& path, const FileOptions& options,
                                              std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                              IODebugContext* debug) {
  // Only for files written in place (ingestion); ringdb's RocksDB never opens one, so a file
  // opened this way is refused after the cut but its writes are not tracked.
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("open", path);
  }
  return target()->NewRandomRWFile(path, options, result, debug);
}

IOStatus PowerLossFileSystem::NewDirectory(const std::string& path, const IOOptions& options,
                                           std::unique_ptr<rocksdb::FSDirectory>* result,
                                           IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::unique_ptr<rocksdb::FSDirectory> directory;
  IOStatus status = target()->NewDirectory(path, options, &directory, debug);
  if (status.ok()) {
    *result = std::make_unique<PowerLossDirectory>(std::move(directory), state_, Normalized(path));
  }
  return status;
}

IOStatus PowerLossFileSystem::DeleteFile(const std::string& path, const IOOptions& options,
                                         IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("unlink", path);
  }
  const std::string kept = state_->Keep(Normalized(path));
  IOStatus status = target()->DeleteFile(path, options, debug);
  if (!status.ok()) {
    if (!kept.empty()) {
      state_->files[Normalized(path)] = state_->files[kept];
      state_->Forget(kept);
    }
    return status;
  }
  state_->changes.push_back(
      {State::Change::Kind::kDelete, Parent(path), Normalized(path), "", kept});
  return status;
}

IOStatus PowerLossFileSystem::RenameFile(const std::string& source, const std::string& target_path,
                                         const IOOptions& options, IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("rename", source);
  }
  if (!Exists(source)) {
    return target()->RenameFile(source, target_path, options, debug);  // The target's error.
  }
  std::error_code error;
  const bool directory = std::filesystem::is_directory(source, error);
  // A directory renamed over another is not modelled (RocksDB renames a checkpoint's directory
  // to a name that does not exist yet).
  const std::string kept = directory ? "" : state_->Keep(Normalized(target_path));
  IOStatus status = target()->RenameFile(source, target_path, options, debug);
  if (!status.ok()) {
    state_->Forget(kept);
    return status;
  }
  if (directory) {
    state_->DirectoryRenamed(Normalized(source), Normalized(target_path));
  } else if (auto found = state_->files.find(Normalized(source)); found != state_->files.end()) {
    state_->files[Normalized(target_path)] = found->second;
    state_->files.erase(found);
  }
  // Made durable by a fsync of the target's directory (ringdb's RocksDB renames within one).
  state_->changes.push_back({State::Change::Kind::kRename, Parent(target_path),
                             Normalized(target_path), Normalized(source), kept, directory});
  return status;
}

IOStatus PowerLossFileSystem::LinkFile(const std::string& source, const std::string& target_path,
                                       const IOOptions& options, IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("link", target_path);
  }
  IOStatus status = target()->LinkFile(source, target_path, options, debug);
  if (status.ok()) {
    state_->changes.push_back(
        {State::Change::Kind::kCreate, Parent(target_path), Normalized(target_path), "", ""});
  }
  return status;
}

IOStatus PowerLossFileSystem::Truncate(const std::string& path, size_t size,
                                       const IOOptions& options, IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("truncate", path);
  }
  IOStatus status = target()->Truncate(path, size, options, debug);
  if (auto found = state_->files.find(Normalized(path));
      status.ok() && found != state_->files.end()) {
    found->second->written_bytes = size;
    found->second->synced_bytes = std::min<uint64_t>(found->second->synced_bytes, size);
  }
  return status;
}

IOStatus PowerLossFileSystem::CreateDir(const std::string& path, const IOOptions& options,
                                        IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("mkdir", path);
  }
  return target()->CreateDir(path, options, debug);
}

IOStatus PowerLossFileSystem::CreateDirIfMissing(const std::string& path, const IOOptions& options,
                                                 IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("mkdir", path);
  }
  return target()->CreateDirIfMissing(path, options, debug);
}

IOStatus PowerLossFileSystem::DeleteDir(const std::string& path, const IOOptions& options,
                                        IODebugContext* debug) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->Refused(false)) {
    return state_->Refuse("rmdir", path);
  }
  return target()->DeleteDir(path, options, debug);
}

}  // namespace ringdb
