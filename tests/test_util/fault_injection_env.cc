#include "test_util/fault_injection_env.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "util/assert.h"

namespace ringdb {

// One file's bytes: what the device holds, what reads see (the page cache), and the dirty writes
// in between, in order. Without lost writes, the device with the dirty writes applied is the cache.
struct FaultInjectionEnv::Node {
  struct PendingWrite {
    bool is_truncate = false;
    uint64_t offset = 0;  // Or the new size, for a truncate.
    std::vector<std::byte> data;
  };
  std::vector<std::byte> device;
  std::vector<std::byte> cache;
  std::vector<PendingWrite> dirty;
  uint64_t lost_bytes = 0;  // Cached bytes a failed sync marked clean unwritten (kPagesLost).
  // Bytes with storage behind them, as far as the space limit is concerned: the highest end
  // written. A truncate that extends a file makes a hole, which takes no space until written.
  uint64_t allocated = 0;
};

struct FaultInjectionEnv::State {
  struct Fault {
    uint64_t countdown = 0;  // 0 = disarmed.
    bool sticky = false;
    bool firing = false;
    int error_number = EIO;
    SyncFailure sync_failure = SyncFailure::kPagesStayDirty;
  };
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Node>> entries;          // Visible directory entries.
  std::map<std::string, std::shared_ptr<Node>> durable_entries;  // As of the last SyncDir.
  std::set<std::string> dirs;                                    // Visible directories.
  std::set<std::string> durable_dirs;  // As of the last SyncDir of each one's parent.
  std::set<std::string> locks;
  uint64_t generation = 0;  // Bumped by a crash; older files go dead.
  bool power_cut = false;   // Set by CutPower, cleared by SimulateCrash.
  Fault write_fault;
  Fault sync_fault;
  std::string fault_scope;  // Path suffix; empty = every file.
  uint64_t space_limit_bytes = UINT64_MAX;
  bool short_writes = false;
  uint64_t writes = 0;
  uint64_t syncs = 0;
  uint64_t dir_syncs = 0;

  bool InScope(const std::string& path) const { return path.ends_with(fault_scope); }
  // True when the armed fault fires on this call.
  static bool Fires(Fault* fault) {
    if (fault->firing) {
      return true;
    }
    if (fault->countdown == 0) {
      return false;
    }
    if (--fault->countdown > 0) {
      return false;
    }
    fault->firing = fault->sticky;
    return true;
  }
  uint64_t TotalBytes() const {
    uint64_t total = 0;
    for (const auto& [path, node] : entries) {
      total += std::min<uint64_t>(node->allocated, node->cache.size());
    }
    return total;
  }
  // Every file reachable now or after a power loss, once each.
  std::vector<Node*> ReachableNodes() const {
    std::set<Node*> seen;
    std::vector<Node*> nodes;
    for (const auto* map : {&entries, &durable_entries}) {
      for (const auto& [path, node] : *map) {
        if (seen.insert(node.get()).second) {
          nodes.push_back(node.get());
        }
      }
    }
    return nodes;
  }
};

namespace {

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

Status Error(const std::string& operation, const std::string& path, int error_number) {
  const char* name = strerrorname_np(error_number);
  return Status::IOError(operation + " " + path + ": " + (name != nullptr ? name : "E?") + " (" +
                         strerrordesc_np(error_number) + ", injected)");
}

// EIO for a call that would change the files after CutPower.
Status PowerCutError(const std::string& operation, const std::string& path) {
  return Status::IOError(operation + " " + path + ": EIO (Input/output error, power cut)");
}

void ApplyWrite(std::vector<std::byte>* bytes, uint64_t offset, std::span<const std::byte> data) {
  if (bytes->size() < offset + data.size()) {
    bytes->resize(offset + data.size());
  }
  std::copy(data.begin(), data.end(), bytes->begin() + static_cast<std::ptrdiff_t>(offset));
}

using State = FaultInjectionEnv::State;
using Node = FaultInjectionEnv::Node;
using SyncFailure = FaultInjectionEnv::SyncFailure;

// Applies the first keep_bytes bytes of the dirty writes to bytes, in order; a truncate counts as
// zero bytes and is applied while some byte is left to keep.
void ApplyDirtyPrefix(const Node& node, uint64_t keep_bytes, std::vector<std::byte>* bytes) {
  for (const Node::PendingWrite& write : node.dirty) {
    if (keep_bytes == 0) {
      break;
    }
    if (write.is_truncate) {
      bytes->resize(write.offset);
      continue;
    }
    const uint64_t size = std::min<uint64_t>(keep_bytes, write.data.size());
    ApplyWrite(bytes, write.offset, std::span(write.data).first(size));
    keep_bytes -= size;
  }
}

uint64_t DirtyBytes(const Node& node) {
  uint64_t total = 0;
  for (const Node::PendingWrite& write : node.dirty) {
    total += write.data.size();
  }
  return total;
}

// The size of the device's file once the kernel wrote every dirty write back.
uint64_t DeviceViewSize(const Node& node) {
  if (node.lost_bytes == 0) {
    return node.cache.size();
  }
  uint64_t size = node.device.size();
  for (const Node::PendingWrite& write : node.dirty) {
    size = write.is_truncate ? write.offset : std::max(size, write.offset + write.data.size());
  }
  return size;
}

// Reads [offset, offset + out.size()) of the device once the kernel wrote every dirty write back
// (what an O_DIRECT read sees), in time proportional to the range and the dirty writes.
uint64_t ReadDeviceView(const Node& node, uint64_t offset, std::span<std::byte> out) {
  const std::vector<std::byte>& base = node.lost_bytes == 0 ? node.cache : node.device;
  const uint64_t end = offset + out.size();
  std::fill(out.begin(), out.end(), std::byte{0});
  if (offset < base.size()) {
    std::copy(base.begin() + static_cast<std::ptrdiff_t>(offset),
              base.begin() + static_cast<std::ptrdiff_t>(std::min<uint64_t>(end, base.size())),
              out.begin());
  }
  if (node.lost_bytes != 0) {
    for (const Node::PendingWrite& write : node.dirty) {
      if (write.is_truncate) {  // Bytes past it read as zeros if a later write extends the file.
        const uint64_t from = std::clamp(write.offset, offset, end);
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(from - offset), out.end(),
                  std::byte{0});
        continue;
      }
      const uint64_t from = std::max(offset, write.offset);
      const uint64_t to = std::min(end, write.offset + write.data.size());
      if (from < to) {
        std::copy_n(write.data.begin() + static_cast<std::ptrdiff_t>(from - write.offset),
                    to - from, out.begin() + static_cast<std::ptrdiff_t>(from - offset));
      }
    }
  }
  const uint64_t size = DeviceViewSize(node);
  return offset >= size ? 0 : std::min<uint64_t>(out.size(), size - offset);
}

// A successful sync: the dirty writes reach the device. Lost writes stay lost.
void WriteBack(Node* node) {
  if (node->lost_bytes == 0) {
    node->device = node->cache;
  } else {
    ApplyDirtyPrefix(*node, UINT64_MAX, &node->device);
  }
  node->dirty.clear();
}

// A failed sync of the kPagesLost flavour: the dirty writes are marked clean without being
// written. Truncates are metadata, not pages: they stay pending.
void LoseDirtyPages(Node* node) {
  std::erase_if(node->dirty, [&](const Node::PendingWrite& write) {
    node->lost_bytes += write.data.size();
    return !write.is_truncate;
  });
}

// A power loss: the device keeps its bytes and the first keep_bytes dirty bytes; the cache, which
// the next boot fills from the device, holds the same.
void LosePower(Node* node, uint64_t keep_bytes) {
  ApplyDirtyPrefix(*node, keep_bytes, &node->device);
  node->cache = node->device;
  node->dirty.clear();
  node->lost_bytes = 0;
}

class FaultFile final : public WritableFile, public ReadableFile {
 public:
  FaultFile(std::shared_ptr<State> state, std::shared_ptr<Node> node, std::string path)
      : state_(std::move(state)),
        node_(std::move(node)),
        path_(std::move(path)),
        generation_(state_->generation) {}

  Result<uint64_t> WriteAt(uint64_t offset, std::span<const std::byte> data) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    const bool in_scope = state_->InScope(path_);
    state_->writes += in_scope ? 1 : 0;
    if (Status status = CheckAlive(); !status.ok()) {
      return status;
    }
    if (state_->power_cut) {
      return PowerCutError("write", path_);
    }
    if (in_scope && State::Fires(&state_->write_fault)) {
      return Error("write", path_, state_->write_fault.error_number);
    }
    uint64_t size = data.size();
    if (state_->short_writes && size > 1) {
      size /= 2;
    }
    const uint64_t end = offset + size;
    const uint64_t allocated = std::min<uint64_t>(node_->allocated, node_->cache.size());
    const uint64_t growth = end > allocated ? end - allocated : 0;
    if (state_->TotalBytes() + growth > state_->space_limit_bytes) {
      return Error("write", path_, ENOSPC);
    }
    node_->allocated = std::max(allocated, end);
    ApplyWrite(&node_->cache, offset, data.first(size));
    node_->dirty.push_back(Node::PendingWrite{
        false, offset,
        std::vector<std::byte>(data.begin(), data.begin() + static_cast<long>(size))});
    return size;
  }
  Status SyncData() override { return Sync(); }
  Status SyncAll() override { return Sync(); }
  Status Truncate(uint64_t size_bytes) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (Status status = CheckAlive(); !status.ok()) {
      return status;
    }
    if (state_->power_cut) {
      return PowerCutError("ftruncate", path_);
    }
    node_->cache.resize(size_bytes);
    node_->allocated = std::min(node_->allocated, size_bytes);
    node_->dirty.push_back(Node::PendingWrite{true, size_bytes, {}});
    return Status::OK();
  }
  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return static_cast<uint64_t>(node_->cache.size());
  }
  Status Close() override { return Status::OK(); }
  Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return CopyOut(node_->cache, offset, out);
  }
  static uint64_t CopyOut(const std::vector<std::byte>& bytes, uint64_t offset,
                          std::span<std::byte> out) {
    if (offset >= bytes.size()) {
      return 0;
    }
    const uint64_t size = std::min<uint64_t>(out.size(), bytes.size() - offset);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), size, out.begin());
    return size;
  }

 private:
  Status CheckAlive() const {
    if (generation_ != state_->generation) {
      return Status::IOError(path_ + ": EIO (file opened before a simulated crash)");
    }
    return Status::OK();
  }
  Status Sync() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    const bool in_scope = state_->InScope(path_);
    state_->syncs += in_scope ? 1 : 0;
    if (Status status = CheckAlive(); !status.ok()) {
      return status;
    }
    if (state_->power_cut) {
      return PowerCutError("fdatasync", path_);
    }
    if (in_scope && State::Fires(&state_->sync_fault)) {
      // As on Linux, the failed sync leaves the data visible but not durable; with kPagesLost, it
      // never will be.
      if (state_->sync_fault.sync_failure == SyncFailure::kPagesLost) {
        LoseDirtyPages(node_.get());
      }
      return Error("fdatasync", path_, state_->sync_fault.error_number);
    }
    WriteBack(node_.get());
    return Status::OK();
  }

  std::shared_ptr<State> state_;
  std::shared_ptr<Node> node_;
  std::string path_;
  uint64_t generation_;
};

// A file opened with OpenReadableFromDevice: every read sees the device after write-back.
class DeviceFile final : public ReadableFile {
 public:
  DeviceFile(std::shared_ptr<State> state, std::shared_ptr<Node> node)
      : state_(std::move(state)), node_(std::move(node)) {}
  Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return ReadDeviceView(*node_, offset, out);
  }
  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return DeviceViewSize(*node_);
  }

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<Node> node_;
};

// A crash drops every lock (the processes holding them died), so a lock taken before the last
// crash releases nothing: the path may already belong to a holder that came after it.
class FaultLock final : public FileLock {
 public:
  FaultLock(std::shared_ptr<State> state, std::string path, uint64_t generation)
      : state_(std::move(state)), path_(std::move(path)), generation_(generation) {}
  ~FaultLock() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->generation == generation_) {
      state_->locks.erase(path_);
    }
  }

 private:
  std::shared_ptr<State> state_;
  std::string path_;
  uint64_t generation_;
};

}  // namespace

FaultInjectionEnv::FaultInjectionEnv() : state_(std::make_shared<State>()) {}
FaultInjectionEnv::~FaultInjectionEnv() = default;

void FaultInjectionEnv::FailWrite(uint64_t nth, bool sticky, int error_number) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->write_fault = State::Fault{nth, sticky, false, error_number};
}

void FaultInjectionEnv::FailSync(uint64_t nth, bool sticky, int error_number) {
  FailSync(nth, sticky, SyncFailure::kPagesStayDirty, error_number);
}

void FaultInjectionEnv::FailSync(uint64_t nth, bool sticky, SyncFailure failure, int error_number) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->sync_fault = State::Fault{nth, sticky, false, error_number, failure};
}

void FaultInjectionEnv::SetSpaceLimit(uint64_t limit_bytes) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->space_limit_bytes = limit_bytes;
}

void FaultInjectionEnv::SetShortWrites(bool enabled) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->short_writes = enabled;
}

void FaultInjectionEnv::SetFaultScope(std::string path_suffix) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->fault_scope = std::move(path_suffix);
}

void FaultInjectionEnv::ClearFaults() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->fault_scope.clear();
  state_->write_fault = State::Fault{};
  state_->sync_fault = State::Fault{};
  state_->space_limit_bytes = UINT64_MAX;
  state_->short_writes = false;
}

void FaultInjectionEnv::CutPower() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->power_cut = true;
}

void FaultInjectionEnv::SimulateCrash(CrashMode mode, uint64_t seed) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (mode != CrashMode::kProcessCrash) {
    std::mt19937_64 random(seed);
    for (Node* node : state_->ReachableNodes()) {
      uint64_t keep_bytes = 0;
      if (mode == CrashMode::kLoseUnsyncedEntries) {
        keep_bytes = UINT64_MAX;
      } else if (mode == CrashMode::kKeepRandomPrefix) {
        keep_bytes = random() % (DirtyBytes(*node) + 1);
      }
      LosePower(node, keep_bytes);
    }
    state_->entries = state_->durable_entries;
    state_->dirs = state_->durable_dirs;
    // A lost directory takes its entries with it.
    for (auto* entries : {&state_->entries, &state_->durable_entries}) {
      std::erase_if(*entries, [&](const auto& entry) {
        return state_->dirs.count(Parent(entry.first)) == 0;
      });
    }
  }
  state_->locks.clear();
  state_->power_cut = false;
  ++state_->generation;
}

uint64_t FaultInjectionEnv::write_count() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->writes;
}
uint64_t FaultInjectionEnv::sync_count() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->syncs;
}
uint64_t FaultInjectionEnv::dir_sync_count() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->dir_syncs;
}
void FaultInjectionEnv::ResetCounters() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->writes = state_->syncs = state_->dir_syncs = 0;
}
uint64_t FaultInjectionEnv::unsynced_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  uint64_t total = 0;
  for (const Node* node : state_->ReachableNodes()) {
    total += DirtyBytes(*node);
  }
  return total;
}
uint64_t FaultInjectionEnv::lost_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  uint64_t total = 0;
  for (const Node* node : state_->ReachableNodes()) {
    total += node->lost_bytes;
  }
  return total;
}
uint64_t FaultInjectionEnv::total_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->TotalBytes();
}

Result<std::vector<std::byte>> FaultInjectionEnv::ReadAll(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  const auto found = state_->entries.find(path);
  if (found == state_->entries.end()) {
    return Error("read", path, ENOENT);
  }
  return found->second->cache;
}

void FaultInjectionEnv::WriteAll(const std::string& path, std::vector<std::byte> bytes) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto node = std::make_shared<Node>();
  node->allocated = bytes.size();
  node->device = bytes;
  node->cache = std::move(bytes);
  state_->entries[path] = node;
  state_->durable_entries[path] = node;
  if (state_->dirs.count(Parent(path)) != 0) {
    state_->durable_dirs.insert(Parent(path));
  }
}

Status FaultInjectionEnv::OpenWritable(const std::string& path, OpenMode mode,
                                       std::unique_ptr<WritableFile>* out) {
  out->reset();
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->power_cut) {
    return PowerCutError("open", path);
  }
  if (state_->dirs.count(Parent(path)) == 0) {
    return Error("open", path, ENOENT);
  }
  auto found = state_->entries.find(path);
  if (found != state_->entries.end() && mode == OpenMode::kCreateNew) {
    return Error("open", path, EEXIST);
  }
  if (found == state_->entries.end()) {
    if (mode == OpenMode::kOpenExisting) {
      return Error("open", path, ENOENT);
    }
    found = state_->entries.emplace(path, std::make_shared<Node>()).first;
  }
  *out = std::make_unique<FaultFile>(state_, found->second, path);
  return Status::OK();
}

Status FaultInjectionEnv::OpenReadable(const std::string& path,
                                       std::unique_ptr<ReadableFile>* out) {
  out->reset();
  std::lock_guard<std::mutex> lock(state_->mutex);
  const auto found = state_->entries.find(path);
  if (found == state_->entries.end()) {
    return Error("open", path, ENOENT);
  }
  *out = std::make_unique<FaultFile>(state_, found->second, path);
  return Status::OK();
}

Status FaultInjectionEnv::OpenReadableFromDevice(const std::string& path,
                                                 std::unique_ptr<ReadableFile>* out) {
  out->reset();
  std::lock_guard<std::mutex> lock(state_->mutex);
  const auto found = state_->entries.find(path);
  if (found == state_->entries.end()) {
    return Error("open", path, ENOENT);
  }
  *out = std::make_unique<DeviceFile>(state_, found->second);
  return Status::OK();
}

Status FaultInjectionEnv::CreateDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->power_cut) {
    return PowerCutError("mkdir", path);
  }
  state_->dirs.insert(path);  // Durable once its parent is synced, like any other entry.
  return Status::OK();
}

Result<std::vector<std::string>> FaultInjectionEnv::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->dirs.count(path) == 0) {
    return Error("opendir", path, ENOENT);
  }
  std::vector<std::string> names;
  for (const auto& [entry, node] : state_->entries) {
    if (Parent(entry) == path) {
      names.push_back(entry.substr(path.size() + 1));
    }
  }
  return names;
}

Status FaultInjectionEnv::DeleteFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->power_cut) {
    return PowerCutError("unlink", path);
  }
  if (state_->entries.erase(path) == 0) {
    return Error("unlink", path, ENOENT);
  }
  return Status::OK();
}

Status FaultInjectionEnv::DeleteDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->power_cut) {
    return PowerCutError("rmdir", path);
  }
  if (state_->dirs.count(path) == 0) {
    return Error("rmdir", path, ENOENT);
  }
  const auto inside = [&](const std::string& entry) { return Parent(entry) == path; };
  if (std::any_of(state_->entries.begin(), state_->entries.end(),
                  [&](const auto& entry) { return inside(entry.first); }) ||
      std::any_of(state_->dirs.begin(), state_->dirs.end(), inside)) {
    return Error("rmdir", path, ENOTEMPTY);
  }
  state_->dirs.erase(path);  // Durable once its parent is synced, like any other entry.
  return Status::OK();
}

Status FaultInjectionEnv::RenameFile(const std::string& source, const std::string& target) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->power_cut) {
    return PowerCutError("rename", source);
  }
  const auto found = state_->entries.find(source);
  if (found == state_->entries.end()) {
    return Error("rename", source, ENOENT);
  }
  std::shared_ptr<Node> node = found->second;
  state_->entries.erase(found);
  state_->entries[target] = std::move(node);
  return Status::OK();
}

Status FaultInjectionEnv::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  ++state_->dir_syncs;
  if (state_->power_cut) {
    return PowerCutError("fsync", path);
  }
  std::erase_if(state_->durable_entries,
                [&](const auto& entry) { return Parent(entry.first) == path; });
  for (const auto& [entry, node] : state_->entries) {
    if (Parent(entry) == path) {
      state_->durable_entries[entry] = node;
    }
  }
  std::erase_if(state_->durable_dirs, [&](const std::string& dir) {
    return Parent(dir) == path && state_->dirs.count(dir) == 0;
  });
  for (const std::string& dir : state_->dirs) {
    if (Parent(dir) == path) {
      state_->durable_dirs.insert(dir);
    }
  }
  return Status::OK();
}

bool FaultInjectionEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->entries.count(path) > 0 || state_->dirs.count(path) > 0;
}

Status FaultInjectionEnv::LockFile(const std::string& path, std::unique_ptr<FileLock>* out) {
  out->reset();
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->locks.insert(path).second) {
    return Status::Busy("lock " + path + ": already held");
  }
  *out = std::make_unique<FaultLock>(state_, path, state_->generation);
  return Status::OK();
}

}  // namespace ringdb
