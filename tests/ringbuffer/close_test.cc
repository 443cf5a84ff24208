// Goal: Close is a way out for every waiter: blocked producers get Aborted, waiting consumers
// drain what was claimed before Close and then get Aborted, a batch published after Close arrives
// as an abort with a failed token. Method: the outcome of each scenario is the same whatever the
// interleaving (no sleeps decide it); threads block in Claim/WaitFor, and the test closes.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ring_test_util.h"

namespace ringdb {
namespace {

class CloseTest : public ::testing::TestWithParam<WaitStrategy> {
 protected:
  std::unique_ptr<RingBuffer> MakeRing(ProducerType type) {
    RingOptions options = test::SmallOptions(4, type);
    options.wait_strategy = GetParam();
    options.spin_count = 50;
    // kSpinThenPark parks right after the spin: these tests are about parking.
    options.yield_count = 0;
    return test::MakeRing(options);
  }
};

INSTANTIATE_TEST_SUITE_P(Strategies, CloseTest,
                         ::testing::Values(WaitStrategy::kSpinThenPark, WaitStrategy::kBlocking,
                                           WaitStrategy::kYielding, WaitStrategy::kSleeping));

TEST_P(CloseTest, CloseWakesBlockedProducersWithAborted) {
  auto ring = MakeRing(ProducerType::kMulti);
  Consumer* reader = *ring->AddConsumer("reader");
  Token full = ring->Claim(4)->Publish();
  std::atomic<int> aborted{0};
  std::vector<std::thread> producers;
  for (int index = 0; index < 2; ++index) {
    producers.emplace_back([&] {
      Result<ClaimedBatch> batch = ring->Claim(1);  // No room: blocks until Close.
      aborted += batch.status().IsAborted() ? 1 : 0;
    });
  }
  ring->Close();
  for (auto& producer : producers) {
    producer.join();
  }
  EXPECT_EQ(aborted.load(), 2);
  EXPECT_TRUE(ring->closed());
  EXPECT_TRUE(ring->Info().closed);
  EXPECT_TRUE(ring->Claim(1).status().IsAborted());
  EXPECT_TRUE(ring->TryClaim(1).status().IsAborted());
  // The batch published before Close still drains and resolves.
  EXPECT_EQ(*reader->WaitFor(1), 4u);
  reader->Release(4);
  EXPECT_TRUE(full.Wait().ok());
  EXPECT_TRUE(reader->WaitFor(5).status().IsAborted());
}

TEST_P(CloseTest, CloseWakesWaitingConsumersAfterTheyDrain) {
  auto ring = MakeRing(ProducerType::kSingle);
  Consumer* reader = *ring->AddConsumer("reader");
  Consumer* after_reader[] = {reader};
  Consumer* follower = *ring->AddConsumer("follower", after_reader);
  Token token = ring->Claim(2)->Publish();
  std::vector<uint64_t> follower_seen;
  std::thread follower_thread([&] {
    uint64_t next = 1;
    for (;;) {
      Result<uint64_t> available = follower->WaitFor(next);
      if (!available.ok()) {
        EXPECT_TRUE(available.status().IsAborted());
        return;
      }
      follower_seen.push_back(*available);
      follower->Release(*available);
      next = *available + 1;
    }
  });
  std::thread reader_thread([&] {
    Result<uint64_t> first = reader->WaitFor(1);
    ASSERT_TRUE(first.ok());
    reader->Release(*first);
    EXPECT_TRUE(reader->WaitFor(*first + 1).status().IsAborted());  // Blocks until Close.
  });
  ring->Close();
  reader_thread.join();
  follower_thread.join();
  ASSERT_FALSE(follower_seen.empty());
  EXPECT_EQ(follower_seen.back(), 2u);
  EXPECT_TRUE(token.Wait().ok());
}

TEST_P(CloseTest, PublishAfterCloseBecomesAnAbortThatConsumersDrain) {
  auto ring = MakeRing(ProducerType::kMulti);
  Consumer* reader = *ring->AddConsumer("reader");
  Result<ClaimedBatch> batch = ring->Claim(2);
  ASSERT_TRUE(batch.ok());
  std::thread reader_thread([&] {
    // The outstanding claim was made before Close, so the consumer waits for it.
    Result<uint64_t> available = reader->WaitFor(1);
    ASSERT_TRUE(available.ok());
    EXPECT_EQ(*available, 2u);
    EXPECT_TRUE(reader->meta(1).aborted);
    EXPECT_TRUE(reader->meta(2).aborted);
    reader->Release(*available);
    EXPECT_TRUE(reader->WaitFor(3).status().IsAborted());
  });
  ring->Close();
  ring->Close();  // Idempotent.
  Token token = batch->Publish();
  EXPECT_TRUE(token.resolved());
  EXPECT_TRUE(token.Wait().IsAborted());
  reader_thread.join();
}

TEST_P(CloseTest, InterruptStopsOneConsumerWithoutClosing) {
  auto ring = MakeRing(ProducerType::kMulti);
  Consumer* reader = *ring->AddConsumer("reader");
  std::thread reader_thread([&] { EXPECT_TRUE(reader->WaitFor(1).status().IsAborted()); });
  reader->Interrupt();
  reader_thread.join();
  EXPECT_FALSE(ring->closed());
}

TEST_P(CloseTest, ParkedTokenWaiterIsWokenByTheRelease) {
  auto ring = MakeRing(ProducerType::kSingle);
  Consumer* reader = *ring->AddConsumer("reader");
  Token token = ring->Claim(1)->Publish();
  std::thread waiter([&] { EXPECT_TRUE(token.Wait().ok()); });
  std::thread consumer([&] { reader->Release(*reader->WaitFor(1)); });
  consumer.join();
  waiter.join();
}

}  // namespace
}  // namespace ringdb
