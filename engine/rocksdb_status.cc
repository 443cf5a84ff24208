#include "engine/rocksdb_status.h"

namespace ringdb {

namespace {

bool IsRocksDbNoSpace(const rocksdb::Status& status) {
  // The subcode is set where RocksDB maps ENOSPC itself; a background error carried from a
  // flush may keep only the operating system's text.
  return status.IsNoSpace() ||
         status.ToString().find("No space left on device") != std::string::npos;
}

}  // namespace

std::string RocksDbErrorText(const rocksdb::Status& status) {
  if (IsRocksDbNoSpace(status)) {
    return "out of disk space (ENOSPC): " + status.ToString();
  }
  return status.ToString();
}

Status FromRocksDb(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) {
    return Status::OK();
  }
  if (status.IsNotFound()) {
    return Status::NotFound(what);
  }
  if (status.IsCorruption()) {
    return Status::Corruption(std::string(what) + ": " + status.ToString());
  }
  return Status::IOError(std::string(what) + ": " + RocksDbErrorText(status));
}

}  // namespace ringdb
