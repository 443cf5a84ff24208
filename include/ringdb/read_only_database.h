// ringdb::ReadOnlyDatabase: reads a database without opening it for writing: beside a live engine
// (in this process or another), or on a closed or crashed one, or on a copy nobody may write.
//
// What it shows: RocksDB's flushed state, opened as a RocksDB secondary instance, plus every
// transaction the journal holds past the applied marker of that state, re-executed in memory with
// the applier's own rules (apply_rules.h): a transaction whose precondition failed when it was
// applied fails here too and writes nothing, and undecodable bytes are judged failed. The result
// is exactly the state after transaction sequence(), a state the engine went through (or, after a
// crash, the state its next Open recovers). It does not move on its own: Refresh() reads again.
//
// What it never does: take the directory's lock, or write a byte in the database directory. No
// RocksDB LOG (RocksDB logs through Options::logger), no OPTIONS file, no journal HEAD, no fsync,
// no recovery action: a torn tail left by a crash is read up to its valid prefix and left as it
// is. The secondary instance keeps its own few files in a private temporary directory outside
// the database (under $TMPDIR), removed by Close.
//
// Beside a live engine: the engine appends to the journal and retires segments (renamed into the
// pool of pre-written files, then overwritten) while this reads it. Reading is optimistic, then
// validated: every record is checksummed, hash-chained and names its segment, so what is read is
// genuine; a read counts only when the records run on from the marker without a gap and every
// segment read still has its name afterwards (segment names are never reused, so the file was not
// retired under the read). Otherwise it pauses briefly (1 ms, doubling), catches the secondary up
// with RocksDB's newest flush and reads again, up to kReadAttempts times, whether or not it sees
// the engine's lock (a process in another PID namespace holds it invisibly); then it returns Busy
// saying what to do when an engine is seen, or the damage as found when none is. The newest
// segment's end may hold a group being written: that is where the log ends for now, not damage.
// The view may include the last group the engine has written and not yet synced: it is in the
// journal, and the engine applies it once its sync returns. If that sync fails, the transaction
// was never acknowledged (its token failed) and the engine's next Open discards it, while a view
// (or a backup) read before that Open holds it: the promise for an unacknowledged transaction,
// that it survives whole or not at all, is all such a view keeps.
//
// Memory: the transactions past the marker are held in memory (an indexed batch of their writes):
// beside a live engine, at most what the journal holds past the last checkpoint
// (Options::checkpoint_journal_bytes); after a crash, whatever the journal holds unapplied.
//
// Thread safety: every method may be called from any number of threads at once; Refresh and
// Backup exclude the others while they run. An iterator is used by one thread and must be
// destroyed before its database is closed or destroyed; it keeps reading the state it was made
// on across a Refresh.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringdb/engine.h"
#include "ringdb/options.h"
#include "ringdb/status.h"

namespace ringdb {

struct ReadOnlyInfo {
  // The last transaction the view holds, and the applied marker of RocksDB's flushed state it
  // starts from: transactions marker_sequence + 1 .. sequence were re-executed from the journal.
  uint64_t sequence = 0;
  uint64_t marker_sequence = 0;
  uint64_t transactions_replayed = 0;    // re-executed past the marker, their writes held
  uint64_t transactions_conflicted = 0;  // re-executed and failed (a precondition, or bytes)
  // The journal segments read (from the one holding the marker on), in order.
  std::vector<SegmentInfo> segments;
  // The newest segment ends in bytes that are not a valid record: a group being written beside a
  // live engine, or a torn tail after a crash. Left as it is.
  bool torn_tail = false;
  std::string torn_tail_segment;
  uint64_t torn_tail_offset = 0;
  // A live engine held the directory's lock when the view was read (Linux: from /proc/locks;
  // false where that cannot be told).
  bool live = false;
  // Reads of the journal the last Open or Refresh needed (1 unless it met a retirement).
  uint32_t attempts = 0;
  // RocksDB's own figures for the flushed state: estimated keys, bytes of table files.
  uint64_t rocksdb_estimated_keys = 0;
  uint64_t rocksdb_table_bytes = 0;
};

class ReadOnlyDatabase {
 public:
  // Reads of the journal (each after catching up with RocksDB's newest flush) before Open or
  // Refresh gives up (see above).
  static constexpr uint32_t kReadAttempts = 8;

  // Opens the database at `path` read-only. Uses options.logger (RocksDB's log too), env (the
  // journal's file layer), rocksdb_options (RocksDB's table and cache settings; the secondary
  // keeps every table file open) and recovery_mode: kPointInTime reads the journal up to its
  // first damage; any other mode reads it up to the valid prefix of its newest segment and
  // returns Corruption for damage before that. Other fields are not used. NotFound when no
  // database is at `path`; Busy as above; Corruption naming the segment and offset.
  static Status Open(const Options& options, const std::string& path,
                     std::unique_ptr<ReadOnlyDatabase>* database);

  ReadOnlyDatabase() = default;
  ReadOnlyDatabase(const ReadOnlyDatabase&) = delete;
  ReadOnlyDatabase& operator=(const ReadOnlyDatabase&) = delete;
  // Closes (see Close) if still open.
  virtual ~ReadOnlyDatabase() = default;

  // As Engine::Get, in the state after sequence(). NotFound for a missing key.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // One status per key (NotFound for missing ones); values[i] is set where statuses[i] is OK.
  virtual std::vector<Status> MultiGet(std::span<const std::string_view> keys,
                                       std::vector<std::string>* values) = 0;
  // Keys in bytewise order with the bounds and prefix of `options`; options.snapshot must be null
  // (the view is a fixed state already): otherwise the iterator's status is InvalidArgument.
  virtual std::unique_ptr<Iterator> NewIterator(const IteratorOptions& options = {}) = 0;

  // The last journal sequence whose transaction the view holds.
  virtual uint64_t sequence() const = 0;
  virtual ReadOnlyInfo Info() const = 0;

  // Reads again: RocksDB's newest flush and the journal past it. A failure before RocksDB's
  // secondary moved on leaves the view as it was; after it, the old view would no longer match
  // RocksDB's state, so it is dropped: reads (and Backup) return Aborted naming the failure until
  // a Refresh succeeds. Iterators made before keep reading the state they were made on.
  virtual Status Refresh() = 0;

  // Writes a consistent copy of the view (the state after sequence()) into `dir`, which must not
  // exist or be empty, that Engine::Open opens: a new RocksDB holding the view's keys with the
  // marker sequence(), and the journal segments the view read, each up to the view's end, so
  // that the copy continues the journal's sequences and hash chain. Its RocksDB is written key by
  // key (it costs a pass over the data, where Engine::Backup links RocksDB's files). Should the
  // engine retire a segment while it is copied, Backup refreshes the view and copies again, up to
  // kReadAttempts times, then returns Busy; inside the service, Engine::Backup needs no retry.
  // Until the copy is whole and durable, `dir` holds BACKUP-INCOMPLETE, which every open refuses
  // (see Engine::Backup); on failure it removes what it wrote into `dir` but that marker. A `dir`
  // inside the database is refused.
  virtual Status Backup(const std::string& dir) = 0;

  // Releases RocksDB and removes the secondary's temporary directory. Busy, closing nothing,
  // while iterators are live. Idempotent; reads afterwards return Aborted.
  virtual Status Close() = 0;
};

}  // namespace ringdb
