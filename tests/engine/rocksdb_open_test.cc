// Goal: every mode opens a ringdb RocksDB directory with its two column families found by name,
// and a directory that is not one (no meta column family, nothing there) is a clear error naming
// the path and the mode, not a crash. Method: real RocksDB directories in a temporary directory.
#include "engine/rocksdb_open.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

rocksdb::Options Creating() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.atomic_flush = true;
  return options;
}

std::string Get(const RingdbRocksDb& rocks, rocksdb::ColumnFamilyHandle* family,
                const std::string& key) {
  std::string value;
  const rocksdb::Status status = rocks.db()->Get(rocksdb::ReadOptions(), family, key, &value);
  return status.ok() ? value : "<" + status.ToString() + ">";
}

bool Contains(const Status& status, const std::string& text) {
  return status.ToString().find(text) != std::string::npos;
}

TEST(RocksDbOpenTest, WritesThroughBothFamiliesAndReopensReadOnlyByName) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    Result<std::unique_ptr<RingdbRocksDb>> opened =
        OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(), Creating());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    RingdbRocksDb& rocks = **opened;
    ASSERT_TRUE(rocks.db()->Put(rocksdb::WriteOptions(), rocks.data(), "user", "1").ok());
    ASSERT_TRUE(rocks.db()->Put(rocksdb::WriteOptions(), rocks.meta(), "marker", "2").ok());
    ASSERT_TRUE(rocks.db()->Flush(rocksdb::FlushOptions(), rocks.families()).ok());
    EXPECT_TRUE(rocks.Close().ok());
    EXPECT_EQ(rocks.db(), nullptr);
    EXPECT_EQ(rocks.data(), nullptr);
    EXPECT_TRUE(rocks.Close().ok()) << "a second Close has nothing left to close";
  }
  Result<std::unique_ptr<RingdbRocksDb>> opened =
      OpenRingdbRocksDb(path, RocksDbMode::ReadOnly(), rocksdb::Options());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const RingdbRocksDb& rocks = **opened;
  EXPECT_EQ(rocks.data()->GetName(), rocksdb::kDefaultColumnFamilyName);
  EXPECT_EQ(rocks.meta()->GetName(), kMetaColumnFamily);
  EXPECT_EQ(Get(rocks, rocks.data(), "user"), "1");
  EXPECT_EQ(Get(rocks, rocks.meta(), "marker"), "2");
  EXPECT_NE(Get(rocks, rocks.data(), "marker"), "2") << "the marker stays out of the user's keys";
}

TEST(RocksDbOpenTest, ASecondaryFindsBothFamiliesBesideThePrimary) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  Result<std::unique_ptr<RingdbRocksDb>> primary =
      OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(), Creating());
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  ASSERT_TRUE((*primary)->db()->Put(rocksdb::WriteOptions(), (*primary)->meta(), "m", "7").ok());
  ASSERT_TRUE((*primary)->db()->Flush(rocksdb::FlushOptions(), (*primary)->families()).ok());
  rocksdb::Options options;
  options.max_open_files = -1;
  Result<std::unique_ptr<RingdbRocksDb>> secondary =
      OpenRingdbRocksDb(path, RocksDbMode::Secondary(dir.path() + "/secondary"), options);
  ASSERT_TRUE(secondary.ok()) << secondary.status().ToString();
  EXPECT_EQ((*secondary)->meta()->GetName(), kMetaColumnFamily);
  EXPECT_EQ(Get(**secondary, (*secondary)->meta(), "m"), "7");
}

TEST(RocksDbOpenTest, ADirectoryWithoutTheMetaFamilyIsAnErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.path() + "/plain";
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
    std::unique_ptr<rocksdb::DB> plain(raw);
    ASSERT_TRUE(plain->Put(rocksdb::WriteOptions(), "k", "v").ok());
  }
  Result<std::unique_ptr<RingdbRocksDb>> opened =
      OpenRingdbRocksDb(path, RocksDbMode::ReadOnly(), rocksdb::Options());
  ASSERT_FALSE(opened.ok());
  const Status& status = opened.status();
  EXPECT_TRUE(status.IsIOError()) << status.ToString();
  EXPECT_TRUE(Contains(status, path)) << status.ToString();
  EXPECT_TRUE(Contains(status, "read-only")) << status.ToString();
  EXPECT_TRUE(Contains(status, kMetaColumnFamily)) << status.ToString();
}

TEST(RocksDbOpenTest, NothingThereIsAnErrorNamingThePathAndTheMode) {
  TempDir dir;
  const std::string path = dir.path() + "/absent";
  Result<std::unique_ptr<RingdbRocksDb>> opened =
      OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(), rocksdb::Options());
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(Contains(opened.status(), path)) << opened.status().ToString();
  EXPECT_TRUE(Contains(opened.status(), "read-write")) << opened.status().ToString();
}

TEST(RocksDbOpenTest, ASecondaryPathGoesWithSecondaryModeOnly) {
  TempDir dir;
  RocksDbMode no_path = RocksDbMode::Secondary("");
  Result<std::unique_ptr<RingdbRocksDb>> opened =
      OpenRingdbRocksDb(dir.path(), no_path, rocksdb::Options());
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsInvalidArgument()) << opened.status().ToString();
}

}  // namespace
}  // namespace ringdb
