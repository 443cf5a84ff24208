// The RocksDB options of every open of a ringdb RocksDB directory, built in one place: the
// engine, a backup's copy, the read-only view and the command agree on the settings that keep the
// marker consistent with the data and RocksDB's errors visible.
//
// Every use gets: the caller's rocksdb::Options when given (used as they are), otherwise
// RocksDB's defaults with a kDefaultRocksDbWriteBufferBytes memtable; atomic_flush (the marker
// lives in its own column family and must reach disk at the same point as the data, the WAL
// being off); RocksDB's log sent to ringdb's logger, never to a LOG file; no automatic resume
// after a background error (rocksdb_logger.h). Each use then adds its own:
//
//   kEngine     creates the directory and column families when missing, flushes at shutdown
//   kNewCopy    as kEngine, and refuses a directory that already holds a database
//               (a backup's copy, `ringdb replay --into`)
//   kExisting   read-write, creates nothing: the database must be there (salvage)
//   kSecondary  creates nothing, keeps every file open (what a secondary instance needs)
//   kReadOnly   creates nothing (a fixed image)
#pragma once

#include <cstdint>
#include <memory>

#include <rocksdb/file_system.h>
#include <rocksdb/options.h>

namespace spdlog {
class logger;
}

namespace ringdb {

enum class RocksDbUse : uint8_t { kEngine, kNewCopy, kExisting, kSecondary, kReadOnly };

// `user` may be null (ringdb's defaults). `logger` receives RocksDB's log.
rocksdb::Options RingdbRocksDbOptions(const rocksdb::Options* user, RocksDbUse use,
                                      const std::shared_ptr<spdlog::logger>& logger);

// The file system RocksDB writes through under `user` (null: the default one).
rocksdb::FileSystem* RocksDbFileSystemOf(const rocksdb::Options* user);

}  // namespace ringdb
