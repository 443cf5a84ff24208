// Goal: outcomes are a pure function of the journal, as `ringdb replay` sees it. Method: a random
// workload with preconditions (many fail) from several threads, each transaction also putting a
// key of its own, so its outcome can be read back from any state: present when it committed,
// absent when its preconditions failed. `ringdb replay` runs twice into fresh directories; both
// must hold exactly the live state (one digest), report the live number of conflicts, and agree
// with the live outcome of every transaction. RINGDB_TEST_SEED replays a run.
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "engine/rocksdb_open.h"
#include "test_util/digest.h"
#include "test_util/engine_fixture.h"
#include "test_util/random_operations.h"
#include "test_util/seed.h"
#include "tool_run.h"

namespace ringdb {
namespace {

constexpr int kThreads = 3;
constexpr int kTransactionsPerThread = 600;

std::string OwnKey(int thread, int index) {
  return "own/" + std::to_string(thread) + "/" + std::to_string(index);
}

// One thread's transactions; committed[i] records whether the i-th one committed.
void RandomWorkload(Engine* engine, uint64_t seed, int thread, std::vector<char>* committed) {
  std::mt19937_64 random(seed);
  for (int i = 0; i < kTransactionsPerThread; ++i) {
    WriteBatch batch;
    AddRandomOperations(&random, 48, &batch);
    batch.Put(OwnKey(thread, i), "committed");
    const Status status = engine->Write(batch);
    ASSERT_TRUE(status.ok() || status.IsConflict()) << status.ToString();
    (*committed)[static_cast<size_t>(i)] = status.ok() ? 1 : 0;
  }
}

// The unsigned integer after "name": in one line of JSON; UINT64_MAX when absent.
uint64_t JsonNumber(const std::string& json, const std::string& name) {
  const size_t at = json.find("\"" + name + "\":");
  if (at == std::string::npos) {
    return UINT64_MAX;
  }
  return std::strtoull(json.c_str() + at + name.size() + 3, nullptr, 10);
}

// A replayed RocksDB directory, read-only: its user state's digest and its own keys.
class ReplayedDb {
 public:
  explicit ReplayedDb(const std::string& path) {
    status_ = OpenRingdbRocksDb(path, RocksDbMode::ReadOnly(), rocksdb::Options(), &rocks_);
  }
  const Status& status() const { return status_; }
  StateDigest Digest() const {
    StateDigest digest;
    std::unique_ptr<rocksdb::Iterator> iterator(
        rocks_->db()->NewIterator(rocksdb::ReadOptions(), rocks_->data()));
    for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
      AddToDigest(&digest, iterator->key().ToStringView(), iterator->value().ToStringView());
    }
    return digest;
  }
  bool Has(const std::string& key) const {
    std::string value;
    return rocks_->db()->Get(rocksdb::ReadOptions(), rocks_->data(), key, &value).ok();
  }

 private:
  Status status_;
  std::unique_ptr<RingdbRocksDb> rocks_;
};

class ReplayDeterminismTest : public EngineTest {};

TEST_F(ReplayDeterminismTest, ReplayCommandReachesTheLiveStateAndOutcomes) {
  const uint64_t seed = TestSeed();
  Options options = SmallOptions();
  options.journal_retention_transactions = uint64_t{1} << 40;  // Keep the whole journal.
  OpenEngine(options);
  std::vector<std::vector<char>> committed(
      kThreads, std::vector<char>(static_cast<size_t>(kTransactionsPerThread), 0));
  std::vector<std::thread> writers;
  for (int thread = 0; thread < kThreads; ++thread) {
    writers.emplace_back([&, thread] {
      RandomWorkload(engine_.get(), seed + static_cast<uint64_t>(thread), thread,
                     &committed[static_cast<size_t>(thread)]);
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  const StateDigest live = DigestOf(engine_.get());
  const uint64_t conflicts = engine_->Stats().transactions_conflicted;
  ASSERT_GT(conflicts, 0u) << "the workload should exercise failing preconditions";
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();

  uint64_t mismatches = 0;
  for (int replay = 0; replay < 2; ++replay) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", replay " + std::to_string(replay));
    const std::string into = dir_.path() + "/replayed-" + std::to_string(replay);
    const ToolRun run = Ringdb("replay " + dir_.path() + " --into " + into + " --json");
    const std::string& output = run.output;
    ASSERT_EQ(run.exit_code, 0) << output;
    EXPECT_EQ(JsonNumber(output, "replayed"), uint64_t{kThreads * kTransactionsPerThread})
        << output;
    EXPECT_EQ(JsonNumber(output, "conflicted"), conflicts) << output;
    {
      ReplayedDb db(into + "/db");
      ASSERT_TRUE(db.status().ok()) << db.status().ToString();
      EXPECT_EQ(db.Digest(), live);
      for (int thread = 0; thread < kThreads; ++thread) {
        for (int i = 0; i < kTransactionsPerThread; ++i) {
          const bool live_outcome = committed[static_cast<size_t>(thread)][static_cast<size_t>(i)];
          if (db.Has(OwnKey(thread, i)) != live_outcome) {
            ++mismatches;
            ADD_FAILURE() << "transaction " << OwnKey(thread, i) << " committed "
                          << (live_outcome ? "live but not in the replay" : "in the replay only");
          }
        }
      }
    }
    // The output is a ringdb database: an engine opens it with nothing to replay, and sees
    // the same state.
    std::unique_ptr<Engine> replayed;
    const Status opened = Engine::Open(SmallOptions(), into, &replayed);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    EXPECT_EQ(replayed->recovery().transactions_replayed, 0u);
    EXPECT_EQ(DigestOf(replayed.get()), live);
    ASSERT_TRUE(replayed->Close().ok());
  }
  std::printf("determinism: %d transactions, %llu conflicts, 2 replays, %llu outcome mismatches\n",
              kThreads * kTransactionsPerThread, static_cast<unsigned long long>(conflicts),
              static_cast<unsigned long long>(mismatches));
}

}  // namespace
}  // namespace ringdb
