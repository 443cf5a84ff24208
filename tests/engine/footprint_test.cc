// Goal: a small database takes little disk (README, "Footprint on disk"). An empty database, one
// with a few transactions, and a backup of it, each allocate under 1 MiB; so does the backup after
// a reopen, which used to pre-write a 64 MiB segment. Method: the default options on the real file
// system; the bytes counted are the blocks each file allocates (st_blocks), as du counts them.
//
// Why 1 MiB: RocksDB's files for an empty database (OPTIONS, MANIFEST, CURRENT, IDENTITY, a small
// SST after a flush) allocate about 50 KiB here; the journal's first segment is 1 MiB but sparse,
// allocating only the blocks its records fill; HEAD and the OPTIONS file are a block each. A
// single pre-written segment (64 MiB before this test existed) or a fully allocated first
// segment would break the bound, which is what it guards.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "ringdb/ringdb.h"
#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

constexpr uint64_t kBoundBytes = uint64_t{1} << 20;

// Bytes allocated under dir, as `du` counts them.
uint64_t AllocatedBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) == 0) {
      total += static_cast<uint64_t>(info.st_blocks) * 512;
    }
  }
  return total;
}

std::unique_ptr<Engine> OpenOrDie(const std::string& path) {
  std::unique_ptr<Engine> engine;
  const Status status = Engine::Open(Options(), path, &engine);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return engine;
}

TEST(FootprintTest, AnEmptyDatabaseAndASmallOneAndTheirBackupStayUnderOneMebibyte) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    std::unique_ptr<Engine> engine = OpenOrDie(path);
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(engine->Close().ok());
  }
  const uint64_t empty = AllocatedBytes(path);
  std::printf("empty database: %llu bytes allocated\n", static_cast<unsigned long long>(empty));
  EXPECT_LT(empty, kBoundBytes);
  {
    std::unique_ptr<Engine> engine = OpenOrDie(path);
    ASSERT_NE(engine, nullptr);
    for (int i = 0; i < 100; ++i) {
      WriteBatch batch;
      batch.Put("key/" + std::to_string(i), std::string(100, 'v'));
      ASSERT_TRUE(engine->Write(batch).ok());
    }
    ASSERT_TRUE(engine->Backup(dir.path() + "/backup").ok());
    ASSERT_TRUE(engine->Close().ok());
  }
  const uint64_t small = AllocatedBytes(path);
  const uint64_t backup = AllocatedBytes(dir.path() + "/backup");
  std::printf("100 transactions: %llu bytes; their backup: %llu bytes\n",
              static_cast<unsigned long long>(small), static_cast<unsigned long long>(backup));
  EXPECT_LT(small, kBoundBytes);
  EXPECT_LT(backup, kBoundBytes);
  {
    std::unique_ptr<Engine> engine = OpenOrDie(dir.path() + "/backup");
    ASSERT_NE(engine, nullptr);
    std::string value;
    ASSERT_TRUE(engine->Get("key/99", &value).ok());
    EXPECT_EQ(value, std::string(100, 'v'));
    ASSERT_TRUE(engine->Close().ok());
  }
  const uint64_t reopened = AllocatedBytes(dir.path() + "/backup");
  std::printf("the backup after a reopen: %llu bytes\n", static_cast<unsigned long long>(reopened));
  EXPECT_LT(reopened, kBoundBytes) << "an Open pre-writes nothing";
}

}  // namespace
}  // namespace ringdb
