// ringdb's RocksDB layout: the user's keys in the default column family, the applied-sequence
// marker (Applier::kMarkerKey) in its own, so that iterators never see it. With the WAL off,
// atomic_flush keeps the two consistent on disk. Everything that opens a ringdb RocksDB
// directory (the engine, the command, tests) takes the layout from here.
#pragma once

#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

namespace ringdb {

inline constexpr const char* kMetaColumnFamily = "ringdb_meta";

// Descriptors in handle order: [0] the user's data, [1] ringdb's metadata.
inline std::vector<rocksdb::ColumnFamilyDescriptor> RingdbColumnFamilies(
    const rocksdb::ColumnFamilyOptions& options = rocksdb::ColumnFamilyOptions()) {
  return {{rocksdb::kDefaultColumnFamilyName, options}, {kMetaColumnFamily, options}};
}

}  // namespace ringdb
