// Goal: the POSIX Env and the journal on a real file system: a round trip through files under a
// temporary directory, positional overwrite, directory listing, the lock refusing a second holder,
// and errno names in error messages.
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
  auto file = env->OpenWritable(path, OpenMode::kCreateNew);
  ASSERT_TRUE(file.ok());
  const std::vector<std::byte> data(100, std::byte{1});
  ASSERT_TRUE(WriteFully(file->get(), 0, data).ok());
  ASSERT_TRUE(WriteFully(file->get(), 10, std::span(data).first(5)).ok());
  ASSERT_TRUE((*file)->SyncData().ok());
  EXPECT_EQ(*(*file)->Size(), 100u);
  EXPECT_TRUE(env->OpenWritable(path, OpenMode::kCreateNew).status().IsIOError());
  auto readable = env->OpenReadable(path);
  ASSERT_TRUE(readable.ok());
  std::vector<std::byte> back(200);
  EXPECT_EQ(*(*readable)->ReadAt(0, back), 100u);
  ASSERT_TRUE(env->SyncDir(dir.path()).ok());
  EXPECT_EQ(env->ListDir(dir.path())->size(), 1u);
  const Status missing = env->OpenReadable(dir.path() + "/none").status();
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
    auto file = env->OpenWritable(path, OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(WriteFully(file->get(), 0, data).ok());
    ASSERT_TRUE((*file)->SyncAll().ok());
  }
  auto device = env->OpenReadableFromDevice(path);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  EXPECT_EQ(*(*device)->Size(), data.size());
  const uint64_t offsets[] = {0, 1, 511, 4095, 4096, 4097, 8000, data.size() - 5, data.size()};
  const uint64_t lengths[] = {0, 1, 100, 4096, 5000, 20000};
  for (const uint64_t offset : offsets) {
    for (const uint64_t length : lengths) {
      std::vector<std::byte> out(length, std::byte{0xee});
      const Result<uint64_t> got = (*device)->ReadAt(offset, out);
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
          (*device)->ReadAt(offset, std::span<std::byte>(aligned.get(), length));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const uint64_t expected = std::min<uint64_t>(length, data.size() - offset);
      ASSERT_EQ(*got, expected) << "aligned, offset " << offset << " length " << length;
      EXPECT_TRUE(std::equal(aligned.get(), aligned.get() + expected,
                             data.begin() + static_cast<std::ptrdiff_t>(offset)))
          << "aligned, offset " << offset << " length " << length;
    }
  }
  EXPECT_TRUE(env->OpenReadableFromDevice(dir.path() + "/none").status().IsIOError());
}

TEST(PosixEnvTest, LockRefusesASecondHolderInTheSameProcess) {
  TempDir dir;
  auto first = Env::Default()->LockFile(dir.path() + "/LOCK");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(Env::Default()->LockFile(dir.path() + "/LOCK").status().IsBusy());
  first->reset();
  EXPECT_TRUE(Env::Default()->LockFile(dir.path() + "/LOCK").ok());
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
