#include "journal/segment_manager.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "journal/segment_name.h"
#include "util/assert.h"
#include "util/crash_point.h"
#include "util/thread_name.h"

namespace ringdb::journal {
namespace {

// Zero-filling writes this much per call: large enough to stream at the disk's rate, small enough
// to keep the buffer, allocated once, cheap.
constexpr uint64_t kZeroChunkBytes = uint64_t{1} << 20;

}  // namespace

SegmentManager::SegmentManager(Env* env, std::string dir, uint64_t segment_size_bytes_max,
                               uint32_t pool_target, spdlog::logger* logger)
    : env_(env),
      dir_(std::move(dir)),
      segment_size_bytes_max_(segment_size_bytes_max),
      pool_target_(pool_target),
      logger_(logger) {
  RINGDB_ASSERT(env_ != nullptr);
  RINGDB_ASSERT(segment_size_bytes_max_ > 0);
  RINGDB_ASSERT(logger_ != nullptr);
}

SegmentManager::~SegmentManager() {
  {
    MutexLock lock(&mutex_);
    stop_ = true;
  }
  work_.SignalAll();
  if (thread_.joinable()) {
    thread_.join();
  }
}

Status SegmentManager::Start(const std::vector<std::string>& pool_files) {
  RINGDB_ASSERT(!thread_.joinable());
  std::vector<PoolFile> ready;
  std::vector<std::string> unusable;
  uint64_t next_counter = 0;
  {
    MutexLock lock(&mutex_);
    next_counter = next_counter_;
  }
  for (const std::string& name : pool_files) {
    const std::optional<PoolName> parsed = ParsePoolName(name);
    RINGDB_ASSERT(parsed.has_value());
    next_counter = std::max(next_counter, parsed->counter + 1);
    if (!parsed->ready || pool_target_ == 0) {
      // Not ready: a crash interrupted its zero-filling, and its length may be in the page cache
      // only. Without pre-writing, leftover files of an earlier configuration are not kept.
      unusable.push_back(name);
      continue;
    }
    // Zero-filled and synced (or a retired segment, whose length was durable) before it got its
    // ready name: its length holds across a power loss, which HEAD relies on.
    std::unique_ptr<ReadableFile> file;
    const Status opened = env_->OpenReadable(JoinPath(dir_, name), &file);
    Result<uint64_t> size = opened.ok() ? file->Size() : Result<uint64_t>(opened);
    if (!size.ok() || *size == 0) {
      unusable.push_back(name);
      continue;
    }
    ready.push_back(PoolFile{name, *size});
  }
  // Oldest first, as they were made.
  std::sort(ready.begin(), ready.end(), [](const PoolFile& a, const PoolFile& b) {
    return ParsePoolName(a.name)->counter < ParsePoolName(b.name)->counter;
  });
  for (const std::string& name : unusable) {
    logger_->info("ringdb journal: deleting {}, a pool file that will not be used", name);
    env_->DeleteFile(JoinPath(dir_, name)).PermitUnchecked();
  }
  {
    MutexLock lock(&mutex_);
    next_counter_ = next_counter;
    ready_.assign(ready.begin(), ready.end());
  }
  if (pool_target_ == 0) {
    return Status::OK();
  }
  thread_ = std::thread([this] { Run(); });
  internal::NameThread(thread_, "ringdb:prewrite");
  return Status::OK();
}

uint32_t SegmentManager::ready_count() const {
  MutexLock lock(&mutex_);
  return static_cast<uint32_t>(ready_.size());
}

uint64_t SegmentManager::ready_file_bytes() const {
  MutexLock lock(&mutex_);
  return ready_.empty() ? 0 : ready_.front().size_bytes;
}

void SegmentManager::StopPrewriting() {
  {
    MutexLock lock(&mutex_);
    stop_ = true;
  }
  work_.SignalAll();
}

void SegmentManager::PlanNextSegment(uint64_t capacity_bytes) {
  RINGDB_ASSERT(capacity_bytes > 0);
  MutexLock lock(&mutex_);
  planned_bytes_ = capacity_bytes;
}

void SegmentManager::PrepareAhead() {
  {
    MutexLock lock(&mutex_);
    RINGDB_ASSERT(planned_bytes_ > 0);
    requested_ = true;
  }
  work_.Signal();
}

bool SegmentManager::ShortOfTarget() const {
  // While segments grow, a second file of this size would be too short for the segment after.
  const uint32_t target =
      planned_bytes_ < segment_size_bytes_max_ ? std::min(pool_target_, 1u) : pool_target_;
  // Ready files too short for the planned segment do not count: they are deleted when met.
  const uint64_t planned_bytes = planned_bytes_;
  const auto useful = static_cast<uint32_t>(std::count_if(
      ready_.begin(), ready_.end(),
      [planned_bytes](const PoolFile& file) { return file.size_bytes >= planned_bytes; }));
  return !failed_ && requested_ && planned_bytes_ > 0 && useful + in_progress_ < target;
}

void SegmentManager::Run() {
  // Runs until stop_ is set (destructor, StopPrewriting); each pass prepares one file or waits for
  // work.
  while (true) {
    {
      MutexLock lock(&mutex_);
      while (!stop_ && !ShortOfTarget()) {
        work_.Wait(&mutex_);
      }
      if (stop_) {
        return;
      }
    }
    PrepareOne();
  }
}

bool SegmentManager::PrepareOne() {
  std::string name;
  uint64_t size_bytes = 0;
  {
    MutexLock lock(&mutex_);
    if (!ShortOfTarget()) {
      return false;
    }
    name = FormatPoolName(next_counter_++, false /*ready*/);
    size_bytes = planned_bytes_;
    ++in_progress_;
  }
  const Status status = ZeroFill(name, size_bytes);
  MutexLock lock(&mutex_);
  --in_progress_;
  if (!status.ok()) {
    // Pre-writing is an optimisation: its failure slows the hot path down, it does not stop it.
    logger_->warn("ringdb journal: could not pre-write a segment: {}", status.ToString());
    failed_ = true;
    env_->DeleteFile(JoinPath(dir_, name)).PermitUnchecked();
    return false;
  }
  const std::optional<PoolName> parsed = ParsePoolName(name);
  RINGDB_ASSERT(parsed.has_value());
  ready_.push_back(PoolFile{FormatPoolName(parsed->counter, true /*ready*/), size_bytes});
  return true;
}

Status SegmentManager::ZeroFill(const std::string& name, uint64_t size_bytes) {
  RINGDB_ASSERT(size_bytes > 0);
  const std::string path = JoinPath(dir_, name);
  std::unique_ptr<WritableFile> file;
  if (Status status = env_->OpenWritable(path, OpenMode::kCreateOrOpen, &file); !status.ok()) {
    return status;
  }
  if (zeros_.empty()) {
    zeros_.assign(kZeroChunkBytes, std::byte{0});
  }
  for (uint64_t offset = 0; offset < size_bytes; offset += zeros_.size()) {
    const uint64_t size = std::min<uint64_t>(zeros_.size(), size_bytes - offset);
    if (Status status = WriteFully(file.get(), offset, std::span(zeros_).first(size));
        !status.ok()) {
      return status;
    }
  }
  // Truncate: a file left by an earlier attempt may be longer.
  if (Status status = file->Truncate(size_bytes); !status.ok()) {
    return status;
  }
  // fsync, not fdatasync: the file's new size must be durable too, or the blocks would not count
  // as written after a crash.
  if (Status status = file->SyncAll(); !status.ok()) {
    return status;
  }
  if (Status status = file->Close(); !status.ok()) {
    return status;
  }
  const std::optional<PoolName> parsed = ParsePoolName(name);
  RINGDB_ASSERT(parsed.has_value());
  // No directory sync: if the new name is lost in a crash the file is deleted at the next open.
  return env_->RenameFile(path, JoinPath(dir_, FormatPoolName(parsed->counter, true /*ready*/)));
}

std::string SegmentManager::TakeReadyFile(uint64_t capacity_bytes) {
  std::vector<std::string> too_short;
  std::string taken;
  {
    MutexLock lock(&mutex_);
    // The journal takes no more segments than it plans, so the pool holds at most a few files.
    while (!ready_.empty() && taken.empty()) {
      if (ready_.front().size_bytes >= capacity_bytes) {
        taken = ready_.front().name;
      } else {
        too_short.push_back(ready_.front().name);
      }
      ready_.pop_front();
    }
    requested_ = false;
  }
  for (const std::string& name : too_short) {
    // Made for a smaller segment than the journal writes now (a pre-write that finished late).
    logger_->debug("ringdb journal: deleting {}, too short for the next segment", name);
    env_->DeleteFile(JoinPath(dir_, name)).PermitUnchecked();
  }
  return taken;
}

Status SegmentManager::CreateSegment(const std::string& name, uint64_t capacity_bytes,
                                     bool* prewritten, std::unique_ptr<WritableFile>* segment) {
  if (segment == nullptr) {
    return Status::InvalidArgument("SegmentManager::CreateSegment: segment out-parameter is null");
  }
  segment->reset();
  RINGDB_ASSERT(prewritten != nullptr);
  RINGDB_ASSERT(capacity_bytes > 0);
  const std::string pool_name = TakeReadyFile(capacity_bytes);
  const std::string path = JoinPath(dir_, name);
  *prewritten = !pool_name.empty();
  if (*prewritten) {
    if (Status status = env_->RenameFile(JoinPath(dir_, pool_name), path); !status.ok()) {
      return status;
    }
  }
  std::unique_ptr<WritableFile> file;
  if (Status status = env_->OpenWritable(
          path, *prewritten ? OpenMode::kOpenExisting : OpenMode::kCreateNew, &file);
      !status.ok()) {
    return status;
  }
  if (!*prewritten) {
    // Sized now, sparsely, and durably, before any record goes in: a segment's length then never
    // changes, so one found shorter was cut, not torn by an interrupted append.
    if (Status status = file->Truncate(capacity_bytes); !status.ok()) {
      return status;
    }
    if (Status status = file->SyncAll(); !status.ok()) {
      return status;
    }
  }
  RINGDB_CRASH_POINT("journal.segment_before_dir_sync");
  if (Status status = SyncDir(); !status.ok()) {
    return status;
  }
  *segment = std::move(file);
  return Status::OK();
}

Status SegmentManager::RetireFile(const std::string& name, uint64_t file_size_bytes) {
  const std::string path = JoinPath(dir_, name);
  std::string pool_name;
  {
    MutexLock lock(&mutex_);
    if (pool_target_ > 0 && !failed_ && planned_bytes_ > 0 && file_size_bytes >= planned_bytes_ &&
        ready_.size() + in_progress_ < pool_target_) {
      pool_name = FormatPoolName(next_counter_++, true /*ready*/);
    }
  }
  if (pool_name.empty()) {
    return env_->DeleteFile(path);
  }
  if (Status status = env_->RenameFile(path, JoinPath(dir_, pool_name)); !status.ok()) {
    return status;
  }
  {
    MutexLock lock(&mutex_);
    ready_.push_back(PoolFile{pool_name, file_size_bytes});
  }
  return Status::OK();
}

Status SegmentManager::SyncDir() { return env_->SyncDir(dir_); }

}  // namespace ringdb::journal
