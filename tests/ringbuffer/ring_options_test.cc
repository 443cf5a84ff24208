// Goal: every rejected option value is refused with InvalidArgument naming its field, and nothing
// is clamped. Method: one bad field at a time on top of the defaults.
#include <gtest/gtest.h>

#include "ringdb/ring_buffer.h"

namespace ringdb {
namespace {

void ExpectRejected(const RingOptions& options, const char* field) {
  Status status = options.Validate();
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_NE(status.message().find(field), std::string_view::npos) << status.ToString();
  std::unique_ptr<RingBuffer> ring;
  EXPECT_TRUE(RingBuffer::Create(options, &ring).IsInvalidArgument());
  EXPECT_EQ(ring, nullptr);
}

TEST(RingOptionsTest, DefaultsAreValid) {
  RingOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.slot_count, 4096u);
  EXPECT_EQ(options.chunk_count, 4u);
  EXPECT_EQ(options.producer_type, ProducerType::kMulti);
  EXPECT_EQ(options.wait_strategy, WaitStrategy::kSpinThenPark);
  EXPECT_EQ(options.park_fence, ParkFence::kMembarrier);
  EXPECT_EQ(options.spin_count, kRingSpinCountDefault);
  EXPECT_EQ(options.yield_count, 0u);
}

TEST(RingOptionsTest, SlotCountMustBeAPowerOfTwo) {
  for (uint64_t bad : {uint64_t{0}, uint64_t{3}, uint64_t{1000}, uint64_t{4097}}) {
    RingOptions options;
    options.slot_count = bad;
    ExpectRejected(options, "slot_count");
  }
  RingOptions too_big;
  too_big.slot_count = kRingSlotCountMax * 2;
  too_big.chunk_count = 1;
  ExpectRejected(too_big, "slot_count");
}

TEST(RingOptionsTest, ChunkCountMustBeInRange) {
  RingOptions zero;
  zero.chunk_count = 0;
  ExpectRejected(zero, "chunk_count");
  RingOptions huge;
  huge.chunk_count = kRingChunkCountMax + 1;
  ExpectRejected(huge, "chunk_count");
}

TEST(RingOptionsTest, TotalBytesAreBounded) {
  RingOptions options;
  options.slot_count = uint64_t{1} << 24;
  options.chunk_count = kRingChunkCountMax;
  ExpectRejected(options, "chunk_count");  // The message names slot_count * chunk_count.
}

TEST(RingOptionsTest, EnumsAndWaitCountsAreChecked) {
  RingOptions producer;
  producer.producer_type = static_cast<ProducerType>(7);
  ExpectRejected(producer, "producer_type");
  RingOptions wait;
  wait.wait_strategy = static_cast<WaitStrategy>(9);
  ExpectRejected(wait, "wait_strategy");
  RingOptions fence;
  fence.park_fence = static_cast<ParkFence>(5);
  ExpectRejected(fence, "park_fence");
  RingOptions spin;
  spin.spin_count = kRingSpinCountMax + 1;
  ExpectRejected(spin, "spin_count");
  RingOptions yield;
  yield.yield_count = kRingYieldCountMax + 1;
  ExpectRejected(yield, "yield_count");
  yield.yield_count = kRingYieldCountMax;
  EXPECT_TRUE(yield.Validate().ok());
}

TEST(RingOptionsTest, SizeLevelsAreSugarForPowersOfTwo) {
  for (RingSizeLevel level : {RingSizeLevel::kTiny, RingSizeLevel::kSmall, RingSizeLevel::kMedium,
                              RingSizeLevel::kLarge}) {
    RingOptions options;
    options.slot_count = SlotCountOf(level);
    options.chunk_count = 1;
    EXPECT_TRUE(options.Validate().ok());
  }
  EXPECT_EQ(SlotCountOf(RingSizeLevel::kSmall), RingOptions{}.slot_count);
}

TEST(RingOptionsTest, OneSlotRingIsAccepted) {
  RingOptions options;
  options.slot_count = 1;
  EXPECT_TRUE(options.Validate().ok());
}

}  // namespace
}  // namespace ringdb
