// Goal: a snapshot's sequence() is exactly the last transaction whose effects it sees, and
// Info().committed_sequence never lags what a reader has already seen, while writers run and the
// applier commits each group in several RocksDB writes. Method: every transaction of writer w
// raises its own counter "c/<w>" by one and also checks and rewrites a shared key "k"
// (ExpectPresent, Put), so the applier must commit the group staged so far before each one.
// No transaction conflicts, so each takes exactly one journal sequence: a snapshot at sequence s
// must see the counters sum to s - base, base being the sequence once the counters exist.
#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

constexpr int kWriters = 4;
constexpr int kRounds = 300;
constexpr int kPipelined = 8;  // Transactions a writer submits before waiting: groups of several.

std::string CounterKey(int writer) { return "c/" + std::to_string(writer); }

class SnapshotSequenceTest : public EngineTest {
 protected:
  // The sum of the counters as read (at the snapshot, or the latest state when null).
  uint64_t CounterSum(const Snapshot* snapshot) {
    uint64_t sum = 0;
    for (int writer = 0; writer < kWriters; ++writer) {
      std::string value;
      const Status status = engine_->Get(CounterKey(writer), &value, {.snapshot = snapshot});
      EXPECT_TRUE(status.ok()) << status.ToString();
      sum += status.ok() ? std::stoull(value) : 0;
    }
    return sum;
  }

  void Writer(int writer) {
    std::array<Token, kPipelined> tokens;
    for (int round = 0; round < kRounds; ++round) {
      for (int slot = 0; slot < kPipelined; ++slot) {
        const int count = round * kPipelined + slot + 1;
        WriteBatch batch;
        batch.ExpectPresent("k");
        batch.Put("k", std::to_string(writer) + "/" + std::to_string(count));
        batch.Put(CounterKey(writer), std::to_string(count));
        tokens[static_cast<size_t>(slot)] = engine_->Submit(batch);
      }
      for (const Token& token : tokens) {
        const Status status = token.Wait();
        ASSERT_TRUE(status.ok()) << status.ToString();
      }
    }
  }
};

TEST_F(SnapshotSequenceTest, SnapshotSequenceMatchesExactlyWhatItSees) {
  OpenEngine(SmallOptions());
  WriteBatch setup;
  setup.Put("k", "setup");
  for (int writer = 0; writer < kWriters; ++writer) {
    setup.Put(CounterKey(writer), "0");
  }
  ASSERT_TRUE(engine_->Write(setup).ok());
  const Snapshot* first = engine_->GetSnapshot();
  ASSERT_NE(first, nullptr);
  const uint64_t base = first->sequence();
  EXPECT_EQ(CounterSum(first), 0u);
  engine_->ReleaseSnapshot(first);

  std::atomic<int> running{kWriters};
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([this, writer, &running] {
      Writer(writer);
      running.fetch_sub(1);
    });
  }
  uint64_t snapshots = 0;
  uint64_t snapshot_mismatches = 0;
  uint64_t info_lags = 0;
  std::string first_failure;
  while (running.load() > 0) {
    const Snapshot* snapshot = engine_->GetSnapshot();
    ASSERT_NE(snapshot, nullptr);
    const uint64_t seen = CounterSum(snapshot);
    const uint64_t sequence = snapshot->sequence();
    engine_->ReleaseSnapshot(snapshot);
    ++snapshots;
    if (seen != sequence - base) {
      ++snapshot_mismatches;
      if (first_failure.empty()) {
        first_failure = "snapshot at sequence " + std::to_string(sequence) + " sees " +
                        std::to_string(seen) + " transactions after base " + std::to_string(base);
      }
    }
    // Data already read must be covered by the committed sequence reported after it.
    const uint64_t read = CounterSum(nullptr);
    if (engine_->Info().committed_sequence < base + read) {
      ++info_lags;
    }
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  const uint64_t total = uint64_t{kWriters} * kRounds * kPipelined;
  const Snapshot* last = engine_->GetSnapshot();
  EXPECT_EQ(last->sequence(), base + total) << "each transaction takes one sequence";
  EXPECT_EQ(CounterSum(last), total);
  engine_->ReleaseSnapshot(last);
  EXPECT_EQ(engine_->Info().committed_sequence, base + total);
  EXPECT_GT(engine_->Stats().group_transactions.max, 1u) << "no group held two transactions";
  std::printf("%llu snapshots, %llu with a wrong sequence, %llu Info() lags\n",
              static_cast<unsigned long long>(snapshots),
              static_cast<unsigned long long>(snapshot_mismatches),
              static_cast<unsigned long long>(info_lags));
  EXPECT_GT(snapshots, 10u);
  EXPECT_EQ(snapshot_mismatches, 0u) << first_failure;
  EXPECT_EQ(info_lags, 0u) << "Info().committed_sequence lagged data already read";
}

}  // namespace
}  // namespace ringdb
