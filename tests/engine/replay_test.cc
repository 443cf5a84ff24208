// Goal: outcomes are a pure function of the journal. Method: a random workload with
// preconditions (some fail) from several threads; the digest of the live state must equal the
// digest after replaying a copy of the same journal into an empty database, twice.
// RINGDB_TEST_SEED replays a run; the seed is printed.
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_util/digest.h"
#include "test_util/engine_fixture.h"
#include "test_util/random_operations.h"
#include "test_util/seed.h"

namespace ringdb {
namespace {

void RandomWorkload(Engine* engine, uint64_t seed, int transactions) {
  std::mt19937_64 random(seed);
  for (int i = 0; i < transactions; ++i) {
    WriteBatch batch;
    AddRandomOperations(&random, 64, &batch);
    const Status status = engine->Write(batch);
    ASSERT_TRUE(status.ok() || status.IsConflict()) << status.ToString();
  }
}

TEST_F(EngineTest, ReplayOfTheJournalReachesTheLiveState) {
  const uint64_t seed = TestSeed();
  Options options = SmallOptions();
  options.journal_retention_transactions = uint64_t{1} << 40;  // Keep the whole journal.
  OpenEngine(options);
  std::vector<std::thread> writers;
  for (int thread = 0; thread < 3; ++thread) {
    writers.emplace_back([&, thread] { RandomWorkload(engine_.get(), seed + thread, 700); });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  const StateDigest live = DigestOf(engine_.get());
  const uint64_t conflicts = engine_->Stats().transactions_conflicted;
  EXPECT_GT(conflicts, 0u) << "the workload should exercise failing preconditions";
  ASSERT_TRUE(engine_->Close().ok());

  for (int replay = 0; replay < 2; ++replay) {
    TempDir copy;
    std::filesystem::copy(dir_.path() + "/journal", copy.path() + "/journal",
                          std::filesystem::copy_options::recursive);
    std::unique_ptr<Engine> replayed;
    ASSERT_TRUE(Engine::Open(options, copy.path(), &replayed).ok());
    EXPECT_EQ(replayed->recovery().transactions_replayed, 2100u);
    EXPECT_EQ(replayed->recovery().transactions_conflicted, conflicts);
    EXPECT_EQ(DigestOf(replayed.get()), live) << "seed " << seed << ", replay " << replay;
  }
}

}  // namespace
}  // namespace ringdb
