// The read-only view's internals, shared by read_only_database.cc (open, read, refresh) and
// read_only_backup.cc (a consistent copy of the view). See ringdb/read_only_database.h.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <spdlog/spdlog.h>

#include "engine/rocksdb_open.h"
#include "journal/journal_options.h"
#include "journal/journal_scanner.h"
#include "ringdb/env.h"
#include "ringdb/logger.h"
#include "ringdb/read_only_database.h"
#include "util/assert.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace ringdb::read_only {

// Why a read of the view failed, for the retry decision.
enum class ReadFailure : uint8_t {
  kNone,
  kFinal,      // Not caused by a concurrent retirement: bad options, RocksDB unreadable, ...
  kRetryable,  // A gap, a segment gone, damage that a live engine's retirement explains.
};

// Whether a process holds the flock on <path>/LOCK, told from /proc/locks without taking any lock
// (a probe by locking would make an engine opening at that moment fail with Busy).
bool LockHeld(const std::string& path);

// The state one read of the view built; never changed afterwards, shared with iterators.
struct View {
  View() : batch(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}
  rocksdb::WriteBatchWithIndex batch;
  uint64_t marker = 0;
  uint64_t sequence = 0;
  uint64_t replayed = 0;
  uint64_t conflicted = 0;
  std::vector<journal::ScannedSegment> segments;
  journal::RecoveryReport report;
  bool live = false;
  uint32_t attempts = 0;
};

class ReadOnlyDatabaseImpl final : public ReadOnlyDatabase {
 public:
  ReadOnlyDatabaseImpl(const Options& options, std::string path)
      : options_(options),
        path_(std::move(path)),
        logger_(options.logger ? options.logger : DefaultLogger()),
        env_(options.env != nullptr ? options.env : Env::Default()) {}
  ~ReadOnlyDatabaseImpl() override {
    const Status closed = Close();
    RINGDB_ASSERT(!closed.IsBusy());  // Iterators must be destroyed before their database.
    closed.PermitUnchecked();
  }

  Status OpenAll();

  Status Get(std::string_view key, std::string* value) override;
  std::vector<Status> MultiGet(std::span<const std::string_view> keys,
                               std::vector<std::string>* values) override;
  std::unique_ptr<Iterator> NewIterator(const IteratorOptions& options) override;
  uint64_t sequence() const override {
    ReaderMutexLock lock(&mutex_);
    return view_ != nullptr ? view_->sequence : 0;
  }
  ReadOnlyInfo Info() const override;
  Status Refresh() override {
    WriterMutexLock lock(&mutex_);
    return RefreshLocked();
  }
  Status Backup(const std::string& dir) override;
  Status Close() override;

  void LeaveIterator() EXCLUDES(iterators_mutex_) {
    MutexLock lock(&iterators_mutex_);
    RINGDB_ASSERT(live_iterators_ > 0);
    --live_iterators_;
  }

 private:
  Status OpenSecondary() REQUIRES(mutex_);
  // Reads the view again, retrying as the header says.
  Status RefreshLocked() REQUIRES(mutex_);
  // One read of the view; *failure says whether a retry may succeed.
  Status BuildView(bool catch_up, std::shared_ptr<View>* built, ReadFailure* failure)
      REQUIRES(mutex_);
  Status ReplayJournal(View* view, ReadFailure* failure) REQUIRES(mutex_);
  // Judges one transaction as the applier would and stages its writes into the view's batch.
  Status Stage(View* view, std::span<const std::byte> transaction, uint64_t sequence)
      REQUIRES(mutex_);
  // The database is open.
  Status GetLocked(std::string_view key, std::string* value) const REQUIRES_SHARED(mutex_);
  // Backup's parts (read_only_backup.cc).
  Status CheckTargetOutside(const std::string& dir) const;
  Status CopyJournalRetrying(const std::string& dir) REQUIRES(mutex_);
  Status CopyJournal(const View& view, const std::string& target);
  Status WriteRocksDb(const View& view, const std::string& target) REQUIRES_SHARED(mutex_);
  // The file system the backup's RocksDB is written through (that of options_.rocksdb_options).
  rocksdb::FileSystem* RocksDbFileSystem() const;
  Status CheckOpen() const REQUIRES_SHARED(mutex_) {
    return rocksdb_ != nullptr
               ? Status::OK()
               : Status::Aborted("the read-only database at " + path_ + " is closed");
  }
  // Open, and holding a view (a failed Refresh loses it: see RefreshLocked).
  Status CheckReadable() const REQUIRES_SHARED(mutex_) {
    if (Status open = CheckOpen(); !open.ok()) {
      return open;
    }
    return view_ != nullptr ? Status::OK()
                            : Status::Aborted("the read-only view of " + path_ +
                                              " was lost by a failed Refresh (" + lost_.ToString() +
                                              "): call Refresh again");
  }

  const Options options_;
  const std::string path_;
  std::shared_ptr<spdlog::logger> logger_;
  Env* const env_;
  journal::JournalOptions journal_options_;
  uint32_t record_bytes_max_floor_ = 0;

  // Held shared by reads, exclusively by Refresh, Backup and Close.
  mutable SharedMutex mutex_;
  // Private, outside the database; removed by Close.
  std::string secondary_dir_ GUARDED_BY(mutex_);
  std::unique_ptr<RingdbRocksDb> rocksdb_ GUARDED_BY(mutex_);
  // rocksdb_'s database and column families; rocksdb_ is null until open and once closed.
  rocksdb::DB* db() const REQUIRES_SHARED(mutex_) { return rocksdb_->db(); }
  rocksdb::ColumnFamilyHandle* data() const REQUIRES_SHARED(mutex_) { return rocksdb_->data(); }
  rocksdb::ColumnFamilyHandle* meta() const REQUIRES_SHARED(mutex_) { return rocksdb_->meta(); }
  std::shared_ptr<const View> view_ GUARDED_BY(mutex_);
  Status lost_ GUARDED_BY(mutex_);  // Why view_ is null after a failed Refresh.

  Mutex iterators_mutex_ ACQUIRED_AFTER(mutex_);
  uint64_t live_iterators_ GUARDED_BY(iterators_mutex_) = 0;
};

}  // namespace ringdb::read_only
