// Goal: a single-producer claim that loses the race to Close (so it becomes an abort) while the
// producer still holds an earlier batch is published right after that batch, never before it
// (which would expose the held batch unpublished). Method: drive the sequencer directly, in the
// order the race would produce, since the race itself cannot be scheduled from outside.
#include "ringbuffer/single_producer_sequencer.h"

#include <gtest/gtest.h>

#include "ringbuffer/ring_core.h"

namespace ringdb::internal {
namespace {

TEST(SingleProducerSequencerTest, ClosedClaimBehindAHeldBatchWaitsForIt) {
  RingOptions options;
  options.slot_count = 8;
  options.chunk_count = 1;
  options.producer_type = ProducerType::kSingle;
  RingCore ring(options);
  SingleProducerSequencer sequencer(ring, 8);
  uint64_t held = 0;
  uint64_t closed_claim = 0;
  ASSERT_TRUE(sequencer.Claim(2, ClaimMode::kTry, kNoDeadline, &held).ok());
  ASSERT_TRUE(sequencer.Claim(3, ClaimMode::kTry, kNoDeadline, &closed_claim).ok());
  EXPECT_EQ(held, 1u);
  EXPECT_EQ(closed_claim, 3u);
  sequencer.PublishClosedClaim(3, 5);
  EXPECT_EQ(sequencer.HighestPublished(0), 0u);  // Deferred: batch 1..2 is still held.
  sequencer.Publish(1, 2);
  EXPECT_EQ(sequencer.HighestPublished(0), 5u);  // Both, in order.
  EXPECT_EQ(sequencer.claimed(), 5u);
}

TEST(SingleProducerSequencerTest, ClosedClaimInOrderPublishesAtOnce) {
  RingOptions options;
  options.slot_count = 8;
  options.chunk_count = 1;
  options.producer_type = ProducerType::kSingle;
  RingCore ring(options);
  SingleProducerSequencer sequencer(ring, 8);
  uint64_t first = 0;
  ASSERT_TRUE(sequencer.Claim(4, ClaimMode::kTry, kNoDeadline, &first).ok());
  sequencer.PublishClosedClaim(first, 4);
  EXPECT_EQ(sequencer.HighestPublished(0), 4u);
}

}  // namespace
}  // namespace ringdb::internal
