// Goal: Open does only the I/O that its guarantees need, and no less.
// - After a clean close it neither syncs nor reads from the device: every byte was synced before
//   HEAD was marked clean.
// - After a crash it syncs the newest segment only (the one a journal writes into unsynced), and
//   reads from the device only the last commit group and the bytes a torn one could reach.
// - When that region differs (a failed write-back left pages in the cache only), or the end is not
//   clean, it reads the whole last segment from the device, as before: a lost first group of a new
//   segment is set aside, and a point-in-time cut that did not reach the disk is cut again.
// - A journal whose groups are not synced (no-sync) syncs each segment it closes, and its Open
//   syncs every segment and reads the last one from the device.
// - Open takes its cheap paths only when HEAD says the writes before it were synced; a HEAD
//   written in no-sync mode, or by a version that did not say, makes it sync every segment.
// - A no-sync journal never retires the segment holding its last synced sequences for a newer
//   segment that nothing has synced: a power loss right after still opens without salvage.
// Method: the in-memory FaultInjectionEnv under a wrapper that counts device reads.
#include <atomic>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal/journal_head.h"
#include "journal/segment_name.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::CollectAll;
using testing::Payload;
using testing::Replayed;
using testing::SmallOptions;
using SyncFailure = FaultInjectionEnv::SyncFailure;
using CrashMode = FaultInjectionEnv::CrashMode;

const std::string kDir = "/journal";
constexpr size_t kPayloadBytes = 100;
constexpr uint64_t kRecordBytes = 40 + kPayloadBytes;

// Counts what is read from the device (OpenReadableFromDevice), file by file.
class DeviceReadCountingEnv final : public EnvWrapper {
 public:
  explicit DeviceReadCountingEnv(Env* target) : EnvWrapper(target) {}
  Status OpenReadableFromDevice(const std::string& path,
                                std::unique_ptr<ReadableFile>* out) override {
    std::unique_ptr<ReadableFile> file;
    if (Status status = EnvWrapper::OpenReadableFromDevice(path, &file); !status.ok()) {
      out->reset();
      return status;
    }
    opens_.fetch_add(1);
    *out = std::unique_ptr<ReadableFile>(new Counting(std::move(file), &bytes_));
    return Status::OK();
  }
  uint64_t opens() const { return opens_.load(); }
  uint64_t bytes() const { return bytes_.load(); }
  void Reset() {
    opens_ = 0;
    bytes_ = 0;
  }

 private:
  class Counting final : public ReadableFile {
   public:
    Counting(std::unique_ptr<ReadableFile> file, std::atomic<uint64_t>* bytes)
        : file_(std::move(file)), bytes_(bytes) {}
    Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
      Result<uint64_t> got = file_->ReadAt(offset, out);
      if (got.ok()) {
        bytes_->fetch_add(*got);
      }
      return got;
    }
    Result<uint64_t> Size() const override { return file_->Size(); }

   private:
    std::unique_ptr<ReadableFile> file_;
    std::atomic<uint64_t>* bytes_;
  };
  std::atomic<uint64_t> opens_{0};
  std::atomic<uint64_t> bytes_{0};
};

class OpenCostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = SmallOptions(&counting_);  // 16 KiB segments, 4 KiB groups.
    options_.prewritten_segments = 0;
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
    env_.SetFaultScope(".journal");  // Sync counts: the segments only.
  }

  Status Open(RecoveryReport* report = nullptr) {
    journal_.reset();
    return Journal::Open(options_, kDir, report, &journal_);
  }

  // Appends records first..last, one group per `group` records.
  void Write(uint64_t first, uint64_t last, uint64_t group) {
    for (uint64_t i = first; i <= last; ++i) {
      uint64_t sequence = 0;
      Status status = journal_->Add(1, Payload(i, kPayloadBytes), &sequence);
      if (status.IsBusy()) {
        ASSERT_TRUE(journal_->Commit().ok());
        status = journal_->Add(1, Payload(i, kPayloadBytes), &sequence);
      }
      ASSERT_TRUE(status.ok()) << status.ToString();
      ASSERT_EQ(sequence, i);
      if (i % group == 0 || i == last) {
        ASSERT_TRUE(journal_->Commit().ok());
      }
    }
  }

  void ExpectReplay(uint64_t last) {
    Replayed replayed;
    ASSERT_TRUE(CollectAll(journal_.get(), 0, &replayed).ok());
    ASSERT_EQ(replayed.sequences.size(), last);
    for (uint64_t i = 0; i < last; ++i) {
      ASSERT_EQ(replayed.payloads[i], Payload(i + 1, kPayloadBytes)) << "sequence " << i + 1;
    }
  }

  size_t SegmentCount() {
    size_t count = 0;
    const std::vector<std::string> listed = *env_.ListDir(kDir);
    for (const std::string& name : listed) {
      count += ParseSegmentName(name).has_value() ? 1 : 0;
    }
    return count;
  }

  FaultInjectionEnv env_;
  DeviceReadCountingEnv counting_{&env_};
  JournalOptions options_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(OpenCostTest, AfterACleanCloseOpenNeitherSyncsNorReadsTheDevice) {
  ASSERT_TRUE(Open().ok());
  Write(1, 400, 7);  // Four segments.
  ASSERT_TRUE(journal_->Close().ok());
  journal_.reset();
  env_.SimulateCrash(CrashMode::kProcessCrash, 0);
  const uint64_t syncs = env_.sync_count();
  const uint64_t dir_syncs = env_.dir_sync_count();
  counting_.Reset();
  RecoveryReport report;
  ASSERT_TRUE(Open(&report).ok());
  EXPECT_TRUE(report.closed_cleanly);
  EXPECT_EQ(counting_.opens(), 0u);
  EXPECT_EQ(env_.sync_count(), syncs);
  EXPECT_EQ(env_.dir_sync_count(), dir_syncs) << "nothing rewritten: HEAD already says it all";
  ExpectReplay(400);
}

TEST_F(OpenCostTest, AfterACrashOpenSyncsTheNewestSegmentAndReadsOnlyItsEndFromTheDevice) {
  ASSERT_TRUE(Open().ok());
  Write(1, 400, 7);
  ASSERT_GE(SegmentCount(), 4u);
  journal_.reset();  // Killed: no clean close.
  env_.SimulateCrash(CrashMode::kProcessCrash, 0);
  const uint64_t syncs = env_.sync_count();
  counting_.Reset();
  RecoveryReport report;
  ASSERT_TRUE(Open(&report).ok());
  EXPECT_FALSE(report.closed_cleanly);
  EXPECT_EQ(env_.sync_count(), syncs + 1) << "the newest segment only";
  EXPECT_EQ(counting_.opens(), 1u);
  // The last group (7 records), from its block, and as far as a torn group could reach.
  const uint64_t bound = 4096 + 7 * kRecordBytes + options_.group_bytes_max + 3 * 40;
  EXPECT_LE(counting_.bytes(), bound);
  EXPECT_GT(counting_.bytes(), 0u);
  ExpectReplay(400);
  // A second crash right after the reopen (nothing written): the same, again.
  journal_.reset();
  ASSERT_TRUE(Open().ok());
  ExpectReplay(400);
}

TEST_F(OpenCostTest, ALostFirstGroupOfANewSegmentIsNotRecovered) {
  ASSERT_TRUE(Open().ok());
  Write(1, 20, 4);
  ASSERT_TRUE(journal_->Close().ok());
  ASSERT_TRUE(Open().ok());  // Writes into a new segment.
  uint64_t sequence = 0;
  ASSERT_TRUE(journal_->Add(1, Payload(21, kPayloadBytes), &sequence).ok());
  // The new segment's length sync succeeds; its first group's fdatasync fails, and the kernel
  // keeps the group readable though it never reaches the disk.
  env_.FailSync(2, false /*sticky*/, SyncFailure::kPagesLost);
  ASSERT_TRUE(journal_->Commit().IsIOError());
  env_.ClearFaults();
  env_.SetFaultScope(".journal");
  journal_.reset();
  env_.SimulateCrash(CrashMode::kProcessCrash, 0);
  RecoveryReport report;
  ASSERT_TRUE(Open(&report).ok());
  EXPECT_EQ(journal_->last_sequence(), 20u) << "a group the device never got was recovered";
  EXPECT_FALSE(report.set_aside_files.empty()) << "the segment with the lost header is kept aside";
  ExpectReplay(20);
  Write(21, 30, 3);
  journal_.reset();
  env_.SimulateCrash(CrashMode::kDropUnsynced, 0);
  ASSERT_TRUE(Open().ok());
  ExpectReplay(30);
}

// A point-in-time stop early in the last segment cuts up to its end, past the region the next
// Open compares with the device. Whichever of the cut's two syncs loses its pages, the next Open
// must not take cached zeros for the disk's: it cuts again, and a power loss after that finds a
// sound journal. The parameter: which sync in scope fails during the cutting Open, 1 being the
// newest segment's sync before reading, 2 the zeros past the region the next Open checks, 3 the
// zeros within it.
class PointInTimeCutTest : public OpenCostTest, public ::testing::WithParamInterface<uint64_t> {};

TEST_P(PointInTimeCutTest, ACutThatDidNotReachTheDiskIsCutAgain) {
  ASSERT_TRUE(Open().ok());
  Write(1, 100, 1);  // One segment, about 14 KiB.
  ASSERT_EQ(SegmentCount(), 1u);
  journal_.reset();
  std::string segment;
  const std::vector<std::string> listed = *env_.ListDir(kDir);
  for (const std::string& name : listed) {
    segment = ParseSegmentName(name).has_value() ? name : segment;
  }
  std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + segment);
  bytes[72 + 9 * kRecordBytes + 40 + 5] ^= std::byte{0x01};  // Record 10's payload.
  env_.WriteAll(kDir + "/" + segment, std::move(bytes));
  options_.recovery_mode = RecoveryMode::kPointInTime;
  env_.FailSync(GetParam(), false /*sticky*/, SyncFailure::kPagesLost);
  EXPECT_FALSE(Open().ok());
  env_.ClearFaults();
  env_.SetFaultScope(".journal");
  env_.SimulateCrash(CrashMode::kProcessCrash, 0);
  const Status reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.ToString();
  EXPECT_EQ(journal_->last_sequence(), 9u);
  journal_.reset();
  env_.SimulateCrash(CrashMode::kDropUnsynced, 0);
  options_.recovery_mode = RecoveryMode::kTolerateTornTail;
  const Status after_power_loss = Open();
  ASSERT_TRUE(after_power_loss.ok()) << after_power_loss.ToString();
  ExpectReplay(9);
}

INSTANTIATE_TEST_SUITE_P(FailingSync, PointInTimeCutTest,
                         ::testing::Values(uint64_t{2}, uint64_t{3}));

TEST_F(OpenCostTest, ANoSyncJournalSyncsEachSegmentItClosesAndItsOpenReadsTheDevice) {
  options_.sync_mode = SyncMode::kNoSyncNotDurable;
  ASSERT_TRUE(Open().ok());
  Write(1, 400, 7);
  const JournalInfo info = journal_->Info();
  ASSERT_GE(info.segments.size(), 4u);
  const uint64_t closed_through = info.segments[info.segments.size() - 2].last_sequence;
  journal_.reset();
  env_.SimulateCrash(CrashMode::kProcessCrash, 0);
  const uint64_t syncs = env_.sync_count();
  counting_.Reset();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(env_.sync_count(), syncs + info.segments.size()) << "every segment";
  EXPECT_GE(counting_.opens(), 1u);
  EXPECT_GE(counting_.bytes(), 16u << 10) << "the last segment whole";
  ExpectReplay(400);
  EXPECT_GE(closed_through, 300u);
  // Written again without syncs, then the power goes: what the closed segments hold survives.
  Write(401, 800, 7);
  const JournalInfo again = journal_->Info();
  const uint64_t closed_again = again.segments[again.segments.size() - 2].last_sequence;
  ASSERT_GT(closed_again, 400u);
  journal_.reset();
  env_.SimulateCrash(CrashMode::kDropUnsynced, 0);
  ASSERT_TRUE(Open().ok());
  EXPECT_GE(journal_->last_sequence(), closed_again);
  ExpectReplay(journal_->last_sequence());
}

TEST_F(OpenCostTest, AfterANoSyncCleanCloseAFdatasyncOpenSyncsEverySegment) {
  options_.sync_mode = SyncMode::kNoSyncNotDurable;
  ASSERT_TRUE(Open().ok());
  Write(1, 400, 7);
  ASSERT_TRUE(journal_->Close().ok());
  const size_t segments = SegmentCount();
  ASSERT_GE(segments, 4u);
  journal_.reset();
  std::optional<JournalHead> head;
  ASSERT_TRUE(ReadJournalHead(&env_, kDir, &head).ok());
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->clean);
  EXPECT_FALSE(head->synced_writes) << "no-sync mode vouches for no group's sync";
  env_.SimulateCrash(CrashMode::kProcessCrash, 0);
  options_.sync_mode = SyncMode::kFdatasync;
  const uint64_t syncs = env_.sync_count();
  counting_.Reset();
  RecoveryReport report;
  ASSERT_TRUE(Open(&report).ok());
  EXPECT_TRUE(report.closed_cleanly);
  EXPECT_EQ(env_.sync_count(), syncs + segments) << "every segment";
  EXPECT_GE(counting_.bytes(), 16u << 10) << "the last segment whole";
  ExpectReplay(400);
  // Written and closed in fdatasync mode: HEAD now vouches, and the next Open is cheap again.
  Write(401, 410, 5);
  ASSERT_TRUE(journal_->Close().ok());
  journal_.reset();
  ASSERT_TRUE(ReadJournalHead(&env_, kDir, &head).ok());
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->synced_writes);
  const uint64_t syncs_again = env_.sync_count();
  counting_.Reset();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(env_.sync_count(), syncs_again);
  EXPECT_EQ(counting_.opens(), 0u);
  ExpectReplay(410);
}

// A HEAD as a version before the synced-writes flag wrote it (flags: the clean close only) may
// follow a no-sync session that synced no segment: Open cannot take the fast paths.
TEST_F(OpenCostTest, AHeadWithoutTheSyncedWritesFlagMakesOpenSyncEverySegment) {
  ASSERT_TRUE(Open().ok());
  Write(1, 400, 7);
  ASSERT_TRUE(journal_->Close().ok());
  const size_t segments = SegmentCount();
  ASSERT_GE(segments, 4u);
  journal_.reset();
  std::optional<JournalHead> head;
  ASSERT_TRUE(ReadJournalHead(&env_, kDir, &head).ok());
  ASSERT_TRUE(head.has_value());
  ASSERT_TRUE(head->clean && head->synced_writes);
  head->synced_writes = false;
  ASSERT_TRUE(WriteJournalHead(&env_, kDir, *head).ok());
  for (const bool clean : {true, false}) {
    SCOPED_TRACE(clean ? "clean close" : "crash");
    if (!clean) {
      head->clean = false;
      head->clean_end_offset = head->clean_last_sequence = head->clean_last_checksum = 0;
      ASSERT_TRUE(WriteJournalHead(&env_, kDir, *head).ok());
    }
    env_.SimulateCrash(CrashMode::kProcessCrash, 0);
    const uint64_t syncs = env_.sync_count();
    counting_.Reset();
    RecoveryReport report;
    ASSERT_TRUE(Open(&report).ok());
    EXPECT_EQ(report.closed_cleanly, clean);
    EXPECT_EQ(env_.sync_count(), syncs + segments) << "every segment";
    EXPECT_GE(counting_.bytes(), 16u << 10) << "the last segment whole";
    ExpectReplay(400);
    journal_.reset();
  }
}

TEST_F(OpenCostTest, ANoSyncRetireKeepsTheLastSyncedSegmentUntilItsSuccessorIsSynced) {
  options_.retention_sequences = 0;
  ASSERT_TRUE(Open().ok());
  Write(1, 7, 1);  // Synced group by group, closed cleanly.
  ASSERT_TRUE(journal_->Close().ok());
  options_.sync_mode = SyncMode::kNoSyncNotDurable;
  ASSERT_TRUE(Open().ok());
  Write(8, 8, 1);  // Into a new segment that nothing syncs.
  ASSERT_EQ(journal_->Info().segments.size(), 2u);
  // What the database built on the journal is flushed through 8: retire what it no longer needs.
  ASSERT_TRUE(journal_->Retire(8).ok());
  EXPECT_EQ(journal_->Info().segments.size(), 2u) << "the new segment's header is not durable";
  env_.CutPower();
  journal_.reset();
  env_.SimulateCrash(CrashMode::kDropUnsynced, 0);
  options_.applied_sequence = 7;  // Durable before the no-sync session began.
  const Status status = Open();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_GE(journal_->last_sequence(), 7u);
  ExpectReplay(journal_->last_sequence());
  // Once a roll has synced a segment, its predecessors go.
  Write(journal_->last_sequence() + 1, 400, 7);
  const size_t before = journal_->Info().segments.size();
  ASSERT_GE(before, 3u);
  ASSERT_TRUE(journal_->Retire(400).ok());
  const JournalInfo info = journal_->Info();
  EXPECT_EQ(info.segments.size(), 2u) << "the last synced segment and the one being written";
}

}  // namespace
}  // namespace ringdb::journal
