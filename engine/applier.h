// The applier turns journaled transactions into RocksDB writes. It is the only writer of the
// database, so the state it reads preconditions against is exactly the serial order of the journal.
//
// Transactions are staged into one rocksdb::WriteBatch per group. A precondition must see the
// effects of every earlier transaction, including those of its own group: it reads the database
// directly when no staged write may touch its key (StagedKeys), and otherwise commits the group
// staged so far first. Commit writes the group, together with the applied-sequence marker, as one
// RocksDB write with RocksDB's WAL disabled: the journal is the log. Live apply and recovery
// replay share this code, which is why replay reaches exactly the live state.
//
// Thread safety: one thread (the applier consumer, or recovery before the engine starts).
#pragma once

#include <cstdint>
#include <span>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "engine/staged_keys.h"
#include "engine/txn_codec.h"
#include "ringdb/status.h"

namespace ringdb {

class Applier {
 public:
  // data and meta are column families of db: the user's keys and ringdb's marker. Both outlive
  // the applier.
  Applier(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data, rocksdb::ColumnFamilyHandle* meta);
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  // Judges the transaction with journal sequence `sequence` (by the format's limits, never the
  // options': see txn_format.h) against the state so far. OK: its writes are staged. Conflict: a
  // precondition failed, nothing is staged. Corruption: the bytes do not decode, nothing is
  // staged. NotSupported: a newer ringdb wrote it; not judged. IOError: the database could not
  // be read, or an early commit of the group (needed to read a key the group wrote) failed; the
  // transaction is not judged. Sequences must increase.
  Status Stage(std::span<const std::byte> transaction, uint64_t sequence);
  // Writes every staged transaction and the marker (the last judged sequence) in one RocksDB
  // write. A no-op when nothing was judged since the last commit. IOError names RocksDB's error;
  // the staged transactions are then dropped and no later commit's marker covers them.
  Status Commit();

  uint64_t staged_transaction_count() const { return staged_count_; }
  uint64_t committed_sequence() const { return committed_sequence_; }
  // Starts judging after `sequence` (the marker found at open).
  void ResetTo(uint64_t sequence);

  // The marker key in the meta column family and its 8-byte little-endian value.
  static constexpr const char* kMarkerKey = "applied_sequence";
  // As of snapshot when one is given: the marker is written in the same RocksDB write as the
  // transactions it covers, so a snapshot's marker is exactly the last transaction it sees.
  static Status ReadMarker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, uint64_t* sequence,
                           const rocksdb::Snapshot* snapshot = nullptr);
  // Sets the marker alone (salvage renumbers the journal and must say where RocksDB stands).
  static Status WriteMarker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, uint64_t sequence);
  // Adds the marker to a batch, to be written with the transactions it covers.
  static rocksdb::Status PutMarker(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* meta,
                                   uint64_t sequence);

 private:
  // Reads each precondition, committing the group first when its key may have been staged.
  Status CheckPreconditions(const txn::ValidTransaction& transaction, uint64_t sequence);
  Status StageWrites(const txn::ValidTransaction& transaction);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* data_;
  rocksdb::ColumnFamilyHandle* meta_;
  rocksdb::WriteBatch batch_;
  StagedKeys staged_keys_;
  rocksdb::PinnableSlice read_value_;
  rocksdb::ReadOptions read_options_;
  rocksdb::WriteOptions write_options_;
  uint64_t judged_sequence_ = 0;
  uint64_t committed_sequence_ = 0;
  uint64_t staged_count_ = 0;
};

}  // namespace ringdb
