// Goal: the engine's promises through its public API: atomic, consistent (preconditions), durable
// across close and reopen, read-your-writes, snapshot isolation, and a clear Status for every bad
// input. Method: a real engine in a temporary directory per test.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/journal_options_for.h"
#include "journal/journal.h"
#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

TEST_F(EngineTest, WriteThenRead) {
  OpenEngine(SmallOptions());
  WriteBatch batch;
  batch.Put("hello", "world");
  Token token = engine_->Submit(batch);
  ASSERT_TRUE(token.Wait().ok());
  EXPECT_TRUE(token.resolved());
  EXPECT_GT(token.sequence(), 0u);
  EXPECT_EQ(Read("hello"), "world");
  EXPECT_EQ(Read("missing"), "<absent>");
}

TEST_F(EngineTest, ValuesLargerThanASlotSpanSlots) {
  OpenEngine(SmallOptions());
  const std::string big(5000, 'v');  // 64-byte slots: about 80 of them.
  WriteBatch batch;
  batch.Put("big", big);
  batch.Put("small", "s");
  ASSERT_TRUE(engine_->Write(batch).ok());
  EXPECT_EQ(Read("big"), big);
  EXPECT_EQ(Read("small"), "s");
}

TEST_F(EngineTest, FailedPreconditionIsAConflictAndWritesNothing) {
  OpenEngine(SmallOptions());
  WriteBatch setup;
  setup.Put("balance", "100");
  ASSERT_TRUE(engine_->Write(setup).ok());
  WriteBatch stale;
  stale.ExpectEqual("balance", "50");
  stale.Put("balance", "0");
  stale.Put("audit", "x");
  const Status status = engine_->Write(stale);
  EXPECT_TRUE(status.IsConflict()) << status.ToString();
  EXPECT_EQ(Read("balance"), "100");
  EXPECT_EQ(Read("audit"), "<absent>");
  WriteBatch absent;
  absent.ExpectAbsent("balance");
  EXPECT_TRUE(engine_->Write(absent).IsConflict());
  WriteBatch present;
  present.ExpectPresent("nobody");
  EXPECT_TRUE(engine_->Write(present).IsConflict());
  WriteBatch fine;
  fine.ExpectEqual("balance", "100");
  fine.ExpectPresent("balance");
  fine.ExpectAbsent("nobody");
  fine.Put("balance", "90");
  EXPECT_TRUE(engine_->Write(fine).ok());
  EXPECT_EQ(Read("balance"), "90");
  EXPECT_EQ(engine_->Stats().transactions_conflicted, 3u);
}

TEST_F(EngineTest, ReadersNeverSeePartOfATransaction) {
  OpenEngine(SmallOptions());
  constexpr int kKeys = 50;
  constexpr int kRounds = 200;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto iterator = engine_->NewIterator({.prefix = "row/"});
      std::string first;
      int count = 0;
      for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
        if (count == 0) {
          first = std::string(iterator->value());
        } else if (iterator->value() != first) {
          torn.fetch_add(1);
        }
        ++count;
      }
      if (count != 0 && count != kKeys) {
        torn.fetch_add(1);
      }
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    WriteBatch batch;
    for (int key = 0; key < kKeys; ++key) {
      batch.Put("row/" + std::to_string(key), "round-" + std::to_string(round));
    }
    ASSERT_TRUE(engine_->Write(batch).ok());
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_F(EngineTest, AnotherThreadReadsTheWriteOnceTheTokenResolves) {
  OpenEngine(SmallOptions());
  for (int i = 0; i < 200; ++i) {
    WriteBatch batch;
    batch.Put("k" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(engine_->Submit(batch).Wait().ok());
    std::string seen;
    std::thread other([&] { ASSERT_TRUE(engine_->Get("k" + std::to_string(i), &seen).ok()); });
    other.join();
    ASSERT_EQ(seen, std::to_string(i));
  }
}

TEST_F(EngineTest, SnapshotKeepsItsViewWhileWritesGoOn) {
  OpenEngine(SmallOptions());
  WriteBatch before;
  before.Put("k", "old");
  ASSERT_TRUE(engine_->Write(before).ok());
  const Snapshot* snapshot = engine_->GetSnapshot();
  ASSERT_NE(snapshot, nullptr);
  WriteBatch after;
  after.Put("k", "new");
  after.Put("other", "x");
  ASSERT_TRUE(engine_->Write(after).ok());
  std::string value;
  ASSERT_TRUE(engine_->Get("k", &value, {.snapshot = snapshot}).ok());
  EXPECT_EQ(value, "old");
  EXPECT_TRUE(engine_->Get("other", &value, {.snapshot = snapshot}).IsNotFound());
  EXPECT_EQ(Read("k"), "new");
  auto iterator = engine_->NewIterator({.snapshot = snapshot});
  int count = 0;
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    ++count;
  }
  EXPECT_EQ(count, 1);
  iterator.reset();
  engine_->ReleaseSnapshot(snapshot);
}

TEST_F(EngineTest, IteratorBoundsAndPrefixAndMultiGet) {
  OpenEngine(SmallOptions());
  WriteBatch batch;
  for (const char* key : {"a1", "a2", "b1", "b2", "b3", "c1"}) {
    batch.Put(key, std::string("v-") + key);
  }
  ASSERT_TRUE(engine_->Write(batch).ok());
  auto collect = [&](const IteratorOptions& options) {
    std::string keys;
    auto iterator = engine_->NewIterator(options);
    for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
      keys += std::string(iterator->key()) + ",";
    }
    EXPECT_TRUE(iterator->status().ok());
    return keys;
  };
  EXPECT_EQ(collect({}), "a1,a2,b1,b2,b3,c1,");
  EXPECT_EQ(collect({.prefix = "b"}), "b1,b2,b3,");
  EXPECT_EQ(collect({.lower_bound = "a2", .upper_bound = "b3"}), "a2,b1,b2,");
  EXPECT_EQ(collect({.upper_bound = "b2", .prefix = "b"}), "b1,");
  const std::string_view keys[] = {"a1", "zz", "c1"};
  std::vector<std::string> values;
  const std::vector<Status> statuses = engine_->MultiGet(keys, &values);
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(values[0], "v-a1");
  EXPECT_TRUE(statuses[1].IsNotFound());
  EXPECT_EQ(values[2], "v-c1");
}

TEST_F(EngineTest, DataSurvivesCloseAndReopen) {
  OpenEngine(SmallOptions());
  for (int i = 0; i < 300; ++i) {
    WriteBatch batch;
    batch.Put("key" + std::to_string(i), "value" + std::to_string(i));
    ASSERT_TRUE(engine_->Write(batch).ok());
  }
  Reopen();
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(Read("key" + std::to_string(i)), "value" + std::to_string(i));
  }
  WriteBatch more;
  more.Put("after", "reopen");
  ASSERT_TRUE(engine_->Write(more).ok());
  Reopen();
  EXPECT_EQ(Read("after"), "reopen");
  EXPECT_EQ(Read("key299"), "value299");
}

TEST_F(EngineTest, ZeroCopyClaimFillPublish) {
  Options options = SmallOptions();
  options.ring_slot_count = 64;  // Small, so claims wrap around the ring's end often.
  options.transaction_bytes_max = 2048;
  options.value_bytes_max = 1024;
  OpenEngine(options);
  for (int round = 0; round < 100; ++round) {
    const std::string key = "in-place-" + std::to_string(round);
    const uint32_t value_bytes = 100 + static_cast<uint32_t>(round * 7 % 500);
    const uint32_t slots = engine_->SlotsFor(2, key.size() + value_bytes + 4 + 1);
    Result<ClaimedTransaction> claim = engine_->Claim(slots);
    ASSERT_TRUE(claim.ok()) << claim.status().ToString();
    Result<ValueBuffer> buffer = claim->PutInPlace(key, value_bytes);
    ASSERT_TRUE(buffer.ok()) << buffer.status().ToString();
    ASSERT_EQ(buffer->size(), value_bytes);
    const std::string value(value_bytes, static_cast<char>('a' + round % 26));
    buffer->Write(0, std::as_bytes(std::span(value.data(), value.size())));
    ASSERT_TRUE(claim->Put("last", "r").ok());
    EXPECT_TRUE(claim->Put("one-too-many", std::string(4096, 'x')).IsInvalidArgument());
    Token token = claim->Publish();
    ASSERT_TRUE(token.Wait().ok()) << token.status().ToString();
    ASSERT_EQ(Read(key), value);
  }
}

TEST_F(EngineTest, AbortedClaimWritesNothingAndDoesNotStall) {
  OpenEngine(SmallOptions());
  {
    Result<ClaimedTransaction> claim = engine_->Claim(2);
    ASSERT_TRUE(claim.ok());
    ASSERT_TRUE(claim->Put("ghost", "boo").ok());
    claim->Abort();
    EXPECT_FALSE(claim->active());
  }
  {
    Result<ClaimedTransaction> dropped = engine_->Claim(1);  // Destroyed unpublished: aborted.
    ASSERT_TRUE(dropped.ok());
  }
  WriteBatch batch;
  batch.Put("real", "yes");
  ASSERT_TRUE(engine_->Write(batch).ok());
  EXPECT_EQ(Read("ghost"), "<absent>");
  EXPECT_EQ(Read("real"), "yes");
  EXPECT_EQ(engine_->Stats().transactions_aborted, 2u);
}

TEST_F(EngineTest, BadWritesAreRefusedWithAClearStatus) {
  OpenEngine(SmallOptions());
  auto refused = [&](const WriteBatch& batch, const char* words) {
    Token token = engine_->Submit(batch);
    EXPECT_TRUE(token.resolved());
    const Status status = token.Wait();
    EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
    EXPECT_NE(status.message().find(words), std::string_view::npos) << status.ToString();
  };
  refused(WriteBatch(), "no operations");
  WriteBatch empty_key;
  empty_key.Put("", "v");
  refused(empty_key, "empty key");
  WriteBatch long_key;
  long_key.Put(std::string(options_.key_bytes_max + 1, 'k'), "v");
  refused(long_key, "key_bytes_max");
  WriteBatch long_value;
  long_value.Put("k", std::string(options_.value_bytes_max + 1, 'v'));
  refused(long_value, "value_bytes_max");
  WriteBatch too_big;
  for (int i = 0; i < 4; ++i) {
    too_big.Put("k" + std::to_string(i), std::string(options_.value_bytes_max, 'v'));
  }
  refused(too_big, "transaction_bytes_max");
  EXPECT_TRUE(engine_->Claim(0).status().IsInvalidArgument());
  EXPECT_TRUE(engine_->Claim(100000).status().IsInvalidArgument());
  EXPECT_EQ(engine_->Stats().transactions_submitted, 0u) << "nothing was published";
}

// Put and Delete are one-operation transactions: durable, counted and checked like any other.
TEST_F(EngineTest, PutAndDeleteAreOneOperationTransactions) {
  OpenEngine(SmallOptions());
  ASSERT_TRUE(engine_->Put("k", "v1").ok());
  EXPECT_EQ(Read("k"), "v1");
  ASSERT_TRUE(engine_->Put("k", "v2").ok());
  ASSERT_TRUE(engine_->Put("other", "o").ok());
  ASSERT_TRUE(engine_->Delete("other").ok());
  EXPECT_EQ(engine_->Stats().transactions_submitted, 4u);
  const Status empty_key = engine_->Put("", "v");
  EXPECT_TRUE(empty_key.IsInvalidArgument()) << empty_key.ToString();
  const Status too_big = engine_->Put("k", std::string(options_.value_bytes_max + 1, 'x'));
  EXPECT_TRUE(too_big.IsInvalidArgument()) << too_big.ToString();
  EXPECT_NE(too_big.message().find("value_bytes_max"), std::string_view::npos);
  EXPECT_EQ(engine_->Stats().transactions_submitted, 4u) << "refused calls publish nothing";
  Reopen();
  EXPECT_EQ(Read("k"), "v2");
  EXPECT_EQ(Read("other"), "<absent>");
}

// The engine takes the ring's WaitStrategy as it is: each (but busy-spin, which would burn this
// machine's cores for the test's length) commits, closes and is remembered by the database.
TEST(EngineWaitStrategyTest, EveryParkingStrategyCommitsClosesAndIsRemembered) {
  for (const WaitStrategy strategy : {WaitStrategy::kSpinThenPark, WaitStrategy::kYielding,
                                      WaitStrategy::kSleeping, WaitStrategy::kBlocking}) {
    TempDir dir;
    Options options = SmallOptions();
    options.wait_strategy = strategy;
    std::unique_ptr<Engine> engine;
    ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
    for (int index = 0; index < 50; ++index) {
      ASSERT_TRUE(engine->Put("key" + std::to_string(index), "value").ok());
    }
    ASSERT_TRUE(engine->Close().ok());
    Options stored;
    ASSERT_TRUE(Options::LoadFrom(dir.path(), &stored).ok());
    EXPECT_EQ(stored.wait_strategy, strategy) << static_cast<int>(strategy);
  }
  Options bad = SmallOptions();
  bad.wait_strategy = static_cast<WaitStrategy>(static_cast<uint8_t>(WaitStrategy::kBlocking) + 1);
  const Status refused = bad.Validate();
  EXPECT_TRUE(refused.IsInvalidArgument()) << refused.ToString();
  EXPECT_NE(refused.message().find("wait_strategy"), std::string_view::npos);
}

TEST_F(EngineTest, SecondOpenOfTheSamePathIsBusy) {
  OpenEngine(SmallOptions());
  std::unique_ptr<Engine> second;
  const Status status = Engine::Open(options_, dir_.path(), &second);
  EXPECT_TRUE(status.IsBusy()) << status.ToString();
  EXPECT_EQ(second, nullptr);
  ASSERT_TRUE(engine_->Close().ok());
  EXPECT_TRUE(Engine::Open(options_, dir_.path(), &second).ok());
}

TEST_F(EngineTest, OpenRefusesBadOptionsAndPaths) {
  Options bad = SmallOptions();
  bad.ring_slot_count = 1000;
  std::unique_ptr<Engine> engine;
  Status status = Engine::Open(bad, dir_.path(), &engine);
  EXPECT_TRUE(status.IsInvalidArgument());
  EXPECT_NE(status.message().find("ring_slot_count"), std::string_view::npos);
  Options no_create = SmallOptions();
  no_create.create_if_missing = false;
  EXPECT_TRUE(Engine::Open(no_create, dir_.path() + "/nothing", &engine).IsNotFound());
  EXPECT_TRUE(Engine::Open(SmallOptions(), "", &engine).IsInvalidArgument());
  OpenEngine(SmallOptions());
  ASSERT_TRUE(engine_->Close().ok());
  Options exclusive = SmallOptions();
  exclusive.error_if_exists = true;
  EXPECT_TRUE(Engine::Open(exclusive, dir_.path(), &engine).IsInvalidArgument());
}

TEST_F(EngineTest, OpenRefusesAPathThatIsAFile) {
  const std::string file = dir_.path() + "/a-file";
  { std::ofstream(file) << "not a database"; }
  std::unique_ptr<Engine> engine;
  const Status status = Engine::Open(SmallOptions(), file, &engine);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_NE(status.message().find("not a directory"), std::string_view::npos);
  EXPECT_TRUE(Engine::Open(SmallOptions(), dir_.path(), nullptr).IsInvalidArgument());
}

// RocksDB says transactions up to its marker were applied; a journal that ends before the marker
// has lost segments, and replaying it would skip them: Open refuses with Corruption and leaves
// the directory unlocked.
TEST_F(EngineTest, OpenRefusesAJournalThatEndsBeforeTheAppliedMarker) {
  OpenEngine(SmallOptions());
  for (int i = 0; i < 5; ++i) {
    WriteBatch batch;
    batch.Put("k" + std::to_string(i), "v");
    ASSERT_TRUE(engine_->Write(batch).ok());
  }
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  std::filesystem::remove_all(dir_.path() + "/journal");
  std::filesystem::create_directory(dir_.path() + "/journal");
  std::unique_ptr<Engine> engine;
  const Status status = Engine::Open(SmallOptions(), dir_.path(), &engine);
  EXPECT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find("before sequence 5"), std::string_view::npos)
      << status.ToString();
  EXPECT_EQ(engine, nullptr);
  EXPECT_TRUE(Engine::Open(SmallOptions(), dir_.path(), &engine).IsCorruption())
      << "a failed Open releases the lock";
}

// This engine journals one transaction per record; replay refuses a record that holds several
// instead of applying it as one.
TEST_F(EngineTest, ReplayRefusesARecordOfSeveralTransactions) {
  OpenEngine(SmallOptions());
  WriteBatch batch;
  batch.Put("k", "v");
  ASSERT_TRUE(engine_->Write(batch).ok());
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  {
    journal::JournalOptions options = JournalOptionsFor(SmallOptions(), 0);
    std::unique_ptr<journal::Journal> journal;
    ASSERT_TRUE(journal::Journal::Open(options, dir_.path() + "/journal", nullptr, &journal).ok());
    const std::byte payload[16] = {};
    uint64_t sequence = 0;
    ASSERT_TRUE(journal->Add(2, payload, &sequence).ok());
    ASSERT_TRUE(journal->Commit().ok());
  }
  std::unique_ptr<Engine> engine;
  const Status status = Engine::Open(SmallOptions(), dir_.path(), &engine);
  EXPECT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find("holds 2 transactions"), std::string_view::npos)
      << status.ToString();
}

TEST_F(EngineTest, AfterCloseWritesFailAtOnceAndReadsSayClosed) {
  OpenEngine(SmallOptions());
  ASSERT_TRUE(engine_->Close().ok());
  ASSERT_TRUE(engine_->Close().ok()) << "Close is idempotent";
  WriteBatch batch;
  batch.Put("k", "v");
  Token token = engine_->Submit(batch);
  EXPECT_TRUE(token.resolved());
  EXPECT_TRUE(token.status().IsAborted());
  EXPECT_TRUE(engine_->Claim(1).status().IsAborted());
  std::string value;
  EXPECT_TRUE(engine_->Get("k", &value).IsAborted());
  EXPECT_FALSE(engine_->Info().writable);
}

TEST_F(EngineTest, CloseRacingWithProducersResolvesEveryToken) {
  OpenEngine(SmallOptions());
  std::atomic<int> ok{0};
  std::atomic<int> aborted{0};
  std::atomic<int> other{0};
  std::vector<std::thread> producers;
  for (int thread = 0; thread < 4; ++thread) {
    producers.emplace_back([&, thread] {
      for (int i = 0; i < 2000; ++i) {
        WriteBatch batch;
        batch.Put("t" + std::to_string(thread) + "-" + std::to_string(i), "v");
        const Status status = engine_->Write(batch);
        (status.ok() ? ok : status.IsAborted() ? aborted : other).fetch_add(1);
        if (status.IsAborted()) {
          return;
        }
      }
    });
  }
  while (ok.load() < 100) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(engine_->Close().ok());
  for (std::thread& producer : producers) {
    producer.join();
  }
  EXPECT_EQ(other.load(), 0);
  const int acknowledged = ok.load();
  engine_.reset();
  OpenEngine(options_);
  int present = 0;
  auto iterator = engine_->NewIterator();
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    ++present;
  }
  EXPECT_GE(present, acknowledged) << "every acknowledged write survives Close";
}

TEST_F(EngineTest, CheckpointRetiresTheJournalAndReopenStillHasEverything) {
  Options options = SmallOptions();
  options.checkpoint_journal_bytes = 1 << 20;
  OpenEngine(options);
  const std::string value(1000, 'c');
  for (int i = 0; i < 3000; ++i) {
    WriteBatch batch;
    batch.Put("c" + std::to_string(i), value);
    Token token = engine_->Submit(batch);
    if (i % 64 == 63) {
      ASSERT_TRUE(token.Wait().ok());
    }
  }
  // The checkpoint runs in the background: wait for it (bounded generously, so a slow machine
  // does not fail the test), then commit once more so the journaler retires what it covers.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (engine_->Info().checkpoint_sequence == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(engine_->Stats().checkpoints, 1u);
  const uint64_t covered = engine_->Info().checkpoint_sequence;
  ASSERT_GT(covered, 0u);
  // Retirement happens on the journaler's thread between groups, after a commit: keep
  // committing until it shows (bounded as above).
  WriteBatch last;
  last.Put("last", "1");
  ASSERT_TRUE(engine_->Write(last).ok());
  while (engine_->Info().segments.front().first_sequence == 1 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(engine_->Write(last).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GT(engine_->Info().segments.front().first_sequence, 1u)
      << "the segments below the checkpoint were retired";
  engine_.reset();  // Destructor closes.
  OpenEngine(options);
  EXPECT_EQ(Read("c2999"), value);
  EXPECT_EQ(Read("c0"), value);
  EXPECT_EQ(Read("last"), "1");
}

TEST_F(EngineTest, InfoAndStatsDescribeTheEngine) {
  OpenEngine(SmallOptions());
  for (int i = 0; i < 10; ++i) {
    WriteBatch batch;
    batch.Put("k" + std::to_string(i), "v");
    ASSERT_TRUE(engine_->Write(batch).ok());
  }
  const EngineInfo info = engine_->Info();
  EXPECT_EQ(info.ring_slot_count, options_.ring_slot_count);
  EXPECT_EQ(info.ring_slot_bytes, options_.ring_chunk_count * 32u);
  EXPECT_GE(info.ring_bytes_reserved, info.ring_slot_count * info.ring_slot_bytes);
  EXPECT_EQ(info.journal_head_sequence, 10u);
  EXPECT_EQ(info.durable_sequence, 10u);
  EXPECT_EQ(info.committed_sequence, 10u);
  EXPECT_FALSE(info.segments.empty());
  EXPECT_TRUE(info.writable);
  const EngineStats stats = engine_->Stats();
  EXPECT_EQ(stats.transactions_submitted, 10u);
  EXPECT_EQ(stats.transactions_committed, 10u);
  EXPECT_EQ(stats.group_transactions.sum, 10u);
  EXPECT_GE(stats.journal_groups, 1u);
  EXPECT_EQ(stats.fsync_latency_us.count, stats.journal_groups);
}

}  // namespace
}  // namespace ringdb

namespace ringdb {
namespace {

// Goal: a backup taken while writers keep committing opens cleanly and holds everything that
// was acknowledged before it started. Method: writers run through several backups; each backup is
// opened and checked against the acknowledgements counted before it began.
TEST_F(EngineTest, BackupDuringWritesOpensAndHoldsEveryEarlierAcknowledgement) {
  Options options = SmallOptions();
  options.sync_mode = SyncMode::kFdatasync;
  OpenEngine(options);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      WriteBatch batch;
      batch.Put("w/" + std::to_string(i), std::string(300, 'x'));
      ASSERT_TRUE(engine_->Write(batch).ok());
      acknowledged.store(i + 1);
    }
  });
  for (int round = 0; round < 3; ++round) {
    while (acknowledged.load() < 200 * (round + 1)) {
      std::this_thread::yield();
    }
    const int before = acknowledged.load();
    const std::string target = dir_.path() + "-backup-" + std::to_string(round);
    ASSERT_TRUE(engine_->Backup(target).ok());
    std::unique_ptr<Engine> copy;
    const Status opened = Engine::Open(options, target, &copy);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    std::string value;
    for (int i = 0; i < before; ++i) {
      ASSERT_TRUE(copy->Get("w/" + std::to_string(i), &value).ok())
          << "round " << round << " key " << i;
    }
    copy.reset();
    std::filesystem::remove_all(target);
  }
  stop.store(true);
  writer.join();
  EXPECT_TRUE(engine_->Backup(dir_.path()).IsInvalidArgument()) << "a non-empty target is refused";
}

}  // namespace
}  // namespace ringdb
