// Goal: salvage's journal half (tools/salvage.h) keeps only records whose sequences increase
// strictly, counts what it drops, and writes a new journal that opens under absolute consistency
// and holds exactly the kept records, renumbered from 1. Method: a journal whose sequences go
// backwards (backwards_journal.h) on the in-memory FaultInjectionEnv.
#include "tools/salvage.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "backwards_journal.h"
#include "engine/txn_codec.h"
#include "journal/journal.h"
#include "test_util/fault_injection_env.h"

namespace ringdb::tool {
namespace {

using ringdb::testing::BackwardsKeptKeys;

const std::string kSource = "/db/journal";
const std::string kTarget = "/db/journal.salvage";

// The key of the transaction a record holds.
std::string KeyOf(std::span<const std::byte> payload) {
  txn::Decoder decoder;
  EXPECT_TRUE(txn::Decoder::Open(payload, &decoder).ok());
  txn::Op op{};
  EXPECT_TRUE(decoder.Next(&op));
  return std::string(op.key);
}

class SalvageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir("/db").ok());
    ASSERT_NO_FATAL_FAILURE(ringdb::testing::WriteBackwardsJournal(&env_, kSource));
    options_.segment_size_bytes_max = 64 << 10;
    options_.group_bytes_max = 16 << 10;
    options_.record_bytes_max = 256;
    options_.env = &env_;
    options_.logger = std::make_shared<spdlog::logger>("salvage-test");  // No sinks: quiet.
  }
  FaultInjectionEnv env_;
  journal::JournalOptions options_;
};

TEST_F(SalvageTest, KeepsOnlyIncreasingSequencesAndCountsTheRest) {
  std::vector<uint64_t> sequences;
  std::vector<std::string> keys;
  SalvageCounts counts;
  const Status status = ReadSalvageable(
      options_, kSource, 0,
      [&](const journal::Record& record) {
        sequences.push_back(record.first_sequence);
        keys.push_back(KeyOf(record.payload));
        return Status::OK();
      },
      &counts);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(keys, BackwardsKeptKeys());
  for (size_t index = 1; index < sequences.size(); ++index) {
    EXPECT_GT(sequences[index], sequences[index - 1]) << "at " << index;
  }
  EXPECT_EQ(counts.kept, ringdb::testing::kBackwardsKept);
  EXPECT_EQ(counts.dropped_out_of_order, ringdb::testing::kBackwardsDropped);
  EXPECT_EQ(counts.skipped, ringdb::testing::kBackwardsSkipped);
}

TEST_F(SalvageTest, RecordsAtOrBelowTheMarkerAreNeitherHandedOnNorCounted) {
  std::vector<uint64_t> sequences;
  SalvageCounts counts;
  ASSERT_TRUE(ReadSalvageable(
                  options_, kSource, 30,
                  [&](const journal::Record& record) {
                    sequences.push_back(record.first_sequence);
                    return Status::OK();
                  },
                  &counts)
                  .ok());
  ASSERT_EQ(sequences.size(), 10u);
  EXPECT_EQ(sequences.front(), 31u);
  EXPECT_EQ(sequences.back(), 40u);
  EXPECT_EQ(counts.dropped_out_of_order, 0u) << "16..25 are at or below the marker";
}

TEST_F(SalvageTest, TheCallbacksErrorStopsTheRead) {
  SalvageCounts counts;
  const Status status = ReadSalvageable(
      options_, kSource, 0,
      [](const journal::Record& record) {
        return record.first_sequence == 3 ? Status::IOError("stop at 3") : Status::OK();
      },
      &counts);
  EXPECT_TRUE(status.IsIOError()) << status.ToString();
  EXPECT_EQ(counts.kept, 3u);
}

TEST_F(SalvageTest, TheNewJournalOpensUnderAbsoluteConsistencyWithoutDuplicates) {
  uint64_t last = 0;
  SalvageCounts counts;
  const Status written = WriteSalvagedJournal(options_, kSource, kTarget, &last, &counts);
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(last, ringdb::testing::kBackwardsKept);
  EXPECT_EQ(counts.dropped_out_of_order, ringdb::testing::kBackwardsDropped);

  journal::JournalOptions strict = options_;
  strict.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  strict.create_if_missing = false;
  std::unique_ptr<journal::Journal> journal;
  journal::RecoveryReport report;
  const Status opened = journal::Journal::Open(strict, kTarget, &report, &journal);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  EXPECT_EQ(journal->last_sequence(), last);
  std::vector<std::string> keys;
  uint64_t expected = 1;
  ASSERT_TRUE(journal
                  ->Replay(0,
                           [&](const journal::Record& record) {
                             EXPECT_EQ(record.first_sequence, expected++);
                             keys.push_back(KeyOf(record.payload));
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(keys, BackwardsKeptKeys());
}

TEST_F(SalvageTest, ATargetThatHoldsAJournalIsRefused) {
  uint64_t last = 0;
  SalvageCounts counts;
  ASSERT_TRUE(WriteSalvagedJournal(options_, kSource, kTarget, &last, &counts).ok());
  const Status again = WriteSalvagedJournal(options_, kSource, kTarget, &last, &counts);
  EXPECT_TRUE(again.IsInvalidArgument()) << again.ToString();
  EXPECT_NE(again.message().find(kTarget), std::string_view::npos) << again.ToString();
}

TEST_F(SalvageTest, AMissingSourceIsAnErrorNamingIt) {
  uint64_t last = 0;
  SalvageCounts counts;
  const Status status = WriteSalvagedJournal(options_, "/db/nowhere", kTarget, &last, &counts);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/db/nowhere"), std::string_view::npos) << status.ToString();
}

}  // namespace
}  // namespace ringdb::tool
