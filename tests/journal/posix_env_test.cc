// Goal: the POSIX Env and the journal on a real file system: a round trip through files under a
// temporary directory, positional overwrite, directory listing, the lock refusing a second holder,
// and errno names in error messages.
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
