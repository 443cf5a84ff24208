// Reads (straight from RocksDB), snapshots, iterators, Info and Stats.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include <rocksdb/iterator.h>
#include <spdlog/spdlog.h>

#include "engine/applier.h"
#include "engine/engine_impl.h"
#include "engine/rocksdb_status.h"
#include "util/assert.h"

namespace ringdb {

namespace {

class SnapshotImpl final : public Snapshot {
 public:
  SnapshotImpl(const rocksdb::Snapshot* snapshot, uint64_t sequence)
      : snapshot_(snapshot), sequence_(sequence) {}
  uint64_t sequence() const override { return sequence_; }
  const rocksdb::Snapshot* rocksdb_snapshot() const { return snapshot_; }

 private:
  const rocksdb::Snapshot* snapshot_;
  uint64_t sequence_;
};

rocksdb::ReadOptions ToRocksDb(const Snapshot* snapshot) {
  rocksdb::ReadOptions read;
  if (snapshot != nullptr) {
    read.snapshot = static_cast<const SnapshotImpl*>(snapshot)->rocksdb_snapshot();
  }
  return read;
}

// The least key above every key that starts with prefix: the prefix with its trailing 0xff bytes
// dropped and its last byte raised by one. Empty when there is none (an empty prefix, or one of
// 0xff bytes only: every key at or above it starts with it).
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

// Wraps a RocksDB iterator with ringdb's bounds and prefix. A prefix narrows the bounds to
// [prefix, successor), so that RocksDB seeks straight to either end of it. The bounds' storage
// lives here, because RocksDB keeps pointers to them. Admitted as a reader of the engine (which
// Close waits for) by its creator; leaves when destroyed.
class IteratorImpl final : public Iterator {
 public:
  // Admitted as a reader (EngineImpl::AdmitReader) before it is made: Close waits for it to be
  // destroyed before it closes RocksDB, so it holds no lock of the engine's while it lives.
  IteratorImpl(EngineImpl* engine, rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data,
               const IteratorOptions& options)
      : engine_(engine), prefix_(options.prefix) {
    rocksdb::ReadOptions read = ToRocksDb(options.snapshot);
    lower_ = options.lower_bound;
    upper_ = options.upper_bound;
    if (!prefix_.empty() && lower_ < prefix_) {
      lower_ = prefix_;
    }
    const std::string successor = PrefixSuccessor(prefix_);
    if (!successor.empty() && (upper_.empty() || successor < upper_)) {
      upper_ = successor;
    }
    if (!lower_.empty()) {
      lower_slice_ = rocksdb::Slice(lower_);
      read.iterate_lower_bound = &lower_slice_;
    }
    if (!upper_.empty()) {
      upper_slice_ = rocksdb::Slice(upper_);
      read.iterate_upper_bound = &upper_slice_;
    }
    iterator_.reset(db->NewIterator(read, data));
  }
  IteratorImpl(const IteratorImpl&) = delete;
  IteratorImpl& operator=(const IteratorImpl&) = delete;
  ~IteratorImpl() override {
    iterator_.reset();
    engine_->LeaveReader(EngineImpl::Reader::kIterator);
  }

  bool Valid() const override {
    return iterator_->Valid() && iterator_->key().starts_with(rocksdb::Slice(prefix_));
  }
  void SeekToFirst() override { iterator_->SeekToFirst(); }
  // With a prefix, the upper bound is the prefix's successor (or there is no key above the
  // prefix's range at all), so this lands on the prefix's last key without stepping.
  void SeekToLast() override { iterator_->SeekToLast(); }
  void Seek(std::string_view target) override {
    iterator_->Seek(rocksdb::Slice(target.data(), target.size()));
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
  EngineImpl* engine_;
  std::string prefix_;
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

// An iterator over a closed engine: empty, and says why.
class ClosedIterator final : public Iterator {
 public:
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return Status::Aborted("the engine is closed"); }
};

}  // namespace

bool EngineImpl::AdmitReader(Reader reader) {
  MutexLock lock(&readers_mutex_);
  if (readers_closed_) {
    return false;
  }
  ++(reader == Reader::kIterator ? live_iterators_ : live_snapshots_);
  return true;
}

void EngineImpl::LeaveReader(Reader reader) {
  MutexLock lock(&readers_mutex_);
  uint64_t& count = reader == Reader::kIterator ? live_iterators_ : live_snapshots_;
  RINGDB_ASSERT(count > 0);
  if (--count == 0) {
    readers_cv_.SignalAll();
  }
}

Status EngineImpl::Get(std::string_view key, std::string* value, const ReadOptions& options) {
  RINGDB_ASSERT(value != nullptr);
  ReaderMutexLock lock(&db_mutex_);
  if (rocksdb_ == nullptr) {
    return Status::Aborted("the engine at " + path_ + " is closed");
  }
  return FromRocksDb(
      db()->Get(ToRocksDb(options.snapshot), data(), rocksdb::Slice(key.data(), key.size()), value),
      "key not found");
}

std::vector<Status> EngineImpl::MultiGet(std::span<const std::string_view> keys,
                                         std::vector<std::string>* values,
                                         const ReadOptions& options) {
  RINGDB_ASSERT(values != nullptr);
  values->assign(keys.size(), std::string());
  ReaderMutexLock lock(&db_mutex_);
  if (rocksdb_ == nullptr) {
    return std::vector<Status>(keys.size(), Status::Aborted("the engine is closed"));
  }
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (std::string_view key : keys) {
    slices.emplace_back(key.data(), key.size());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(), data());
  const std::vector<rocksdb::Status> found =
      db()->MultiGet(ToRocksDb(options.snapshot), families, slices, values);
  std::vector<Status> statuses;
  statuses.reserve(found.size());
  for (const rocksdb::Status& status : found) {
    statuses.push_back(FromRocksDb(status, "key not found"));
  }
  return statuses;
}

std::unique_ptr<Iterator> EngineImpl::NewIterator(const IteratorOptions& options) {
  ReaderMutexLock lock(&db_mutex_);
  if (rocksdb_ == nullptr || !AdmitReader(Reader::kIterator)) {
    return std::make_unique<ClosedIterator>();
  }
  return std::make_unique<IteratorImpl>(this, db(), data(), options);
}

const Snapshot* EngineImpl::GetSnapshot() {
  ReaderMutexLock lock(&db_mutex_);
  if (rocksdb_ == nullptr || !AdmitReader(Reader::kSnapshot)) {
    return nullptr;
  }
  // The marker as of the snapshot itself: the applier may write a group in several RocksDB
  // writes, and only the marker in each write says exactly which transactions it made visible.
  // Should the marker not read, the sequence published before the snapshot is a lower bound.
  const uint64_t published = CommittedSequence();
  const rocksdb::Snapshot* snapshot = db()->GetSnapshot();
  uint64_t sequence = 0;
  const Status read = Applier::ReadMarker(db(), meta(), &sequence, snapshot);
  if (!read.ok()) {
    sequence = published;
    logger_->warn(
        "ringdb: a snapshot's applied marker did not read ({}); it says {}, a lower "
        "bound",
        read.ToString(), published);
  }
  return new SnapshotImpl(snapshot, sequence);
}

void EngineImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) {
    return;
  }
  const auto* impl = static_cast<const SnapshotImpl*>(snapshot);
  {
    ReaderMutexLock lock(&db_mutex_);
    if (rocksdb_ != nullptr) {
      db()->ReleaseSnapshot(impl->rocksdb_snapshot());
    }
  }
  delete impl;
  LeaveReader(Reader::kSnapshot);
}

uint64_t EngineImpl::CommittedSequence() const {
  return apply_stage_ != nullptr ? apply_stage_->committed_sequence() : 0;
}

// The marker in RocksDB: what any read from now on sees. The apply stage publishes its applied
// sequence only after its RocksDB write, and may write a run in several, so that sequence can lag
// data a reader has already seen.
uint64_t EngineImpl::CommittedSequenceVisible() const {
  const uint64_t published = CommittedSequence();
  uint64_t marker = 0;
  if (rocksdb_ == nullptr || !Applier::ReadMarker(db(), meta(), &marker).ok()) {
    return published;
  }
  return std::max(marker, published);
}

EngineInfo EngineImpl::Info() const {
  EngineInfo info;
  if (ring_ != nullptr) {
    const RingInfo ring = ring_->Info();
    info.ring_slot_count = ring.slot_count;
    info.ring_slot_bytes = ring.slot_size_bytes;
    info.ring_bytes_reserved = ring.bytes_reserved;
    info.ring_slots_free = ring.free_slot_count;
    info.ring_cursor = ring.cursor;
  }
  ReaderMutexLock lock(&db_mutex_);
  if (journal_ != nullptr) {
    info.journal_head_sequence = journal_->last_sequence();
    info.durable_sequence = journal_->durable_sequence();
    for (const auto& segment : journal_->Info().segments) {
      info.segments.push_back(
          {segment.name, segment.first_sequence, segment.last_sequence, segment.size_bytes});
    }
  }
  info.committed_sequence = CommittedSequenceVisible();
  info.checkpoint_sequence = checkpointer_ != nullptr ? checkpointer_->checkpoint_sequence() : 0;
  const Status writable = CheckWritable();
  info.writable = writable.ok();
  info.fault = writable.ok() ? std::string() : writable.ToString();
  return info;
}

EngineStats EngineImpl::Stats() const {
  EngineStats stats;
  stats.transactions_submitted = submitted_.load(std::memory_order_relaxed);
  stats.transactions_failed = pipeline_.failed();
  stats.transactions_aborted = aborted_.load(std::memory_order_relaxed);
  if (apply_stage_ != nullptr) {
    stats.transactions_committed = apply_stage_->committed();
    stats.transactions_conflicted = apply_stage_->conflicted();
    stats.apply_latency_us = apply_stage_->apply_latency_us();
  }
  if (journaler_ != nullptr) {
    stats.journal_groups = journaler_->groups();
    stats.journal_bytes_written = journaler_->bytes();
    stats.group_transactions = journaler_->group_transactions();
    stats.fsync_latency_us = journaler_->fsync_latency_us();
    stats.ring_occupancy_slots = journaler_->ring_occupancy();
  }
  if (checkpointer_ != nullptr) {
    stats.checkpoints = checkpointer_->checkpoints();
  }
  return stats;
}

}  // namespace ringdb
