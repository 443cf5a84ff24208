#include "engine/checkpointer.h"

#include <spdlog/spdlog.h>

#include "engine/apply_stage.h"
#include "util/assert.h"
#include "util/thread_name.h"

namespace ringdb {

Checkpointer::Checkpointer(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data,
                           rocksdb::ColumnFamilyHandle* meta, const ApplyStage* apply_stage,
                           uint64_t threshold_bytes, std::shared_ptr<spdlog::logger> logger)
    : db_(db),
      data_(data),
      meta_(meta),
      apply_stage_(apply_stage),
      threshold_bytes_(threshold_bytes),
      logger_(std::move(logger)) {
  RINGDB_ASSERT(db_ != nullptr && data_ != nullptr && meta_ != nullptr);
  RINGDB_ASSERT(apply_stage_ != nullptr);
}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Start() {
  RINGDB_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] { Loop(); });
  internal::NameThread(thread_, "ringdb:checkpt");
}

void Checkpointer::Stop() {
  {
    MutexLock lock(&mutex_);
    stop_ = true;
  }
  wake_.SignalAll();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Checkpointer::Journaled(uint64_t bytes) {
  if (bytes_since_checkpoint_.fetch_add(bytes, std::memory_order_relaxed) + bytes <
      threshold_bytes_) {
    return;
  }
  {
    MutexLock lock(&mutex_);
    if (requested_) {
      return;
    }
    requested_ = true;
  }
  wake_.Signal();
}

void Checkpointer::Loop() {
  for (;;) {
    {
      MutexLock lock(&mutex_);
      while (!requested_ && !stop_) {
        wake_.Wait(&mutex_);
      }
      if (stop_) {
        return;
      }
    }
    Pass();
    MutexLock lock(&mutex_);
    requested_ = false;
  }
}

bool Checkpointer::Pass() {
  // Everything committed before the flush starts is in RocksDB's files once it returns.
  const uint64_t covered = apply_stage_->committed_sequence();
  bytes_since_checkpoint_.store(0, std::memory_order_relaxed);
  rocksdb::FlushOptions flush;
  flush.wait = true;
  const rocksdb::Status flushed = db_->Flush(flush, {data_, meta_});
  if (!flushed.ok()) {
    logger_->warn("ringdb: checkpoint flush failed: {}", flushed.ToString());
    return false;
  }
  // The applied sequence only grows, and a retire request never runs ahead of it.
  RINGDB_ASSERT(covered >= retire_request_.load(std::memory_order_relaxed));
  checkpoint_sequence_.store(covered, std::memory_order_relaxed);
  retire_request_.store(covered, std::memory_order_release);
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace ringdb
