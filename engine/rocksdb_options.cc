#include "engine/rocksdb_options.h"

#include "engine/rocksdb_logger.h"
#include "ringdb/options.h"

namespace ringdb {

rocksdb::Options RingdbRocksDbOptions(const rocksdb::Options* user, RocksDbUse use,
                                      const std::shared_ptr<spdlog::logger>& logger) {
  rocksdb::Options options;
  if (user != nullptr) {
    options = *user;
  } else {
    // A small memtable: see Options::rocksdb_options.
    options.write_buffer_size = kDefaultRocksDbWriteBufferBytes;
  }
  options.atomic_flush = true;
  const bool creates = use == RocksDbUse::kEngine || use == RocksDbUse::kNewCopy;
  options.create_if_missing = creates;
  options.create_missing_column_families = creates;
  options.error_if_exists = use == RocksDbUse::kNewCopy;
  if (creates || use == RocksDbUse::kExisting) {
    options.avoid_flush_during_shutdown = false;
  }
  if (use == RocksDbUse::kSecondary) {
    options.max_open_files = -1;  // See rocksdb::DB::OpenAsSecondary.
  }
  ApplyRingdbRocksDbSettings(&options, logger);
  return options;
}

rocksdb::FileSystem* RocksDbFileSystemOf(const rocksdb::Options* user) {
  rocksdb::Env* const env =
      user != nullptr && user->env != nullptr ? user->env : rocksdb::Env::Default();
  return env->GetFileSystem().get();
}

}  // namespace ringdb
