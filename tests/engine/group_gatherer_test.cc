// Goal: the journaler's group gathering waits for exactly the transactions it expects (the last
// group's writers, plus those that arrived during its sync), never past its deadline, and stops
// gathering for a while after a wait that did not pay. Method: a real ring whose batches are
// published by the test itself, so each outcome is decided by what was published, not by timing:
// a wait that cannot fill simply reaches its deadline.
#include "engine/group_gatherer.h"

#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "ringdb/ring_buffer.h"

namespace ringdb {
namespace {

class GroupGathererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RingOptions options;
    options.slot_count = 64;
    ASSERT_TRUE(RingBuffer::Create(options, &ring_).ok());
    consumer_ = *ring_->AddConsumer("journaler");
  }
  // Publishes one transaction of `slots` slots; returns its last sequence.
  uint64_t Publish(uint32_t slots) {
    Result<ClaimedBatch> batch = ring_->Claim(slots);
    EXPECT_TRUE(batch.ok());
    const uint64_t last = batch->last_sequence();
    (void)batch->Publish();
    return last;
  }
  // Takes the group as the journaler does, and reports it done after `duration`.
  uint64_t TakeGroup(GroupGatherer* gatherer, uint64_t next, std::chrono::nanoseconds duration) {
    Result<uint64_t> available = gatherer->Next(next);
    EXPECT_TRUE(available.ok());
    gatherer->GroupDone(next, *available, duration);
    consumer_->Release(*available);
    return *available;
  }

  std::unique_ptr<RingBuffer> ring_;
  Consumer* consumer_ = nullptr;
};

constexpr std::chrono::milliseconds kSync{2};  // Budget: half of it, 1 ms.

TEST_F(GroupGathererTest, WaitsForTheLastGroupsWritersAndThoseThatArrivedDuringItsSync) {
  // A budget no machine's thread start can exceed: the wait ends when the group fills.
  GroupGatherer gatherer(consumer_, std::chrono::seconds(60));
  Publish(2);
  Publish(3);  // A group of two transactions.
  Result<uint64_t> first = gatherer.Next(1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(*first, 5u);
  Publish(1);  // Arrives "during the sync".
  gatherer.GroupDone(1, 5, std::chrono::seconds(120));
  consumer_->Release(5);
  // Expected: 2 + 1 transactions. Two are published from another thread once it waits (the
  // writers start only then, so the outcome does not depend on which thread runs first).
  std::thread writers([&] {
    while (gatherer.waits() == 0) {
      std::this_thread::yield();
    }
    Publish(2);
    Publish(4);
  });
  Result<uint64_t> second = gatherer.Next(6);
  writers.join();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 12u);  // 6 (1 slot) + 7..8 + 9..12: all three transactions.
  EXPECT_EQ(gatherer.waits(), 1u);
  EXPECT_EQ(gatherer.misses(), 0u);
}

TEST_F(GroupGathererTest, AWaitThatCannotFillEndsAtItsDeadlineWithWhatIsThere) {
  GroupGatherer gatherer(consumer_);
  Publish(1);
  Publish(1);
  Publish(1);
  const uint64_t next = TakeGroup(&gatherer, 1, kSync) + 1;  // Three expected next time.
  Publish(2);  // Only one comes: the wait reaches its deadline and takes what is there.
  Result<uint64_t> group = gatherer.Next(next);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(*group, next + 1);
  EXPECT_EQ(gatherer.waits(), 1u);
  EXPECT_EQ(gatherer.misses(), 1u);
}

TEST_F(GroupGathererTest, LargeGroupsAreNotWaitedFor) {
  GroupGatherer gatherer(consumer_, std::chrono::seconds(60));
  const uint64_t count = GroupGatherer::kExpectedTransactionsMax + 1;
  for (uint64_t index = 0; index < count; ++index) {
    Publish(1);
  }
  const uint64_t next = TakeGroup(&gatherer, 1, std::chrono::seconds(120)) + 1;
  Publish(1);  // Would wait up to the 60 s budget for 32 more if large groups were gathered.
  Result<uint64_t> group = gatherer.Next(next);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(*group, next);
  EXPECT_EQ(gatherer.waits(), 0u);
}

TEST_F(GroupGathererTest, ASingleWriterIsNeverMadeToWait) {
  GroupGatherer gatherer(consumer_);
  uint64_t next = 1;
  for (int round = 0; round < 20; ++round) {
    Publish(1 + round % 3);  // Sizes vary: the gatherer counts transactions, not slots.
    next = TakeGroup(&gatherer, next, kSync) + 1;
  }
  EXPECT_EQ(gatherer.waits(), 0u);
}

TEST_F(GroupGathererTest, CloseEndsAWaitAndThenTheDrain) {
  GroupGatherer gatherer(consumer_);
  Publish(1);
  Publish(1);
  const uint64_t next = TakeGroup(&gatherer, 1, std::chrono::hours(1)) + 1;  // Budget: 1 ms.
  Publish(1);
  ring_->Close();
  Result<uint64_t> group = gatherer.Next(next);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(*group, next);
  consumer_->Release(*group);
  EXPECT_TRUE(gatherer.Next(next + 1).status().IsAborted());
}

}  // namespace
}  // namespace ringdb
