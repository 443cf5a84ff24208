// Goal: skip-corrupted reading (salvage) keeps every record a damaged segment header leaves
// readable, and the other recovery modes judge the same damage as before. Method: a journal of
// 50 records over four small segments on the in-memory FaultInjectionEnv; one segment's header
// record is damaged, then the directory is read in each mode.
#include <algorithm>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "journal/record_format.h"
#include "journal/segment_name.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

using testing::Payload;
using testing::QuietLogger;

const std::string kDir = "/journal";
constexpr uint64_t kRecords = 50;
constexpr size_t kPayloadBytes = 100;

JournalOptions TinySegments(Env* env, RecoveryMode mode) {
  JournalOptions options;
  options.segment_size_bytes_max = 2 << 10;
  options.group_bytes_max = 1 << 10;
  options.record_bytes_max = 256;
  options.prewritten_segments = 0;
  options.recovery_mode = mode;
  options.env = env;
  options.logger = QuietLogger();
  return options;
}

// kRecords records, two per commit group, in segments of a dozen records.
void WriteJournal(FaultInjectionEnv* env) {
  std::unique_ptr<Journal> journal;
  const JournalOptions options = TinySegments(env, RecoveryMode::kTolerateTornTail);
  ASSERT_TRUE(Journal::Open(options, kDir, nullptr, &journal).ok());
  for (uint64_t i = 1; i <= kRecords; ++i) {
    uint64_t sequence = 0;
    Status status = journal->Add(1, Payload(i, kPayloadBytes), &sequence);
    if (status.IsBusy()) {
      ASSERT_TRUE(journal->Commit().ok());
      status = journal->Add(1, Payload(i, kPayloadBytes), &sequence);
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(sequence, i);
    if (i % 2 == 0) {
      ASSERT_TRUE(journal->Commit().ok());
    }
  }
  ASSERT_TRUE(journal->Commit().ok());
}

std::vector<std::string> SegmentNames(FaultInjectionEnv* env) {
  std::vector<std::string> names;
  const Result<std::vector<std::string>> listed = env->ListDir(kDir);
  for (const std::string& name : *listed) {
    if (ParseSegmentName(name).has_value()) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Flips one bit of the segment header's payload: its checksum no longer matches.
void DamageHeader(FaultInjectionEnv* env, const std::string& segment) {
  std::vector<std::byte> bytes = *env->ReadAll(JoinPath(kDir, segment));
  bytes[format::kRecordHeaderBytes + 20] ^= std::byte{0x04};
  env->WriteAll(JoinPath(kDir, segment), bytes);
}

struct ReadResult {
  Status status;
  RecoveryReport report;
  std::vector<uint64_t> sequences;
};

ReadResult ReadIn(FaultInjectionEnv* env, RecoveryMode mode) {
  std::unique_ptr<JournalReader> reader;
  ReadResult result;
  result.status = JournalReader::Open(TinySegments(env, mode), kDir, &reader);
  if (!result.status.ok()) {
    return result;
  }
  result.status = reader->Read(
      0,
      [&](const Record& record) {
        EXPECT_EQ(std::vector<std::byte>(record.payload.begin(), record.payload.end()),
                  Payload(record.first_sequence, kPayloadBytes));
        result.sequences.push_back(record.first_sequence);
        return Status::OK();
      },
      &result.report);
  return result;
}

std::vector<uint64_t> OneTo(uint64_t last) {
  std::vector<uint64_t> sequences;
  for (uint64_t sequence = 1; sequence <= last; ++sequence) {
    sequences.push_back(sequence);
  }
  return sequences;
}

class DamagedHeaderTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(WriteJournal(&env_));
    const std::vector<std::string> names = SegmentNames(&env_);
    ASSERT_GE(names.size(), 3u);
    // The parameter picks the damaged segment: a middle one, or the last.
    damaged_ = GetParam() ? names.back() : names[1];
    DamageHeader(&env_, damaged_);
  }
  FaultInjectionEnv env_;
  std::string damaged_;
};

TEST_P(DamagedHeaderTest, SkipCorruptedReadsTheSegmentOnFromItsFirstRecord) {
  const ReadResult read = ReadIn(&env_, RecoveryMode::kSkipCorrupted);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  EXPECT_EQ(read.sequences, OneTo(kRecords)) << read.sequences.size() << " of " << kRecords;
  EXPECT_EQ(read.report.records_skipped, 1u);
  EXPECT_EQ(read.report.records_read, kRecords);
  ASSERT_TRUE(read.report.corruption.IsCorruption());
  EXPECT_NE(read.report.corruption.message().find(damaged_), std::string_view::npos)
      << read.report.corruption.ToString();
  EXPECT_EQ(read.report.last_sequence, kRecords);
}

TEST_P(DamagedHeaderTest, TheOtherModesJudgeTheDamageAsBefore) {
  for (const RecoveryMode mode :
       {RecoveryMode::kAbsoluteConsistency, RecoveryMode::kTolerateTornTail}) {
    const ReadResult read = ReadIn(&env_, mode);
    ASSERT_TRUE(read.status.IsCorruption()) << RecoveryModeName(mode);
    EXPECT_NE(read.status.message().find(damaged_), std::string_view::npos)
        << read.status.ToString();
  }
  const ReadResult read = ReadIn(&env_, RecoveryMode::kPointInTime);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  EXPECT_TRUE(read.report.stopped_early);
  ASSERT_FALSE(read.report.quarantined_segments.empty());
  EXPECT_EQ(read.report.quarantined_segments.front(), damaged_);
  EXPECT_EQ(read.sequences, OneTo(ParseSegmentName(damaged_)->first_sequence - 1));
}

INSTANTIATE_TEST_SUITE_P(MiddleOrLast, DamagedHeaderTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "LastSegment" : "MiddleSegment";
                         });

}  // namespace
}  // namespace ringdb::journal
