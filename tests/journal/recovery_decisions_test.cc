// Goal: recovery never destroys what it may need and never mistakes damage for a torn tail.
// - A recovery that would keep less than the state built on the journal holds is refused before
//   anything changes: every file stays byte for byte.
// - A torn tail is cut by zeroing it in place and kept in damaged/, never truncated away; the
//   segment keeps its length.
// - A failed journal retires nothing: the segment holding the durable records survives.
// - HEAD makes damage out of what used to pass for a torn tail: bit rot before the end a clean
//   close recorded, the newest segment cut short (even to 0 bytes), or missing.
// Method: journals written on the in-memory FaultInjectionEnv, damaged through its test helpers,
// and reopened.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal/journal_head.h"
#include "journal/journal_reader.h"
#include "journal/record_format.h"
#include "journal/segment_name.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::CollectAll;
using testing::Payload;
using testing::Replayed;
using testing::SmallOptions;
using Files = std::map<std::string, std::vector<std::byte>>;

const std::string kDir = "/journal";
constexpr size_t kPayloadBytes = 100;

class RecoveryDecisionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = SmallOptions(&env_);
    // About 27 records of kPayloadBytes per segment: a few dozen records make several segments.
    options_.segment_size_bytes_max = 4 << 10;
    options_.group_bytes_max = 2 << 10;
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());  // The directory itself survives a power loss.
  }

  // Writes records first..last, `group` per Commit.
  void Write(Journal* journal, uint64_t first, uint64_t last, uint64_t group) {
    for (uint64_t i = first; i <= last; ++i) {
      uint64_t sequence = 0;
      Status status = journal->Add(1, Payload(i, kPayloadBytes), &sequence);
      if (status.IsBusy()) {
        ASSERT_TRUE(journal->Commit().ok());
        status = journal->Add(1, Payload(i, kPayloadBytes), &sequence);
      }
      ASSERT_TRUE(status.ok()) << status.ToString();
      ASSERT_EQ(sequence, i);
      if (i % group == 0 || i == last) {
        ASSERT_TRUE(journal->Commit().ok());
      }
    }
  }

  // A journal of `count` records left as a crash leaves it (no Close), or closed cleanly.
  void WriteJournal(uint64_t count, bool close) {
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Journal::Open(options_, kDir, nullptr, &journal).ok());
    Write(journal.get(), 1, count, 5);
    if (close) {
      ASSERT_TRUE(journal->Close().ok());
    }
  }

  Files Snapshot() {
    Files files;
    const Result<std::vector<std::string>> names = env_.ListDir(kDir);
    for (const std::string& name : *names) {
      files[name] = *env_.ReadAll(kDir + "/" + name);
    }
    return files;
  }

  std::vector<std::string> Segments() {
    std::vector<std::string> names;
    for (const auto& [name, bytes] : Snapshot()) {
      if (ParseSegmentName(name).has_value()) {
        names.push_back(name);
      }
    }
    return names;  // Sorted: the map orders names, and segment names sort in log order.
  }

  // Byte offset of the record holding `sequence` in the segment `name`.
  uint64_t OffsetOf(const std::string& name, uint64_t sequence) {
    std::unique_ptr<JournalReader> reader;
    EXPECT_TRUE(JournalReader::Open(options_, kDir, &reader).ok());
    uint64_t found = 0;
    EXPECT_TRUE(reader
                    ->Read(
                        0,
                        [&](const Record& record) {
                          if (record.first_sequence == sequence && record.segment == name) {
                            found = record.offset;
                          }
                          return Status::OK();
                        },
                        nullptr)
                    .ok());
    EXPECT_NE(found, 0u) << "sequence " << sequence << " not in " << name;
    return found;
  }

  void FlipByte(const std::string& name, uint64_t offset) {
    std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + name);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] ^= std::byte{0x10};
    env_.WriteAll(kDir + "/" + name, std::move(bytes));
  }

  Status Open(RecoveryReport* report, std::unique_ptr<Journal>* journal) {
    return Journal::Open(options_, kDir, report, journal);
  }

  FaultInjectionEnv env_;
  JournalOptions options_;
};

TEST_F(RecoveryDecisionsTest, ARefusedPointInTimeRecoveryChangesNothing) {
  WriteJournal(60, false);
  const std::vector<std::string> segments = Segments();
  ASSERT_GE(segments.size(), 3u);
  // Damage a record in the second segment; the state built on the journal holds sequence 55.
  const std::string damaged = segments[1];
  const uint64_t first = ParseSegmentName(damaged)->first_sequence;
  FlipByte(damaged, OffsetOf(damaged, first + 1) + format::kRecordHeaderBytes + 3);
  const Files before = Snapshot();
  options_.recovery_mode = RecoveryMode::kPointInTime;
  options_.applied_sequence = 55;
  std::unique_ptr<Journal> journal;
  const Status status = Open(nullptr, &journal);
  ASSERT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find("before sequence 55"), std::string_view::npos)
      << status.ToString();
  EXPECT_EQ(Snapshot(), before) << "a refused recovery changed the journal";
  // What it refused is still there for salvage: every record after the damaged one reads.
  options_.recovery_mode = RecoveryMode::kSkipCorrupted;
  std::unique_ptr<JournalReader> reader;
  ASSERT_TRUE(JournalReader::Open(options_, kDir, &reader).ok());
  uint64_t read = 0;
  ASSERT_TRUE(reader
                  ->Read(
                      0,
                      [&](const Record&) {
                        ++read;
                        return Status::OK();
                      },
                      nullptr)
                  .ok());
  EXPECT_EQ(read, 59u);
}

TEST_F(RecoveryDecisionsTest, ATornTailBelowTheAppliedSequenceIsRefusedAndKept) {
  WriteJournal(20, false);
  const std::string last = Segments().back();
  const uint64_t first = ParseSegmentName(last)->first_sequence;
  ASSERT_LT(first, 20u);
  FlipByte(last, OffsetOf(last, 20) + format::kRecordHeaderBytes + 1);
  const Files before = Snapshot();
  options_.applied_sequence = 20;
  std::unique_ptr<Journal> journal;
  EXPECT_TRUE(Open(nullptr, &journal).IsCorruption());
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RecoveryDecisionsTest, ATornTailIsZeroedInPlaceAndKeptAside) {
  WriteJournal(20, false);
  const std::string last = Segments().back();
  const uint64_t record = OffsetOf(last, 20);
  const uint64_t length = env_.ReadAll(kDir + "/" + last)->size();
  FlipByte(last, record + format::kRecordHeaderBytes + 1);
  RecoveryReport report;
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_TRUE(report.torn_tail_truncated);
  EXPECT_EQ(report.last_sequence, 19u);
  ASSERT_EQ(report.set_aside_files.size(), 1u);
  EXPECT_EQ(env_.ReadAll(kDir + "/" + last)->size(), length) << "the segment changed length";
  // The kept bytes start with the damaged record.
  const std::vector<std::byte> kept = *env_.ReadAll(kDir + "/" + report.set_aside_files[0]);
  ASSERT_GE(kept.size(), format::kRecordHeaderBytes + kPayloadBytes);
  const std::vector<std::byte> expected = Payload(20, kPayloadBytes);
  EXPECT_EQ(kept[format::kRecordHeaderBytes], expected[0]);
  EXPECT_NE(kept[format::kRecordHeaderBytes + 1], expected[1]);  // The flipped byte.
  // Recovery left a clean journal: new records go on from 20 and reopen under absolute mode.
  Write(journal.get(), 20, 25, 5);
  journal.reset();
  options_.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_EQ(report.last_sequence, 25u);
}

// How many one-record groups fit in the first segment with these options, found on a scratch Env.
uint64_t RecordsInFirstSegment(JournalOptions options) {
  FaultInjectionEnv scratch;
  options.env = &scratch;
  std::unique_ptr<Journal> journal;
  EXPECT_TRUE(Journal::Open(options, kDir, nullptr, &journal).ok());
  for (uint64_t i = 1; i < 1000; ++i) {
    uint64_t sequence = 0;
    EXPECT_TRUE(journal->Add(1, Payload(i, kPayloadBytes), &sequence).ok());
    EXPECT_TRUE(journal->Commit().ok());
    if (journal->Info().segments.size() > 1) {
      return i - 1;
    }
  }
  ADD_FAILURE() << "the journal never rolled";
  return 0;
}

TEST_F(RecoveryDecisionsTest, AFailedJournalRetiresNothing) {
  const uint64_t fit = RecordsInFirstSegment(options_);
  ASSERT_GT(fit, 2u);
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Open(nullptr, &journal).ok());
  Write(journal.get(), 1, fit, 1);
  ASSERT_EQ(journal->Info().segments.size(), 1u);
  // The next group rolls to a new segment; its first write fails.
  uint64_t sequence = 0;
  ASSERT_TRUE(journal->Add(1, Payload(fit + 1, kPayloadBytes), &sequence).ok());
  env_.SetFaultScope(".journal");
  env_.FailWrite(1, true);
  ASSERT_FALSE(journal->Commit().ok());
  ASSERT_TRUE(journal->failed());
  ASSERT_EQ(Segments().size(), 2u) << "the group did not go to a new segment";
  ASSERT_EQ(journal->durable_sequence(), fit);
  EXPECT_FALSE(journal->Retire(UINT64_MAX).ok());
  env_.ClearFaults();
  journal.reset();
  RecoveryReport report;
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_EQ(journal->last_sequence(), fit) << "the durable records were retired";
}

TEST_F(RecoveryDecisionsTest, BitRotBeforeACleanCloseIsCorruptionNotATornTail) {
  WriteJournal(20, true);
  const std::string last = Segments().back();
  FlipByte(last, OffsetOf(last, 20) + format::kRecordHeaderBytes + 1);
  std::unique_ptr<Journal> journal;
  const Status status = Open(nullptr, &journal);
  ASSERT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find("closed cleanly"), std::string_view::npos) << status.ToString();
  std::unique_ptr<JournalReader> reader;
  ASSERT_TRUE(JournalReader::Open(options_, kDir, &reader).ok());
  RecoveryReport report;
  EXPECT_TRUE(reader->Verify(&report).IsCorruption()) << "verify called it sound";
}

TEST_F(RecoveryDecisionsTest, ACleanCloseReopensAndSaysSo) {
  WriteJournal(20, true);
  RecoveryReport report;
  std::unique_ptr<Journal> journal;
  options_.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_TRUE(report.closed_cleanly);
  EXPECT_EQ(report.last_sequence, 20u);
  // Writing after the reopen clears the mark before the first record: a crash then is no close.
  Write(journal.get(), 21, 23, 5);
  std::optional<JournalHead> head;
  ASSERT_TRUE(ReadJournalHead(&env_, kDir, &head).ok());
  ASSERT_TRUE(head.has_value());
  EXPECT_FALSE(head->clean);
  journal.reset();
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_FALSE(report.closed_cleanly);
  EXPECT_EQ(report.last_sequence, 23u);
}

TEST_F(RecoveryDecisionsTest, TheNewestSegmentCutShortAfterACrashIsCorruption) {
  for (const uint32_t prewritten : {0u, 1u}) {
    for (const bool to_zero : {false, true}) {
      SCOPED_TRACE(::testing::Message()
                   << "prewritten " << prewritten << ", cut to zero " << to_zero);
      const Result<std::vector<std::string>> names = env_.ListDir(kDir);
      for (const std::string& name : *names) {
        ASSERT_TRUE(env_.DeleteFile(kDir + "/" + name).ok());
      }
      options_.prewritten_segments = prewritten;
      WriteJournal(50, false);
      const std::string last = Segments().back();
      std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + last);
      bytes.resize(to_zero ? 0 : OffsetOf(last, ParseSegmentName(last)->first_sequence + 1) + 7);
      env_.WriteAll(kDir + "/" + last, std::move(bytes));
      std::unique_ptr<Journal> journal;
      const Status status = Open(nullptr, &journal);
      ASSERT_TRUE(status.IsCorruption()) << status.ToString();
      EXPECT_NE(status.message().find("shorter than"), std::string_view::npos) << status.ToString();
    }
  }
}

// Point in time accepts the damage HEAD reveals; what it leaves must then open in the default
// mode, not be judged again.
TEST_F(RecoveryDecisionsTest, PointInTimeRecoveryFromDamageHeadRevealsLeavesAJournalThatOpens) {
  enum class Damage { kCut, kMissing, kBitRotAfterCleanClose };
  for (const Damage damage : {Damage::kCut, Damage::kMissing, Damage::kBitRotAfterCleanClose}) {
    SCOPED_TRACE(::testing::Message() << "damage " << static_cast<int>(damage));
    const Result<std::vector<std::string>> names = env_.ListDir(kDir);
    for (const std::string& name : *names) {
      ASSERT_TRUE(env_.DeleteFile(kDir + "/" + name).ok());
    }
    options_.recovery_mode = RecoveryMode::kTolerateTornTail;
    WriteJournal(50, damage == Damage::kBitRotAfterCleanClose);
    const std::string last = Segments().back();
    const uint64_t first = ParseSegmentName(last)->first_sequence;
    if (damage == Damage::kCut) {
      std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + last);
      bytes.resize(OffsetOf(last, first + 1));
      env_.WriteAll(kDir + "/" + last, std::move(bytes));
    } else if (damage == Damage::kMissing) {
      ASSERT_TRUE(env_.DeleteFile(kDir + "/" + last).ok());
    } else {
      FlipByte(last, OffsetOf(last, 50) + format::kRecordHeaderBytes + 1);
    }
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Open(nullptr, &journal).IsCorruption());
    options_.recovery_mode = RecoveryMode::kPointInTime;
    RecoveryReport report;
    ASSERT_TRUE(Open(&report, &journal).ok());
    const uint64_t kept = report.last_sequence;
    EXPECT_LT(kept, 50u);
    EXPECT_GE(kept, first - 1);
    journal.reset();
    options_.recovery_mode = RecoveryMode::kTolerateTornTail;
    const Status reopened = Open(&report, &journal);
    ASSERT_TRUE(reopened.ok()) << reopened.ToString();
    EXPECT_EQ(report.last_sequence, kept);
    Write(journal.get(), kept + 1, kept + 3, 5);
  }
}

TEST_F(RecoveryDecisionsTest, AMissingNewestSegmentIsCorruption) {
  WriteJournal(50, false);
  const std::string last = Segments().back();
  ASSERT_TRUE(env_.DeleteFile(kDir + "/" + last).ok());
  std::unique_ptr<Journal> journal;
  const Status status = Open(nullptr, &journal);
  ASSERT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find(last), std::string_view::npos) << status.ToString();
  EXPECT_NE(status.message().find("missing"), std::string_view::npos) << status.ToString();
}

TEST_F(RecoveryDecisionsTest, ADamagedHeadIsCorruptionUnlessPointInTime) {
  WriteJournal(20, false);
  std::vector<std::byte> head = *env_.ReadAll(kDir + "/HEAD");
  head[20] ^= std::byte{1};
  env_.WriteAll(kDir + "/HEAD", std::move(head));
  std::unique_ptr<Journal> journal;
  const Status status = Open(nullptr, &journal);
  ASSERT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find("HEAD"), std::string_view::npos) << status.ToString();
  options_.recovery_mode = RecoveryMode::kPointInTime;
  RecoveryReport report;
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_EQ(report.last_sequence, 20u);
}

// After a failed fdatasync the kernel may keep the group readable though it never reached the
// disk. Reopening (as the journal's failure tells the user to) must not accept it, and what is
// written next must survive a power loss.
TEST_F(RecoveryDecisionsTest, AGroupWhoseSyncLostItsPagesIsNotRecovered) {
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Open(nullptr, &journal).ok());
  Write(journal.get(), 1, 10, 5);
  uint64_t sequence = 0;
  ASSERT_TRUE(journal->Add(1, Payload(11, kPayloadBytes), &sequence).ok());
  env_.SetFaultScope(".journal");
  env_.FailSync(1, false, FaultInjectionEnv::SyncFailure::kPagesLost);
  ASSERT_TRUE(journal->Commit().IsIOError());
  env_.ClearFaults();
  journal.reset();
  RecoveryReport report;
  ASSERT_TRUE(Open(&report, &journal).ok());
  EXPECT_EQ(journal->last_sequence(), 10u) << "a group the device never got was recovered";
  Replayed replayed;
  ASSERT_TRUE(CollectAll(journal.get(), 0, &replayed).ok());
  EXPECT_EQ(replayed.sequences.size(), 10u);
  // Sequence 11 again, with other bytes: it must be these that a power loss keeps.
  ASSERT_TRUE(journal->Add(1, Payload(111, kPayloadBytes), &sequence).ok());
  ASSERT_EQ(sequence, 11u);
  ASSERT_TRUE(journal->Commit().ok());
  journal.reset();
  env_.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 1);
  ASSERT_TRUE(Open(&report, &journal).ok());
  replayed = Replayed{};
  ASSERT_TRUE(CollectAll(journal.get(), 0, &replayed).ok());
  ASSERT_EQ(replayed.sequences.size(), 11u);
  EXPECT_EQ(replayed.payloads.back(), Payload(111, kPayloadBytes));
}

TEST_F(RecoveryDecisionsTest, SetAsideFilesAreBounded) {
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Open(nullptr, &journal).ok());
  Write(journal.get(), 1, 3, 1);
  journal.reset();
  uint64_t next = 4;
  size_t kept = 0;
  for (int round = 0; round < 12; ++round) {
    // A torn group after the last record: garbage where the next header would go.
    const std::string last = Segments().back();
    std::vector<std::byte> bytes = *env_.ReadAll(kDir + "/" + last);
    const uint64_t end = OffsetOf(last, next - 1) + format::kRecordHeaderBytes + kPayloadBytes;
    for (uint64_t offset = end; offset < end + 60 && offset < bytes.size(); ++offset) {
      bytes[offset] = std::byte{0x5a};
    }
    env_.WriteAll(kDir + "/" + last, std::move(bytes));
    RecoveryReport report;
    ASSERT_TRUE(Open(&report, &journal).ok());
    ASSERT_TRUE(report.torn_tail_truncated);
    Write(journal.get(), next, next, 1);
    ++next;
    journal.reset();
    const Result<std::vector<std::string>> damaged = env_.ListDir(kDir + "/damaged");
    ASSERT_TRUE(damaged.ok());
    kept = damaged->size();
    EXPECT_LE(kept, 8u);
  }
  EXPECT_EQ(kept, 8u);
}

}  // namespace
}  // namespace ringdb::journal
