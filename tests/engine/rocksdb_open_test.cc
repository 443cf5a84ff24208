// Goal: every mode opens a ringdb RocksDB directory with its two column families found by name,
// and a directory that is not one (no meta column family, nothing there) is a clear error naming
// the path and the mode, not a crash. Method: real RocksDB directories in a temporary directory.
#include "engine/rocksdb_open.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "engine/rocksdb_options.h"
#include "ringdb/logger.h"
#include "ringdb/options.h"
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
    std::unique_ptr<RingdbRocksDb> opened;
    const Status status = OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(), Creating(), &opened);
    ASSERT_TRUE(status.ok()) << status.ToString();
    RingdbRocksDb& rocks = *opened;
    ASSERT_TRUE(rocks.db()->Put(rocksdb::WriteOptions(), rocks.data(), "user", "1").ok());
    ASSERT_TRUE(rocks.db()->Put(rocksdb::WriteOptions(), rocks.meta(), "marker", "2").ok());
    ASSERT_TRUE(rocks.db()->Flush(rocksdb::FlushOptions(), rocks.families()).ok());
    EXPECT_TRUE(rocks.Close().ok());
    EXPECT_EQ(rocks.db(), nullptr);
    EXPECT_EQ(rocks.data(), nullptr);
    EXPECT_TRUE(rocks.Close().ok()) << "a second Close has nothing left to close";
  }
  std::unique_ptr<RingdbRocksDb> opened;
  const Status status =
      OpenRingdbRocksDb(path, RocksDbMode::ReadOnly(), rocksdb::Options(), &opened);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const RingdbRocksDb& rocks = *opened;
  EXPECT_EQ(rocks.data()->GetName(), rocksdb::kDefaultColumnFamilyName);
  EXPECT_EQ(rocks.meta()->GetName(), kMetaColumnFamily);
  EXPECT_EQ(Get(rocks, rocks.data(), "user"), "1");
  EXPECT_EQ(Get(rocks, rocks.meta(), "marker"), "2");
  EXPECT_NE(Get(rocks, rocks.data(), "marker"), "2") << "the marker stays out of the user's keys";
}

TEST(RocksDbOpenTest, ASecondaryFindsBothFamiliesBesideThePrimary) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  std::unique_ptr<RingdbRocksDb> primary;
  Status status = OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(), Creating(), &primary);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_TRUE(primary->db()->Put(rocksdb::WriteOptions(), primary->meta(), "m", "7").ok());
  ASSERT_TRUE(primary->db()->Flush(rocksdb::FlushOptions(), primary->families()).ok());
  rocksdb::Options options;
  options.max_open_files = -1;
  std::unique_ptr<RingdbRocksDb> secondary;
  status = OpenRingdbRocksDb(path, RocksDbMode::Secondary(dir.path() + "/secondary"), options,
                             &secondary);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(secondary->meta()->GetName(), kMetaColumnFamily);
  EXPECT_EQ(Get(*secondary, secondary->meta(), "m"), "7");
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
  std::unique_ptr<RingdbRocksDb> opened;
  const Status status =
      OpenRingdbRocksDb(path, RocksDbMode::ReadOnly(), rocksdb::Options(), &opened);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(opened, nullptr);
  EXPECT_TRUE(status.IsIOError()) << status.ToString();
  EXPECT_TRUE(Contains(status, path)) << status.ToString();
  EXPECT_TRUE(Contains(status, "read-only")) << status.ToString();
  EXPECT_TRUE(Contains(status, kMetaColumnFamily)) << status.ToString();
}

TEST(RocksDbOpenTest, NothingThereIsAnErrorNamingThePathAndTheMode) {
  TempDir dir;
  const std::string path = dir.path() + "/absent";
  std::unique_ptr<RingdbRocksDb> opened;
  const Status status =
      OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(), rocksdb::Options(), &opened);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status, path)) << status.ToString();
  EXPECT_TRUE(Contains(status, "read-write")) << status.ToString();
}

TEST(RocksDbOpenTest, ASecondaryPathGoesWithSecondaryModeOnly) {
  TempDir dir;
  RocksDbMode no_path = RocksDbMode::Secondary("");
  std::unique_ptr<RingdbRocksDb> opened;
  const Status status = OpenRingdbRocksDb(dir.path(), no_path, rocksdb::Options(), &opened);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
}

TEST(RocksDbOpenTest, NullOutParameterIsAnInvalidArgumentNamingIt) {
  TempDir dir;
  const Status status =
      OpenRingdbRocksDb(dir.path() + "/db", RocksDbMode::ReadWrite(), Creating(), nullptr);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_TRUE(Contains(status, "OpenRingdbRocksDb: db out-parameter is null")) << status.ToString();
}

// Every open shares the settings that keep the marker with the data and RocksDB's errors in
// ringdb's log; each use adds only what it is for, and a caller's options are kept as given.
TEST(RocksDbOptionsTest, EveryUseKeepsTheSharedSettingsAndAddsItsOwn) {
  const std::shared_ptr<spdlog::logger> logger = DefaultLogger();
  struct Expected {
    RocksDbUse use;
    bool creates;
    bool refuses_existing;
  };
  for (const Expected& expected :
       {Expected{RocksDbUse::kEngine, true, false}, Expected{RocksDbUse::kNewCopy, true, true},
        Expected{RocksDbUse::kExisting, false, false},
        Expected{RocksDbUse::kSecondary, false, false},
        Expected{RocksDbUse::kReadOnly, false, false}}) {
    SCOPED_TRACE(static_cast<int>(expected.use));
    const rocksdb::Options options = RingdbRocksDbOptions(nullptr, expected.use, logger);
    EXPECT_TRUE(options.atomic_flush);
    EXPECT_NE(options.info_log, nullptr) << "RocksDB logs to ringdb's logger, not a LOG file";
    EXPECT_EQ(options.max_bgerror_resume_count, 0);
    EXPECT_EQ(options.write_buffer_size, kDefaultRocksDbWriteBufferBytes);
    EXPECT_EQ(options.create_if_missing, expected.creates);
    EXPECT_EQ(options.create_missing_column_families, expected.creates);
    EXPECT_EQ(options.error_if_exists, expected.refuses_existing);
  }
  rocksdb::Options user;
  user.write_buffer_size = 1 << 20;
  user.atomic_flush = false;
  const rocksdb::Options options = RingdbRocksDbOptions(&user, RocksDbUse::kEngine, logger);
  EXPECT_EQ(options.write_buffer_size, size_t{1} << 20) << "the caller's options are used as given";
  EXPECT_TRUE(options.atomic_flush) << "but never without atomic flushes";
  user.max_open_files = 100;
  EXPECT_EQ(RingdbRocksDbOptions(&user, RocksDbUse::kSecondary, logger).max_open_files, -1)
      << "a secondary instance keeps every file open";
  EXPECT_EQ(RocksDbFileSystemOf(&user), rocksdb::Env::Default()->GetFileSystem().get());
}

TEST(RocksDbOptionsTest, ANewCopyRefusesADatabaseAndSalvageRefusesNone) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::shared_ptr<spdlog::logger> logger = DefaultLogger();
  std::unique_ptr<RingdbRocksDb> rocks;
  EXPECT_FALSE(OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(),
                                 RingdbRocksDbOptions(nullptr, RocksDbUse::kExisting, logger),
                                 &rocks)
                   .ok())
      << "salvage must not make a database where there was none";
  const Status made =
      OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(),
                        RingdbRocksDbOptions(nullptr, RocksDbUse::kNewCopy, logger), &rocks);
  ASSERT_TRUE(made.ok()) << made.ToString();
  rocks.reset();
  const Status again =
      OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(),
                        RingdbRocksDbOptions(nullptr, RocksDbUse::kNewCopy, logger), &rocks);
  ASSERT_FALSE(again.ok()) << "a copy is never written over a database";
  EXPECT_TRUE(Contains(again, path)) << again.ToString();
  const Status existing =
      OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(),
                        RingdbRocksDbOptions(nullptr, RocksDbUse::kExisting, logger), &rocks);
  EXPECT_TRUE(existing.ok()) << existing.ToString();
}

}  // namespace
}  // namespace ringdb
