// Goal: every ring operation and every bad input, with both sequencers, single-threaded so each
// outcome is deterministic. Method: a small ring (8 slots of 32 bytes) and one consumer driven
// inline by the test.
#include "ringdb/ring_buffer.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ring_test_util.h"

namespace ringdb {
namespace {

using test::MakeRing;
using test::ReadU64;
using test::SmallOptions;
using test::WriteU64;

class RingBufferTest : public ::testing::TestWithParam<ProducerType> {
 protected:
  void SetUp() override {
    ring_ = MakeRing(SmallOptions(8, GetParam()));
    Result<Consumer*> consumer = ring_->AddConsumer("reader");
    ASSERT_TRUE(consumer.ok());
    reader_ = *consumer;
  }

  Token PublishValues(std::vector<uint64_t> values) {
    Result<ClaimedBatch> batch = ring_->Claim(static_cast<uint32_t>(values.size()));
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    for (uint32_t index = 0; index < values.size(); ++index) {
      WriteU64(batch->slot(index), values[index]);
    }
    return batch->Publish();
  }

  // Consumes everything available; returns the values of non-aborted slots.
  std::vector<uint64_t> Drain() {
    std::vector<uint64_t> values;
    const uint64_t next = reader_->sequence() + 1;
    const uint64_t available = reader_->Available();
    for (uint64_t sequence = next; sequence <= available; ++sequence) {
      if (!reader_->meta(sequence).aborted) {
        values.push_back(ReadU64(reader_->slot(sequence)));
      }
    }
    if (available >= next) {
      reader_->Release(available);
    }
    return values;
  }

  std::unique_ptr<RingBuffer> ring_;
  Consumer* reader_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Producers, RingBufferTest,
                         ::testing::Values(ProducerType::kSingle, ProducerType::kMulti));

TEST_P(RingBufferTest, ClaimFillPublishConsume) {
  EXPECT_EQ(ring_->slot_count(), 8u);
  EXPECT_EQ(ring_->slot_size_bytes(), 32u);
  Result<ClaimedBatch> batch = ring_->Claim(3);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->first_sequence(), 1u);
  EXPECT_EQ(batch->last_sequence(), 3u);
  EXPECT_EQ(batch->slot_count(), 3u);
  EXPECT_EQ(batch->slot_size_bytes(), 32u);
  EXPECT_EQ(batch->slot(0).size(), 32u);
  EXPECT_TRUE(batch->active());
  EXPECT_EQ(reader_->Available(), 0u);  // Claimed is not published.
  for (uint32_t index = 0; index < 3; ++index) {
    WriteU64(batch->slot(index), 100 + index);
  }
  Token token = batch->Publish();
  EXPECT_FALSE(batch->active());
  EXPECT_EQ(token.sequence(), 3u);
  EXPECT_FALSE(token.resolved());
  EXPECT_TRUE(token.status().IsBusy());
  Result<uint64_t> available = reader_->WaitFor(1);
  ASSERT_TRUE(available.ok());
  EXPECT_EQ(*available, 3u);
  for (uint64_t sequence = 1; sequence <= 3; ++sequence) {
    const SlotMeta meta = reader_->meta(sequence);
    EXPECT_EQ(meta.batch_slot_count, 3u);
    EXPECT_EQ(meta.index_in_batch, sequence - 1);
    EXPECT_FALSE(meta.aborted);
    EXPECT_EQ(meta.batch_begin(), sequence == 1);
    EXPECT_EQ(meta.batch_end(), sequence == 3);
    EXPECT_EQ(ReadU64(reader_->slot(sequence)), 99 + sequence);
  }
  reader_->Release(3);
  EXPECT_EQ(reader_->sequence(), 3u);
  EXPECT_TRUE(token.resolved());
  EXPECT_TRUE(token.Wait().ok());
  EXPECT_TRUE(token.status().ok());
}

TEST_P(RingBufferTest, BadClaimSizesAreInvalidArgument) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  EXPECT_TRUE(ring_->Claim(0).status().IsInvalidArgument());
  EXPECT_TRUE(ring_->Claim(9).status().IsInvalidArgument());
  EXPECT_TRUE(ring_->TryClaim(0).status().IsInvalidArgument());
  EXPECT_TRUE(ring_->TryClaim(9).status().IsInvalidArgument());
  EXPECT_TRUE(ring_->Claim(0, deadline).status().IsInvalidArgument());
  EXPECT_TRUE(ring_->Claim(9, deadline).status().IsInvalidArgument());
  EXPECT_TRUE(ring_->Claim(8).ok());  // The whole ring is a valid claim (aborted on scope exit).
}

TEST_P(RingBufferTest, FullRingTryClaimIsBusyAndDeadlineTimesOut) {
  Token token = PublishValues({1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(ring_->TryClaim(2).ok());  // Exactly full once this (aborted) batch is out.
  Result<ClaimedBatch> busy = ring_->TryClaim(1);
  EXPECT_TRUE(busy.status().IsBusy()) << busy.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  Result<ClaimedBatch> timed_out = ring_->Claim(1, deadline);
  EXPECT_TRUE(timed_out.status().IsTimedOut()) << timed_out.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  EXPECT_EQ(Drain(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(token.resolved());
  EXPECT_TRUE(ring_->TryClaim(8).ok());  // Everything released: the whole ring is free again.
}

TEST_P(RingBufferTest, BatchesWrapAroundTheRingEnd) {
  // Advance to sequence 6, so a batch of 5 (sequences 7..11) covers slots 7,0,1,2,3.
  PublishValues({1, 2, 3, 4, 5, 6});
  Drain();
  Result<ClaimedBatch> batch = ring_->Claim(5);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->first_sequence(), 7u);
  EXPECT_EQ(batch->slot(0).data() + 32, batch->slot(1).data() + 8 * 32);  // Wrapped.
  for (uint32_t index = 0; index < 5; ++index) {
    WriteU64(batch->slot(index), 70 + index);
  }
  Token token = batch->Publish();
  EXPECT_EQ(Drain(), (std::vector<uint64_t>{70, 71, 72, 73, 74}));
  EXPECT_TRUE(token.Wait().ok());
  // Many laps, with sizes that do not divide the ring.
  for (uint64_t lap = 0; lap < 100; ++lap) {
    PublishValues({lap, lap + 1, lap + 2});
    EXPECT_EQ(Drain(), (std::vector<uint64_t>{lap, lap + 1, lap + 2}));
  }
}

TEST_P(RingBufferTest, AbortedBatchIsSkippedWithoutAHole) {
  PublishValues({1});
  {
    Result<ClaimedBatch> batch = ring_->Claim(2);
    ASSERT_TRUE(batch.ok());
    batch->Abort();
    EXPECT_FALSE(batch->active());
  }
  { Result<ClaimedBatch> forgotten = ring_->Claim(1); }  // The destructor aborts it.
  PublishValues({4});
  EXPECT_EQ(reader_->Available(), 5u);
  EXPECT_TRUE(reader_->meta(2).aborted);
  EXPECT_TRUE(reader_->meta(3).aborted);
  EXPECT_TRUE(reader_->meta(4).aborted);
  EXPECT_EQ(reader_->meta(2).batch_slot_count, 2u);
  EXPECT_EQ(Drain(), (std::vector<uint64_t>{1, 4}));
}

TEST_P(RingBufferTest, MovedBatchIsPublishedOnce) {
  Result<ClaimedBatch> claimed = ring_->Claim(1);
  ASSERT_TRUE(claimed.ok());
  ClaimedBatch batch = std::move(*claimed);
  EXPECT_FALSE(claimed->active());
  WriteU64(batch.slot(0), 42);
  ClaimedBatch assigned = std::move(batch);
  Token token = assigned.Publish();
  EXPECT_EQ(Drain(), (std::vector<uint64_t>{42}));
  EXPECT_TRUE(token.Wait().ok());
}

TEST_P(RingBufferTest, ConsumerWaitUntilTimesOutWhenNothingArrives) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  Result<uint64_t> available = reader_->WaitUntil(1, deadline);
  EXPECT_TRUE(available.status().IsTimedOut());
  EXPECT_EQ(reader_->Available(), 0u);
}

TEST_P(RingBufferTest, AddConsumerAfterTheFirstClaimIsRejected) {
  PublishValues({1});
  EXPECT_TRUE(ring_->AddConsumer("late").status().IsInvalidArgument());
}

TEST_P(RingBufferTest, InfoDescribesThePartitioning) {
  PublishValues({1, 2, 3});
  Result<ClaimedBatch> open = ring_->Claim(2);
  RingInfo info = ring_->Info();
  EXPECT_EQ(info.slot_count, 8u);
  EXPECT_EQ(info.slot_size_bytes, 32u);
  EXPECT_GE(info.bytes_reserved, 8u * 32u);
  EXPECT_EQ(info.cursor, 5u);
  EXPECT_EQ(info.published_sequence, 3u);
  EXPECT_EQ(info.gating_sequence, 0u);
  EXPECT_EQ(info.free_slot_count, 3u);
  EXPECT_FALSE(info.closed);
  ASSERT_EQ(info.consumers.size(), 1u);
  EXPECT_EQ(info.consumers[0].name, "reader");
  EXPECT_TRUE(info.consumers[0].terminal);
  Drain();
  info = ring_->Info();
  EXPECT_EQ(info.consumers[0].sequence, 3u);
  EXPECT_EQ(info.free_slot_count, 6u);
}

// As Engine::Open: a null out-parameter is InvalidArgument naming it, never a crash.
TEST(RingBufferCreateTest, NullOutParameterIsInvalidArgument) {
  Status created = RingBuffer::Create(test::SmallOptions(8), nullptr);
  EXPECT_TRUE(created.IsInvalidArgument()) << created.ToString();
  EXPECT_NE(created.ToString().find("ring out-parameter is null"), std::string::npos)
      << created.ToString();
}

TEST(RingBufferNoConsumerTest, ClaimWithoutConsumersIsInvalidArgument) {
  auto ring = MakeRing(test::SmallOptions(8));
  EXPECT_TRUE(ring->Claim(1).status().IsInvalidArgument());
}

TEST(RingBufferNoConsumerTest, ConsumerNamesAndDependenciesAreChecked) {
  auto ring = MakeRing(test::SmallOptions(8));
  auto other = MakeRing(test::SmallOptions(8));
  EXPECT_TRUE(ring->AddConsumer("").status().IsInvalidArgument());
  Result<Consumer*> a = ring->AddConsumer("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->name(), "a");
  EXPECT_TRUE(ring->AddConsumer("a").status().IsInvalidArgument());
  Result<Consumer*> foreign = other->AddConsumer("x");
  ASSERT_TRUE(foreign.ok());
  Consumer* foreign_list[] = {*foreign};
  EXPECT_TRUE(ring->AddConsumer("b", foreign_list).status().IsInvalidArgument());
  Consumer* null_list[] = {nullptr};
  EXPECT_TRUE(ring->AddConsumer("c", null_list).status().IsInvalidArgument());
}

TEST(RingBufferWaitStrategyTest, EveryStrategyDeliversAndTimesOut) {
  for (WaitStrategy kind :
       {WaitStrategy::kSpinThenPark, WaitStrategy::kBusySpin, WaitStrategy::kYielding,
        WaitStrategy::kSleeping, WaitStrategy::kBlocking}) {
    RingOptions options = test::SmallOptions(4);
    options.wait_strategy = kind;
    options.spin_count = 10;
    auto ring = MakeRing(options);
    Consumer* reader = *ring->AddConsumer("reader");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
    EXPECT_TRUE(reader->WaitUntil(1, deadline).status().IsTimedOut());
    Token token = ring->Claim(4)->Publish();
    deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
    EXPECT_TRUE(ring->Claim(1, deadline).status().IsTimedOut());
    EXPECT_TRUE(token.WaitFor(std::chrono::milliseconds(5)).IsTimedOut());
    ASSERT_EQ(*reader->WaitFor(1), 4u);
    reader->Release(4);
    EXPECT_TRUE(token.Wait().ok());
  }
}

}  // namespace
}  // namespace ringdb
