// Checkpointer: flushes RocksDB once the journal grew by the checkpoint threshold, then asks the
// journal stage to retire the journal segments the flush made unnecessary.
//
// The journal stage reports what it made durable (Journaled); past the threshold that requests a
// checkpoint and wakes the checkpointer's thread, which runs Pass: it notes the applied sequence,
// flushes RocksDB (everything applied before the flush started is then in RocksDB's files) and
// publishes that sequence as retire_request(), which the journal stage's holder acts on. Flushing
// never blocks the pipeline: RocksDB's write path goes on meanwhile.
//
// Thread safety: every method from any thread; Pass from one thread at a time (the checkpointer's
// own, today).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include <rocksdb/db.h>

#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace spdlog {
class logger;
}

namespace ringdb {

class ApplyStage;

class Checkpointer {
 public:
  // db, its column families and the apply stage, whose applied sequence a checkpoint covers,
  // outlive the checkpointer (until Stop).
  Checkpointer(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data,
               rocksdb::ColumnFamilyHandle* meta, const ApplyStage* apply_stage,
               uint64_t threshold_bytes, std::shared_ptr<spdlog::logger> logger);
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer();

  // Starts the thread that runs a pass for each request.
  void Start() EXCLUDES(mutex_);
  // Ends the thread, after the pass it is running, if any. Idempotent.
  void Stop() EXCLUDES(mutex_);

  // The journal stage made `bytes` more durable; requests a checkpoint once the journal grew by
  // the threshold since the last. Cheap when none is due: one relaxed add and a compare.
  void Journaled(uint64_t bytes) EXCLUDES(mutex_);

  // One checkpoint: flush, then publish what it covers. True when the flush succeeded.
  bool Pass();

  // The journal sequence through which the journal may be retired (0: none yet). Acquire: what
  // RocksDB's files hold through it is durable before it is seen.
  uint64_t retire_request() const { return retire_request_.load(std::memory_order_acquire); }
  uint64_t checkpoint_sequence() const {
    return checkpoint_sequence_.load(std::memory_order_relaxed);
  }
  uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

 private:
  void Loop() EXCLUDES(mutex_);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const data_;
  rocksdb::ColumnFamilyHandle* const meta_;
  const ApplyStage* const apply_stage_;
  const uint64_t threshold_bytes_;
  const std::shared_ptr<spdlog::logger> logger_;

  // Journal bytes made durable since the last checkpoint began (journal stage, relaxed).
  std::atomic<uint64_t> bytes_since_checkpoint_{0};
  // Written by Pass only.
  std::atomic<uint64_t> checkpoint_sequence_{0};
  std::atomic<uint64_t> retire_request_{0};
  std::atomic<uint64_t> checkpoints_{0};

  Mutex mutex_;
  CondVar wake_;                               // Signalled under the conditions below.
  bool requested_ GUARDED_BY(mutex_) = false;  // A checkpoint is due and not yet done.
  bool stop_ GUARDED_BY(mutex_) = false;
  std::thread thread_;  // Started and joined by the engine's thread that opens and closes it.
};

}  // namespace ringdb
