// ReadOnlyDatabase: RocksDB's flushed state (a secondary instance) plus the journal past its
// marker, re-executed in memory into an indexed batch. See ringdb/read_only_database.h.
//
// One read of the view (BuildView):
//   1. catch the secondary up with the primary's newest flush (not on the first read), read the
//      applied marker M from its meta column family;
//   2. scan the journal from the segment holding M on, judging each transaction past M with the
//      applier's rules against (the batch so far over RocksDB's state) and staging its writes;
//      the records must run on from M + 1 without a gap;
//   3. check that every segment read still has its name: names are never reused, so a file
//      that kept its name was not retired and overwritten under the read.
// A read that fails 2 or 3 beside a live engine is retried after a catch-up: the retirement that
// caused it follows a flush, which the catch-up brings in.
#include "ringdb/read_only_database.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <spdlog/spdlog.h>

#include "engine/applier.h"
#include "engine/apply_rules.h"
#include "engine/backup_files.h"
#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "engine/read_only_view.h"
#include "engine/rocksdb_open.h"
#include "engine/rocksdb_options.h"
#include "engine/rocksdb_status.h"
#include "journal/journal_reader.h"
#include "journal/journal_scanner.h"
#include "util/assert.h"

namespace ringdb::read_only {

// Whether a process holds the flock on <path>/LOCK, told from /proc/locks without taking any lock
// (a probe by locking would make an engine opening at that moment fail with Busy).
bool LockHeld(const std::string& path) {
  struct stat lock_stat {};
  if (::stat((path + "/LOCK").c_str(), &lock_stat) != 0) {
    return false;
  }
  char device[64];
  std::snprintf(device, sizeof(device), "%02x:%02x:%llu", major(lock_stat.st_dev),
                minor(lock_stat.st_dev), static_cast<unsigned long long>(lock_stat.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string field;
    while (fields >> field) {
      if (field == device) {
        return true;
      }
    }
  }
  return false;
}

namespace {

namespace fs = std::filesystem;

// The least key above every key that starts with prefix; empty when there is none.
std::string PrefixSuccessor(std::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty() && static_cast<uint8_t>(successor.back()) == 0xff) {
    successor.pop_back();
  }
  if (!successor.empty()) {
    successor.back() = static_cast<char>(static_cast<uint8_t>(successor.back()) + 1);
  }
  return successor;
}

// An iterator over (the view's batch over RocksDB's state), with ringdb's bounds and prefix. The
// bounds are given to RocksDB's iterator; the merged iterator is held to them here.
class ViewIterator final : public Iterator {
 public:
  ViewIterator(ReadOnlyDatabaseImpl* database, std::shared_ptr<const View> view, rocksdb::DB* db,
               rocksdb::ColumnFamilyHandle* data, const IteratorOptions& options);
  ~ViewIterator() override;
  ViewIterator(const ViewIterator&) = delete;
  ViewIterator& operator=(const ViewIterator&) = delete;

  bool Valid() const override {
    if (!iterator_->Valid()) {
      return false;
    }
    const std::string_view key = iterator_->key().ToStringView();
    return (lower_.empty() || key >= lower_) && (upper_.empty() || key < upper_);
  }
  void SeekToFirst() override {
    if (lower_.empty()) {
      iterator_->SeekToFirst();
    } else {
      iterator_->Seek(lower_);
    }
  }
  void SeekToLast() override {
    if (upper_.empty()) {
      iterator_->SeekToLast();
      return;
    }
    iterator_->SeekForPrev(upper_);
    if (iterator_->Valid() && iterator_->key().ToStringView() == upper_) {
      iterator_->Prev();
    }
  }
  void Seek(std::string_view target) override {
    iterator_->Seek(apply::ToSlice(!lower_.empty() && target < lower_ ? lower_ : target));
  }
  void Next() override { iterator_->Next(); }
  void Prev() override { iterator_->Prev(); }
  std::string_view key() const override {
    RINGDB_ASSERT(Valid());
    return iterator_->key().ToStringView();
  }
  std::string_view value() const override {
    RINGDB_ASSERT(Valid());
    return iterator_->value().ToStringView();
  }
  Status status() const override { return FromRocksDb(iterator_->status(), "iterator"); }

 private:
  ReadOnlyDatabaseImpl* database_;
  std::shared_ptr<const View> view_;  // The batch the iterator reads.
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  rocksdb::ReadOptions read_;  // RocksDB keeps pointers to it and to the bounds.
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

// An iterator that yields nothing and says why.
class FailedIterator final : public Iterator {
 public:
  explicit FailedIterator(Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

ViewIterator::ViewIterator(ReadOnlyDatabaseImpl* database, std::shared_ptr<const View> view,
                           rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data,
                           const IteratorOptions& options)
    : database_(database), view_(std::move(view)) {
  lower_ = options.lower_bound;
  upper_ = options.upper_bound;
  if (!options.prefix.empty() && lower_ < options.prefix) {
    lower_ = options.prefix;
  }
  const std::string successor = PrefixSuccessor(options.prefix);
  if (!successor.empty() && (upper_.empty() || successor < upper_)) {
    upper_ = successor;
  }
  if (!lower_.empty()) {
    lower_slice_ = rocksdb::Slice(lower_);
    read_.iterate_lower_bound = &lower_slice_;
  }
  if (!upper_.empty()) {
    upper_slice_ = rocksdb::Slice(upper_);
    read_.iterate_upper_bound = &upper_slice_;
  }
  rocksdb::Iterator* base = db->NewIterator(read_, data);
  // The batch is only read from now on; its iterator and the base iterator are merged.
  auto* batch = const_cast<rocksdb::WriteBatchWithIndex*>(&view_->batch);
  // Only RocksDB's side takes the bounds: the batch's side ignores some of them in some moves
  // (SeekForPrev at the upper bound), so Valid and the seeks hold it to them instead.
  iterator_.reset(batch->NewIteratorWithBase(data, base));
}

ViewIterator::~ViewIterator() {
  iterator_.reset();
  database_->LeaveIterator();
}

Status ReadOnlyDatabaseImpl::OpenAll() {
  if (Status status = backup::CheckNotIncomplete(env_, path_); !status.ok()) {
    return status;
  }
  // The journal lives in the Env, RocksDB's files in RocksDB's file system.
  const bool has_rocksdb = RocksDbFileSystemOf(options_.rocksdb_options.get())
                               ->FileExists(path_ + "/db/CURRENT", rocksdb::IOOptions(), nullptr)
                               .ok();
  if (!has_rocksdb || !env_->FileExists(path_ + "/journal")) {
    return Status::NotFound("no ringdb database at " + path_ +
                            " (no journal/ and db/ with RocksDB's CURRENT inside)");
  }
  Options stored;
  // Absent on a database never opened by this version; a damaged file only loses the floor.
  ReadOptionsFile(path_, &stored, &record_bytes_max_floor_, env_).PermitUnchecked();
  journal_options_ = JournalOptionsFor(options_, record_bytes_max_floor_);
  journal_options_.env = env_;
  journal_options_.logger = logger_;
  journal_options_.create_if_missing = false;
  journal_options_.recovery_mode = options_.recovery_mode == RecoveryMode::kPointInTime
                                       ? RecoveryMode::kPointInTime
                                       : RecoveryMode::kTolerateTornTail;
  // Nothing else can see the database yet; held so that the analysis sees its members set under
  // the mutex that guards them.
  WriterMutexLock lock(&mutex_);
  if (Status status = OpenSecondary(); !status.ok()) {
    return status;
  }
  return RefreshLocked();
}

Status ReadOnlyDatabaseImpl::OpenSecondary() {
  std::error_code temp_error;
  const fs::path temp = fs::temp_directory_path(temp_error);
  if (temp_error) {
    return Status::IOError("read-only open of " + path_ +
                           ": no temporary directory for RocksDB's "
                           "secondary instance: " +
                           temp_error.message() + " (set TMPDIR to a writable directory)");
  }
  std::string pattern = (temp / "ringdb-read-only-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError("read-only open of " + path_ + ": cannot create a temporary directory " +
                           pattern + " for RocksDB's secondary instance: " + std::strerror(errno) +
                           " (set TMPDIR to a writable directory)");
  }
  secondary_dir_ = pattern;
  if (Status status = OpenRingdbRocksDb(
          path_ + "/db", RocksDbMode::Secondary(secondary_dir_),
          RingdbRocksDbOptions(options_.rocksdb_options.get(), RocksDbUse::kSecondary, logger_),
          &rocksdb_);
      !status.ok()) {
    return status;
  }
  return Status::OK();
}

Status ReadOnlyDatabaseImpl::RefreshLocked() {
  if (Status open = CheckOpen(); !open.ok()) {
    return open;
  }
  Status last;
  bool caught_up = false;
  bool retries_ran_out = false;
  for (uint32_t attempt = 1; attempt <= kReadAttempts; ++attempt) {
    std::shared_ptr<View> built;
    ReadFailure failure = ReadFailure::kNone;
    // The first read of an Open uses the state the secondary just opened with.
    const bool catch_up = attempt > 1 || view_ != nullptr;
    caught_up = caught_up || catch_up;
    last = BuildView(catch_up, &built, &failure);
    if (last.ok()) {
      built->attempts = attempt;
      view_ = std::move(built);
      lost_ = Status::OK();
      return last;
    }
    if (failure != ReadFailure::kRetryable) {
      break;
    }
    retries_ran_out = attempt == kReadAttempts;
    // Whether or not a live engine is seen (its lock may be held from another PID namespace),
    // damage at the journal's edges is read again after a pause that lets a retirement finish.
    logger_->debug("ringdb: read-only read {} of {} failed, reading again: {}", attempt, path_,
                   last.ToString());
    if (attempt < kReadAttempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1u << std::min(attempt - 1, 6u)));
    }
  }
  // Only a journal that kept changing under every read is the live engine's doing; a failure
  // that no reread can change (a newer format, damage) keeps its own status.
  if (retries_ran_out && LockHeld(path_) && !last.IsInvalidArgument()) {
    last =
        Status::Busy("the live engine at " + path_ + " changed the journal under " +
                     std::to_string(kReadAttempts) + " reads in a row (last: " + last.ToString() +
                     "); try again, or read from inside the service (Engine::Get, Engine::Backup)");
  }
  if (caught_up) {
    // RocksDB's secondary has moved on: the old view's writes over the newer state would be a
    // state that never existed. Reads fail until a Refresh succeeds.
    view_.reset();
    lost_ = last;
  }
  return last;
}

Status ReadOnlyDatabaseImpl::BuildView(bool catch_up, std::shared_ptr<View>* built,
                                       ReadFailure* failure) {
  *failure = ReadFailure::kFinal;
  auto view = std::make_shared<View>();
  view->live = LockHeld(path_);
  if (catch_up) {
    const rocksdb::Status caught_up = db()->TryCatchUpWithPrimary();
    if (!caught_up.ok()) {
      // The primary may have deleted a file the catch-up was about to open (a compaction).
      *failure = ReadFailure::kRetryable;
      return Status::IOError("catching up with RocksDB at " + path_ +
                             "/db: " + caught_up.ToString());
    }
  }
  if (Status status = Applier::ReadMarker(db(), meta(), &view->marker); !status.ok()) {
    return status;
  }
  view->sequence = view->marker;
  if (Status status = ReplayJournal(view.get(), failure); !status.ok()) {
    return status;
  }
  *failure = ReadFailure::kNone;
  *built = std::move(view);
  return Status::OK();
}

Status ReadOnlyDatabaseImpl::ReplayJournal(View* view, ReadFailure* failure) {
  const std::string dir = path_ + "/journal";
  journal::JournalScanner scanner(env_, dir, journal_options_.record_bytes_max,
                                  journal_options_.recovery_mode, logger_.get());
  // Segments wholly at or below the marker are not read: the state holds them.
  scanner.SkipSegmentsEndingBefore(view->marker);
  const journal::RecordCallback callback = [&](const journal::Record& record) -> Status {
    if (record.count != 1) {
      return Status::Corruption(fmt::format(
          "journal record at {} offset {} holds {} transactions; this engine writes one per "
          "record",
          record.segment, record.offset, record.count));
    }
    if (record.first_sequence != view->sequence + 1) {
      *failure = ReadFailure::kRetryable;
      return Status::Corruption(fmt::format(
          "the journal in {} jumps from sequence {} to {} (at {} offset {}): the records between "
          "were retired or are missing",
          dir, view->sequence, record.first_sequence, record.segment, record.offset));
    }
    mutex_.AssertHeld();  // Called back within ReplayJournal, which REQUIRES it.
    Status staged = Stage(view, record.payload, record.first_sequence);
    if (apply::JudgedFailed(staged)) {
      ++view->conflicted;  // Failed live the same way; nothing of it is staged.
    } else if (!staged.ok()) {
      return apply::AtRecord(staged, record.segment, record.offset);
    } else {
      ++view->replayed;
    }
    view->sequence = record.first_sequence;
    return Status::OK();
  };
  journal::ScanOutcome outcome;
  Status status = scanner.Scan(view->marker, &callback, &view->report, &outcome);
  if (!status.ok()) {
    // Damage in a segment being retired and overwritten under the read, or a file gone.
    if (status.IsCorruption() || status.IsIOError() || status.IsNotFound()) {
      *failure = ReadFailure::kRetryable;
    }
    return status;
  }
  *failure = ReadFailure::kRetryable;
  if (outcome.segments.empty()) {
    if (view->marker > 0) {
      return Status::Corruption(fmt::format(
          "the journal in {} holds no segment, yet RocksDB's applied marker is {}: journal "
          "segments are missing",
          dir, view->marker));
    }
  } else if (outcome.segments.front().first_sequence > view->marker + 1) {
    return Status::Corruption(fmt::format(
        "the journal in {} starts at sequence {} ({}), after RocksDB's applied marker {}: the "
        "records between were retired or are missing",
        dir, outcome.segments.front().first_sequence, outcome.segments.front().name, view->marker));
  } else if (outcome.segments.back().last_sequence < view->marker) {
    return Status::Corruption(fmt::format(
        "the journal in {} ends at sequence {}, before RocksDB's applied marker {}: journal "
        "segments are missing",
        dir, outcome.segments.back().last_sequence, view->marker));
  }
  // A segment that lost its name was retired while it was read: what was read of it may stop
  // short of what it held.
  Result<std::vector<std::string>> names = env_->ListDir(dir);
  if (!names.ok()) {
    return names.status();
  }
  const std::set<std::string> present(names->begin(), names->end());
  for (const journal::ScannedSegment& segment : outcome.segments) {
    if (!present.contains(segment.name)) {
      return Status::Corruption("journal segment " + segment.name + " in " + dir +
                                " was retired while it was read");
    }
  }
  view->segments = std::move(outcome.segments);
  *failure = ReadFailure::kNone;
  return Status::OK();
}

Status ReadOnlyDatabaseImpl::Stage(View* view, std::span<const std::byte> bytes,
                                   uint64_t sequence) {
  txn::ValidTransaction transaction;
  Status status = apply::ValidateTransaction(bytes, sequence, &transaction);
  if (!status.ok()) {
    return status;
  }
  rocksdb::PinnableSlice read_value;
  rocksdb::ReadOptions read_options;
  // The callbacks run within this call, under the caller's lock, which the analysis cannot see.
  rocksdb::DB* const db = this->db();
  rocksdb::ColumnFamilyHandle* const data = this->data();
  status = apply::CheckPreconditions(
      transaction, sequence, [&](std::string_view key, bool* present, std::string_view* value) {
        read_value.Reset();
        const rocksdb::Status read =
            view->batch.GetFromBatchAndDB(db, read_options, data, apply::ToSlice(key), &read_value);
        if (!read.ok() && !read.IsNotFound()) {
          return Status::IOError("reading precondition key of transaction " +
                                 std::to_string(sequence) + ": " + read.ToString());
        }
        *present = read.ok();
        *value = read_value.ToStringView();
        return Status::OK();
      });
  if (!status.ok()) {
    return status;
  }
  view->batch.SetSavePoint();
  status = apply::ForEachWrite(
      transaction,
      [&](std::string_view key, std::string_view value) {
        return view->batch.Put(data, apply::ToSlice(key), apply::ToSlice(value));
      },
      [&](std::string_view key) { return view->batch.Delete(data, apply::ToSlice(key)); });
  if (!status.ok()) {
    view->batch.RollbackToSavePoint().PermitUncheckedError();
    return status;
  }
  view->batch.PopSavePoint().PermitUncheckedError();
  return status;
}

Status ReadOnlyDatabaseImpl::Get(std::string_view key, std::string* value) {
  RINGDB_ASSERT(value != nullptr);
  ReaderMutexLock lock(&mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return open;
  }
  return GetLocked(key, value);
}

Status ReadOnlyDatabaseImpl::GetLocked(std::string_view key, std::string* value) const {
  auto* batch = const_cast<rocksdb::WriteBatchWithIndex*>(&view_->batch);
  return FromRocksDb(
      batch->GetFromBatchAndDB(db(), rocksdb::ReadOptions(), data(), apply::ToSlice(key), value),
      "key not found");
}

std::vector<Status> ReadOnlyDatabaseImpl::MultiGet(std::span<const std::string_view> keys,
                                                   std::vector<std::string>* values) {
  RINGDB_ASSERT(values != nullptr);
  values->assign(keys.size(), std::string());
  // One lock for every key: all of them are read in the same state, even beside a Refresh.
  ReaderMutexLock lock(&mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return std::vector<Status>(keys.size(), open);
  }
  std::vector<Status> statuses;
  statuses.reserve(keys.size());
  for (size_t index = 0; index < keys.size(); ++index) {
    statuses.push_back(GetLocked(keys[index], &(*values)[index]));
  }
  return statuses;
}

std::unique_ptr<Iterator> ReadOnlyDatabaseImpl::NewIterator(const IteratorOptions& options) {
  if (options.snapshot != nullptr) {
    return std::make_unique<FailedIterator>(Status::InvalidArgument(
        "ReadOnlyDatabase::NewIterator: options.snapshot must be null (the view is a fixed "
        "state; Refresh moves it)"));
  }
  ReaderMutexLock lock(&mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return std::make_unique<FailedIterator>(open);
  }
  {
    MutexLock count(&iterators_mutex_);
    ++live_iterators_;
  }
  return std::make_unique<ViewIterator>(this, view_, db(), data(), options);
}

ReadOnlyInfo ReadOnlyDatabaseImpl::Info() const {
  ReadOnlyInfo info;
  ReaderMutexLock lock(&mutex_);
  if (view_ == nullptr || rocksdb_ == nullptr) {
    return info;
  }
  info.sequence = view_->sequence;
  info.marker_sequence = view_->marker;
  info.transactions_replayed = view_->replayed;
  info.transactions_conflicted = view_->conflicted;
  for (const journal::ScannedSegment& segment : view_->segments) {
    info.segments.push_back(
        {segment.name, segment.first_sequence, segment.last_sequence, segment.end_offset});
  }
  info.torn_tail = view_->report.torn_tail_truncated;
  info.torn_tail_segment = view_->report.torn_tail_segment;
  info.torn_tail_offset = view_->report.torn_tail_offset;
  info.live = view_->live;
  info.attempts = view_->attempts;
  db()->GetIntProperty(data(), "rocksdb.estimate-num-keys", &info.rocksdb_estimated_keys);
  uint64_t bytes = 0;
  for (rocksdb::ColumnFamilyHandle* family : {data(), meta()}) {
    if (db()->GetIntProperty(family, "rocksdb.total-sst-files-size", &bytes)) {
      info.rocksdb_table_bytes += bytes;
    }
  }
  return info;
}

Status ReadOnlyDatabaseImpl::Close() {
  WriterMutexLock lock(&mutex_);
  {
    MutexLock count(&iterators_mutex_);
    if (live_iterators_ > 0) {
      return Status::Busy("the read-only database at " + path_ + " has " +
                          std::to_string(live_iterators_) +
                          " live iterator(s): destroy them, then Close again");
    }
  }
  view_.reset();
  rocksdb::Status closed;
  if (rocksdb_ != nullptr) {
    closed = rocksdb_->Close();  // The column family handles go first, then the database.
    rocksdb_.reset();
  }
  std::error_code error;
  if (!secondary_dir_.empty()) {
    fs::remove_all(secondary_dir_, error);
    secondary_dir_.clear();
  }
  if (!closed.ok()) {
    return Status::IOError("closing the read-only RocksDB of " + path_ + ": " + closed.ToString());
  }
  if (error) {
    return Status::IOError("removing the read-only view's temporary directory: " + error.message());
  }
  return Status::OK();
}

}  // namespace ringdb::read_only

namespace ringdb {

Status ReadOnlyDatabase::Open(const Options& options, const std::string& path,
                              std::unique_ptr<ReadOnlyDatabase>* database) {
  if (database == nullptr) {
    return Status::InvalidArgument("ReadOnlyDatabase::Open: database out-parameter is null");
  }
  database->reset();
  if (path.empty()) {
    return Status::InvalidArgument("ReadOnlyDatabase::Open: path is empty");
  }
  if (Status status = options.Validate(); !status.ok()) {
    return status;
  }
  auto impl = std::make_unique<read_only::ReadOnlyDatabaseImpl>(options, path);
  if (Status status = impl->OpenAll(); !status.ok()) {
    return status;
  }
  *database = std::move(impl);
  return Status::OK();
}

Status Engine::OpenReadOnly(const Options& options, const std::string& path,
                            std::unique_ptr<ReadOnlyDatabase>* database) {
  return ReadOnlyDatabase::Open(options, path, database);
}

}  // namespace ringdb
