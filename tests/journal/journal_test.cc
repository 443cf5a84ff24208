// Goal: the Journal API keeps its promises on a healthy disk: round trip across reopen, contiguous
// sequences, rotation, pre-written segments, retirement, the group and length bounds, option
// validation, the directory lock. Method: the in-memory FaultInjectionEnv with small segments.
#include "journal/journal.h"

#include <algorithm>

#include <gtest/gtest.h>

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

class JournalTest : public ::testing::Test {
 protected:
  void OpenJournal(RecoveryReport* report = nullptr) {
    journal_.reset();
    ASSERT_TRUE(Journal::Open(options_, kDir, report, &journal_).ok());
  }
  // Adds count one-transaction records of `size` bytes, one Commit per `group` records.
  void Write(uint64_t count, size_t size, uint64_t group) {
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t sequence = 0;
      const std::vector<std::byte> payload = Payload(journal_->last_sequence() + 1, size);
      Status status = journal_->Add(1, payload, &sequence);
      if (status.IsBusy()) {
        ASSERT_TRUE(journal_->Commit().ok());
        status = journal_->Add(1, payload, &sequence);
      }
      ASSERT_TRUE(status.ok()) << status.ToString();
      if ((i + 1) % group == 0) {
        ASSERT_TRUE(journal_->Commit().ok());
      }
    }
    ASSERT_TRUE(journal_->Commit().ok());
  }
  void ExpectReplay(uint64_t after, uint64_t last, size_t size) {
    Replayed replayed;
    ASSERT_TRUE(CollectAll(journal_.get(), after, &replayed).ok());
    ASSERT_EQ(replayed.sequences.size(), last - after);
    for (uint64_t i = 0; i < replayed.sequences.size(); ++i) {
      EXPECT_EQ(replayed.sequences[i], after + 1 + i);
      EXPECT_EQ(replayed.payloads[i], Payload(after + 1 + i, size));
    }
  }

  FaultInjectionEnv env_;
  JournalOptions options_ = SmallOptions(&env_);
  std::unique_ptr<Journal> journal_;
};

TEST_F(JournalTest, RoundTripAcrossReopen) {
  OpenJournal();
  EXPECT_EQ(journal_->last_sequence(), 0u);
  Write(100, 50, 7);
  EXPECT_EQ(journal_->durable_sequence(), 100u);
  RecoveryReport report;
  OpenJournal(&report);
  EXPECT_EQ(report.first_sequence, 1u);
  EXPECT_EQ(report.last_sequence, 100u);
  EXPECT_EQ(report.records_read, 100u);
  EXPECT_FALSE(report.torn_tail_truncated);
  EXPECT_TRUE(report.corruption.ok());
  ExpectReplay(0, 100, 50);
  ExpectReplay(60, 100, 50);
}

TEST_F(JournalTest, SequencesContinueAfterReopen) {
  OpenJournal();
  Write(10, 8, 3);
  OpenJournal();
  uint64_t sequence = 0;
  ASSERT_TRUE(journal_->Add(3, Payload(11, 8), &sequence).ok());
  EXPECT_EQ(sequence, 11u);
  EXPECT_EQ(journal_->last_sequence(), 13u);
  EXPECT_EQ(journal_->durable_sequence(), 10u);
  ASSERT_TRUE(journal_->Commit().ok());
  EXPECT_EQ(journal_->durable_sequence(), 13u);
  OpenJournal();
  EXPECT_EQ(journal_->last_sequence(), 13u);
}

TEST_F(JournalTest, RotationRollsSegmentsAndReplaysAcrossThem) {
  OpenJournal();
  Write(600, 100, 10);  // ~84 KiB: more than five 16 KiB segments.
  const JournalInfo info = journal_->Info();
  ASSERT_GE(info.segments.size(), 5u);
  for (size_t i = 0; i < info.segments.size(); ++i) {
    const auto parsed = ParseSegmentName(info.segments[i].name);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->first_sequence, info.segments[i].first_sequence);
    EXPECT_LE(info.segments[i].size_bytes, options_.segment_size_bytes_max);
    if (i > 0) {
      EXPECT_EQ(info.segments[i].first_sequence, info.segments[i - 1].last_sequence + 1);
    }
  }
  OpenJournal();
  ExpectReplay(0, 600, 100);
}

// Replay after a sequence reads from the segment holding the next one: the earlier segments
// (already applied) are neither read nor needed. Shown by damaging them after Open.
TEST_F(JournalTest, ReplayAfterASequenceLeavesEarlierSegmentsUnread) {
  OpenJournal();
  Write(600, 100, 10);
  OpenJournal();
  const JournalInfo info = journal_->Info();
  ASSERT_GE(info.segments.size(), 4u);
  const auto& kept = info.segments[2];
  for (size_t i = 0; i < 2; ++i) {
    env_.WriteAll(kDir + "/" + info.segments[i].name, std::vector<std::byte>(64, std::byte{0x5a}));
  }
  ExpectReplay(kept.first_sequence - 1, 600, 100);
  ExpectReplay(kept.first_sequence + 3, 600, 100);
  Replayed replayed;
  EXPECT_TRUE(CollectAll(journal_.get(), info.segments[1].first_sequence, &replayed).IsCorruption())
      << "a replay that needs a damaged segment reads it and says so";
}

TEST_F(JournalTest, ActiveSegmentIsPrewrittenToFullSize) {
  OpenJournal();
  Write(5, 10, 5);
  const JournalInfo info = journal_->Info();
  ASSERT_EQ(info.segments.size(), 1u);
  Result<std::vector<std::byte>> bytes = env_.ReadAll(kDir + "/" + info.segments[0].name);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), options_.segment_size_bytes_max);
}

TEST_F(JournalTest, WithoutPrewritingSegmentsAreSizedWhenCreated) {
  options_.prewritten_segments = 0;
  OpenJournal();
  Write(5, 10, 5);
  const JournalInfo info = journal_->Info();
  Result<std::vector<std::byte>> bytes = env_.ReadAll(kDir + "/" + info.segments[0].name);
  ASSERT_TRUE(bytes.ok());
  // Full size from the start (a file shorter than that was cut); zeros after the records.
  EXPECT_EQ(bytes->size(), options_.segment_size_bytes_max);
  EXPECT_TRUE(std::all_of(bytes->begin() + static_cast<std::ptrdiff_t>(info.segments[0].size_bytes),
                          bytes->end(), [](std::byte b) { return b == std::byte{0}; }));
}

TEST_F(JournalTest, RetireRemovesWholeSegmentsBelowThePointAndKeepsTheNewest) {
  options_.prewritten_segments = 0;
  OpenJournal();
  Write(600, 100, 10);
  const JournalInfo before = journal_->Info();
  const uint64_t through = before.segments[2].last_sequence;
  ASSERT_TRUE(journal_->Retire(through).ok());
  const JournalInfo after = journal_->Info();
  EXPECT_EQ(after.segments.size(), before.segments.size() - 3);
  EXPECT_EQ(after.segments.front().first_sequence, through + 1);
  ExpectReplay(through, 600, 100);
  Replayed replayed;
  EXPECT_TRUE(CollectAll(journal_.get(), 0, &replayed).IsCorruption());  // 1..through retired.
  ASSERT_TRUE(journal_->Retire(UINT64_MAX).ok());
  EXPECT_EQ(journal_->Info().segments.size(), 1u);  // The newest stays.
  OpenJournal();
  EXPECT_EQ(journal_->last_sequence(), 600u);
}

TEST_F(JournalTest, RetentionKeepsSequencesBelowTheRetirePoint) {
  options_.retention_sequences = 200;
  OpenJournal();
  Write(600, 100, 10);
  ASSERT_TRUE(journal_->Retire(500).ok());
  EXPECT_LE(journal_->Info().segments.front().first_sequence, 301u);
  ExpectReplay(300, 600, 100);
}

TEST_F(JournalTest, RetiredSegmentsAreRecycledIntoThePool) {
  options_.prewritten_segments = 2;
  OpenJournal();
  Write(600, 100, 10);
  ASSERT_TRUE(journal_->Retire(300).ok());
  Write(600, 100, 10);
  OpenJournal();
  ExpectReplay(journal_->Info().segments.front().first_sequence - 1, 1200, 100);
}

TEST_F(JournalTest, RecycledSegmentFullOfOldRecordsReopensCleanUnderAbsoluteConsistency) {
  // Method: the oldest segment, full of records, becomes a ready pool file (what Retire does when
  // the pool is short), so the next segment is a recycled file and, after a little writing, the
  // rest of it still holds records of its earlier use. A clean reopen must see the end marker, not
  // a torn tail, and must not replay a single old record.
  options_.prewritten_segments = 0;
  OpenJournal();
  // Bounded: a 16 KiB segment holds about 110 records of 100 bytes.
  for (int i = 0; i < 2000 && journal_->Info().segments.size() < 3; ++i) {
    Write(1, 100, 1);
  }
  const std::vector<SegmentDescription> segments = journal_->Info().segments;
  ASSERT_GE(segments.size(), 3u);
  journal_.reset();
  ASSERT_TRUE(env_.RenameFile(kDir + "/" + segments[0].name,
                              kDir + "/" + FormatPoolName(99, true /*ready*/))
                  .ok());
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  options_.prewritten_segments = 1;
  OpenJournal();
  const uint64_t before = journal_->Info().segments.size();
  for (int i = 0; i < 2000 && journal_->Info().segments.size() == before; ++i) {
    Write(1, 100, 1);
  }
  Write(3, 100, 1);
  const SegmentDescription current = journal_->Info().segments.back();
  const std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + current.name);
  ASSERT_TRUE(
      std::any_of(bytes.begin() + static_cast<long>(current.size_bytes + format::kEndMarkerBytes),
                  bytes.end(), [](std::byte b) { return b != std::byte{0}; }))
      << "the new segment is not the recycled file";
  options_.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  RecoveryReport report;
  OpenJournal(&report);
  EXPECT_FALSE(report.torn_tail_truncated);
  ExpectReplay(journal_->Info().segments.front().first_sequence - 1, journal_->last_sequence(),
               100);
}

TEST_F(JournalTest, AddIsBusyWhenTheGroupIsFull) {
  OpenJournal();
  uint64_t sequence = 0;
  const std::vector<std::byte> payload(1000);
  Status status;
  int added = 0;
  while ((status = journal_->Add(1, payload, &sequence)).ok()) {
    ++added;
  }
  EXPECT_TRUE(status.IsBusy()) << status.ToString();
  EXPECT_EQ(journal_->last_sequence(), static_cast<uint64_t>(added));
  ASSERT_TRUE(journal_->Commit().ok());
  EXPECT_TRUE(journal_->Add(1, payload, &sequence).ok());
  EXPECT_EQ(sequence, static_cast<uint64_t>(added) + 1);
}

TEST_F(JournalTest, LengthsZeroAndMaxAreAcceptedMaxPlusOneAndUint32MaxRefused) {
  OpenJournal();
  uint64_t sequence = 0;
  ASSERT_TRUE(journal_->Add(1, std::span<const std::byte>(), &sequence).ok());
  const std::vector<std::byte> max(options_.record_bytes_max, std::byte{7});
  ASSERT_TRUE(journal_->Commit().ok());
  ASSERT_TRUE(journal_->Add(1, max, &sequence).ok());
  ASSERT_TRUE(journal_->Commit().ok());
  const std::vector<std::byte> over(options_.record_bytes_max + 1);
  EXPECT_TRUE(journal_->Add(1, over, &sequence).IsInvalidArgument());
  // A 2^32-1-byte span that is never dereferenced: the bound is checked before any byte is read.
  const std::span<const std::byte> huge(max.data(), UINT32_MAX);
  EXPECT_TRUE(journal_->Add(1, huge, &sequence).IsInvalidArgument());
  // Pieces that overflow only together.
  const std::span<const std::byte> pieces[] = {std::span(max).first(600),
                                               std::span(max).first(600)};
  EXPECT_TRUE(journal_->Add(1, pieces, &sequence).IsInvalidArgument());
  EXPECT_EQ(journal_->last_sequence(), 2u);
  OpenJournal();
  Replayed replayed;
  ASSERT_TRUE(CollectAll(journal_.get(), 0, &replayed).ok());
  ASSERT_EQ(replayed.payloads.size(), 2u);
  EXPECT_TRUE(replayed.payloads[0].empty());
  EXPECT_EQ(replayed.payloads[1], max);
}

TEST_F(JournalTest, CountZeroIsRefused) {
  OpenJournal();
  uint64_t sequence = 0;
  EXPECT_TRUE(journal_->Add(0, Payload(1, 4), &sequence).IsInvalidArgument());
}

TEST_F(JournalTest, RecordStraddlingTheReplayPointIsReplayed) {
  OpenJournal();
  uint64_t sequence = 0;
  ASSERT_TRUE(journal_->Add(5, Payload(1, 4), &sequence).ok());  // Sequences 1..5.
  ASSERT_TRUE(journal_->Commit().ok());
  Replayed replayed;
  ASSERT_TRUE(CollectAll(journal_.get(), 3, &replayed).ok());
  EXPECT_EQ(replayed.sequences, (std::vector<uint64_t>{1}));
  replayed = {};
  ASSERT_TRUE(CollectAll(journal_.get(), 5, &replayed).ok());
  EXPECT_TRUE(replayed.sequences.empty());
}

TEST_F(JournalTest, SecondOpenOfTheSameDirectoryIsRefused) {
  OpenJournal();
  std::unique_ptr<Journal> second;
  EXPECT_TRUE(Journal::Open(options_, kDir, nullptr, &second).IsBusy());
}

TEST_F(JournalTest, SkipCorruptedIsForTheReaderOnly) {
  options_.recovery_mode = RecoveryMode::kSkipCorrupted;
  std::unique_ptr<Journal> journal;
  EXPECT_TRUE(Journal::Open(options_, kDir, nullptr, &journal).IsInvalidArgument());
}

TEST(JournalOptionsTest, ValidateNamesEachBadFieldAndNeverClamps) {
  struct Case {
    void (*mutate)(JournalOptions*);
    const char* field;
  };
  const Case cases[] = {
      {[](JournalOptions* o) { o->record_bytes_max = (1u << 30) + 1; }, "record_bytes_max"},
      {[](JournalOptions* o) { o->group_bytes_max = o->record_bytes_max; }, "group_bytes_max"},
      {[](JournalOptions* o) { o->segment_size_bytes_max = o->group_bytes_max; },
       "segment_size_bytes_max"},
      {[](JournalOptions* o) { o->segment_size_bytes_max = uint64_t{1} << 41; },
       "segment_size_bytes_max"},
      {[](JournalOptions* o) { o->segment_size_bytes_min = o->segment_size_bytes_max + 1; },
       "segment_size_bytes_min"},
      {[](JournalOptions* o) { o->prewritten_segments = 17; }, "prewritten_segments"},
      {[](JournalOptions* o) { o->sync_mode = static_cast<SyncMode>(9); }, "sync_mode"},
      {[](JournalOptions* o) { o->recovery_mode = static_cast<RecoveryMode>(9); }, "recovery_mode"},
  };
  EXPECT_TRUE(JournalOptions{}.Validate().ok());
  for (const Case& c : cases) {
    JournalOptions options;
    c.mutate(&options);
    const JournalOptions copy = options;
    const Status status = options.Validate();
    EXPECT_TRUE(status.IsInvalidArgument()) << c.field;
    EXPECT_NE(status.message().find(c.field), std::string_view::npos) << status.ToString();
    EXPECT_EQ(options.group_bytes_max, copy.group_bytes_max);
  }
}

TEST_F(JournalTest, ReaderReadsBesideTheWriterWithoutChangingAnything) {
  OpenJournal();
  Write(50, 20, 5);
  std::unique_ptr<JournalReader> reader;
  ASSERT_TRUE(JournalReader::Open(options_, kDir, &reader).ok());
  uint64_t count = 0;
  ASSERT_TRUE(reader
                  ->Read(
                      10,
                      [&](const Record&) {
                        ++count;
                        return Status::OK();
                      },
                      nullptr)
                  .ok());
  EXPECT_EQ(count, 40u);
  RecoveryReport report;
  ASSERT_TRUE(reader->Verify(&report).ok());
  EXPECT_EQ(report.last_sequence, 50u);
  EXPECT_FALSE(report.torn_tail_truncated);
}

}  // namespace
}  // namespace ringdb::journal
