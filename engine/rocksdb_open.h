// ringdb's RocksDB layout, and the one way a ringdb RocksDB directory is opened.
//
// The layout: the user's keys in the default column family, the applied-sequence marker
// (Applier::kMarkerKey) in its own, so that iterators never see it. With the WAL off,
// atomic_flush keeps the two consistent on disk. Everything that opens a ringdb RocksDB
// directory (the engine, the read-only view, backups, the command, tests) opens it through
// OpenRingdbRocksDb, which finds each column family by its name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "ringdb/result.h"
#include "ringdb/status.h"

namespace ringdb {

inline constexpr const char* kMetaColumnFamily = "ringdb_meta";

// How a directory is opened: read-write (the one writer, which takes RocksDB's lock),
// read-only (a fixed image, no lock), or as a secondary instance that catches up with a live
// primary and keeps its own files in secondary_path.
struct RocksDbMode {
  enum class Kind : uint8_t { kReadWrite, kReadOnly, kSecondary };

  static RocksDbMode ReadWrite() { return {Kind::kReadWrite, {}}; }
  static RocksDbMode ReadOnly() { return {Kind::kReadOnly, {}}; }
  static RocksDbMode Secondary(std::string secondary_path) {
    return {Kind::kSecondary, std::move(secondary_path)};
  }
  // For messages: "read-write", "read-only", "read-only (a secondary instance in <path>)".
  std::string Describe() const;

  Kind kind = Kind::kReadWrite;
  std::string secondary_path;  // kSecondary only.
};

// An open ringdb RocksDB directory: the database and its two column families. Destroying it
// destroys the handles, then the database (whose close status is lost: call Close to see it).
class RingdbRocksDb {
 public:
  RingdbRocksDb(std::unique_ptr<rocksdb::DB> db, rocksdb::ColumnFamilyHandle* data,
                rocksdb::ColumnFamilyHandle* meta)
      : db_(std::move(db)), data_(data), meta_(meta) {}
  RingdbRocksDb(const RingdbRocksDb&) = delete;
  RingdbRocksDb& operator=(const RingdbRocksDb&) = delete;
  ~RingdbRocksDb();

  // Null once closed.
  rocksdb::DB* db() const { return db_.get(); }
  // The user's keys (the default column family).
  rocksdb::ColumnFamilyHandle* data() const { return data_; }
  // ringdb's own keys: the applied marker.
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }
  // Both, for the calls that take every column family (Flush).
  std::vector<rocksdb::ColumnFamilyHandle*> families() const { return {data_, meta_}; }

  // Destroys the handles, then closes the database and returns RocksDB's close status (a failure
  // to write its MANIFEST, say). Afterwards db(), data() and meta() are null; a second Close
  // returns OK.
  rocksdb::Status Close();

 private:
  void DestroyHandles();

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* data_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
};

// Opens the ringdb RocksDB directory `path` in `mode` with exactly `options` (built by
// RingdbRocksDbOptions, rocksdb_options.h, everywhere but in tests), whose column-family part
// applies to both column families. A failure, including a directory without both column families,
// is an IOError "opening RocksDB at <path> <mode>: <RocksDB's text>" (ENOSPC named as
// rocksdb_status.h does). The open database is handed out through db (null on failure).
Status OpenRingdbRocksDb(const std::string& path, const RocksDbMode& mode,
                         const rocksdb::Options& options, std::unique_ptr<RingdbRocksDb>* db);

}  // namespace ringdb
