// Goal: group commit under many producers. Eight producer threads hand transactions to one
// journaling thread (standing in for the ring) and each waits until its transaction is durable;
// the journaling thread takes everything pending, Adds each, Commits once, and advances the
// durable sequence. Every transaction must be journaled exactly once, in each producer's order,
// durable_sequence must only grow, and groups must form (fewer Commits than transactions).
// Method: a mutex-guarded queue as the ring, condition variables for waiting (no sleeps), the
// in-memory FaultInjectionEnv, and a reopen + replay at the end. Labelled concurrency (TSan).
#include <condition_variable>
#include <cstring>
#include <deque>
#include <thread>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal_test_util.h"

namespace ringdb::journal {
namespace {

struct Item {
  uint32_t producer;
  uint32_t index;
};

TEST(GroupCommitTest, ManyProducersOneJournalingThread) {
  constexpr uint32_t kProducers = 8;
  const uint32_t per_producer = std::getenv("RINGDB_LONG_TESTS") != nullptr ? 20000 : 1500;
  FaultInjectionEnv env;
  JournalOptions options = testing::SmallOptions(&env);
  options.segment_size_bytes_max = 64 << 10;
  options.prewritten_segments = 2;  // The background pre-writer runs beside the journaling thread.
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Journal::Open(options, "/journal", nullptr, &journal).ok());

  std::mutex mutex;
  std::condition_variable pending_changed;
  std::condition_variable durable_changed;
  std::deque<Item> pending;  // Guarded by mutex.
  std::vector<uint64_t>
      sequence_of;  // Guarded by mutex: durable sequence of each item, 0 = not yet.
  sequence_of.assign(kProducers * per_producer, 0);
  bool done = false;
  uint64_t commits = 0;

  std::thread journaling([&] {
    std::vector<Item> group;
    uint64_t last_durable = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        pending_changed.wait(lock, [&] { return done || !pending.empty(); });
        if (pending.empty()) return;
        group.assign(pending.begin(), pending.end());
        pending.clear();
      }
      std::vector<uint64_t> sequences;
      for (const Item& item : group) {
        uint64_t sequence = 0;
        Status status = journal->Add(1, std::as_bytes(std::span(&item, 1)), &sequence);
        if (status.IsBusy()) {
          ASSERT_TRUE(journal->Commit().ok());
          ++commits;
          status = journal->Add(1, std::as_bytes(std::span(&item, 1)), &sequence);
        }
        ASSERT_TRUE(status.ok());
        sequences.push_back(sequence);
      }
      ASSERT_TRUE(journal->Commit().ok());
      ++commits;
      ASSERT_GT(journal->durable_sequence(), last_durable);
      last_durable = journal->durable_sequence();
      {
        std::lock_guard<std::mutex> lock(mutex);
        for (size_t i = 0; i < group.size(); ++i) {
          sequence_of[group[i].producer * per_producer + group[i].index] = sequences[i];
        }
      }
      durable_changed.notify_all();
    }
  });

  std::vector<std::thread> producers;
  for (uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (uint32_t i = 0; i < per_producer; ++i) {
        std::unique_lock<std::mutex> lock(mutex);
        pending.push_back(Item{p, i});
        pending_changed.notify_one();
        const size_t slot = p * per_producer + i;
        durable_changed.wait(lock, [&] { return sequence_of[slot] != 0; });
        EXPECT_LE(sequence_of[slot], journal->durable_sequence());
      }
    });
  }
  for (std::thread& producer : producers) producer.join();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  pending_changed.notify_all();
  journaling.join();

  const uint64_t total = uint64_t{kProducers} * per_producer;
  EXPECT_EQ(journal->durable_sequence(), total);
  EXPECT_LT(commits, total) << "no group ever held more than one transaction";
  std::printf("%llu transactions in %llu commits\n", static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(commits));
  journal.reset();
  ASSERT_TRUE(Journal::Open(options, "/journal", nullptr, &journal).ok());
  std::vector<uint32_t> next_index(kProducers, 0);
  uint64_t replayed = 0;
  ASSERT_TRUE(journal
                  ->Replay(0,
                           [&](const Record& record) {
                             Item item;
                             EXPECT_EQ(record.payload.size(), sizeof(item));
                             std::memcpy(&item, record.payload.data(), sizeof(item));
                             EXPECT_EQ(item.index, next_index[item.producer]++);
                             EXPECT_EQ(record.first_sequence,
                                       sequence_of[item.producer * per_producer + item.index]);
                             ++replayed;
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(replayed, total);
}

}  // namespace
}  // namespace ringdb::journal
