// RocksDB statuses in ringdb's terms: the kind is kept, the message names what was being done,
// and a full disk is a full disk to IsNoSpace() as it is when the journal meets it.
#include "engine/rocksdb_status.h"

#include <gtest/gtest.h>

#include "ringdb/env.h"

namespace ringdb {
namespace {

TEST(RocksDbStatusTest, KeepsTheKindAndNamesTheOperation) {
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "reading").ok());
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::NotFound(), "key k").IsNotFound());
  const Status corrupt = FromRocksDb(rocksdb::Status::Corruption("bad block"), "reading k");
  EXPECT_TRUE(corrupt.IsCorruption());
  EXPECT_NE(corrupt.ToString().find("reading k"), std::string::npos) << corrupt.ToString();
  EXPECT_NE(corrupt.ToString().find("bad block"), std::string::npos) << corrupt.ToString();
  const Status io = FromRocksDb(rocksdb::Status::IOError("EIO"), "flushing");
  EXPECT_TRUE(io.IsIOError());
  EXPECT_FALSE(IsNoSpace(io)) << io.ToString();
}

TEST(RocksDbStatusTest, AFullDiskSaysSoWhicheverWayRocksDbReportsIt) {
  const rocksdb::Status by_subcode =
      rocksdb::Status::NoSpace("While appending to file: 000012.sst");
  const rocksdb::Status by_text =
      rocksdb::Status::IOError("While appending to file: 000012.sst: No space left on device");
  for (const rocksdb::Status& full : {by_subcode, by_text}) {
    const Status status = FromRocksDb(full, "writing transactions 5..9");
    EXPECT_TRUE(status.IsIOError()) << status.ToString();
    EXPECT_TRUE(IsNoSpace(status)) << status.ToString();
    EXPECT_NE(status.ToString().find("writing transactions 5..9"), std::string::npos);
    EXPECT_NE(RocksDbErrorText(full).find("out of disk space"), std::string::npos);
  }
}

}  // namespace
}  // namespace ringdb
