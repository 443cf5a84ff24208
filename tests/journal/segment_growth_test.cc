// Goal: a journal starts small and grows with its traffic, and growing keeps every recovery rule.
// - The first segment after Open has segment_size_bytes_min; each next one twice the size of the
//   one before, up to segment_size_bytes_max; a first record that would not fit gets a segment
//   that holds it; a larger ready pool file is used whole.
// - Nothing is written ahead of need: an opened, closed or lightly used journal has no pool file;
//   the next segment's file is pre-written once the current one is a quarter full, at the size
//   the next segment will have; retired files smaller than that are deleted, not recycled.
//   JournalInfo::sparse_segments counts the segments that found no pool file.
// - Segments of different sizes keep the rules of fixed-size ones: each file's length is fixed
//   when it is created (HEAD records the newest's), one cut shorter is corruption, and a power
//   loss at any point loses no acknowledged record.
// Method: the in-memory FaultInjectionEnv; file sizes read back through it.
#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal/journal_head.h"
#include "journal/record_format.h"
#include "journal/segment_name.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::CollectAll;
using testing::Payload;
using testing::Replayed;
using testing::SmallOptions;

const std::string kDir = "/journal";
constexpr size_t kPayloadBytes = 100;
constexpr uint64_t kMinBytes = 4 << 10;
constexpr uint64_t kMaxBytes = 64 << 10;

class SegmentGrowthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = SmallOptions(&env_);
    options_.segment_size_bytes_min = kMinBytes;
    options_.segment_size_bytes_max = kMaxBytes;
    options_.group_bytes_max = 2 << 10;
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
  }

  void OpenJournal(RecoveryReport* report = nullptr) {
    journal_.reset();
    const Status status = Journal::Open(options_, kDir, report, &journal_);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  // Appends `count` records of kPayloadBytes, `group` per Commit.
  void Write(uint64_t count, uint64_t group) {
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t next = journal_->last_sequence() + 1;
      uint64_t sequence = 0;
      Status status = journal_->Add(1, Payload(next, kPayloadBytes), &sequence);
      if (status.IsBusy()) {
        ASSERT_TRUE(journal_->Commit().ok());
        status = journal_->Add(1, Payload(next, kPayloadBytes), &sequence);
      }
      ASSERT_TRUE(status.ok()) << status.ToString();
      if ((i + 1) % group == 0) {
        ASSERT_TRUE(journal_->Commit().ok());
      }
    }
    ASSERT_TRUE(journal_->Commit().ok());
  }

  uint64_t FileBytes(const std::string& name) {
    Result<std::vector<std::byte>> bytes = env_.ReadAll(kDir + "/" + name);
    EXPECT_TRUE(bytes.ok()) << name;
    return bytes.ok() ? bytes->size() : 0;
  }

  std::vector<std::string> Named(bool pool) {
    std::vector<std::string> names;
    const std::vector<std::string> listed = *env_.ListDir(kDir);
    for (const std::string& name : listed) {
      if (pool ? ParsePoolName(name).has_value() : ParseSegmentName(name).has_value()) {
        names.push_back(name);
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // Waits (bounded) for the background pre-writer to have `count` files ready.
  bool WaitForReady(uint32_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (journal_->Info().prewritten_ready < count) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  void ExpectReplayAll(uint64_t last) {
    Replayed replayed;
    ASSERT_TRUE(CollectAll(journal_.get(), 0, &replayed).ok());
    ASSERT_EQ(replayed.sequences.size(), last);
    for (uint64_t i = 0; i < last; ++i) {
      ASSERT_EQ(replayed.sequences[i], i + 1);
      ASSERT_EQ(replayed.payloads[i], Payload(i + 1, kPayloadBytes));
    }
  }

  FaultInjectionEnv env_;
  JournalOptions options_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(SegmentGrowthTest, SegmentsDoubleFromTheFirstSizeUpToTheLargest) {
  options_.prewritten_segments = 0;  // Every segment sparse, exactly the planned size.
  OpenJournal();
  Write(3000, 8);  // About 420 KiB of records: 4, 8, 16, 32, 64 KiB, then 64 KiB segments.
  const std::vector<std::string> segments = Named(false);
  ASSERT_GE(segments.size(), 7u);
  uint64_t expected = kMinBytes;
  for (const std::string& name : segments) {
    EXPECT_EQ(FileBytes(name), expected) << name;
    expected = std::min(kMaxBytes, 2 * expected);
  }
  const JournalInfo info = journal_->Info();
  EXPECT_EQ(info.sparse_segments, segments.size()) << "no pool: every segment was made sparse";
  for (size_t index = 0; index + 1 < info.segments.size(); ++index) {
    // Rolled because full: within one record and the end marker of its capacity.
    EXPECT_GT(info.segments[index].size_bytes + 2 * (format::kRecordHeaderBytes + kPayloadBytes),
              FileBytes(info.segments[index].name))
        << info.segments[index].name;
  }
  OpenJournal();
  ExpectReplayAll(3000);
  Write(10, 1);
  EXPECT_EQ(FileBytes(Named(false).back()), kMinBytes) << "an opened journal starts small again";
}

TEST_F(SegmentGrowthTest, AnOpenedAndClosedJournalWritesNoFileAndALightOneNoPoolFile) {
  OpenJournal();
  ASSERT_TRUE(journal_->Close().ok());
  OpenJournal();
  journal_.reset();
  EXPECT_TRUE(Named(false).empty());
  EXPECT_TRUE(Named(true).empty()) << "nothing was asked for: nothing is pre-written";
  EXPECT_FALSE(env_.FileExists(kDir + "/" + std::string(kHeadName)));
  OpenJournal();
  Write(5, 1);  // 700 bytes: less than a quarter of the first segment.
  EXPECT_EQ(journal_->Info().prewritten_ready, 0u);
  journal_.reset();
  EXPECT_TRUE(Named(true).empty());
  EXPECT_EQ(Named(false).size(), 1u);
}

TEST_F(SegmentGrowthTest, TheNextFileIsPrewrittenOnceASegmentIsAQuarterFullAtTheNextSize) {
  OpenJournal();
  Write(5, 1);
  ASSERT_EQ(journal_->Info().prewritten_ready, 0u);
  Write(5, 1);  // Past 1 KiB of the 4 KiB segment.
  ASSERT_TRUE(WaitForReady(1)) << "the pre-writer never wrote the next segment's file";
  const std::vector<std::string> pool = Named(true);
  ASSERT_EQ(pool.size(), 1u);
  EXPECT_EQ(FileBytes(pool[0]), 2 * kMinBytes);
  EXPECT_EQ(Named(false).size(), 1u);
  EXPECT_EQ(journal_->Info().sparse_segments, 1u) << "the first segment found no pool file";
  Write(40, 1);  // Rolls into the pre-written file.
  EXPECT_EQ(journal_->Info().sparse_segments, 1u) << "the roll took the pre-written file";
  EXPECT_EQ(Named(false).size(), 2u);
  EXPECT_EQ(FileBytes(Named(false).back()), 2 * kMinBytes);
  OpenJournal();
  ExpectReplayAll(50);
}

TEST_F(SegmentGrowthTest, AFirstRecordLargerThanThePlannedSegmentGetsASegmentThatHoldsIt) {
  options_.prewritten_segments = 0;
  options_.segment_size_bytes_min = 1 << 10;
  options_.record_bytes_max = 6 << 10;
  options_.group_bytes_max = 8 << 10;
  OpenJournal();
  uint64_t sequence = 0;
  const std::vector<std::byte> large = Payload(1, 5 << 10);
  ASSERT_TRUE(journal_->Add(1, large, &sequence).ok());
  ASSERT_TRUE(journal_->Commit().ok());
  const std::vector<std::string> segments = Named(false);
  ASSERT_EQ(segments.size(), 1u);
  // Header, record and end marker, in whole 4 KiB blocks.
  EXPECT_EQ(FileBytes(segments[0]), 8u << 10);
  OpenJournal();
  Replayed replayed;
  ASSERT_TRUE(CollectAll(journal_.get(), 0, &replayed).ok());
  ASSERT_EQ(replayed.payloads.size(), 1u);
  EXPECT_EQ(replayed.payloads[0], large);
}

TEST_F(SegmentGrowthTest, ALargerReadyPoolFileIsUsedWhole) {
  // A ready file as a busier earlier run would have left it: zero-filled, synced, renamed.
  const std::string pool = kDir + "/" + FormatPoolName(7, true /*ready*/);
  env_.WriteAll(pool, std::vector<std::byte>(kMaxBytes / 2, std::byte{0}));
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  OpenJournal();
  Write(200, 4);  // About 28 KiB: one segment of the pool file's 32 KiB.
  const std::vector<std::string> segments = Named(false);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(FileBytes(segments[0]), kMaxBytes / 2);
  Write(100, 4);
  EXPECT_EQ(FileBytes(Named(false).back()), kMaxBytes) << "and doubles from there";
}

TEST_F(SegmentGrowthTest, RetiredFilesSmallerThanTheNextSegmentAreDeletedNotRecycled) {
  options_.prewritten_segments = 2;
  OpenJournal();
  Write(1500, 8);  // 4 .. 64 KiB segments.
  ASSERT_GE(Named(false).size(), 5u);
  // Let the pre-writer settle, so that Retire's choices do not race it.
  ASSERT_TRUE(WaitForReady(1));
  // Pool files that exist before Retire, ready or still being written, were pre-written while the
  // segments grew, some at an earlier, smaller plan (they are deleted when a roll meets them).
  // Every pool file after them comes from Retire, or from a pre-write at today's plan.
  uint64_t counter_before_retire = 0;
  for (const std::string& name : Named(true)) {
    counter_before_retire = std::max(counter_before_retire, ParsePoolName(name)->counter);
  }
  ASSERT_TRUE(journal_->Retire(journal_->durable_sequence()).ok());
  ASSERT_FALSE(Named(true).empty());
  for (const std::string& name : Named(true)) {
    if (ParsePoolName(name)->counter > counter_before_retire) {
      EXPECT_GE(FileBytes(name), kMaxBytes) << name << " was kept for segments of " << kMaxBytes;
    }
  }
  OpenJournal();
  const uint64_t first = journal_->Info().segments.front().first_sequence;
  Replayed replayed;
  ASSERT_TRUE(CollectAll(journal_.get(), first - 1, &replayed).ok());
  EXPECT_EQ(replayed.sequences.size(), 1500 - first + 1);
  Write(500, 8);  // Into the recycled files: their old records are never replayed.
  OpenJournal();
  replayed = Replayed{};
  ASSERT_TRUE(CollectAll(journal_.get(), first - 1, &replayed).ok());
  ASSERT_EQ(replayed.sequences.size(), 2000 - first + 1);
  for (uint64_t i = 0; i < replayed.sequences.size(); ++i) {
    ASSERT_EQ(replayed.sequences[i], first + i);
    ASSERT_EQ(replayed.payloads[i], Payload(first + i, kPayloadBytes));
  }
}

TEST_F(SegmentGrowthTest, AGrownNewestSegmentCutShorterIsCorruption) {
  options_.prewritten_segments = 0;
  OpenJournal();
  Write(400, 4);     // 4, 8, 16, 32 KiB segments: the newest is a grown one.
  journal_.reset();  // A crash, not a clean close: the cut must still be found.
  const std::string newest = Named(false).back();
  const uint64_t size = FileBytes(newest);
  ASSERT_GT(size, kMinBytes);
  std::optional<JournalHead> head;
  ASSERT_TRUE(ReadJournalHead(&env_, kDir, &head).ok());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->newest_size_bytes, size) << "HEAD records the grown segment's own length";
  std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + newest);
  bytes.resize(size - 4096);
  env_.WriteAll(kDir + "/" + newest, std::move(bytes));
  std::unique_ptr<Journal> journal;
  const Status status = Journal::Open(options_, kDir, nullptr, &journal);
  EXPECT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.ToString().find("shorter than"), std::string::npos) << status.ToString();
}

// Random group sizes and pre-writing, a power loss at a random point (only synced bytes kept, or a
// random prefix of the unsynced ones), then a reopen: every acknowledged record is there, in
// order, and the journal takes new records and reopens under absolute consistency.
TEST_F(SegmentGrowthTest, APowerLossAtAnyPointLosesNoAcknowledgedRecord) {
  const uint64_t seed = testing::TestSeed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " + std::to_string(seed));
    options_.prewritten_segments = static_cast<uint32_t>(random() % 3);
    options_.recovery_mode = RecoveryMode::kTolerateTornTail;
    OpenJournal();
    const uint64_t acknowledged_before = journal_->durable_sequence();
    const uint64_t records = 1 + random() % 400;
    const uint64_t group = 1 + random() % 12;
    Write(records, group);
    const uint64_t acknowledged = journal_->durable_sequence();
    ASSERT_EQ(acknowledged, acknowledged_before + records);
    // A group written but never synced, torn by the power loss.
    uint64_t sequence = 0;
    ASSERT_TRUE(journal_->Add(1, Payload(acknowledged + 1, kPayloadBytes), &sequence).ok());
    env_.SetFaultScope(".journal");
    env_.FailSync(1, true);
    EXPECT_FALSE(journal_->Commit().ok());
    env_.ClearFaults();
    env_.SetFaultScope("");
    journal_.reset();
    const auto mode = random() % 2 == 0 ? FaultInjectionEnv::CrashMode::kDropUnsynced
                                        : FaultInjectionEnv::CrashMode::kKeepRandomPrefix;
    env_.SimulateCrash(mode, random());
    OpenJournal();
    // The unacknowledged group may or may not survive, but only whole.
    const uint64_t recovered = journal_->durable_sequence();
    ASSERT_GE(recovered, acknowledged);
    ASSERT_LE(recovered, acknowledged + 1);
    ExpectReplayAll(recovered);
    if (round % 8 == 7) {
      ASSERT_TRUE(journal_->Close().ok());
      options_.recovery_mode = RecoveryMode::kAbsoluteConsistency;
      OpenJournal();
      ExpectReplayAll(recovered);
    }
  }
}

}  // namespace
}  // namespace ringdb::journal
