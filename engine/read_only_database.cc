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
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "engine/applier.h"
#include "engine/apply_rules.h"
#include "engine/column_families.h"
#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "engine/rocksdb_logger.h"
#include "engine/rocksdb_status.h"
#include "journal/journal_reader.h"
#include "journal/journal_scanner.h"
#include "journal/record_format.h"
#include "ringdb/read_only_database.h"
#include "util/assert.h"

namespace ringdb {

namespace {

namespace fs = std::filesystem;

// Why a read of the view failed, for the retry decision.
enum class ReadFailure : uint8_t {
  kNone,
  kFinal,      // Not caused by a concurrent retirement: bad options, RocksDB unreadable, ...
  kRetryable,  // A gap, a segment gone, damage that a live engine's retirement explains.
};


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

class ReadOnlyDatabaseImpl;

// An iterator over (the view's batch over RocksDB's state), with ringdb's bounds and prefix. The
// bounds are given to RocksDB's iterator; the merged iterator is held to them here.
class ViewIterator final : public Iterator {
 public:
  ViewIterator(ReadOnlyDatabaseImpl* database, std::shared_ptr<const View> view,
               rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data,
               const IteratorOptions& options);
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
    std::shared_lock<std::shared_mutex> lock(mutex_);
    return view_ != nullptr ? view_->sequence : 0;
  }
  ReadOnlyInfo Info() const override;
  Status Refresh() override {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    return RefreshLocked();
  }
  Status Backup(const std::string& dir) override;
  Status Close() override;

  void LeaveIterator() {
    std::lock_guard<std::mutex> lock(iterators_mutex_);
    RINGDB_ASSERT(live_iterators_ > 0);
    --live_iterators_;
  }

 private:
  Status OpenSecondary();
  // Reads the view again, retrying as the header says. Caller holds mutex_ exclusively.
  Status RefreshLocked();
  // One read of the view; *failure says whether a retry may succeed.
  Status BuildView(bool catch_up, std::shared_ptr<View>* built, ReadFailure* failure);
  Status ReplayJournal(View* view, ReadFailure* failure);
  // Judges one transaction as the applier would and stages its writes into the view's batch.
  Status Stage(View* view, std::span<const std::byte> transaction, uint64_t sequence);
  // Caller holds mutex_ (either way) and the database is open.
  Status GetLocked(std::string_view key, std::string* value) const;
  Status CopyJournal(const View& view, const std::string& target);
  Status WriteRocksDb(const View& view, const std::string& target);
  Status CheckOpen() const {
    return db_ != nullptr ? Status::OK()
                          : Status::Aborted("the read-only database at " + path_ + " is closed");
  }
  // Open, and holding a view (a failed Refresh loses it: see RefreshLocked).
  Status CheckReadable() const {
    if (Status open = CheckOpen(); !open.ok()) {
      return open;
    }
    return view_ != nullptr
               ? Status::OK()
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
  mutable std::shared_mutex mutex_;
  std::string secondary_dir_;  // Private, outside the database; removed by Close.
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* data_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::shared_ptr<const View> view_;
  Status lost_;  // Why view_ is null after a failed Refresh.

  std::mutex iterators_mutex_;
  uint64_t live_iterators_ = 0;
};

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
  std::error_code error;
  if (!fs::is_directory(fs::path(path_) / "db", error) ||
      !fs::exists(fs::path(path_) / "db" / "CURRENT", error) ||
      !fs::is_directory(fs::path(path_) / "journal", error)) {
    return Status::NotFound("no ringdb database at " + path_ +
                            " (no journal/ and db/ with RocksDB's CURRENT inside)");
  }
  Options stored;
  // Absent on a database never opened by this version; a damaged file only loses the floor.
  ReadOptionsFile(path_, &stored, &record_bytes_max_floor_).PermitUnchecked();
  journal_options_ = JournalOptionsFor(options_, record_bytes_max_floor_);
  journal_options_.env = env_;
  journal_options_.logger = logger_;
  journal_options_.create_if_missing = false;
  journal_options_.recovery_mode = options_.recovery_mode == RecoveryMode::kPointInTime
                                       ? RecoveryMode::kPointInTime
                                       : RecoveryMode::kTolerateTornTail;
  if (Status status = OpenSecondary(); !status.ok()) {
    return status;
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  return RefreshLocked();
}

Status ReadOnlyDatabaseImpl::OpenSecondary() {
  std::error_code temp_error;
  const fs::path temp = fs::temp_directory_path(temp_error);
  if (temp_error) {
    return Status::IOError("read-only open of " + path_ + ": no temporary directory for RocksDB's "
                           "secondary instance: " + temp_error.message() +
                           " (set TMPDIR to a writable directory)");
  }
  std::string pattern = (temp / "ringdb-read-only-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError("read-only open of " + path_ + ": cannot create a temporary directory " +
                           pattern + " for RocksDB's secondary instance: " +
                           std::strerror(errno) + " (set TMPDIR to a writable directory)");
  }
  secondary_dir_ = pattern;
  rocksdb::Options db_options;
  if (options_.rocksdb_options) {
    db_options = *options_.rocksdb_options;
  }
  db_options.create_if_missing = false;
  db_options.create_missing_column_families = false;
  db_options.max_open_files = -1;  // What a secondary needs: see rocksdb::DB::OpenAsSecondary.
  ApplyRingdbRocksDbSettings(&db_options, logger_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::OpenAsSecondary(
      db_options, path_ + "/db", secondary_dir_,
      RingdbColumnFamilies(rocksdb::ColumnFamilyOptions(db_options)), &handles, &raw);
  if (!status.ok()) {
    return Status::IOError("opening RocksDB at " + path_ + "/db read-only (a secondary instance): " +
                           status.ToString());
  }
  db_.reset(raw);
  RINGDB_ASSERT(handles.size() == 2);
  data_ = handles[0];
  meta_ = handles[1];
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
    last = Status::Busy(
        "the live engine at " + path_ + " changed the journal under " +
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
    const rocksdb::Status caught_up = db_->TryCatchUpWithPrimary();
    if (!caught_up.ok()) {
      // The primary may have deleted a file the catch-up was about to open (a compaction).
      *failure = ReadFailure::kRetryable;
      return Status::IOError("catching up with RocksDB at " + path_ + "/db: " +
                             caught_up.ToString());
    }
  }
  if (Status status = Applier::ReadMarker(db_.get(), meta_, &view->marker); !status.ok()) {
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
          "record", record.segment, record.offset, record.count));
    }
    if (record.first_sequence != view->sequence + 1) {
      *failure = ReadFailure::kRetryable;
      return Status::Corruption(fmt::format(
          "the journal in {} jumps from sequence {} to {} (at {} offset {}): the records between "
          "were retired or are missing", dir, view->sequence, record.first_sequence,
          record.segment, record.offset));
    }
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
          "segments are missing", dir, view->marker));
    }
  } else if (outcome.segments.front().first_sequence > view->marker + 1) {
    return Status::Corruption(fmt::format(
        "the journal in {} starts at sequence {} ({}), after RocksDB's applied marker {}: the "
        "records between were retired or are missing", dir, outcome.segments.front().first_sequence,
        outcome.segments.front().name, view->marker));
  } else if (outcome.segments.back().last_sequence < view->marker) {
    return Status::Corruption(fmt::format(
        "the journal in {} ends at sequence {}, before RocksDB's applied marker {}: journal "
        "segments are missing", dir, outcome.segments.back().last_sequence, view->marker));
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

Status ReadOnlyDatabaseImpl::Stage(View* view, std::span<const std::byte> transaction,
                                   uint64_t sequence) {
  Status status = apply::ValidateTransaction(transaction, sequence);
  if (!status.ok()) {
    return status;
  }
  rocksdb::PinnableSlice read_value;
  rocksdb::ReadOptions read_options;
  status = apply::CheckPreconditions(
      transaction, sequence,
      [&](std::string_view key, bool* present, std::string_view* value) {
        read_value.Reset();
        const rocksdb::Status read = view->batch.GetFromBatchAndDB(
            db_.get(), read_options, data_, apply::ToSlice(key), &read_value);
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
        return view->batch.Put(data_, apply::ToSlice(key), apply::ToSlice(value));
      },
      [&](std::string_view key) { return view->batch.Delete(data_, apply::ToSlice(key)); });
  if (!status.ok()) {
    view->batch.RollbackToSavePoint().PermitUncheckedError();
    return status;
  }
  view->batch.PopSavePoint().PermitUncheckedError();
  return status;
}

Status ReadOnlyDatabaseImpl::Get(std::string_view key, std::string* value) {
  RINGDB_ASSERT(value != nullptr);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return open;
  }
  return GetLocked(key, value);
}

Status ReadOnlyDatabaseImpl::GetLocked(std::string_view key, std::string* value) const {
  auto* batch = const_cast<rocksdb::WriteBatchWithIndex*>(&view_->batch);
  return FromRocksDb(batch->GetFromBatchAndDB(db_.get(), rocksdb::ReadOptions(), data_,
                                              apply::ToSlice(key), value),
                     "key not found");
}

std::vector<Status> ReadOnlyDatabaseImpl::MultiGet(std::span<const std::string_view> keys,
                                                   std::vector<std::string>* values) {
  RINGDB_ASSERT(values != nullptr);
  values->assign(keys.size(), std::string());
  // One lock for every key: all of them are read in the same state, even beside a Refresh.
  std::shared_lock<std::shared_mutex> lock(mutex_);
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
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return std::make_unique<FailedIterator>(open);
  }
  {
    std::lock_guard<std::mutex> count(iterators_mutex_);
    ++live_iterators_;
  }
  return std::make_unique<ViewIterator>(this, view_, db_.get(), data_, options);
}

ReadOnlyInfo ReadOnlyDatabaseImpl::Info() const {
  ReadOnlyInfo info;
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (view_ == nullptr || db_ == nullptr) {
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
  db_->GetIntProperty(data_, "rocksdb.estimate-num-keys", &info.rocksdb_estimated_keys);
  uint64_t bytes = 0;
  for (rocksdb::ColumnFamilyHandle* family : {data_, meta_}) {
    if (db_->GetIntProperty(family, "rocksdb.total-sst-files-size", &bytes)) {
      info.rocksdb_table_bytes += bytes;
    }
  }
  return info;
}

Status ReadOnlyDatabaseImpl::Close() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  {
    std::lock_guard<std::mutex> count(iterators_mutex_);
    if (live_iterators_ > 0) {
      return Status::Busy("the read-only database at " + path_ + " has " +
                          std::to_string(live_iterators_) +
                          " live iterator(s): destroy them, then Close again");
    }
  }
  view_.reset();
  rocksdb::Status closed;
  if (db_ != nullptr) {
    for (rocksdb::ColumnFamilyHandle* handle : {data_, meta_}) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    data_ = nullptr;
    meta_ = nullptr;
    closed = db_->Close();
    db_.reset();
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
    return Status::IOError("removing the read-only view's temporary directory: " +
                           error.message());
  }
  return Status::OK();
}

// --- Backup ---

// Copies the first `length` bytes of a segment (its records up to the view's end), then the zero
// end marker that ends every group, and syncs the copy.
Status CopySegmentPrefix(const std::string& source, const std::string& target, uint64_t length) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    // Gone: retired since the view was read; the caller reads the view again.
    const std::string reason = std::strerror(errno);
    return errno == ENOENT ? Status::NotFound("backup: " + source + " is gone (retired)")
                           : Status::IOError("backup: cannot open " + source + ": " + reason);
  }
  const int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int saved = errno;
    ::close(in);
    return Status::IOError("backup: cannot create " + target + ": " + std::strerror(saved));
  }
  std::vector<char> buffer(1 << 20);
  Status status;
  for (uint64_t offset = 0; offset < length && status.ok();) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - offset));
    const ssize_t got = ::pread(in, buffer.data(), want, static_cast<off_t>(offset));
    if (got == 0) {
      // Shorter than the view read it: truncated or replaced since. Read the view again.
      status = Status::Corruption("backup: " + source + " ends at byte " + std::to_string(offset) +
                                  ", before the view's end " + std::to_string(length));
    } else if (got < 0 || ::write(out, buffer.data(), static_cast<size_t>(got)) != got) {
      status = Status::IOError("backup: copying " + source + " at byte " + std::to_string(offset));
    }
    offset += got > 0 ? static_cast<uint64_t>(got) : 0;
  }
  const std::vector<char> end_marker(journal::format::kEndMarkerBytes, 0);
  if (status.ok() && ::write(out, end_marker.data(), end_marker.size()) !=
                         static_cast<ssize_t>(end_marker.size())) {
    status = Status::IOError("backup: writing the end of " + target);
  }
  if (status.ok() && ::fsync(out) != 0) {
    status = Status::IOError("backup: fsync " + target + ": " + std::strerror(errno));
  }
  ::close(in);
  ::close(out);
  return status;
}

Status ReadOnlyDatabaseImpl::CopyJournal(const View& view, const std::string& target) {
  for (const journal::ScannedSegment& segment : view.segments) {
    const Status status = CopySegmentPrefix(path_ + "/journal/" + segment.name,
                                            target + "/" + segment.name, segment.end_offset);
    if (!status.ok()) {
      return status;
    }
  }
  // The copy is what counts: its records must be sound and end exactly at the view's sequence.
  // A segment retired and overwritten while it was copied fails here.
  journal::JournalOptions options = journal_options_;
  options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  options.env = Env::Default();
  std::unique_ptr<journal::JournalReader> reader;
  Status status = journal::JournalReader::Open(options, target, &reader);
  journal::RecoveryReport report;
  if (status.ok()) {
    status = reader->Verify(&report);
  }
  if (status.ok() && !view.segments.empty() && report.last_sequence != view.sequence) {
    status = Status::Corruption(fmt::format(
        "the journal copied into {} ends at sequence {}, not at the view's {}", target,
        report.last_sequence, view.sequence));
  }
  return status;
}

Status ReadOnlyDatabaseImpl::WriteRocksDb(const View& view, const std::string& target) {
  rocksdb::Options db_options;
  if (options_.rocksdb_options) {
    db_options = *options_.rocksdb_options;
  } else {
    db_options.write_buffer_size = kDefaultRocksDbWriteBufferBytes;
  }
  db_options.create_if_missing = true;
  db_options.error_if_exists = true;
  db_options.create_missing_column_families = true;
  db_options.atomic_flush = true;
  ApplyRingdbRocksDbSettings(&db_options, logger_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(
      db_options, target, RingdbColumnFamilies(rocksdb::ColumnFamilyOptions(db_options)),
      &handles, &raw);
  if (!status.ok()) {
    return Status::IOError("backup: creating RocksDB at " + target + ": " + status.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = true;  // Flushed below, as the engine's own writes are.
  rocksdb::WriteBatch batch;
  constexpr size_t kBatchBytes = size_t{4} << 20;
  {
    std::unique_ptr<rocksdb::Iterator> base(db_->NewIterator(rocksdb::ReadOptions(), data_));
    auto* view_batch = const_cast<rocksdb::WriteBatchWithIndex*>(&view.batch);
    std::unique_ptr<rocksdb::Iterator> it(view_batch->NewIteratorWithBase(data_, base.release()));
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      status = batch.Put(handles[0], it->key(), it->value());
      if (status.ok() && batch.GetDataSize() >= kBatchBytes) {
        status = db->Write(write_options, &batch);
        batch.Clear();
      }
    }
    if (status.ok()) {
      status = it->status();
    }
  }
  char marker[8];
  for (int index = 0; index < 8; ++index) {
    marker[index] = static_cast<char>((view.sequence >> (8 * index)) & 0xffu);
  }
  if (status.ok()) {
    // The marker goes with the last keys: the copy holds exactly the view's state.
    status = batch.Put(handles[1], Applier::kMarkerKey, rocksdb::Slice(marker, sizeof(marker)));
  }
  if (status.ok()) {
    status = db->Write(write_options, &batch);
  }
  if (status.ok()) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    status = db->Flush(flush, handles);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  const rocksdb::Status closed = db->Close();
  if (status.ok()) {
    status = closed;
  }
  return status.ok() ? Status::OK()
                     : Status::IOError("backup: writing RocksDB at " + target + ": " +
                                       status.ToString());
}

Status ReadOnlyDatabaseImpl::Backup(const std::string& dir) {
  if (dir.empty()) {
    return Status::InvalidArgument("backup: the target directory is empty");
  }
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    return Status::InvalidArgument("backup: " + dir + " exists and is not empty");
  }
  const fs::path source = fs::weakly_canonical(path_, error);
  const fs::path target = fs::weakly_canonical(dir, error);
  if (!error) {
    const auto [source_end, target_at] =
        std::mismatch(source.begin(), source.end(), target.begin(), target.end());
    if (source_end == source.end()) {
      return Status::InvalidArgument("backup: the target " + dir + " is inside the database " +
                                     path_ + ", which a backup leaves untouched: choose a "
                                     "directory outside it");
    }
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (Status open = CheckReadable(); !open.ok()) {
    return open;
  }
  // Directories made here, deepest first: removed on failure, synced into their parents.
  std::vector<fs::path> created;
  for (fs::path path = fs::absolute(dir, error).lexically_normal();
       !error && !path.empty() && !fs::exists(path, error); path = path.parent_path()) {
    created.push_back(path);
    if (path == path.root_path()) {
      break;
    }
  }
  fs::create_directories(fs::path(dir) / "journal", error);
  if (error) {
    return Status::IOError("backup: cannot create " + dir + "/journal: " + error.message());
  }
  const auto clear = [&] {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(dir, ignored)) {
      fs::remove_all(entry.path(), ignored);
    }
  };
  Status status;
  for (uint32_t attempt = 1; attempt <= kReadAttempts; ++attempt) {
    fs::create_directories(fs::path(dir) / "journal", error);
    status = error ? Status::IOError("backup: cannot create " + dir + "/journal: " +
                                     error.message())
                   : CopyJournal(*view_, dir + "/journal");
    if (status.ok()) {
      break;
    }
    clear();
    const bool retryable = status.IsCorruption() || status.IsNotFound();
    if (!retryable || attempt == kReadAttempts) {
      return retryable && LockHeld(path_)
                 ? Status::Busy("backup of " + path_ + ": the live engine retired journal "
                                "segments under " + std::to_string(kReadAttempts) +
                                " copies in a row (last: " + status.ToString() +
                                "); try again, or back up from inside the service "
                                "(Engine::Backup)")
                 : status;
    }
    // A segment was retired under the copy: read the view again from RocksDB's newer flush.
    if (Status refreshed = RefreshLocked(); !refreshed.ok()) {
      return refreshed;
    }
  }
  // Made here, so that RocksDB does not log a missing directory as an error before making it.
  fs::create_directories(fs::path(dir) / "db", error);
  status = error ? Status::IOError("backup: cannot create " + dir + "/db: " + error.message())
                 : WriteRocksDb(*view_, dir + "/db");
  if (status.ok()) {
    status = WriteOptionsFile(dir, options_, std::max(record_bytes_max_floor_,
                                                      journal_options_.record_bytes_max));
  }
  std::vector<std::string> synced = {dir + "/journal", dir};
  for (const fs::path& made : created) {
    synced.push_back(made.parent_path().string());
  }
  for (const std::string& directory : synced) {
    if (status.ok()) {
      status = Env::Default()->SyncDir(directory);
    }
  }
  if (!status.ok()) {
    clear();
  }
  return status;
}

}  // namespace

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
  auto impl = std::make_unique<ReadOnlyDatabaseImpl>(options, path);
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
