// Goal: recovery never accepts a damaged record silently and never loses a durable one. A torn
// tail (at every byte offset of the last record) is truncated; a bit flip at every byte of a
// small closed journal is reported as corruption or truncated as a torn tail; truncated, missing,
// duplicated or replaced middle segments are corruption; the recovery modes do what they say;
// random crashes keep every record whose Commit returned OK.
// Method: a journal is written on the in-memory FaultInjectionEnv, its files are snapshotted, and
// each case restores the snapshot into a fresh Env, damages it, and opens it.
#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "journal/journal.h"
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

// Writes count records of size bytes, one Commit per group, and returns the directory's files.
Files WriteJournal(JournalOptions options, uint64_t count, size_t size, uint64_t group) {
  FaultInjectionEnv env;
  options.env = &env;
  std::unique_ptr<Journal> journal;
  EXPECT_TRUE(Journal::Open(options, kDir, nullptr, &journal).ok());
  for (uint64_t i = 1; i <= count; ++i) {
    uint64_t sequence = 0;
    Status status = journal->Add(1, Payload(i, size), &sequence);
    if (status.IsBusy()) {  // The group or the segment is full: commit it and go on.
      EXPECT_TRUE(journal->Commit().ok());
      status = journal->Add(1, Payload(i, size), &sequence);
    }
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (i % group == 0 || i == count) {
      EXPECT_TRUE(journal->Commit().ok());
    }
  }
  journal.reset();
  Files files;
  const Result<std::vector<std::string>> names = env.ListDir(kDir);
  for (const std::string& name : *names) {
    if (ParseSegmentName(name).has_value()) {
      files[name] = *env.ReadAll(kDir + "/" + name);
    }
  }
  return files;
}

struct Opened {
  Status status;
  RecoveryReport report;
  Replayed replayed;
};

Opened OpenFiles(const Files& files, JournalOptions options) {
  FaultInjectionEnv env;
  EXPECT_TRUE(env.CreateDir(kDir).ok());
  for (const auto& [name, bytes] : files) {
    env.WriteAll(kDir + "/" + name, bytes);
  }
  options.env = &env;
  Opened opened;
  std::unique_ptr<Journal> journal;
  opened.status = Journal::Open(options, kDir, &opened.report, &journal);
  if (opened.status.ok()) {
    EXPECT_TRUE(CollectAll(journal.get(), 0, &opened.replayed).ok());
    // What recovery left must itself be clean: reopening finds nothing to fix.
    journal.reset();
    RecoveryReport again;
    options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
    const Status reopened = Journal::Open(options, kDir, &again, &journal);
    EXPECT_TRUE(reopened.ok()) << reopened.ToString();
    EXPECT_FALSE(again.torn_tail_truncated);
  }
  return opened;
}

// The replayed records must be exactly the first n originals.
void ExpectPrefix(const Replayed& replayed, size_t size) {
  for (size_t i = 0; i < replayed.sequences.size(); ++i) {
    ASSERT_EQ(replayed.sequences[i], i + 1);
    ASSERT_EQ(replayed.payloads[i], Payload(i + 1, size));
  }
}

std::string LastSegment(const Files& files) { return files.rbegin()->first; }

// Where the records of a segment end: segments are sized when created, so zeros follow the last
// record and its end marker. Payload() never ends in a zero byte.
uint64_t RecordsEnd(const std::vector<std::byte>& bytes) {
  uint64_t end = bytes.size();
  while (end > 0 && bytes[end - 1] == std::byte{0}) --end;
  return end;
}

TEST(RecoveryTest, TornTailAtEveryByteOffsetOfTheLastRecordIsTruncated) {
  for (const uint32_t prewritten : {0u, 1u}) {
    JournalOptions options = SmallOptions(nullptr);
    options.prewritten_segments = prewritten;
    const Files pristine = WriteJournal(options, 20, 60, 1);
    const std::string last = LastSegment(pristine);
    // Find the end of the log in the last segment (the file may be pre-written to full size).
    Opened clean = OpenFiles(pristine, options);
    ASSERT_TRUE(clean.status.ok());
    ASSERT_EQ(clean.replayed.sequences.size(), 20u);
    const uint64_t record_bytes = format::kRecordHeaderBytes + 60;
    uint64_t end = pristine.at(last).size();
    while (end > 0 && pristine.at(last)[end - 1] == std::byte{0}) --end;
    // The payload's last byte may be zero; records here never end in zero (Payload pattern).
    const uint64_t start = end - record_bytes;
    for (uint64_t cut = start; cut < end; ++cut) {
      Files files = pristine;
      std::vector<std::byte>& bytes = files[last];
      if (prewritten == 0) {
        bytes.resize(cut);
      } else {
        std::fill(bytes.begin() + static_cast<long>(cut), bytes.end(), std::byte{0});
      }
      const Opened opened = OpenFiles(files, options);
      ASSERT_TRUE(opened.status.ok()) << "cut " << cut << ": " << opened.status.ToString();
      EXPECT_EQ(opened.replayed.sequences.size(), 19u) << "cut " << cut;
      ExpectPrefix(opened.replayed, 60);
      // Cutting exactly at the record start leaves nothing torn behind.
      EXPECT_EQ(opened.report.torn_tail_truncated, cut != start) << "cut " << cut;
      if (cut != start) {
        EXPECT_EQ(opened.report.torn_tail_offset, start);
        EXPECT_EQ(opened.report.torn_tail_segment, last);
      }
    }
  }
}

TEST(RecoveryTest, TornTailFailsUnderAbsoluteConsistency) {
  JournalOptions options = SmallOptions(nullptr);
  options.prewritten_segments = 0;
  Files files = WriteJournal(options, 5, 60, 1);
  // Cut into the last record.
  files[LastSegment(files)].resize(RecordsEnd(files[LastSegment(files)]) - 3);
  options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  const Opened opened = OpenFiles(files, options);
  EXPECT_TRUE(opened.status.IsCorruption()) << opened.status.ToString();
}

TEST(RecoveryTest, BitFlipAtEveryByteOfASmallClosedJournalIsNeverAcceptedSilently) {
  // Two segments of ~4 records each; one bit flipped per byte (the bit index varies with the
  // byte so all eight positions are covered).
  JournalOptions options = SmallOptions(nullptr);
  options.prewritten_segments = 0;
  options.segment_size_bytes_max = 5 << 10;
  options.group_bytes_max = 2 << 10;
  options.record_bytes_max = 1 << 10;
  const Files pristine = WriteJournal(options, 14, 500, 2);
  ASSERT_GE(pristine.size(), 2u);
  uint64_t corruption = 0, torn = 0;
  for (const auto& [name, bytes] : pristine) {
    for (size_t index = 0; index < bytes.size(); ++index) {
      Files files = pristine;
      files[name][index] ^= std::byte(1u << (index % 8));
      const Opened opened = OpenFiles(files, options);
      if (index >= RecordsEnd(bytes) + format::kEndMarkerBytes) {
        // Past the end marker, in the zeros a segment is sized with: not part of the log.
        ASSERT_TRUE(opened.status.ok()) << opened.status.ToString();
        ASSERT_EQ(opened.replayed.sequences.size(), 14u);
        continue;
      }
      if (!opened.status.ok()) {
        ASSERT_TRUE(opened.status.IsCorruption()) << opened.status.ToString();
        ASSERT_NE(opened.status.message().find("byte offset"), std::string_view::npos);
        ++corruption;
        continue;
      }
      ExpectPrefix(opened.replayed, 500);
      // Every flip is reported: a flip in a record drops it (and what follows) as a torn tail, a
      // flip in the zero end marker keeps every record but is still truncated and reported.
      ASSERT_TRUE(opened.report.torn_tail_truncated)
          << name << " byte " << index << ": a flip went unreported";
      if (opened.replayed.sequences.size() == 14) {
        ASSERT_EQ(name, LastSegment(pristine));
        ASSERT_GE(index, RecordsEnd(bytes)) << "a flipped record was accepted";
      }
      ++torn;
    }
  }
  std::printf("%llu flips reported as corruption, %llu truncated as a torn tail\n",
              static_cast<unsigned long long>(corruption), static_cast<unsigned long long>(torn));
  EXPECT_GT(corruption, 0u);
  EXPECT_GT(torn, 0u);
}

class MiddleSegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = SmallOptions(nullptr);
    options_.prewritten_segments = 0;
    files_ = WriteJournal(options_, 400, 100, 10);
    ASSERT_GE(files_.size(), 4u);
    middle_ = std::next(files_.begin(), 1)->first;
  }
  void ExpectCorruptionNaming(const std::string& segment) {
    const Opened opened = OpenFiles(files_, options_);
    ASSERT_TRUE(opened.status.IsCorruption()) << opened.status.ToString();
    EXPECT_NE(opened.status.message().find(segment), std::string_view::npos)
        << opened.status.ToString();
  }
  JournalOptions options_;
  Files files_;
  std::string middle_;
};

TEST_F(MiddleSegmentTest, TruncatedMiddleSegmentIsCorruption) {
  files_[middle_].resize(files_[middle_].size() - 150);
  ExpectCorruptionNaming(middle_);
}

TEST_F(MiddleSegmentTest, MissingMiddleSegmentIsCorruption) {
  const std::string after = std::next(files_.begin(), 2)->first;
  files_.erase(middle_);
  ExpectCorruptionNaming(after);
}

TEST_F(MiddleSegmentTest, DuplicatedMiddleSegmentIsCorruption) {
  // A copy of the middle segment under its own id but another first sequence.
  const auto parsed = ParseSegmentName(middle_);
  files_[FormatSegmentName(parsed->segment_id, parsed->first_sequence + 1)] = files_[middle_];
  ExpectCorruptionNaming(FormatSegmentName(parsed->segment_id, parsed->first_sequence + 1));
}

TEST_F(MiddleSegmentTest, MiddleSegmentReplacedByACopyOfAnotherIsCorruption) {
  const std::string after = std::next(files_.begin(), 2)->first;
  files_[after] = files_[middle_];
  ExpectCorruptionNaming(after);
}

TEST_F(MiddleSegmentTest, PointInTimeStopsAtTheDamageAndQuarantinesTheRest) {
  files_[middle_][300] ^= std::byte{0x10};
  options_.recovery_mode = RecoveryMode::kPointInTime;
  const Opened opened = OpenFiles(files_, options_);
  ASSERT_TRUE(opened.status.ok()) << opened.status.ToString();
  EXPECT_TRUE(opened.report.stopped_early);
  EXPECT_TRUE(opened.report.corruption.IsCorruption());
  EXPECT_NE(opened.report.corruption.message().find(middle_), std::string_view::npos);
  EXPECT_LT(opened.replayed.sequences.size(), 400u);
  EXPECT_EQ(opened.report.quarantined_segments.size(), files_.size() - 2);
  ExpectPrefix(opened.replayed, 100);
}

TEST_F(MiddleSegmentTest, PointInTimeQuarantinesFromAMiddleSegmentWithoutHeader) {
  std::fill_n(files_[middle_].begin(), 8, std::byte{0xff});
  options_.recovery_mode = RecoveryMode::kPointInTime;
  const Opened opened = OpenFiles(files_, options_);
  ASSERT_TRUE(opened.status.ok()) << opened.status.ToString();
  EXPECT_TRUE(opened.report.stopped_early);
  ASSERT_FALSE(opened.report.quarantined_segments.empty());
  EXPECT_EQ(opened.report.quarantined_segments.front(), middle_);
  EXPECT_EQ(opened.report.quarantined_segments.size(), files_.size() - 1);
  EXPECT_EQ(opened.replayed.sequences.size(), ParseSegmentName(middle_)->first_sequence - 1);
  ExpectPrefix(opened.replayed, 100);
}

TEST_F(MiddleSegmentTest, PointInTimeQuarantinesFromASegmentThatDoesNotLink) {
  // The segment after the middle one, replaced by a segment of the right name whose header
  // names another predecessor.
  const std::string after = std::next(files_.begin(), 2)->first;
  files_.erase(middle_);
  options_.recovery_mode = RecoveryMode::kPointInTime;
  const Opened opened = OpenFiles(files_, options_);
  ASSERT_TRUE(opened.status.ok()) << opened.status.ToString();
  EXPECT_TRUE(opened.report.stopped_early);
  ASSERT_FALSE(opened.report.quarantined_segments.empty());
  EXPECT_EQ(opened.report.quarantined_segments.front(), after);
  EXPECT_NE(opened.report.corruption.message().find("are missing"), std::string_view::npos)
      << opened.report.corruption.ToString();
}

TEST_F(MiddleSegmentTest, TornSegmentHeaderFailsUnderAbsoluteConsistency) {
  const auto parsed = ParseSegmentName(LastSegment(files_));
  std::vector<std::byte> torn = files_.begin()->second;
  torn.resize(format::kRecordHeaderBytes - 5);
  files_[FormatSegmentName(parsed->segment_id + 1, 401)] = torn;
  options_.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  const Opened opened = OpenFiles(files_, options_);
  ASSERT_TRUE(opened.status.IsCorruption()) << opened.status.ToString();
  EXPECT_NE(opened.status.message().find("torn segment header"), std::string_view::npos);
}

// A record zeroed inside a closed segment, behind which the segment goes on, is a hole whichever
// segment follows; in particular deleting a torn successor must not make it look like a clean end
// and drop the records after the hole.
TEST_F(MiddleSegmentTest, ZeroedRecordInAClosedSegmentIsCorruptionEvenBeforeATornSegment) {
  files_.erase(std::next(files_.begin(), 2), files_.end());
  const uint64_t record_bytes = format::kRecordHeaderBytes + 100;
  std::fill_n(files_[middle_].begin() +
                  static_cast<std::ptrdiff_t>(format::kSegmentHeaderRecordBytes + 3 * record_bytes),
              record_bytes, std::byte{0});
  const auto parsed = ParseSegmentName(middle_);
  std::vector<std::byte> torn = files_.begin()->second;
  torn.resize(format::kRecordHeaderBytes - 5);
  files_[FormatSegmentName(parsed->segment_id + 1, 401)] = torn;
  const Opened opened = OpenFiles(files_, options_);
  ASSERT_TRUE(opened.status.IsCorruption()) << opened.status.ToString();
  EXPECT_NE(opened.status.message().find(middle_), std::string_view::npos)
      << opened.status.ToString();
  EXPECT_NE(opened.status.message().find("valid records follow"), std::string_view::npos)
      << opened.status.ToString();
}

// Truncating a torn tail is a write like any other: if its sync fails, Open fails with the
// I/O error instead of writing after a tail that may still be there.
TEST(RecoveryTest, FailedSyncOfTheTruncatedTailFailsOpen) {
  JournalOptions options = SmallOptions(nullptr);
  options.prewritten_segments = 0;
  Files files = WriteJournal(options, 20, 50, 2);
  const std::string last = LastSegment(files);
  files[last].resize(RecordsEnd(files[last]) - 30);  // Into record 20.
  // Each sync recovery makes (the files it is about to read, the kept tail, the cut) fails in
  // turn; the first Open that meets no failure ends the loop.
  bool opened_cleanly = false;
  for (uint64_t nth = 1; nth <= 16 && !opened_cleanly; ++nth) {
    SCOPED_TRACE(::testing::Message() << "sync " << nth << " fails");
    FaultInjectionEnv env;
    ASSERT_TRUE(env.CreateDir(kDir).ok());
    for (const auto& [name, bytes] : files) env.WriteAll(kDir + "/" + name, bytes);
    options.env = &env;
    env.FailSync(nth, false);
    std::unique_ptr<Journal> journal;
    const Status status = Journal::Open(options, kDir, nullptr, &journal);
    opened_cleanly = status.ok();
    EXPECT_TRUE(status.ok() || status.IsIOError()) << status.ToString();
    journal.reset();
    env.ClearFaults();
    // Reopened, the journal ends after the last whole record, whichever step failed.
    ASSERT_TRUE(Journal::Open(options, kDir, nullptr, &journal).ok());
    EXPECT_EQ(journal->last_sequence(), 19u);
  }
  EXPECT_TRUE(opened_cleanly);
}

// Recovery that skips segment ids (a quarantine, a deleted torn segment) must leave a journal
// that still opens once new segments are written after it: the next segment's id is above every
// id seen, and its header names the last valid segment as its predecessor.
Status WriteAfterRecoveryAndReopen(const Files& files, JournalOptions options, uint64_t* last) {
  FaultInjectionEnv env;
  EXPECT_TRUE(env.CreateDir(kDir).ok());
  for (const auto& [name, bytes] : files) env.WriteAll(kDir + "/" + name, bytes);
  options.env = &env;
  std::unique_ptr<Journal> journal;
  if (Status status = Journal::Open(options, kDir, nullptr, &journal); !status.ok()) {
    return status;
  }
  uint64_t sequence = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(journal->Add(1, Payload(1000 + i, 100), &sequence).ok());
    EXPECT_TRUE(journal->Commit().ok());
  }
  journal.reset();
  for (const RecoveryMode mode : {RecoveryMode::kAbsoluteConsistency,
                                  RecoveryMode::kTolerateTornTail, RecoveryMode::kPointInTime}) {
    options.recovery_mode = mode;
    RecoveryReport report;
    if (Status status = Journal::Open(options, kDir, &report, &journal); !status.ok()) {
      return status;
    }
    EXPECT_FALSE(report.stopped_early) << RecoveryModeName(mode);
    EXPECT_TRUE(report.quarantined_segments.empty()) << RecoveryModeName(mode);
    EXPECT_EQ(journal->last_sequence(), sequence);
    journal.reset();
  }
  *last = sequence;
  return Status::OK();
}

TEST_F(MiddleSegmentTest, WritingAfterAPointInTimeQuarantineReopens) {
  files_[middle_][300] ^= std::byte{0x10};
  options_.recovery_mode = RecoveryMode::kPointInTime;
  uint64_t last = 0;
  const Status status = WriteAfterRecoveryAndReopen(files_, options_, &last);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_LT(last, 400u);
}

TEST_F(MiddleSegmentTest, WritingAfterATornSegmentHeaderWasDeletedReopens) {
  // The writer stopped while creating the next segment: its file holds part of a header.
  const auto parsed = ParseSegmentName(LastSegment(files_));
  std::vector<std::byte> torn = files_.begin()->second;
  torn.resize(format::kRecordHeaderBytes - 5);
  files_[FormatSegmentName(parsed->segment_id + 1, 401)] = torn;
  uint64_t last = 0;
  const Status status = WriteAfterRecoveryAndReopen(files_, options_, &last);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(last, 403u);
}

// A record zeroed in the middle of the last segment reads like the clean end of the log, yet
// records of later groups follow: corruption for Open, and a hole that salvage skips.
TEST(RecoveryTest, ZeroedRecordBeforeLaterGroupsIsCorruptionAndSalvageSkipsIt) {
  JournalOptions options = SmallOptions(nullptr);
  options.prewritten_segments = 0;
  Files files = WriteJournal(options, 20, 50, 2);
  ASSERT_EQ(files.size(), 1u);
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir(kDir).ok());
  options.env = &env;
  const std::string segment = LastSegment(files);
  env.WriteAll(kDir + "/" + segment, files[segment]);
  uint64_t zeroed_offset = 0;
  {
    std::unique_ptr<JournalReader> reader;
    ASSERT_TRUE(JournalReader::Open(options, kDir, &reader).ok());
    ASSERT_TRUE(reader
                    ->Read(
                        0,
                        [&](const Record& record) {
                          if (record.first_sequence == 9) zeroed_offset = record.offset;
                          return Status::OK();
                        },
                        nullptr)
                    .ok());
  }
  ASSERT_GT(zeroed_offset, 0u);
  std::fill_n(files[segment].begin() + static_cast<std::ptrdiff_t>(zeroed_offset),
              format::kRecordHeaderBytes + 50, std::byte{0});
  env.WriteAll(kDir + "/" + segment, files[segment]);

  options.recovery_mode = RecoveryMode::kSkipCorrupted;
  std::unique_ptr<JournalReader> reader;
  ASSERT_TRUE(JournalReader::Open(options, kDir, &reader).ok());
  std::vector<uint64_t> sequences;
  RecoveryReport report;
  const Status read = reader->Read(
      0,
      [&](const Record& record) {
        sequences.push_back(record.first_sequence);
        return Status::OK();
      },
      &report);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_GE(report.records_skipped, 1u);
  ASSERT_FALSE(sequences.empty());
  EXPECT_EQ(sequences.back(), 20u);
  EXPECT_EQ(std::count(sequences.begin(), sequences.end(), 9u), 0);

  options.recovery_mode = RecoveryMode::kTolerateTornTail;
  std::unique_ptr<Journal> journal;
  const Status opened = Journal::Open(options, kDir, nullptr, &journal);
  EXPECT_TRUE(opened.IsCorruption()) << opened.ToString();
}

TEST_F(MiddleSegmentTest, SkipCorruptedReaderSalvagesRecordsAfterTheDamage) {
  files_[middle_][300] ^= std::byte{0x10};
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir(kDir).ok());
  for (const auto& [name, bytes] : files_) env.WriteAll(kDir + "/" + name, bytes);
  JournalOptions options = options_;
  options.env = &env;
  options.recovery_mode = RecoveryMode::kSkipCorrupted;
  std::unique_ptr<JournalReader> reader;
  ASSERT_TRUE(JournalReader::Open(options, kDir, &reader).ok());
  uint64_t read = 0, last = 0;
  RecoveryReport report;
  ASSERT_TRUE(reader
                  ->Read(
                      0,
                      [&](const Record& r) {
                        ++read;
                        last = r.first_sequence;
                        return Status::OK();
                      },
                      &report)
                  .ok());
  EXPECT_EQ(last, 400u);
  EXPECT_LT(read, 400u);
  EXPECT_GE(report.records_skipped, 1u);
  // The same damage under the default mode is corruption, and Verify says so without fixing it.
  options.recovery_mode = RecoveryMode::kTolerateTornTail;
  ASSERT_TRUE(JournalReader::Open(options, kDir, &reader).ok());
  EXPECT_TRUE(reader->Verify(&report).IsCorruption());
}

TEST(RecoveryTest, RandomCrashesNeverLoseADurableRecord) {
  // Method: rounds of random groups; after each round a crash keeps a random prefix of the
  // unsynced bytes (or drops them), then the journal is reopened and every record up to the last
  // durable sequence must be there, intact, followed by at most a prefix of the rest.
  const uint64_t seed = testing::TestSeed();
  std::mt19937_64 random(seed);
  FaultInjectionEnv env;
  JournalOptions options = SmallOptions(&env);
  options.prewritten_segments = static_cast<uint32_t>(random() % 3);
  std::map<uint64_t, size_t> sizes;  // sequence -> payload size
  const int rounds = std::getenv("RINGDB_LONG_TESTS") != nullptr ? 2000 : 60;
  for (int round = 0; round < rounds; ++round) {
    std::unique_ptr<Journal> journal;
    RecoveryReport report;
    ASSERT_TRUE(Journal::Open(options, kDir, &report, &journal).ok()) << "seed " << seed;
    const uint64_t durable_before = journal->durable_sequence();
    // Everything from the first sequence still present (earlier ones may have been retired).
    const JournalInfo info = journal->Info();
    const uint64_t after = info.segments.empty() ? 0 : info.segments.front().first_sequence - 1;
    Replayed replayed;
    ASSERT_TRUE(CollectAll(journal.get(), after, &replayed).ok()) << "seed " << seed;
    ASSERT_EQ(replayed.sequences.size(), journal->last_sequence() - after) << "seed " << seed;
    for (size_t i = 0; i < replayed.sequences.size(); ++i) {
      ASSERT_EQ(replayed.sequences[i], after + 1 + i) << "seed " << seed;
      ASSERT_EQ(replayed.payloads[i], Payload(after + 1 + i, sizes.at(after + 1 + i)))
          << "seed " << seed;
    }
    sizes.erase(sizes.upper_bound(durable_before), sizes.end());
    const int groups = static_cast<int>(random() % 6);
    for (int g = 0; g < groups; ++g) {
      const int records = 1 + static_cast<int>(random() % 8);
      for (int r = 0; r < records; ++r) {
        const size_t size = random() % 300;
        uint64_t sequence = 0;
        Status status = journal->Add(1, Payload(journal->last_sequence() + 1, size), &sequence);
        if (status.IsBusy()) break;
        ASSERT_TRUE(status.ok());
        sizes[sequence] = size;
      }
      ASSERT_TRUE(journal->Commit().ok());
    }
    const uint64_t durable = journal->durable_sequence();
    // One more group, written but interrupted by the crash before or during its sync.
    uint64_t sequence = 0;
    if (journal->Add(1, Payload(durable + 1, 200), &sequence).ok()) sizes[sequence] = 200;
    env.FailSync(1, true);
    journal->Commit().PermitUnchecked();
    journal.reset();
    env.ClearFaults();
    env.SimulateCrash(random() % 2 ? FaultInjectionEnv::CrashMode::kKeepRandomPrefix
                                   : FaultInjectionEnv::CrashMode::kDropUnsynced,
                      random());
    std::unique_ptr<Journal> reopened;
    ASSERT_TRUE(Journal::Open(options, kDir, &report, &reopened).ok()) << "seed " << seed;
    ASSERT_GE(reopened->last_sequence(), durable) << "seed " << seed << " round " << round;
    if (round % 10 == 9) {
      ASSERT_TRUE(reopened->Retire(reopened->last_sequence() / 2).ok());
    }
  }
}

}  // namespace
}  // namespace ringdb::journal
