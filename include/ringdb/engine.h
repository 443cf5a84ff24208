// ringdb::Engine: the embedded transactional store.
//
// Writes go through the ring buffer: Submit (or Claim, then Publish) returns a Token at once; the
// journaling consumer appends each group of published transactions to the write-ahead journal
// with one fdatasync, the applier commits them into RocksDB in ring order, and only then does the
// token resolve. A token that resolved OK means durable (per Options::sync_mode) and visible to
// every reader. Reads come straight from RocksDB; a transaction is one RocksDB write, so no reader
// sees part of one.
//
// Thread safety: every method may be called from any number of threads at once, Close included.
// Lifetimes: iterators and snapshots must be released before the engine is destroyed. Close waits
// for every live iterator to be destroyed and every snapshot to be released (see Close), so a
// thread must drop its own before calling it.
// A Token is a ring sequence and a pointer to the ring, not an allocation: wait on it before
// destroying the engine, never after.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringdb/options.h"
#include "ringdb/result.h"
#include "ringdb/ring_buffer.h"
#include "ringdb/status.h"
#include "ringdb/write_batch.h"

namespace ringdb {

// A consistent point-in-time view; obtained from Engine::GetSnapshot, returned to ReleaseSnapshot.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  // The journal sequence of the last transaction visible in this snapshot.
  virtual uint64_t sequence() const = 0;
};

struct ReadOptions {
  // Read as of this snapshot; null reads the latest committed state.
  const Snapshot* snapshot = nullptr;
};

struct IteratorOptions {
  const Snapshot* snapshot = nullptr;
  // Keys >= lower_bound; empty means from the first key.
  std::string lower_bound;
  // Keys < upper_bound; empty means to the last key.
  std::string upper_bound;
  // Only keys that start with prefix; combined with the bounds.
  std::string prefix;
};

// Iterates keys in bytewise order over a consistent view (a snapshot taken at creation when none
// is given). Not thread-safe: one thread per iterator.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid only while Valid() and until the iterator moves.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // OK, or the error that ended the iteration early.
  virtual Status status() const = 0;
};

// Where a value written in place lives: one region, or two when the claim wraps around the end of
// the ring. Write() hides the split.
struct ValueBuffer {
  std::span<std::byte> first;
  std::span<std::byte> second;
  size_t size() const { return first.size() + second.size(); }
  // Copies data to the value's bytes starting at offset; offset + data.size() <= size().
  void Write(size_t offset, std::span<const std::byte> data) const;
};

class EngineImpl;
class ReadOnlyDatabase;

// A transaction being written in place into claimed ring slots (the zero-copy path). Move-only.
// Add operations, then Publish (a Token) or Abort (consumers skip it). Destroying an active one
// aborts it. Close waits for claims in progress to be published or aborted (a claim published
// after Close starts is turned into an abort and its token fails), so hold a claim only while
// filling it, and publish or abort it before destroying the engine. Each operation method returns
// InvalidArgument (and writes nothing) when the claimed slots cannot hold it or a key or value
// breaks a limit; the transaction stays usable.
class ClaimedTransaction {
 public:
  ClaimedTransaction(ClaimedTransaction&&) noexcept;
  ClaimedTransaction& operator=(ClaimedTransaction&&) noexcept;
  ClaimedTransaction(const ClaimedTransaction&) = delete;
  ClaimedTransaction& operator=(const ClaimedTransaction&) = delete;
  ~ClaimedTransaction();

  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  Status ExpectEqual(std::string_view key, std::string_view value);
  Status ExpectAbsent(std::string_view key);
  Status ExpectPresent(std::string_view key);
  // Reserves a put of `key` with a value of value_bytes; the caller fills the returned buffer
  // (from a socket, a decoder, ...) before Publish.
  Result<ValueBuffer> PutInPlace(std::string_view key, uint32_t value_bytes);

  // Bytes left for further operations (each takes 12 bytes of framing plus key and value).
  size_t bytes_free() const;
  uint32_t operation_count() const { return operation_count_; }
  // Publishes everything added as one transaction. An empty transaction is aborted and its token
  // fails with InvalidArgument.
  Token Publish();
  void Abort();
  bool active() const;

 private:
  friend class EngineImpl;
  ClaimedTransaction(EngineImpl* engine, ClaimedBatch batch);
  Status AddOperation(uint8_t type, std::string_view key, std::string_view value,
                      ValueBuffer* in_place, uint32_t in_place_bytes);
  ValueBuffer Region(size_t offset, size_t length);

  EngineImpl* engine_;
  ClaimedBatch batch_;
  size_t capacity_bytes_ = 0;
  size_t used_bytes_ = 0;
  uint32_t operation_count_ = 0;
};

struct HistogramData {
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t min = 0;
  uint64_t max = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double mean() const {
    return count == 0 ? 0.0 : static_cast<double>(sum) / static_cast<double>(count);
  }
};

struct EngineStats {
  uint64_t transactions_submitted = 0;   // published into the ring
  uint64_t transactions_committed = 0;   // applied, token OK
  uint64_t transactions_conflicted = 0;  // a precondition failed
  uint64_t transactions_failed = 0;      // I/O error or engine failure
  uint64_t transactions_aborted = 0;     // claims aborted before publishing
  uint64_t journal_groups = 0;           // group commits (one fdatasync each)
  uint64_t journal_bytes_written = 0;
  uint64_t checkpoints = 0;
  HistogramData group_transactions;    // transactions per group commit
  HistogramData fsync_latency_us;      // write + fdatasync of one group
  HistogramData apply_latency_us;      // one RocksDB write of one group
  HistogramData ring_occupancy_slots;  // slots in use, sampled at each group
};

struct SegmentInfo {
  std::string name;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t size_bytes = 0;
};

// What Open found and did.
struct RecoveryInfo {
  uint64_t marker_sequence = 0;        // applied-sequence marker read from RocksDB
  uint64_t journal_last_sequence = 0;  // last valid transaction in the journal
  uint64_t transactions_replayed = 0;
  uint64_t transactions_conflicted = 0;  // replayed and failed their preconditions, as live
  bool torn_tail_truncated = false;
  uint64_t truncated_bytes = 0;
  uint64_t records_skipped = 0;  // kSkipCorrupted / kPointInTime only
  std::chrono::microseconds duration{0};
  std::string summary;  // one line, also logged
};

struct EngineInfo {
  // The ring's shape and position.
  uint64_t ring_slot_count = 0;
  uint64_t ring_slot_bytes = 0;
  uint64_t ring_bytes_reserved = 0;
  uint64_t ring_slots_free = 0;
  uint64_t ring_cursor = 0;
  // Journal sequences: the last appended, the last durable, the last applied to RocksDB, the
  // last covered by a checkpoint (flushed to RocksDB's files, its journal retired).
  uint64_t journal_head_sequence = 0;
  uint64_t durable_sequence = 0;
  uint64_t committed_sequence = 0;
  uint64_t checkpoint_sequence = 0;
  std::vector<SegmentInfo> segments;
  bool writable = true;  // false after a fault or Close
  std::string fault;     // why it is not writable
};

class Engine {
 public:
  // Opens (or creates) the database at `path`: <path>/journal holds the journal, <path>/db RocksDB,
  // <path>/LOCK the lock. Recovers by replaying the journal past RocksDB's applied marker.
  // Busy when another engine (any process) has the directory open.
  static Status Open(const Options& options, const std::string& path,
                     std::unique_ptr<Engine>* engine);
  // Opens the database at `path` for reading only, beside a live engine (in any process) or
  // not: no lock taken, no byte written. Same as ReadOnlyDatabase::Open
  // (ringdb/read_only_database.h).
  static Status OpenReadOnly(const Options& options, const std::string& path,
                             std::unique_ptr<ReadOnlyDatabase>* database);

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Closes (see Close) if still open.
  virtual ~Engine() = default;

  // Publishes the batch as one transaction. The token fails at once (nothing published) when the
  // batch is empty or breaks a limit (InvalidArgument), or the engine is closed or failed. Waits
  // for room in the ring, without limit: see Claim for what can make that wait forever.
  virtual Token Submit(const WriteBatch& batch) = 0;
  // As Submit, but the token fails with TimedOut (nothing published) when the ring has no room
  // for the batch within `timeout`.
  virtual Token Submit(const WriteBatch& batch, std::chrono::milliseconds timeout) = 0;
  // Submit, then wait for the transaction: its own outcome (OK, Conflict, ...), exact however
  // long the caller's thread is kept from reading it, never Unknown (see Token::status).
  virtual Status Write(const WriteBatch& batch) = 0;
  // A transaction of one put or one delete, written as Write writes it. Each thread reuses one
  // batch of its own, so a call allocates nothing once that batch has grown to the thread's
  // largest key and value.
  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  // Claims `slot_count` ring slots for a transaction written in place. Waits for room, without
  // limit. Room only comes back as earlier transactions are published (or aborted) and applied,
  // in ring order: a thread that claims (or submits) while it still holds an unpublished claim
  // waits for its own claim, and when the ring cannot take both it waits forever (a deadlock).
  // Publish or abort a claim before claiming again, or use the timed Claim.
  virtual Result<ClaimedTransaction> Claim(uint32_t slot_count) = 0;
  // As Claim, but TimedOut (nothing claimed) when the ring has no room within `timeout`.
  virtual Result<ClaimedTransaction> Claim(uint32_t slot_count,
                                           std::chrono::milliseconds timeout) = 0;
  // Slots a transaction of `operation_count` operations totalling `key_and_value_bytes` needs.
  virtual uint32_t SlotsFor(uint32_t operation_count, uint64_t key_and_value_bytes) const = 0;

  virtual Status Get(std::string_view key, std::string* value, const ReadOptions& options = {}) = 0;
  // One status per key (NotFound for missing ones); values[i] is set where statuses[i] is OK.
  virtual std::vector<Status> MultiGet(std::span<const std::string_view> keys,
                                       std::vector<std::string>* values,
                                       const ReadOptions& options = {}) = 0;
  virtual std::unique_ptr<Iterator> NewIterator(const IteratorOptions& options = {}) = 0;
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Writes a consistent copy of the database into `dir` (which must not exist or be empty) while
  // writes go on: a RocksDB checkpoint plus every journal segment, so that opening `dir` replays
  // the journal past the checkpoint's marker. Journal retirement waits while a backup runs.
  // Until the copy is whole and durable, `dir` holds a file BACKUP-INCOMPLETE, and Engine::Open
  // and ReadOnlyDatabase::Open refuse it with Corruption: after a failure or a power cut at any
  // step, `dir` is either no database, refused, or the whole backup. After a failure the partial
  // copy is removed and the marker stays; a later Backup into the same `dir` starts afresh.
  virtual Status Backup(const std::string& dir) = 0;

  virtual EngineInfo Info() const = 0;
  virtual EngineStats Stats() const = 0;
  virtual const RecoveryInfo& recovery() const = 0;

  // Stops new writes, drains every published transaction to a resolved token, aborts what was
  // claimed but not published, waits until no iterator is live and no snapshot unreleased,
  // flushes RocksDB and releases the lock. Idempotent. Reads after Close return Aborted. From
  // the moment Close begins, NewIterator returns an iterator whose status is Aborted and
  // GetSnapshot returns null (so that new readers cannot keep Close waiting); those opened before
  // work on until they are dropped.
  // An unreleased snapshot holds Close exactly as a live iterator does (RocksDB cannot close
  // under one). This Close waits for them without limit, and logs a warning once, after a short
  // wait, naming how many iterators and snapshots are still open.
  virtual Status Close() = 0;
  // As Close, but waits at most `timeout` for live iterators and unreleased snapshots. When some
  // are still open then, it returns TimedOut naming how many of each, and the engine is left
  // closing: writes and new iterators and snapshots are refused, Get and the iterators and
  // snapshots already open still work, and a later Close, once they are gone, finishes closing.
  virtual Status Close(std::chrono::milliseconds timeout) = 0;
};

}  // namespace ringdb

// Included last: the read-only view builds on the types above.
#include "ringdb/read_only_database.h"
