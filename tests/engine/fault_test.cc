// Goal: a failed journal write or fdatasync is never retried, fails the affected tokens and every
// later one, leaves the engine refusing writes but serving reads and closing cleanly, and after
// reopening each failed transaction is whole or absent. Method: SQLite's loop: for every n across
// a small workload, fail the n-th sync (or write), once and then always, through the
// fault-injecting Env that holds the journal.
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "test_util/engine_fixture.h"
#include "test_util/fault_injection_env.h"

namespace ringdb {
namespace {

constexpr int kTransactions = 12;

struct FaultCase {
  bool fail_write;  // otherwise the sync
  uint64_t nth;
  bool sticky;
};

std::string KeyOf(int index) { return "k" + std::to_string(index); }

void RunCase(const FaultCase& fault) {
  SCOPED_TRACE(std::string(fault.fail_write ? "write " : "sync ") + std::to_string(fault.nth) +
               (fault.sticky ? " always" : " once"));
  TempDir dir;
  FaultInjectionEnv env;
  Options options = SmallOptions();
  options.env = &env;
  options.sync_mode = SyncMode::kFdatasync;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
  // Segment files only: the pool files are pre-written by a background thread at moments this
  // loop cannot predict, which would make "the n-th sync" and the sync count racy.
  env.SetFaultScope(".journal");
  env.ResetCounters();
  if (fault.fail_write) {
    env.FailWrite(fault.nth, fault.sticky);
  } else {
    env.FailSync(fault.nth, fault.sticky);
  }
  std::set<int> acknowledged;
  int first_failure = -1;
  uint64_t syncs_at_failure = 0;
  for (int index = 0; index < kTransactions; ++index) {
    WriteBatch batch;
    batch.Put(KeyOf(index), "a");
    batch.Put(KeyOf(index) + "/twin", "b");
    const Status status = engine->Write(batch);
    if (status.ok()) {
      ASSERT_EQ(first_failure, -1) << "a write succeeded after the engine failed";
      acknowledged.insert(index);
    } else {
      ASSERT_TRUE(status.IsIOError()) << status.ToString();
      if (first_failure == -1) {
        first_failure = index;
        syncs_at_failure = env.sync_count();
      }
    }
  }
  if (first_failure == -1) {
    return;  // The workload made fewer writes or syncs than n: nothing failed.
  }
  EXPECT_EQ(env.sync_count(), syncs_at_failure)
      << "a segment was synced again after a failure (a retry)";
  EXPECT_FALSE(engine->Info().writable);
  std::string value;
  if (!acknowledged.empty()) {
    EXPECT_TRUE(engine->Get(KeyOf(*acknowledged.begin()), &value).ok()) << "reads keep working";
  }
  EXPECT_TRUE(engine->Close().IsIOError()) << "Close reports the fault";
  engine.reset();

  env.ClearFaults();
  ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
  for (int index = 0; index < kTransactions; ++index) {
    const bool first = engine->Get(KeyOf(index), &value).ok();
    const bool twin = engine->Get(KeyOf(index) + "/twin", &value).ok();
    EXPECT_EQ(first, twin) << "transaction " << index << " is partly present";
    if (acknowledged.count(index) != 0) {
      EXPECT_TRUE(first) << "acknowledged transaction " << index << " is missing";
    }
  }
  WriteBatch after;
  after.Put("after-reopen", "x");
  EXPECT_TRUE(engine->Write(after).ok()) << "reopening clears the fault";
}

TEST(EngineFaultTest, EveryNthSyncFailingOnceOrAlways) {
  int cases = 0;
  for (const bool sticky : {false, true}) {
    for (uint64_t nth = 1; nth <= kTransactions + 2; ++nth) {
      RunCase({false, nth, sticky});
      ++cases;
    }
  }
  std::printf("fault: %d sync-failure cases\n", cases);
}

TEST(EngineFaultTest, EveryNthWriteFailingOnceOrAlways) {
  int cases = 0;
  for (const bool sticky : {false, true}) {
    for (uint64_t nth = 1; nth <= kTransactions + 2; ++nth) {
      RunCase({true, nth, sticky});
      ++cases;
    }
  }
  std::printf("fault: %d write-failure cases\n", cases);
}

TEST(EngineFaultTest, FullDiskFailsWithAClearMessage) {
  TempDir dir;
  FaultInjectionEnv env;
  Options options = SmallOptions();
  options.env = &env;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
  env.SetSpaceLimit(env.total_bytes());
  WriteBatch batch;
  batch.Put("k", std::string(4000, 'v'));
  Status status;
  for (int i = 0; i < 1000 && status.ok(); ++i) {
    status = engine->Write(batch);
  }
  ASSERT_TRUE(status.IsIOError()) << status.ToString();
  EXPECT_NE(status.ToString().find("ENOSPC"), std::string::npos) << status.ToString();
  EXPECT_TRUE(engine->Write(batch).IsIOError()) << "writes are refused until reopened";
}

// A run too large for one journal group is committed in several (Add says Busy); when such a
// mid-run commit fails, every transaction of the run fails, and each counts once in
// transactions_failed. The run is made whole by holding the ring's first transaction claimed,
// unpublished, while the rest are submitted behind it: the journal stage sees none of them until
// it is published, then all at once.
TEST(EngineFaultTest, FailedSplitGroupCountsEachTransactionOnce) {
  TempDir dir;
  FaultInjectionEnv env;
  Options options = SmallOptions();
  options.env = &env;
  options.sync_mode = SyncMode::kFdatasync;
  options.ring_slot_count = uint64_t{1} << 14;  // 2 MiB of 128-byte slots: room for the run.
  options.ring_chunk_count = 4;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
  // A journal group holds at most half a segment (512 KiB here); the run holds about 800 KiB.
  constexpr int kSubmitted = 100;
  const std::string value(8000, 'v');
  ASSERT_GT(uint64_t{kSubmitted} * value.size(), options.journal_segment_bytes_max / 2);

  Result<ClaimedTransaction> first = engine->Claim(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->Put("first", "x").ok());
  std::vector<Token> tokens;
  for (int index = 0; index < kSubmitted; ++index) {
    WriteBatch batch;
    batch.Put(KeyOf(index), value);
    tokens.push_back(engine->Submit(batch));
  }
  env.SetFaultScope(".journal");
  env.FailSync(1, false /*sticky*/);  // The run's first group commit.
  tokens.push_back(first->Publish());

  uint64_t failed = 0;
  for (const Token& token : tokens) {
    const Status status = token.Wait();
    EXPECT_TRUE(status.IsIOError()) << status.ToString();
    failed += status.ok() ? 0 : 1;
  }
  EXPECT_EQ(failed, tokens.size()) << "the whole run follows its first group into the fault";
  const EngineStats stats = engine->Stats();
  EXPECT_EQ(stats.transactions_failed, failed);
  EXPECT_EQ(stats.transactions_committed, 0u);
  EXPECT_EQ(stats.journal_groups, 0u);
  EXPECT_TRUE(engine->Close().IsIOError());
}

}  // namespace
}  // namespace ringdb
