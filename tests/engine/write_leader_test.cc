// Goal: a synchronous writer that runs the journal and apply stages itself (a write-group leader)
// keeps every promise the stage threads keep: one serial order, preconditions judged against
// every earlier transaction, nothing acknowledged lost across Close and reopen, and no hang, while
// pipelined submits (run by the stage threads) and leaders take turns on the same stages. Method:
// writer threads each advance a counter key of their own with Write, each write guarded by
// ExpectEqual on the value it wrote last (a transaction applied out of order, twice or not at all
// fails the precondition); a pipelined thread submits blind puts with many tokens outstanding; two
// threads burn CPU beside them so that the stages change hands at many points. At the end every
// counter holds its writer's last value, before and after a reopen.
#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_util/engine_fixture.h"
#include "test_util/seed.h"

namespace ringdb {
namespace {

constexpr int kWriters = 6;
constexpr int kWritesPerWriter = 400;
constexpr int kPipelined = 4000;

std::string CounterKey(int writer) { return "counter-" + std::to_string(writer); }

TEST_F(EngineTest, LeadersAndStageThreadsKeepOneSerialOrder) {
  OpenEngine(SmallOptions());
  std::atomic<bool> stop_busy{false};
  std::vector<std::thread> busy;
  for (int index = 0; index < 2; ++index) {
    busy.emplace_back([&] {
      while (!stop_busy.load(std::memory_order_relaxed)) {  // Bounded by stop_busy.
      }
    });
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([&, writer] {
      for (int count = 1; count <= kWritesPerWriter; ++count) {
        WriteBatch batch;
        if (count == 1) {
          batch.ExpectAbsent(CounterKey(writer));
        } else {
          batch.ExpectEqual(CounterKey(writer), std::to_string(count - 1));
        }
        batch.Put(CounterKey(writer), std::to_string(count));
        if (!engine_->Write(batch).ok()) {
          failures.fetch_add(1);
          return;
        }
      }
    });
  }
  std::thread pipelined([&] {
    std::vector<Token> window(64);
    for (int index = 0; index < kPipelined; ++index) {
      Token& token = window[static_cast<size_t>(index) % window.size()];
      if (token.sequence() != 0 && !token.Wait().ok()) {
        failures.fetch_add(1);
        return;
      }
      WriteBatch batch;
      batch.Put("blind-" + std::to_string(index), "v");
      token = engine_->Submit(batch);
    }
    for (Token& token : window) {
      if (token.sequence() != 0 && !token.Wait().ok()) {
        failures.fetch_add(1);
      }
    }
  });
  for (std::thread& writer : writers) {
    writer.join();
  }
  pipelined.join();
  stop_busy.store(true, std::memory_order_relaxed);
  for (std::thread& thread : busy) {
    thread.join();
  }
  ASSERT_EQ(failures.load(), 0) << "a write failed its precondition or the engine";
  for (int pass = 0; pass < 2; ++pass) {
    for (int writer = 0; writer < kWriters; ++writer) {
      std::string value;
      ASSERT_TRUE(engine_->Get(CounterKey(writer), &value).ok());
      EXPECT_EQ(value, std::to_string(kWritesPerWriter))
          << "writer " << writer << ", pass " << pass;
    }
    std::string blind;
    EXPECT_TRUE(engine_->Get("blind-" + std::to_string(kPipelined - 1), &blind).ok());
    const EngineStats stats = engine_->Stats();
    if (pass == 0) {
      EXPECT_EQ(stats.transactions_committed, uint64_t{kWriters} * kWritesPerWriter + kPipelined);
      EXPECT_EQ(stats.transactions_failed, 0u);
      EXPECT_LE(stats.journal_groups, stats.transactions_committed);
    }
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    OpenEngine(options_);
  }
}

// A lone writer has nobody to hand its transaction to: each Write is its own group, and the
// engine reports each as committed, whichever thread ran the stages.
TEST_F(EngineTest, ALoneWriterCommitsEachWriteAsItsOwnGroup) {
  OpenEngine(SmallOptions());
  constexpr uint64_t kWrites = 200;
  for (uint64_t index = 0; index < kWrites; ++index) {
    WriteBatch batch;
    batch.Put("k" + std::to_string(index), "v");
    ASSERT_TRUE(engine_->Write(batch).ok());
    std::string value;
    ASSERT_TRUE(engine_->Get("k" + std::to_string(index), &value).ok()) << "read your writes";
  }
  const EngineStats stats = engine_->Stats();
  EXPECT_EQ(stats.transactions_committed, kWrites);
  EXPECT_EQ(stats.journal_groups, kWrites);
  EXPECT_EQ(stats.group_transactions.max, 1u);
}

// A synchronous Write reports the outcome of its own transaction exactly, however long its writer
// is away after the transaction resolved: a leader that applies a long run for others, or a writer
// the scheduler keeps off the core while the ring goes round many times. Method: a 16-slot ring,
// so that a slot is reused every few transactions; writers whose transactions fail or commit at
// random (a precondition that a key nobody writes is present, or absent) and two threads that
// burn CPU beside them. Every Write must return exactly Conflict or OK as its precondition says,
// never Unknown.
TEST_F(EngineTest, ASynchronousWriteLearnsItsOwnOutcomeHoweverLateItLooks) {
  const uint64_t seed = TestSeed();
  Options options = SmallOptions();
  options.ring_slot_count = 16;
  options.transaction_bytes_max = 512;
  options.value_bytes_max = 64;
  OpenEngine(options);
  std::atomic<bool> stop_busy{false};
  std::vector<std::thread> busy;
  for (int index = 0; index < 2; ++index) {
    busy.emplace_back([&] {
      while (!stop_busy.load(std::memory_order_relaxed)) {  // Bounded by stop_busy.
      }
    });
  }
  constexpr int kOutcomeWriters = 4;
  constexpr int kWritesEach = 3000;
  std::atomic<int> wrong{0};
  std::atomic<uint64_t> expected_conflicts{0};
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kOutcomeWriters; ++writer) {
    writers.emplace_back([&, writer] {
      std::mt19937_64 random(seed + static_cast<uint64_t>(writer));
      for (int count = 0; count < kWritesEach; ++count) {
        const bool must_fail = (random() & 1) != 0;
        WriteBatch batch;
        if (must_fail) {
          batch.ExpectPresent("never-written");
        } else {
          batch.ExpectAbsent("never-written");
        }
        batch.Put(CounterKey(writer), std::to_string(count));
        const Status status = engine_->Write(batch);
        expected_conflicts.fetch_add(must_fail ? 1 : 0);
        if (must_fail ? !status.IsConflict() : !status.ok()) {
          if (wrong.fetch_add(1) < 5) {
            std::fprintf(stderr, "writer %d write %d: expected %s, got %s\n", writer, count,
                         must_fail ? "Conflict" : "OK", status.ToString().c_str());
          }
        }
      }
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  stop_busy.store(true, std::memory_order_relaxed);
  for (std::thread& thread : busy) {
    thread.join();
  }
  EXPECT_EQ(wrong.load(), 0) << "seed " << seed;
  EXPECT_EQ(engine_->Stats().transactions_conflicted, expected_conflicts.load());
}

}  // namespace
}  // namespace ringdb
