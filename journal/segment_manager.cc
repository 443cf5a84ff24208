#include "journal/segment_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>

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

SegmentManager::SegmentManager(Env* env, std::string dir, uint64_t segment_size_bytes,
                               uint32_t pool_target, spdlog::logger* logger)
    : env_(env),
      dir_(std::move(dir)),
      segment_size_bytes_(segment_size_bytes),
      pool_target_(pool_target),
      logger_(logger) {
  RINGDB_ASSERT(env_ != nullptr);
  RINGDB_ASSERT(segment_size_bytes_ > 0);
}

SegmentManager::~SegmentManager() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

Status SegmentManager::Start(const std::vector<std::string>& pool_files) {
  RINGDB_ASSERT(!thread_.joinable());
  std::vector<std::string> unfinished;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& name : pool_files) {
      const std::optional<PoolName> parsed = ParsePoolName(name);
      RINGDB_ASSERT(parsed.has_value());
      next_counter_ = std::max(next_counter_, parsed->counter + 1);
      if (parsed->ready) {
        // Zero-filled and synced (or a retired segment, whose length was durable) before it got
        // its ready name: its length holds across a power loss, which HEAD relies on.
        ready_.push_back(name);
      } else {
        unfinished.push_back(name);
      }
    }
  }
  for (const std::string& name : unfinished) {
    // A crash interrupted its zero-filling: its length may be in the page cache only.
    logger_->info("ringdb journal: deleting {}, a pre-written file a crash left unfinished", name);
    env_->DeleteFile(JoinPath(dir_, name)).PermitUnchecked();
  }
  if (pool_target_ == 0) {
    // No pre-writing: leftover pool files from an earlier configuration are just deleted.
    for (const std::string& name : pool_files) {
      env_->DeleteFile(JoinPath(dir_, name)).PermitUnchecked();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.clear();
    return Status::OK();
  }
  zeros_.assign(std::min(kZeroChunkBytes, segment_size_bytes_), std::byte{0});
  if (ready_count() == 0) {
    PrepareOne();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) {
      logger_->warn("ringdb journal: pre-writing failed in {}; segments will grow by appends",
                    dir_);
    }
  }
  thread_ = std::thread([this] { Run(); });
  internal::NameThread(thread_, "ringdb:prewrite");
  return Status::OK();
}

uint32_t SegmentManager::ready_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<uint32_t>(ready_.size());
}

void SegmentManager::StopPrewriting() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
}

void SegmentManager::Run() {
  // Runs until stop_ is set (destructor, StopPrewriting); each pass prepares one file or waits for work.
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [this] {
        return stop_ || (!failed_ && ready_.size() + in_progress_ < pool_target_);
      });
      if (stop_) {
        return;
      }
    }
    PrepareOne();
  }
}

bool SegmentManager::PrepareOne() {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ready_.size() + in_progress_ < pool_target_) {
      name = FormatPoolName(next_counter_++, false /*ready*/);
    } else {
      return false;
    }
    ++in_progress_;
  }
  const Status status = ZeroFill(name);
  std::lock_guard<std::mutex> lock(mutex_);
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
  ready_.push_back(FormatPoolName(parsed->counter, true /*ready*/));
  return true;
}

Status SegmentManager::ZeroFill(const std::string& name) {
  const std::string path = JoinPath(dir_, name);
  Result<std::unique_ptr<WritableFile>> file = env_->OpenWritable(path, OpenMode::kCreateOrOpen);
  if (!file.ok()) {
    return file.status();
  }
  for (uint64_t offset = 0; offset < segment_size_bytes_; offset += zeros_.size()) {
    const uint64_t size = std::min<uint64_t>(zeros_.size(), segment_size_bytes_ - offset);
    if (Status status = WriteFully(file->get(), offset, std::span(zeros_).first(size));
        !status.ok()) {
      return status;
    }
  }
  // Truncate: a recycled file may be longer than the current segment size.
  if (Status status = (*file)->Truncate(segment_size_bytes_); !status.ok()) {
    return status;
  }
  // fsync, not fdatasync: the file's new size must be durable too, or the blocks would not count
  // as written after a crash.
  if (Status status = (*file)->SyncAll(); !status.ok()) {
    return status;
  }
  if (Status status = (*file)->Close(); !status.ok()) {
    return status;
  }
  const std::optional<PoolName> parsed = ParsePoolName(name);
  RINGDB_ASSERT(parsed.has_value());
  // No directory sync: if the new name is lost in a crash the file is zero-filled again.
  return env_->RenameFile(path, JoinPath(dir_, FormatPoolName(parsed->counter, true /*ready*/)));
}

Result<std::unique_ptr<WritableFile>> SegmentManager::CreateSegment(const std::string& name,
                                                                    bool* prewritten) {
  RINGDB_ASSERT(prewritten != nullptr);
  std::string pool_name;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ready_.empty()) {
      pool_name = ready_.front();
      ready_.pop_front();
    }
  }
  work_.notify_one();
  const std::string path = JoinPath(dir_, name);
  *prewritten = !pool_name.empty();
  if (*prewritten) {
    if (Status status = env_->RenameFile(JoinPath(dir_, pool_name), path); !status.ok()) {
      return status;
    }
  }
  Result<std::unique_ptr<WritableFile>> file =
      env_->OpenWritable(path, *prewritten ? OpenMode::kOpenExisting : OpenMode::kCreateNew);
  if (!file.ok()) {
    return file.status();
  }
  if (!*prewritten) {
    // Sized now, sparsely, and durably, before any record goes in: a segment's length then never
    // changes, so one found shorter was cut, not torn by an interrupted append.
    if (Status status = (*file)->Truncate(segment_size_bytes_); !status.ok()) {
      return status;
    }
    if (Status status = (*file)->SyncAll(); !status.ok()) {
      return status;
    }
  }
  RINGDB_CRASH_POINT("journal.segment_before_dir_sync");
  if (Status status = SyncDir(); !status.ok()) {
    return status;
  }
  return file;
}

Status SegmentManager::RetireFile(const std::string& name, uint64_t file_size_bytes) {
  const std::string path = JoinPath(dir_, name);
  std::string pool_name;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pool_target_ > 0 && !failed_ && file_size_bytes >= segment_size_bytes_ &&
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
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back(pool_name);
  }
  work_.notify_one();
  return Status::OK();
}

Status SegmentManager::SyncDir() { return env_->SyncDir(dir_); }

}  // namespace ringdb::journal
