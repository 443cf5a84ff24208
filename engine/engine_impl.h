// EngineImpl: the engine's state, and the wiring of the write pipeline's stages.
//
//   producers ──Claim/Publish──► ring ──► journal stage ──► apply stage ──► tokens resolve
//                                          (Journaler: Add…,  (ApplyStage: Applier::Stage…,
//                                           one Commit: write  one RocksDB write with the
//                                           + fdatasync)       applied marker)
//   Checkpointer: flushes RocksDB when the journal grew past the threshold, then asks the
//   journal stage to retire the segments the flush covers.
//
// The apply consumer runs after the journal consumer in the ring, so it can only see a
// transaction once the journal made it durable; it is the ring's terminal consumer, so a token
// resolves only once its transaction is applied. The journal sequence assigned to each
// transaction travels from the journal stage to the apply stage in the Pipeline (pipeline.h).
//
// Who runs what: each stage (stage.h) has a thread of its own that runs its passes, and a
// synchronous Write runs them on its own thread when it finds them idle (engine_write.cc). The
// journal stage is the Journaler's, the apply stage the ApplyStage's (with the Applier judging and
// writing); this class only wires them. The Checkpointer has its own thread.
//
// Mutexes, in the order they are taken when nested: close_mutex_, then a Journaler's
// retire_mutex(), then db_mutex_; readers_mutex_ and the Pipeline's fault mutex are leaves.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "engine/applier.h"
#include "engine/apply_stage.h"
#include "engine/checkpointer.h"
#include "engine/database_lock.h"
#include "engine/journaler.h"
#include "engine/pipeline.h"
#include "engine/rocksdb_open.h"
#include "engine/stage.h"
#include "journal/journal.h"
#include "ringdb/engine.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace spdlog {
class logger;
}

namespace ringdb {

class EngineImpl final : public Engine {
 public:
  EngineImpl(const Options& options, std::string path);
  ~EngineImpl() override;

  // Open's work after the engine object exists; on failure the object is destroyed unopened.
  Status OpenAll();

  Token Submit(const WriteBatch& batch) override;
  Token Submit(const WriteBatch& batch, std::chrono::milliseconds timeout) override;
  Status Write(const WriteBatch& batch) override;
  Result<ClaimedTransaction> Claim(uint32_t slot_count) override;
  Result<ClaimedTransaction> Claim(uint32_t slot_count, std::chrono::milliseconds timeout) override;
  uint32_t SlotsFor(uint32_t operation_count, uint64_t key_and_value_bytes) const override;

  Status Get(std::string_view key, std::string* value, const ReadOptions& options) override;
  std::vector<Status> MultiGet(std::span<const std::string_view> keys,
                               std::vector<std::string>* values,
                               const ReadOptions& options) override;
  std::unique_ptr<Iterator> NewIterator(const IteratorOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;

  Status Backup(const std::string& dir) override;
  // Backup's halves: RocksDB's checkpoint into dir/db, then the journal's segments (committed
  // bytes only) and OPTIONS.
  Status CheckpointRocksDb(const std::string& dir);
  Status CopyJournal(Env* env, const std::string& dir);
  EngineInfo Info() const override;
  EngineStats Stats() const override;
  const RecoveryInfo& recovery() const override { return recovery_; }
  Status Close() override;
  Status Close(std::chrono::milliseconds timeout) override;

  // Used by ClaimedTransaction.
  const Options& options() const { return options_; }
  Status CheckWritable() const;
  void CountAborted() { aborted_.fetch_add(1, std::memory_order_relaxed); }
  void CountSubmitted() { submitted_.fetch_add(1, std::memory_order_relaxed); }

  // Used by iterators and snapshots: Close waits until every admitted reader has left. Admit
  // fails once Close has begun.
  enum class Reader : uint8_t { kIterator, kSnapshot };
  bool AdmitReader(Reader reader) EXCLUDES(readers_mutex_);
  void LeaveReader(Reader reader) EXCLUDES(readers_mutex_);

 private:
  // Opening, in order.
  Status PrepareDirectories();
  // The file system RocksDB writes through (that of options_.rocksdb_options).
  rocksdb::FileSystem* RocksDbFileSystem() const;
  // Under db_mutex_, which OpenAll holds while it opens: nothing else can see the engine yet,
  // and the analysis sees the members they set written under it.
  Status OpenRocksDb() REQUIRES(db_mutex_);
  Status OpenJournal() REQUIRES(db_mutex_);
  Status Replay() REQUIRES(db_mutex_);
  Status StartRing() REQUIRES(db_mutex_);

  // The write path's claims, waiting for room until `deadline` (time_point::max(): no limit).
  Token SubmitUntil(const WriteBatch& batch, std::chrono::steady_clock::time_point deadline);
  // Checks the batch, claims its slots and copies it in; the caller publishes.
  Result<ClaimedBatch> ClaimFilled(const WriteBatch& batch,
                                   std::chrono::steady_clock::time_point deadline);
  Result<ClaimedTransaction> ClaimUntil(uint32_t slot_count,
                                        std::chrono::steady_clock::time_point deadline);

  // Closing. `deadline` is nullopt for a Close without limit.
  Status CloseUntil(std::optional<std::chrono::steady_clock::time_point> deadline)
      EXCLUDES(close_mutex_);
  // Refuses new iterators and snapshots, then waits until none is open; TimedOut naming those
  // still open when the deadline passes first.
  Status WaitForReaders(std::optional<std::chrono::steady_clock::time_point> deadline)
      EXCLUDES(readers_mutex_);
  std::string OpenReaders() const REQUIRES(readers_mutex_);

  // The applied marker every read from now on sees (Info).
  uint64_t CommittedSequenceVisible() const REQUIRES_SHARED(db_mutex_);
  // The apply stage's applied sequence (ApplyStage::committed_sequence); 0 on an engine whose
  // open failed before the stages existed.
  uint64_t CommittedSequence() const;
  void StopThreads();
  Status FlushAndRetire() REQUIRES_SHARED(db_mutex_);
  Status CloseStorage() REQUIRES(close_mutex_) EXCLUDES(db_mutex_);
  bool NoReaders() const REQUIRES(readers_mutex_) {
    return live_iterators_ == 0 && live_snapshots_ == 0;
  }

  const Options options_;
  const std::string path_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<FileLock> lock_;  // The database directory's (database_lock.h); null when closed.

  // RocksDB and the journal. db_mutex_ is held shared by every read and exclusively by Close when
  // it closes them, so no read ever touches a closed database. The stages use them through
  // pointers of their own, which Close stops using (StopThreads) before it closes them.
  mutable SharedMutex db_mutex_ ACQUIRED_AFTER(close_mutex_);
  std::unique_ptr<RingdbRocksDb> rocksdb_ GUARDED_BY(db_mutex_);
  // rocksdb_'s database and column families; rocksdb_ is null until open and once CloseStorage
  // closed it.
  rocksdb::DB* db() const REQUIRES_SHARED(db_mutex_) { return rocksdb_->db(); }
  rocksdb::ColumnFamilyHandle* data() const REQUIRES_SHARED(db_mutex_) { return rocksdb_->data(); }
  rocksdb::ColumnFamilyHandle* meta() const REQUIRES_SHARED(db_mutex_) { return rocksdb_->meta(); }
  std::unique_ptr<journal::Journal> journal_ GUARDED_BY(db_mutex_);
  uint32_t journal_record_bytes_max_ = 0;  // recorded in OPTIONS; never shrinks
  // Recovery's, then the apply stage holder's (applier_->Stage and Commit run only in its passes).
  std::unique_ptr<Applier> applier_;

  std::unique_ptr<RingBuffer> ring_;
  Consumer* journal_consumer_ = nullptr;
  Consumer* apply_consumer_ = nullptr;
  // What the stages share: the per-slot tables and the fault.
  Pipeline pipeline_;
  // The stages and their threads, wired by StartRing; stopped by StopThreads, and kept until
  // the engine is destroyed so that Stats and Backup may still ask them.
  std::unique_ptr<ApplyStage> apply_stage_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<Journaler> journaler_;

  // Lifecycle. closed_: set once by Close (any thread), read by every writer (acquire/release).
  std::atomic<bool> closed_{false};
  Mutex close_mutex_;  // Serializes Close callers.
  bool storage_closed_ GUARDED_BY(close_mutex_) = false;

  // Live iterators and unreleased snapshots; readers_cv_ wakes Close when the last one leaves.
  // readers_closed_: Close has begun and admits no more.
  mutable Mutex readers_mutex_;
  CondVar readers_cv_;
  uint64_t live_iterators_ GUARDED_BY(readers_mutex_) = 0;
  uint64_t live_snapshots_ GUARDED_BY(readers_mutex_) = 0;
  bool readers_closed_ GUARDED_BY(readers_mutex_) = false;

  // Statistics of the writers (the stages and the checkpointer keep their own).
  std::atomic<uint64_t> submitted_{0};
  std::atomic<uint64_t> aborted_{0};

  RecoveryInfo recovery_;
};

}  // namespace ringdb
