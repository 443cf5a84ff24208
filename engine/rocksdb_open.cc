#include "engine/rocksdb_open.h"

#include "engine/rocksdb_status.h"

namespace ringdb {

namespace {

rocksdb::Status OpenIn(const std::string& path, const RocksDbMode& mode,
                       const rocksdb::DBOptions& db_options,
                       const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
                       std::vector<rocksdb::ColumnFamilyHandle*>* handles, rocksdb::DB** db) {
  switch (mode.kind) {
    case RocksDbMode::Kind::kReadWrite:
      return rocksdb::DB::Open(db_options, path, families, handles, db);
    case RocksDbMode::Kind::kReadOnly:
      return rocksdb::DB::OpenForReadOnly(db_options, path, families, handles, db);
    case RocksDbMode::Kind::kSecondary:
      return rocksdb::DB::OpenAsSecondary(db_options, path, mode.secondary_path, families, handles,
                                          db);
  }
  return rocksdb::Status::InvalidArgument("unknown open mode");
}

}  // namespace

std::string RocksDbMode::Describe() const {
  switch (kind) {
    case Kind::kReadWrite:
      return "read-write";
    case Kind::kReadOnly:
      return "read-only";
    case Kind::kSecondary:
      return "read-only (a secondary instance in " + secondary_path + ")";
  }
  return "in an unknown mode";
}

RingdbRocksDb::~RingdbRocksDb() {
  DestroyHandles();
  db_.reset();
}

void RingdbRocksDb::DestroyHandles() {
  for (rocksdb::ColumnFamilyHandle* handle : {data_, meta_}) {
    if (db_ != nullptr && handle != nullptr) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
  }
  data_ = nullptr;
  meta_ = nullptr;
}

rocksdb::Status RingdbRocksDb::Close() {
  if (db_ == nullptr) {
    return rocksdb::Status::OK();
  }
  DestroyHandles();
  const rocksdb::Status closed = db_->Close();
  db_.reset();
  return closed;
}

Status OpenRingdbRocksDb(const std::string& path, const RocksDbMode& mode,
                         const rocksdb::Options& options, std::unique_ptr<RingdbRocksDb>* db) {
  if (db == nullptr) {
    return Status::InvalidArgument("OpenRingdbRocksDb: db out-parameter is null");
  }
  db->reset();
  const rocksdb::ColumnFamilyOptions family_options(options);
  const std::string what = "opening RocksDB at " + path + " " + mode.Describe();
  if ((mode.kind == RocksDbMode::Kind::kSecondary) == mode.secondary_path.empty()) {
    return Status::InvalidArgument(what + ": a secondary path goes with secondary mode only");
  }
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, family_options}, {kMetaColumnFamily, family_options}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = OpenIn(path, mode, options, families, &handles, &raw);
  if (!status.ok()) {
    return Status::IOError(what + ": " + RocksDbErrorText(status));
  }
  // By name, not by position: RocksDB promises the descriptors' order, ringdb does not rely on it.
  rocksdb::ColumnFamilyHandle* data = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    const std::string& name = handle->GetName();
    if (name == rocksdb::kDefaultColumnFamilyName && data == nullptr) {
      data = handle;
    } else if (name == kMetaColumnFamily && meta == nullptr) {
      meta = handle;
    } else {
      raw->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
  }
  auto opened = std::make_unique<RingdbRocksDb>(std::unique_ptr<rocksdb::DB>(raw), data, meta);
  if (data == nullptr || meta == nullptr) {
    return Status::IOError(
        what + ": RocksDB opened it without the " +
        (data == nullptr ? rocksdb::kDefaultColumnFamilyName : std::string(kMetaColumnFamily)) +
        " column family");
  }
  *db = std::move(opened);
  return Status::OK();
}

}  // namespace ringdb
