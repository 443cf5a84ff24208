// Goal: a failed write or sync is never retried and never reported as success. The failed group
// and every later Add and Commit fail with IOError until the journal is reopened; ENOSPC says so;
// short writes are completed; a crash after the failure recovers from what is on disk.
// Method: the FaultInjectionEnv's armed faults and its write/sync counters.
#include <span>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::CollectAll;
using testing::Payload;
using testing::Replayed;
using testing::SmallOptions;

const std::string kDir = "/journal";

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.prewritten_segments = 0;  // No background thread touching the counters.
    ASSERT_TRUE(Journal::Open(options_, kDir, nullptr, &journal_).ok());
    ASSERT_TRUE(AddOne().ok());
    ASSERT_TRUE(journal_->Commit().ok());  // Sequence 1 is durable; segment created.
  }
  Status AddOne() {
    uint64_t sequence = 0;
    return journal_->Add(1, Payload(journal_->last_sequence() + 1, 32), &sequence);
  }
  // After a failure: nothing is durable beyond `durable`, nothing more is written or synced.
  void ExpectRefusing(uint64_t durable) {
    const uint64_t writes = env_.write_count();
    const uint64_t syncs = env_.sync_count();
    EXPECT_TRUE(journal_->failed());
    EXPECT_EQ(journal_->durable_sequence(), durable);
    EXPECT_TRUE(AddOne().IsIOError());
    EXPECT_TRUE(journal_->Commit().IsIOError());
    EXPECT_TRUE(journal_->Commit().IsIOError());
    EXPECT_EQ(env_.write_count(), writes);
    EXPECT_EQ(env_.sync_count(), syncs) << "a failed sync must never be retried";
  }
  void ExpectReopenRecovers(uint64_t durable) {
    journal_.reset();
    env_.ClearFaults();
    env_.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 1);
    ASSERT_TRUE(Journal::Open(options_, kDir, nullptr, &journal_).ok());
    EXPECT_EQ(journal_->last_sequence(), durable);
    ASSERT_TRUE(AddOne().ok());
    ASSERT_TRUE(journal_->Commit().ok());
    Replayed replayed;
    ASSERT_TRUE(CollectAll(journal_.get(), 0, &replayed).ok());
    EXPECT_EQ(replayed.sequences.size(), durable + 1);
  }

  FaultInjectionEnv env_;
  JournalOptions options_ = SmallOptions(&env_);
  std::unique_ptr<Journal> journal_;
};

TEST_F(FaultTest, FsyncEioOnceFailsTheGroupAndIsNeverRetried) {
  ASSERT_TRUE(AddOne().ok());
  ASSERT_TRUE(AddOne().ok());
  env_.FailSync(1, false /*sticky*/);
  const uint64_t syncs = env_.sync_count();
  const Status status = journal_->Commit();
  EXPECT_TRUE(status.IsIOError());
  EXPECT_NE(status.message().find("fdatasync"), std::string_view::npos) << status.ToString();
  EXPECT_NE(status.message().find("2..3"), std::string_view::npos) << status.ToString();
  EXPECT_EQ(env_.sync_count(), syncs + 1);
  // The disk would now accept a sync (the fault fired once), yet the journal does not try.
  ExpectRefusing(1);
  ExpectReopenRecovers(1);
}

TEST_F(FaultTest, FsyncEioAlwaysFailsAndReopenRecoversTheDurablePrefix) {
  ASSERT_TRUE(AddOne().ok());
  env_.FailSync(1, true /*sticky*/);
  EXPECT_TRUE(journal_->Commit().IsIOError());
  ExpectRefusing(1);
  ExpectReopenRecovers(1);
}

TEST_F(FaultTest, WriteEioFailsTheGroupWithoutSyncing) {
  ASSERT_TRUE(AddOne().ok());
  env_.FailWrite(1, false);
  const uint64_t syncs = env_.sync_count();
  EXPECT_TRUE(journal_->Commit().IsIOError());
  EXPECT_EQ(env_.sync_count(), syncs);
  ExpectRefusing(1);
  ExpectReopenRecovers(1);
}

TEST_F(FaultTest, EnospcSaysSoClearly) {
  env_.SetSpaceLimit(env_.total_bytes() + 10);
  ASSERT_TRUE(AddOne().ok());
  const Status status = journal_->Commit();
  EXPECT_TRUE(status.IsIOError());
  EXPECT_TRUE(IsNoSpace(status));
  EXPECT_NE(status.message().find("out of disk space (ENOSPC)"), std::string_view::npos)
      << status.ToString();
  ExpectRefusing(1);
  ExpectReopenRecovers(1);
}

TEST_F(FaultTest, EnospcWhenRollingToANewSegmentFailsTheSameWay) {
  // Fill the first segment, then forbid any growth: the roll's new file cannot be written.
  while (true) {
    Status status = AddOne();
    if (status.IsBusy()) break;
    ASSERT_TRUE(status.ok());
  }
  ASSERT_TRUE(journal_->Commit().ok());
  const uint64_t durable = journal_->durable_sequence();
  env_.SetSpaceLimit(env_.total_bytes());
  ASSERT_TRUE(AddOne().ok());
  EXPECT_TRUE(IsNoSpace(journal_->Commit()));
  ExpectRefusing(durable);
  ExpectReopenRecovers(durable);
}

TEST_F(FaultTest, ShortWritesAreCompleted) {
  env_.SetShortWrites(true);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(AddOne().ok());
  ASSERT_TRUE(journal_->Commit().ok());
  ExpectReopenRecovers(21);
}

TEST_F(FaultTest, CrashAfterARollKeepsTheNewSegmentBecauseTheDirectoryWasSynced) {
  uint64_t dir_syncs = env_.dir_sync_count();
  // Bounded: a 16 KiB segment holds well under 1000 records of 72 bytes.
  for (int i = 0; i < 1000 && journal_->Info().segments.size() == 1; ++i) {
    Status status = AddOne();
    if (status.IsBusy()) {
      dir_syncs = env_.dir_sync_count();
      ASSERT_TRUE(journal_->Commit().ok());  // May roll: new file, directory sync.
    }
  }
  ASSERT_EQ(journal_->Info().segments.size(), 2u);
  EXPECT_GT(env_.dir_sync_count(), dir_syncs);
  ExpectReopenRecovers(journal_->durable_sequence());
}

TEST_F(FaultTest, NoSyncModeNeverSyncsAndSaysSo) {
  journal_.reset();
  options_.sync_mode = SyncMode::kNoSyncNotDurable;
  ASSERT_TRUE(Journal::Open(options_, kDir, nullptr, &journal_).ok());
  // The first Commit creates a segment: its length and HEAD are synced, once per segment.
  ASSERT_TRUE(AddOne().ok());
  ASSERT_TRUE(journal_->Commit().ok());
  const uint64_t syncs = env_.sync_count();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(AddOne().ok());
    ASSERT_TRUE(journal_->Commit().ok());
  }
  EXPECT_EQ(env_.sync_count(), syncs + 0) << "a group was synced";
  EXPECT_STREQ(SyncModeName(options_.sync_mode), "no-sync-NOT-DURABLE");
}

TEST(FaultInjectionEnvTest, UnsyncedDirectoryEntriesAreLostInACrash) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/d").ok());
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env.OpenWritable("/d/a", OpenMode::kCreateNew, &file).ok());
  const std::byte data[4] = {};
  ASSERT_TRUE(WriteFully(file.get(), 0, data).ok());
  ASSERT_TRUE(file->SyncData().ok());
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kProcessCrash, 0);
  EXPECT_TRUE(env.FileExists("/d/a"));  // A process crash leaves the entry visible...
  std::unique_ptr<WritableFile> second;
  ASSERT_TRUE(env.OpenWritable("/d/b", OpenMode::kCreateNew, &second).ok());
  ASSERT_TRUE(second->SyncData().ok());
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 0);
  EXPECT_FALSE(env.FileExists("/d/b"));  // Synced data, but the entry was never dir-synced.
  EXPECT_FALSE(env.FileExists("/d/a")) << "...but a process crash made no entry durable";
  EXPECT_TRUE(second->SyncData().IsIOError());  // Handles from before the crash are dead.
}

TEST(FaultInjectionEnvTest, ALockTakenBeforeACrashDoesNotReleaseItsSuccessor) {
  FaultInjectionEnv env;
  const std::string path = "/db/LOCK";
  std::unique_ptr<FileLock> before_crash;
  Status status = env.LockFile(path, &before_crash);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::unique_ptr<FileLock> refused;
  EXPECT_TRUE(env.LockFile(path, &refused).IsBusy());
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kProcessCrash, 0);  // Its holder died.
  std::unique_ptr<FileLock> after_crash;
  status = env.LockFile(path, &after_crash);
  ASSERT_TRUE(status.ok()) << status.ToString();
  before_crash.reset();  // The dead holder's handle goes away only now.
  std::unique_ptr<FileLock> third;
  status = env.LockFile(path, &third);
  EXPECT_TRUE(status.IsBusy()) << "a dead holder's lock released its successor's";
  EXPECT_NE(status.ToString().find(path), std::string::npos);
  after_crash.reset();
  EXPECT_TRUE(env.LockFile(path, &third).ok());
}

TEST(FaultInjectionEnvTest, CutPowerFreezesEveryChangeUntilTheCrash) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/d").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env.OpenWritable("/d/a", OpenMode::kCreateNew, &file).ok());
  const std::byte data[4] = {};
  ASSERT_TRUE(WriteFully(file.get(), 0, data).ok());
  ASSERT_TRUE(file->SyncData().ok());
  ASSERT_TRUE(env.SyncDir("/d").ok());
  env.CutPower();
  EXPECT_TRUE(WriteFully(file.get(), 4, data).IsIOError());
  EXPECT_TRUE(file->SyncData().IsIOError());
  EXPECT_TRUE(file->Truncate(0).IsIOError());
  std::unique_ptr<WritableFile> other;
  EXPECT_FALSE(env.OpenWritable("/d/b", OpenMode::kCreateNew, &other).ok());
  EXPECT_TRUE(env.RenameFile("/d/a", "/d/c").IsIOError());
  EXPECT_TRUE(env.DeleteFile("/d/a").IsIOError());
  EXPECT_TRUE(env.SyncDir("/d").IsIOError());
  auto bytes = env.ReadAll("/d/a");
  ASSERT_TRUE(bytes.ok()) << "reads go on after the cut";
  EXPECT_EQ(bytes->size(), 4u);
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 0);
  EXPECT_TRUE(env.OpenWritable("/d/b", OpenMode::kCreateNew, &other).ok())
      << "the crash lifts the cut";
}

TEST(FaultInjectionEnvTest, LosingUnsyncedEntriesKeepsTheBytesOfTheSurvivors) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/d").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  std::unique_ptr<WritableFile> old_file;
  ASSERT_TRUE(env.OpenWritable("/d/old", OpenMode::kCreateNew, &old_file).ok());
  ASSERT_TRUE(env.SyncDir("/d").ok());
  const std::byte data[4] = {};
  ASSERT_TRUE(WriteFully(old_file.get(), 0, data).ok());  // Written, never synced.
  std::unique_ptr<WritableFile> new_file;
  ASSERT_TRUE(env.OpenWritable("/d/new", OpenMode::kCreateNew, &new_file).ok());
  ASSERT_TRUE(new_file->SyncData().ok());  // Synced, but its entry never dir-synced.
  ASSERT_TRUE(env.RenameFile("/d/old", "/d/renamed").ok());
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kLoseUnsyncedEntries, 0);
  EXPECT_FALSE(env.FileExists("/d/new"));
  EXPECT_FALSE(env.FileExists("/d/renamed"));
  auto bytes = env.ReadAll("/d/old");
  ASSERT_TRUE(bytes.ok()) << "the rename is undone";
  EXPECT_EQ(bytes->size(), 4u) << "the unsynced bytes were written back";
}

TEST(FaultInjectionEnvTest, ADirectoryIsLostUntilItsParentIsSynced) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/d").ok());
  ASSERT_TRUE(env.CreateDir("/e").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  ASSERT_TRUE(env.CreateDir("/f").ok());
  for (const char* dir : {"/d", "/f"}) {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env.OpenWritable(std::string(dir) + "/a", OpenMode::kCreateNew, &file).ok());
    ASSERT_TRUE(file->SyncData().ok());
    ASSERT_TRUE(env.SyncDir(dir).ok());
  }
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 0);
  EXPECT_TRUE(env.FileExists("/d/a"));
  EXPECT_TRUE(env.FileExists("/e"));
  EXPECT_FALSE(env.FileExists("/f")) << "created after the parent's last sync";
  EXPECT_FALSE(env.FileExists("/f/a")) << "a lost directory takes its files with it";
}

// The page cache and the device, apart (see fault_injection_env.h): a process crash keeps what the
// kernel holds without making it durable, a failed sync may lose pages that reads still show, and
// a read of the device sees neither those nor anything a power loss could not take away... except
// the dirty writes the kernel writes back before it.
class PageCacheModelTest : public ::testing::Test {
 protected:
  using Mode = FaultInjectionEnv::CrashMode;
  using SyncFailure = FaultInjectionEnv::SyncFailure;

  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir("/d").ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
  }
  // Creates path with `text`, synced, its entry durable.
  void CreateDurable(const std::string& path, std::string_view text) {
    std::unique_ptr<WritableFile> file;
    const Status status = env_.OpenWritable(path, OpenMode::kCreateNew, &file);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(WriteFully(file.get(), 0, AsBytes(text)).ok());
    ASSERT_TRUE(file->SyncData().ok());
    ASSERT_TRUE(env_.SyncDir("/d").ok());
  }
  std::unique_ptr<WritableFile> Reopen(const std::string& path) {
    std::unique_ptr<WritableFile> file;
    const Status status = env_.OpenWritable(path, OpenMode::kOpenExisting, &file);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return file;
  }
  static std::span<const std::byte> AsBytes(std::string_view text) {
    return std::as_bytes(std::span(text.data(), text.size()));
  }
  static std::string ReadWhole(const Status& opened, const ReadableFile* file) {
    if (!opened.ok()) {
      return "<" + opened.ToString() + ">";
    }
    std::string text(4096, '\0');
    auto read = file->ReadAt(0, std::as_writable_bytes(std::span(text.data(), text.size())));
    if (!read.ok()) {
      return "<" + read.status().ToString() + ">";
    }
    text.resize(*read);
    auto size = file->Size();
    EXPECT_TRUE(size.ok() && *size == text.size()) << "Size() disagrees with the bytes read";
    return text;
  }
  std::string Cached(const std::string& path) {
    std::unique_ptr<ReadableFile> file;
    const Status opened = env_.OpenReadable(path, &file);
    return ReadWhole(opened, file.get());
  }
  std::string OnDevice(const std::string& path) {
    std::unique_ptr<ReadableFile> file;
    const Status opened = env_.OpenReadableFromDevice(path, &file);
    return ReadWhole(opened, file.get());
  }

  FaultInjectionEnv env_;
};

TEST_F(PageCacheModelTest, AProcessCrashKeepsUnsyncedBytesReadableButNotDurable) {
  CreateDurable("/d/a", "synced");
  std::unique_ptr<WritableFile> file = Reopen("/d/a");
  ASSERT_TRUE(WriteFully(file.get(), 6, AsBytes("+dirty")).ok());
  env_.SimulateCrash(Mode::kProcessCrash, 0);
  EXPECT_EQ(Cached("/d/a"), "synced+dirty") << "the page cache outlives the process";
  EXPECT_EQ(env_.unsynced_bytes(), 6u);
  EXPECT_TRUE(WriteFully(file.get(), 0, AsBytes("x")).IsIOError()) << "the dead process's file";
  env_.SimulateCrash(Mode::kProcessCrash, 0);  // A second crash makes nothing durable either.
  env_.SimulateCrash(Mode::kDropUnsynced, 0);
  EXPECT_EQ(Cached("/d/a"), "synced") << "a process crash made unsynced bytes durable";
  EXPECT_EQ(env_.unsynced_bytes(), 0u);
}

TEST_F(PageCacheModelTest, AProcessCrashKeepsUnsyncedEntriesVisibleButNotDurable) {
  CreateDurable("/d/kept", "k");
  CreateDurable("/d/deleted", "d");
  std::unique_ptr<WritableFile> created;
  ASSERT_TRUE(env_.OpenWritable("/d/created", OpenMode::kCreateNew, &created).ok());
  ASSERT_TRUE(created->SyncData().ok());
  ASSERT_TRUE(env_.RenameFile("/d/kept", "/d/renamed").ok());
  ASSERT_TRUE(env_.DeleteFile("/d/deleted").ok());
  env_.SimulateCrash(Mode::kProcessCrash, 0);
  EXPECT_TRUE(env_.FileExists("/d/created"));
  EXPECT_TRUE(env_.FileExists("/d/renamed"));
  EXPECT_FALSE(env_.FileExists("/d/kept"));
  EXPECT_FALSE(env_.FileExists("/d/deleted"));
  env_.SimulateCrash(Mode::kLoseUnsyncedEntries, 0);
  EXPECT_FALSE(env_.FileExists("/d/created")) << "a process crash made a creation durable";
  EXPECT_FALSE(env_.FileExists("/d/renamed")) << "a process crash made a rename durable";
  EXPECT_EQ(Cached("/d/kept"), "k");
  EXPECT_EQ(Cached("/d/deleted"), "d") << "a process crash made a deletion durable";
}

// Any sync of the file, even from the next process, writes back what the dead one left dirty.
TEST_F(PageCacheModelTest, ASyncAfterAProcessCrashMakesTheDeadProcessesWritesDurable) {
  CreateDurable("/d/a", "synced");
  ASSERT_TRUE(WriteFully(Reopen("/d/a").get(), 6, AsBytes("+dirty")).ok());
  env_.SimulateCrash(Mode::kProcessCrash, 0);
  ASSERT_TRUE(Reopen("/d/a")->SyncData().ok());
  env_.SimulateCrash(Mode::kDropUnsynced, 0);
  EXPECT_EQ(Cached("/d/a"), "synced+dirty");
}

TEST_F(PageCacheModelTest, ADeviceReadSeesDirtyWritesThatAPowerLossStillDrops) {
  CreateDurable("/d/a", "synced");
  ASSERT_TRUE(WriteFully(Reopen("/d/a").get(), 6, AsBytes("+dirty")).ok());
  EXPECT_EQ(OnDevice("/d/a"), "synced+dirty") << "the kernel writes dirty pages back first";
  env_.SimulateCrash(Mode::kDropUnsynced, 0);
  EXPECT_EQ(OnDevice("/d/a"), "synced") << "the device read made nothing durable";
  EXPECT_EQ(Cached("/d/a"), "synced");
}

TEST_F(PageCacheModelTest, AFailedSyncThatLosesPagesLeavesThemReadableButNeverWritten) {
  CreateDurable("/d/a", "synced");
  std::unique_ptr<WritableFile> file = Reopen("/d/a");
  ASSERT_TRUE(WriteFully(file.get(), 6, AsBytes("+lost")).ok());
  env_.FailSync(1, false /*sticky*/, SyncFailure::kPagesLost);
  EXPECT_TRUE(file->SyncData().IsIOError());
  EXPECT_EQ(Cached("/d/a"), "synced+lost") << "the pages stay in the cache, marked clean";
  EXPECT_EQ(OnDevice("/d/a"), "synced") << "a device read must not show the lost pages";
  EXPECT_EQ(env_.unsynced_bytes(), 0u);
  EXPECT_EQ(env_.lost_bytes(), 5u);
  ASSERT_TRUE(WriteFully(file.get(), 11, AsBytes("+later")).ok());
  ASSERT_TRUE(file->SyncData().ok()) << "the fault fired once";
  EXPECT_EQ(Cached("/d/a"), "synced+lost+later");
  const std::string device = OnDevice("/d/a");
  EXPECT_EQ(device.substr(0, 6), "synced");
  EXPECT_EQ(device.substr(11), "+later") << "the successful sync wrote the later write";
  EXPECT_EQ(device.find("lost"), std::string::npos) << "...and not the lost one: " << device;
  env_.SimulateCrash(Mode::kProcessCrash, 0);
  EXPECT_EQ(Cached("/d/a"), "synced+lost+later") << "a process crash keeps the cache";
  env_.SimulateCrash(Mode::kLoseUnsyncedEntries, 0);  // Writes every dirty page back: none.
  EXPECT_EQ(Cached("/d/a"), device) << "after the power loss the cache is filled from the device";
  EXPECT_EQ(env_.lost_bytes(), 0u);
}

TEST_F(PageCacheModelTest, AFailedSyncThatKeepsPagesDirtyLetsALaterSyncWriteThem) {
  CreateDurable("/d/a", "synced");
  std::unique_ptr<WritableFile> file = Reopen("/d/a");
  ASSERT_TRUE(WriteFully(file.get(), 6, AsBytes("+dirty")).ok());
  env_.FailSync(1, false /*sticky*/, SyncFailure::kPagesStayDirty);
  EXPECT_TRUE(file->SyncData().IsIOError());
  EXPECT_EQ(OnDevice("/d/a"), "synced+dirty");
  EXPECT_EQ(env_.unsynced_bytes(), 6u);
  ASSERT_TRUE(file->SyncData().ok());
  env_.SimulateCrash(Mode::kDropUnsynced, 0);
  EXPECT_EQ(Cached("/d/a"), "synced+dirty");
}

TEST_F(PageCacheModelTest, ADeviceReadReplaysTruncatesAndWritesAfterLostPages) {
  CreateDurable("/d/a", "synced");
  std::unique_ptr<WritableFile> file = Reopen("/d/a");
  ASSERT_TRUE(WriteFully(file.get(), 6, AsBytes("+lost")).ok());
  env_.FailSync(1, false /*sticky*/, SyncFailure::kPagesLost);
  EXPECT_TRUE(file->SyncData().IsIOError());
  ASSERT_TRUE(file->Truncate(3).ok());
  ASSERT_TRUE(WriteFully(file.get(), 5, AsBytes("XY")).ok());
  const std::string expected("syn\0\0XY", 7);
  EXPECT_EQ(Cached("/d/a"), expected);
  EXPECT_EQ(OnDevice("/d/a"), expected);
  ASSERT_TRUE(file->SyncData().ok());
  env_.SimulateCrash(Mode::kDropUnsynced, 0);
  EXPECT_EQ(Cached("/d/a"), expected);
}

// A torn write keeps a prefix of what was dirty: never bytes a failed sync lost.
TEST_F(PageCacheModelTest, APowerLossNeverBringsLostPagesBack) {
  for (uint64_t seed = 0; seed < 32; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    env_.SimulateCrash(Mode::kDropUnsynced, 0);
    const std::string path = "/d/a" + std::to_string(seed);
    CreateDurable(path, "synced");
    std::unique_ptr<WritableFile> file = Reopen(path);
    ASSERT_TRUE(WriteFully(file.get(), 6, AsBytes("LOST")).ok());
    env_.FailSync(1, false, SyncFailure::kPagesLost);
    EXPECT_TRUE(file->SyncData().IsIOError());
    ASSERT_TRUE(WriteFully(file.get(), 10, AsBytes("dirty")).ok());
    env_.SimulateCrash(Mode::kProcessCrash, 0);
    env_.SimulateCrash(Mode::kKeepRandomPrefix, seed);
    const std::string survived = Cached(path);
    EXPECT_EQ(survived.substr(0, 6), "synced");
    EXPECT_EQ(survived.find("LOST"), std::string::npos) << survived;
    EXPECT_EQ(std::string("dirty").substr(0, survived.size() > 10 ? survived.size() - 10 : 0),
              survived.size() > 10 ? survived.substr(10) : "")
        << "not a prefix of the dirty write: " << survived;
  }
}

// A journal created in a new directory, then a power loss: the directory's own entry must have
// been made durable, or every acknowledged record goes with it.
TEST(JournalDirectoryTest, ANewJournalDirectorySurvivesAPowerLoss) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/db").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  JournalOptions options = SmallOptions(&env);
  options.create_if_missing = true;
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Journal::Open(options, "/db/journal", nullptr, &journal).ok());
  uint64_t sequence = 0;
  ASSERT_TRUE(journal->Add(1, Payload(1, 32), &sequence).ok());
  ASSERT_TRUE(journal->Commit().ok());  // Durable: the caller may acknowledge sequence 1.
  journal.reset();
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 0);
  ASSERT_TRUE(Journal::Open(options, "/db/journal", nullptr, &journal).ok());
  EXPECT_EQ(journal->last_sequence(), 1u) << "the acknowledged record was lost with its directory";
}

}  // namespace
}  // namespace ringdb::journal
