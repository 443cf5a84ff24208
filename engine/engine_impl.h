// EngineImpl: the engine's state and its three background threads.
//
//   producers ──Claim/Publish──► ring ──► journaler thread ──► applier thread ──► tokens resolve
//                                          (Add…, one Commit:    (Stage…, one RocksDB write
//                                           write + fdatasync)    with the applied marker)
//   checkpointer thread: flushes RocksDB when the journal grew past the threshold, then asks the
//   journaler to retire the segments the flush covers.
//
// The applier consumer runs after the journaling consumer in the ring, so it can only see a
// transaction once the journal made it durable; the applier is the ring's terminal consumer, so a
// token resolves only once its transaction is applied. The journal sequence assigned to each
// transaction travels from journaler to applier in journal_sequence_by_slot_, indexed like the
// ring's slots: written before the journaler releases the slot, read after the applier's barrier
// saw that release (the ring's release/acquire orders them).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include <rocksdb/db.h>

#include "engine/applier.h"
#include "engine/database_lock.h"
#include "engine/group_gatherer.h"
#include "engine/histogram.h"
#include "engine/rocksdb_open.h"
#include "engine/stage.h"
#include "journal/journal.h"
#include "ringdb/engine.h"

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
  bool AdmitReader(Reader reader);
  void LeaveReader(Reader reader);

 private:
  // Opening, in order.
  Status PrepareDirectories();
  // The file system RocksDB writes through (that of options_.rocksdb_options).
  rocksdb::FileSystem* RocksDbFileSystem() const;
  Status OpenRocksDb();
  Status OpenJournal();
  Status Replay();
  Status StartRing();

  // The write path's claims, waiting for room until `deadline` (time_point::max(): no limit).
  Token SubmitUntil(const WriteBatch& batch, std::chrono::steady_clock::time_point deadline);
  // Checks the batch, claims its slots and copies it in; the caller publishes.
  Result<ClaimedBatch> ClaimFilled(const WriteBatch& batch,
                                   std::chrono::steady_clock::time_point deadline);
  Result<ClaimedTransaction> ClaimUntil(uint32_t slot_count,
                                        std::chrono::steady_clock::time_point deadline);

  // Closing. `deadline` is nullopt for a Close without limit.
  Status CloseUntil(std::optional<std::chrono::steady_clock::time_point> deadline);
  // Refuses new iterators and snapshots, then waits until none is open; TimedOut naming those
  // still open when the deadline passes first.
  Status WaitForReaders(std::optional<std::chrono::steady_clock::time_point> deadline);
  std::string OpenReaders() const;  // Caller holds readers_mutex_.

  // The background threads.
  void JournalerLoop();
  void ApplierLoop();
  void CheckpointerLoop();
  // One pass of each stage from ring sequence `next`, by whichever thread holds the stage (see
  // stage.h): handles everything available and returns the next sequence to handle. The journal
  // stage's thread passes `gather`, waiting briefly for the group to fill (GroupGatherer); a
  // writer running the pass takes what is there, as RocksDB's write-group leader does, and
  // passes `apply`, which the pass tries to hold before it hands the group to the apply stage,
  // so that the writer applies the group too instead of waking the apply stage's thread.
  uint64_t JournalPass(uint64_t next, bool gather, Stage::Hold* apply);
  uint64_t ApplyPass(uint64_t next);
  // The journal stage's thread applies a group it journaled itself when the group is at most
  // this many slots and the apply stage is idle: a group that small comes from synchronous
  // writers, waiting, and one hand-off fewer gets them their tokens sooner on a busy host. Larger
  // groups come from pipelined submits and go to the apply stage's thread, so that applying one
  // group overlaps the next group's fdatasync.
  static constexpr uint64_t kInlineApplySlotsMax = 64;
  // One delivered run [first, last] of ring sequences, for each stage.
  void JournalRun(uint64_t first, uint64_t last);
  // Makes the group [group_first, group_last] durable (one write, one fdatasync), or fails it.
  bool CommitGroup(uint64_t group_first, uint64_t group_last, uint64_t transactions, uint64_t bytes,
                   std::chrono::steady_clock::time_point started);
  void ApplyRun(uint64_t first, uint64_t last);
  void FailRun(Consumer* consumer, uint64_t first, uint64_t last, const Status& status);
  // Fails the batch ending at batch_last in the ring, and in its writer's outcome when it has one.
  void FailBatch(Consumer* consumer, uint64_t batch_last, const Status& status);
  void MaybeRetire();
  void RequestCheckpointIfDue();

  // The transaction bytes of the batch ending at `last`: one span, or two when it wraps.
  size_t Gather(const Consumer* consumer, uint64_t first, uint64_t last,
                std::span<const std::byte> pieces[2]) const;
  // The applied marker every read from now on sees (Info). Caller holds db_mutex_.
  uint64_t CommittedSequenceVisible() const;
  // Enters the failed state: writes are refused from now on; reads go on.
  void SetFault(const Status& status);
  Status FaultStatus() const;
  void StopThreads();
  Status CloseStorage();

  const Options options_;
  const std::string path_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<FileLock> lock_;  // The database directory's (database_lock.h); null when closed.

  // RocksDB. db_mutex_ is held shared by every read and exclusively by Close when it closes the
  // database, so no read ever touches a closed database.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<RingdbRocksDb> rocksdb_;
  // rocksdb_'s database and column families, null once CloseStorage closed it.
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* data_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::unique_ptr<Applier> applier_;

  std::unique_ptr<journal::Journal> journal_;
  uint32_t journal_record_bytes_max_ = 0;  // recorded in OPTIONS; never shrinks
  std::unique_ptr<RingBuffer> ring_;
  Consumer* journal_consumer_ = nullptr;
  Consumer* apply_consumer_ = nullptr;
  // The two stages. The journal consumer, the journal's write side, gatherer_ and
  // retired_through_ belong to whoever holds journal_stage_; the apply consumer, applier_ and
  // apply_scratch_ to whoever holds apply_stage_. Stopped by StopThreads once the threads end.
  Stage journal_stage_;
  Stage apply_stage_;
  std::unique_ptr<GroupGatherer> gatherer_;
  // Journal sequence of the transaction whose batch ends in each slot; 0 when the batch was
  // aborted or failed before reaching the journal. Written by the journal stage, read by the
  // apply stage after the journal consumer's release passed the slot.
  std::vector<uint64_t> journal_sequence_by_slot_;
  // Where a synchronous Write waits for the outcome of the batch ending in each slot; null for
  // any other batch. The claimer writes it before publishing; a stage that fails the batch writes
  // the failure there before releasing it. The ring's own record of failures is per slot and a
  // later failure in the same slot replaces it: a writer that is slow to look after its token
  // resolved (descheduled, or applying a long run for others) would read Unknown there, but never
  // here, since nothing else claims the slot until this batch is released. An entry may still
  // point at a writer that has returned; every claim path must therefore set or clear its batch's
  // entry before publishing, and nothing may clear an entry after Wait (the slot may be another
  // batch's by then).
  std::vector<Status*> outcome_by_slot_;
  // Contiguous copy of a transaction that wraps around the ring's end, for the apply stage only.
  std::vector<std::byte> apply_scratch_;

  std::thread journaler_;
  std::thread applier_thread_;
  std::thread checkpointer_;

  // Lifecycle. closed_: set once by Close (any thread), read by every writer (acquire/release).
  std::atomic<bool> closed_{false};
  std::mutex close_mutex_;  // serializes Close callers
  bool storage_closed_ = false;

  // Live iterators and unreleased snapshots, under readers_mutex_; readers_cv_ wakes Close when
  // the last one leaves. readers_closed_: Close has begun and admits no more.
  mutable std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  uint64_t live_iterators_ = 0;
  uint64_t live_snapshots_ = 0;
  bool readers_closed_ = false;

  // Fault state. faulted_ is the fast check on the write path; fault_ holds the status, under
  // fault_mutex_.
  std::atomic<bool> faulted_{false};
  mutable std::mutex fault_mutex_;
  Status fault_;

  // Sequences, each written by one thread and read by any. committed_sequence_ is stored with
  // release after the RocksDB write and loaded with acquire by the checkpointer, which relies on
  // RocksDB holding everything up to it; it may lag what readers see (a group can take several
  // RocksDB writes), so snapshots and Info read the marker in RocksDB instead. The others are
  // only reported (relaxed).
  std::atomic<uint64_t> committed_sequence_{0};   // applier
  std::atomic<uint64_t> checkpoint_sequence_{0};  // checkpointer
  std::atomic<uint64_t> retire_request_{0};       // checkpointer → journaler
  uint64_t retired_through_ = 0;                  // the journal stage's holder
  // Held by Backup while it copies the journal, and tried by the journaler before retiring, so
  // that no segment a backup still needs is deleted under it.
  std::mutex retire_mutex_;

  // Checkpoint trigger: journal bytes since the last checkpoint (journaler), and the wake-up.
  std::atomic<uint64_t> journal_bytes_since_checkpoint_{0};
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_requested_ = false;  // under checkpoint_mutex_
  bool checkpointer_stop_ = false;     // under checkpoint_mutex_

  // Statistics.
  std::atomic<uint64_t> submitted_{0};
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> conflicted_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> aborted_{0};
  std::atomic<uint64_t> journal_groups_{0};
  std::atomic<uint64_t> journal_bytes_{0};
  std::atomic<uint64_t> checkpoints_{0};
  Histogram group_transactions_;
  Histogram fsync_latency_us_;
  Histogram apply_latency_us_;
  Histogram ring_occupancy_;

  RecoveryInfo recovery_;
};

}  // namespace ringdb
