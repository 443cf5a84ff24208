// Goal: the POSIX Env and the journal on a real file system: a round trip through files under a
// temporary directory, positional overwrite, directory listing, the lock refusing a second holder,
// errno names in error messages, and the factories' out-parameter contract (a null one is an
// InvalidArgument naming it, a failed open leaves it null).
#include <algorithm>
#include <memory>
#include <new>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::TempDir;

TEST(PosixEnvTest, WritesReadsListsAndOverwrites) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.path() + "/file";
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew, &file).ok());
  const std::vector<std::byte> data(100, std::byte{1});
  ASSERT_TRUE(WriteFully(file.get(), 0, data).ok());
  ASSERT_TRUE(WriteFully(file.get(), 10, std::span(data).first(5)).ok());
  ASSERT_TRUE(file->SyncData().ok());
  EXPECT_EQ(*file->Size(), 100u);
  std::unique_ptr<WritableFile> again;
  EXPECT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew, &again).IsIOError());
  std::unique_ptr<ReadableFile> readable;
  ASSERT_TRUE(env->OpenReadable(path, &readable).ok());
  std::vector<std::byte> back(200);
  EXPECT_EQ(*readable->ReadAt(0, back), 100u);
  ASSERT_TRUE(env->SyncDir(dir.path()).ok());
  EXPECT_EQ(env->ListDir(dir.path())->size(), 1u);
  std::unique_ptr<ReadableFile> none;
  const Status missing = env->OpenReadable(dir.path() + "/none", &none);
  EXPECT_NE(missing.message().find("ENOENT"), std::string_view::npos) << missing.ToString();
}

// Reads that bypass the page cache (O_DIRECT, aligned through a bounce buffer) return exactly what
// an ordinary read does, at any offset and length, including across the end of the file.
TEST(PosixEnvTest, DeviceReadsMatchOrdinaryReadsAtUnalignedOffsets) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.path() + "/file";
  std::vector<std::byte> data(3 * 4096 + 123);
  for (size_t index = 0; index < data.size(); ++index) {
    data[index] = static_cast<std::byte>((index * 37 + 11) & 0xff);
  }
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew, &file).ok());
    ASSERT_TRUE(WriteFully(file.get(), 0, data).ok());
    ASSERT_TRUE(file->SyncAll().ok());
  }
  std::unique_ptr<ReadableFile> device;
  const Status opened = env->OpenReadableFromDevice(path, &device);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  EXPECT_EQ(*device->Size(), data.size());
  const uint64_t offsets[] = {0, 1, 511, 4095, 4096, 4097, 8000, data.size() - 5, data.size()};
  const uint64_t lengths[] = {0, 1, 100, 4096, 5000, 20000};
  for (const uint64_t offset : offsets) {
    for (const uint64_t length : lengths) {
      std::vector<std::byte> out(length, std::byte{0xee});
      const Result<uint64_t> got = device->ReadAt(offset, out);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const uint64_t expected = std::min<uint64_t>(length, data.size() - offset);
      ASSERT_EQ(*got, expected) << "offset " << offset << " length " << length;
      EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(expected),
                             data.begin() + static_cast<std::ptrdiff_t>(offset)))
          << "offset " << offset << " length " << length;
    }
  }
  // Block-aligned offset, length and memory: read straight into the caller's buffer, the last
  // block short at the end of the file.
  struct AlignedFree {
    void operator()(std::byte* bytes) const { ::operator delete[](bytes, std::align_val_t{4096}); }
  };
  const std::unique_ptr<std::byte[], AlignedFree> aligned(
      static_cast<std::byte*>(::operator new[](4 * 4096, std::align_val_t{4096})));
  for (const uint64_t offset : {uint64_t{0}, uint64_t{4096}, uint64_t{3 * 4096}}) {
    for (const uint64_t length : {uint64_t{4096}, uint64_t{4 * 4096}}) {
      const Result<uint64_t> got =
          device->ReadAt(offset, std::span<std::byte>(aligned.get(), length));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const uint64_t expected = std::min<uint64_t>(length, data.size() - offset);
      ASSERT_EQ(*got, expected) << "aligned, offset " << offset << " length " << length;
      EXPECT_TRUE(std::equal(aligned.get(), aligned.get() + expected,
                             data.begin() + static_cast<std::ptrdiff_t>(offset)))
          << "aligned, offset " << offset << " length " << length;
    }
  }
  std::unique_ptr<ReadableFile> none;
  EXPECT_TRUE(env->OpenReadableFromDevice(dir.path() + "/none", &none).IsIOError());
}

TEST(PosixEnvTest, LockRefusesASecondHolderInTheSameProcess) {
  TempDir dir;
  std::unique_ptr<FileLock> first;
  ASSERT_TRUE(Env::Default()->LockFile(dir.path() + "/LOCK", &first).ok());
  std::unique_ptr<FileLock> second;
  EXPECT_TRUE(Env::Default()->LockFile(dir.path() + "/LOCK", &second).IsBusy());
  first.reset();
  EXPECT_TRUE(Env::Default()->LockFile(dir.path() + "/LOCK", &second).ok());
}

// Each factory of the POSIX Env answers a null out-parameter with an InvalidArgument that names
// the call and the parameter, as Engine::Open does, and touches nothing on disk.
TEST(PosixEnvTest, NullOutParameterIsAnInvalidArgumentNamingIt) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.path() + "/file";
  const auto expect_named = [](const Status& status, const std::string& named) {
    EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
    EXPECT_NE(status.message().find(named), std::string_view::npos) << status.ToString();
  };
  expect_named(env->OpenWritable(path, OpenMode::kCreateNew, nullptr),
               "Env::OpenWritable: file out-parameter is null");
  EXPECT_FALSE(env->FileExists(path)) << "a refused OpenWritable created the file";
  std::unique_ptr<WritableFile> created;
  ASSERT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew, &created).ok());
  expect_named(env->OpenReadable(path, nullptr), "Env::OpenReadable: file out-parameter is null");
  expect_named(env->OpenReadableFromDevice(path, nullptr),
               "Env::OpenReadableFromDevice: file out-parameter is null");
  const std::string lock_path = dir.path() + "/LOCK";
  expect_named(env->LockFile(lock_path, nullptr), "Env::LockFile: lock out-parameter is null");
  EXPECT_FALSE(env->FileExists(lock_path)) << "a refused LockFile created the lock file";
}

// A failed open leaves its out-parameter null, whatever it held before: the caller never keeps
// an object that the failed call did not hand out.
TEST(PosixEnvTest, FailedOpenLeavesTheOutParameterNull) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.path() + "/file";
  const std::string missing = dir.path() + "/none";

  std::unique_ptr<WritableFile> writable;
  ASSERT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew, &writable).ok());
  ASSERT_NE(writable, nullptr);
  EXPECT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew, &writable).IsIOError());
  EXPECT_EQ(writable, nullptr);
  ASSERT_TRUE(env->OpenWritable(path, OpenMode::kOpenExisting, &writable).ok());
  EXPECT_TRUE(env->OpenWritable(missing, OpenMode::kOpenExisting, &writable).IsIOError());
  EXPECT_EQ(writable, nullptr);
  EXPECT_FALSE(env->FileExists(missing));

  std::unique_ptr<ReadableFile> readable;
  ASSERT_TRUE(env->OpenReadable(path, &readable).ok());
  ASSERT_NE(readable, nullptr);
  EXPECT_TRUE(env->OpenReadable(missing, &readable).IsIOError());
  EXPECT_EQ(readable, nullptr);

  std::unique_ptr<ReadableFile> device;
  ASSERT_TRUE(env->OpenReadableFromDevice(path, &device).ok());
  ASSERT_NE(device, nullptr);
  EXPECT_TRUE(env->OpenReadableFromDevice(missing, &device).IsIOError());
  EXPECT_EQ(device, nullptr);

  // The lock the out-parameter held (on another file) is released with it.
  const std::string lock_path = dir.path() + "/LOCK";
  std::unique_ptr<FileLock> holder;
  ASSERT_TRUE(env->LockFile(lock_path, &holder).ok());
  std::unique_ptr<FileLock> other;
  ASSERT_TRUE(env->LockFile(dir.path() + "/OTHER", &other).ok());
  EXPECT_TRUE(env->LockFile(lock_path, &other).IsBusy());
  EXPECT_EQ(other, nullptr);
  std::unique_ptr<FileLock> retaken;
  EXPECT_TRUE(env->LockFile(dir.path() + "/OTHER", &retaken).ok());
  EXPECT_NE(retaken, nullptr);
}

TEST(PosixEnvTest, JournalRoundTripOnDiskWithPrewrittenSegments) {
  TempDir dir;
  JournalOptions options = testing::SmallOptions(nullptr);
  options.prewritten_segments = 2;
  const std::string path = dir.path() + "/journal";
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Journal::Open(options, path, nullptr, &journal).ok());
  for (uint64_t i = 1; i <= 300; ++i) {
    uint64_t sequence = 0;
    Status status = journal->Add(1, testing::Payload(i, 100), &sequence);
    if (status.IsBusy()) {
      ASSERT_TRUE(journal->Commit().ok());
      status = journal->Add(1, testing::Payload(i, 100), &sequence);
    }
    ASSERT_TRUE(status.ok());
  }
  ASSERT_TRUE(journal->Commit().ok());
  ASSERT_TRUE(journal->Retire(100).ok());
  journal.reset();
  RecoveryReport report;
  ASSERT_TRUE(Journal::Open(options, path, &report, &journal).ok());
  EXPECT_EQ(report.last_sequence, 300u);
  EXPECT_FALSE(report.torn_tail_truncated);
  testing::Replayed replayed;
  ASSERT_TRUE(testing::CollectAll(journal.get(), 150, &replayed).ok());
  ASSERT_EQ(replayed.sequences.size(), 150u);
  EXPECT_EQ(replayed.payloads.back(), testing::Payload(300, 100));
}

}  // namespace
}  // namespace ringdb::journal
