// Attacks on recovery: sequences of ordinary events (crashes between two syscalls,
// power losses, a full disk, a reader beside a live journal) after which a journal that holds
// nothing damaged refuses to open, or verify calls a sound journal corrupt.
// Method: journals written on the in-memory FaultInjectionEnv, crashed through its CutPower /
// SimulateCrash, and reopened; the concurrent reader is interleaved deterministically by an Env
// wrapper that runs the writer's steps between two of the reader's calls.
#include <functional>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal/journal_head.h"
#include "journal/journal_reader.h"
#include "journal/record_format.h"
#include "journal/segment_name.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::Payload;
using testing::SmallOptions;

const std::string kDir = "/journal";
constexpr size_t kPayloadBytes = 100;

class RecoveryAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = SmallOptions(&env_);
    options_.segment_size_bytes_max = 4 << 10;
    options_.group_bytes_max = 2 << 10;
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
  }

  Status Open(RecoveryReport* report, std::unique_ptr<Journal>* journal) {
    return Journal::Open(options_, kDir, report, journal);
  }

  // Adds records first..last, one per group, committing each.
  void Write(Journal* journal, uint64_t first, uint64_t last) {
    for (uint64_t i = first; i <= last; ++i) {
      uint64_t sequence = 0;
      ASSERT_TRUE(journal->Add(1, Payload(i, kPayloadBytes), &sequence).ok());
      ASSERT_EQ(sequence, i);
      const Status status = journal->Commit();
      ASSERT_TRUE(status.ok()) << status.ToString();
    }
  }

  std::vector<std::string> Segments() {
    std::vector<std::string> names;
    const Result<std::vector<std::string>> listed = env_.ListDir(kDir);
    for (const std::string& name : *listed) {
      if (ParseSegmentName(name).has_value()) {
        names.push_back(name);
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  FaultInjectionEnv env_;
  JournalOptions options_;
};

// The very first group of a new journal is lost to a power loss (its fdatasync never ran):
// recovery sets the segment with the torn header aside and leaves no segment. HEAD must then
// name none, or the next open that follows an open writing nothing (an engine opened, read and
// closed) would find "HEAD's newest segment missing" in a journal where nothing was acknowledged.
TEST_F(RecoveryAttackTest, FirstGroupLostThenReopenTwiceIsNotCorruption) {
  {
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Open(nullptr, &journal).ok());
    uint64_t sequence = 0;
    ASSERT_TRUE(journal->Add(1, Payload(1, kPayloadBytes), &sequence).ok());
    env_.SetFaultScope(".journal");
    // The first sync makes the new (sparse) segment's length durable; the second, the group's
    // fdatasync, fails: it stands for the power going out before it.
    env_.FailSync(2, true);
    ASSERT_FALSE(journal->Commit().ok());
  }
  env_.ClearFaults();
  env_.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 1);
  ASSERT_EQ(Segments().size(), 1u) << "the first segment and its length were made durable";

  RecoveryReport report;
  std::unique_ptr<Journal> journal;
  Status status = Open(&report, &journal);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(journal->last_sequence(), 0u);
  ASSERT_TRUE(journal->Close().ok());  // Nothing written: nothing to mark.
  journal.reset();

  status = Open(&report, &journal);
  EXPECT_TRUE(status.ok()) << "second open after an ordinary power loss: " << status.ToString();
}

// The same through point-in-time recovery, whose result must open in the default mode: when the
// damage is in the first segment's header, point in time keeps no segment, and HEAD must not
// name the quarantined one.
TEST_F(RecoveryAttackTest, PointInTimeKeepingNoSegmentLeavesAJournalThatOpens) {
  {
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Open(nullptr, &journal).ok());
    Write(journal.get(), 1, 3);
  }
  const std::string first = Segments().front();
  std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + first);
  bytes[format::kRecordHeaderBytes + 2] ^= std::byte{0x10};  // The segment header's payload.
  env_.WriteAll(kDir + "/" + first, std::move(bytes));
  options_.recovery_mode = RecoveryMode::kPointInTime;
  RecoveryReport report;
  std::unique_ptr<Journal> journal;
  Status status = Open(&report, &journal);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(journal->last_sequence(), 0u);
  journal.reset();
  options_.recovery_mode = RecoveryMode::kTolerateTornTail;
  status = Open(&report, &journal);
  EXPECT_TRUE(status.ok()) << "what point in time left does not open: " << status.ToString();
}

// A pool file whose zero-filling a kill -9 interrupted has its length in the page cache only. Were
// it adopted, the next roll would rename it into a segment, HEAD would record that length as
// durable, and a power loss before the first group's fdatasync would leave the segment shorter
// on disk than HEAD says: "cut after its records were written", though nothing was written.
TEST_F(RecoveryAttackTest, AdoptedUnsyncedPoolFileThenPowerLossIsNotCorruption) {
  {
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Open(nullptr, &journal).ok());
    Write(journal.get(), 1, 5);
    ASSERT_TRUE(journal->Close().ok());
  }
  // The previous process's pre-writer, killed mid-fill: 3 KiB of zeros, never synced.
  const Result<std::vector<std::string>> listed = env_.ListDir(kDir);
  for (const std::string& name : *listed) {
    if (ParsePoolName(name).has_value()) {
      ASSERT_TRUE(env_.DeleteFile(kDir + "/" + name).ok());
    }
  }
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  const std::string pool = kDir + "/" + FormatPoolName(100, false /*ready*/);
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env_.OpenWritable(pool, OpenMode::kCreateNew, &file).ok());
    const std::vector<std::byte> zeros(3 << 10);
    ASSERT_TRUE(WriteFully(file.get(), 0, zeros).ok());
  }
  env_.SimulateCrash(FaultInjectionEnv::CrashMode::kProcessCrash, 1);  // kill -9: cache stays.

  {
    std::unique_ptr<Journal> journal;
    Status status = Open(nullptr, &journal);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(journal->last_sequence(), 5u);
    uint64_t sequence = 0;
    ASSERT_TRUE(journal->Add(1, Payload(6, kPayloadBytes), &sequence).ok());
    env_.SetFaultScope(".journal");
    env_.FailSync(1, true);  // The power goes out before the first group's fdatasync.
    ASSERT_FALSE(journal->Commit().ok());
    // The unfinished pool file was not adopted: the segment has its full, durable length.
    EXPECT_FALSE(env_.FileExists(pool));
    std::optional<JournalHead> head;
    ASSERT_TRUE(ReadJournalHead(&env_, kDir, &head).ok());
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->newest_size_bytes, options_.segment_size_bytes_max);
  }
  env_.ClearFaults();
  env_.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 1);

  RecoveryReport report;
  std::unique_ptr<Journal> journal;
  const Status status = Open(&report, &journal);
  EXPECT_TRUE(status.ok()) << "ordinary power loss during a roll: " << status.ToString();
  if (status.ok()) {
    EXPECT_EQ(journal->last_sequence(), 5u);
  }
}

// A full disk: the journal fails with ENOSPC mid-group, leaving a torn tail. Cutting it must need
// no free space (keeping a copy in damaged/ is then skipped, and HEAD is not rewritten), or the
// database could not be opened, not even to read, until space is freed.
TEST_F(RecoveryAttackTest, ATornTailOnAFullDiskStillOpens) {
  options_.prewritten_segments = 0;  // Sparse segments: writing a group takes space.
  {
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Open(nullptr, &journal).ok());
    Write(journal.get(), 1, 5);
    // The next group is written in part (short writes, then the disk fills up).
    uint64_t sequence = 0;
    for (uint64_t i = 6; i <= 12; ++i) {
      ASSERT_TRUE(journal->Add(1, Payload(i, kPayloadBytes), &sequence).ok());
    }
    env_.SetShortWrites(true);
    env_.SetSpaceLimit(env_.total_bytes() + 600);
    const Status status = journal->Commit();
    ASSERT_FALSE(status.ok());
    ASSERT_TRUE(IsNoSpace(status)) << status.ToString();
  }
  env_.SetShortWrites(false);
  env_.SimulateCrash(FaultInjectionEnv::CrashMode::kProcessCrash, 1);
  // Still full: the limit is what the files take now, plus one HEAD's worth.
  env_.SetSpaceLimit(env_.total_bytes() + 64);
  RecoveryReport report;
  std::unique_ptr<Journal> journal;
  const Status status = Open(&report, &journal);
  EXPECT_TRUE(status.ok()) << "a torn tail on a full disk bricks the open: " << status.ToString();
  if (status.ok()) {
    EXPECT_GE(journal->last_sequence(), 5u);  // Whole records of the torn group may stay.
  }
}

// An Env that runs `hook` once, on the first ListDir of `dir` after it is armed: a deterministic
// interleaving of a reader's calls with a live writer's.
class InterleavingEnv final : public Env {
 public:
  explicit InterleavingEnv(Env* base) : base_(base) {}
  std::function<void()> hook;

  Status OpenWritable(const std::string& path, OpenMode mode,
                      std::unique_ptr<WritableFile>* out) override {
    return base_->OpenWritable(path, mode, out);
  }
  Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    return base_->OpenReadable(path, out);
  }
  Status OpenReadableFromDevice(const std::string& path,
                                std::unique_ptr<ReadableFile>* out) override {
    return base_->OpenReadableFromDevice(path, out);
  }
  Status CreateDir(const std::string& path) override { return base_->CreateDir(path); }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    if (hook) {
      std::function<void()> run = std::move(hook);
      hook = nullptr;
      run();
    }
    return base_->ListDir(path);
  }
  Status DeleteFile(const std::string& path) override { return base_->DeleteFile(path); }
  Status DeleteDir(const std::string& path) override { return base_->DeleteDir(path); }
  Status RenameFile(const std::string& source, const std::string& target) override {
    return base_->RenameFile(source, target);
  }
  Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override {
    return base_->LockFile(path, out);
  }

 private:
  Env* base_;
};

// `ringdb journal verify` beside a live engine. Verify reads HEAD, then lists the directory. If in
// between the journal rolls to a new segment and retires the one HEAD named (a checkpoint's
// Retire), the segment HEAD names is gone: that must not read as corruption of a sound journal.
TEST_F(RecoveryAttackTest, VerifyBesideALiveJournalDoesNotReportCorruption) {
  std::unique_ptr<Journal> live;
  ASSERT_TRUE(Open(nullptr, &live).ok());
  Write(live.get(), 1, 3);
  ASSERT_EQ(live->Info().segments.size(), 1u);

  InterleavingEnv reader_env(&env_);
  JournalOptions reader_options = options_;
  reader_options.env = &reader_env;
  std::unique_ptr<JournalReader> reader;
  ASSERT_TRUE(JournalReader::Open(reader_options, kDir, &reader).ok());
  reader_env.hook = [&] {
    // Between verify's read of HEAD and its listing: the live journal fills its segment, rolls,
    // and the checkpointer retires what RocksDB holds.
    uint64_t next = live->last_sequence() + 1;
    while (live->Info().segments.size() < 2) {
      Write(live.get(), next, next);
      ++next;
    }
    ASSERT_TRUE(live->Retire(live->durable_sequence()).ok());
    ASSERT_EQ(live->Info().segments.size(), 1u);
  };
  RecoveryReport report;
  const Status status = reader->Verify(&report);
  EXPECT_TRUE(status.ok()) << "verify of a sound live journal: " << status.ToString();
}

}  // namespace
}  // namespace ringdb::journal
