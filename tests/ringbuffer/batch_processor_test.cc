// Goal: a BatchProcessor delivers every published slot once, in order, skips aborted batches,
// turns a handler error (or exception) into a failed token and keeps going, and stops when the
// ring is closed and drained. Method: a journal -> applier pipeline of two processors.
#include "ringdb/batch_processor.h"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "ring_test_util.h"

namespace ringdb {
namespace {

TEST(BatchProcessorTest, PipelineDeliversFailsAndDrains) {
  RingOptions options = test::SmallOptions(8, ProducerType::kMulti);
  auto ring = test::MakeRing(options);
  std::vector<uint64_t> journaled;
  std::vector<uint64_t> applied;
  uint64_t end_of_batch_count = 0;
  std::unique_ptr<BatchProcessor> journal;
  Status started = BatchProcessor::Start(
      *ring, "journal",
      [&](uint64_t, std::span<const std::byte> data, const SlotMeta&, bool end_of_batch) {
        journaled.push_back(test::ReadU64(data));
        end_of_batch_count += end_of_batch ? 1 : 0;
        return Status::OK();
      },
      &journal);
  ASSERT_TRUE(started.ok()) << started.ToString();
  Consumer* after_journal[] = {journal->consumer()};
  std::unique_ptr<BatchProcessor> applier;
  started = BatchProcessor::Start(
      *ring, "applier",
      [&](uint64_t, std::span<const std::byte> data, const SlotMeta&, bool) -> Status {
        const uint64_t value = test::ReadU64(data);
        if (value == 13) {
          return Status::Conflict("unlucky");
        }
        if (value == 21) {
          throw std::runtime_error("boom");
        }
        applied.push_back(value);
        return Status::OK();
      },
      after_journal, &applier);
  ASSERT_TRUE(started.ok()) << started.ToString();

  std::vector<Token> tokens;
  for (uint64_t batch_index = 0; batch_index < 10; ++batch_index) {
    Result<ClaimedBatch> batch = ring->Claim(3);
    ASSERT_TRUE(batch.ok());
    for (uint32_t index = 0; index < 3; ++index) {
      test::WriteU64(batch->slot(index), batch_index * 3 + index);
    }
    if (batch_index == 5) {
      batch->Abort();  // Values 15..17 never reach a handler.
      tokens.emplace_back();
    } else {
      tokens.push_back(batch->Publish());
    }
  }
  for (uint64_t batch_index = 0; batch_index < 10; ++batch_index) {
    if (batch_index == 5) {
      continue;
    }
    Status outcome = tokens[batch_index].Wait();
    if (batch_index == 4) {
      EXPECT_TRUE(outcome.IsConflict()) << outcome.ToString();  // Holds 12, 13, 14.
    } else if (batch_index == 7) {
      EXPECT_TRUE(outcome.IsUnknown()) << outcome.ToString();  // Holds 21, 22, 23.
    } else {
      EXPECT_TRUE(outcome.ok()) << outcome.ToString();
    }
  }
  ring->Close();
  journal->Join();
  applier->Join();
  EXPECT_EQ(journaled.size(), 27u);
  EXPECT_GE(end_of_batch_count, 1u);
  std::vector<uint64_t> expected;
  for (uint64_t value = 0; value < 30; ++value) {
    if ((value >= 15 && value <= 17) || value == 21) {  // Aborted, or threw.
      continue;
    }
    if (value == 13 || value == 14 || value == 22 || value == 23) {
      continue;  // The rest of a failed batch is skipped.
    }
    expected.push_back(value);
  }
  EXPECT_EQ(applied, expected);
  EXPECT_EQ(applier->failed_batch_count(), 2u);
}

TEST(BatchProcessorTest, EmptyHandlerIsRejectedAndHaltStops) {
  auto ring = test::MakeRing(test::SmallOptions(8));
  std::unique_ptr<BatchProcessor> none;
  EXPECT_TRUE(BatchProcessor::Start(*ring, "none", nullptr, &none).IsInvalidArgument());
  EXPECT_EQ(none, nullptr);
  std::unique_ptr<BatchProcessor> idle;
  Status started = BatchProcessor::Start(
      *ring, "idle",
      [](uint64_t, std::span<const std::byte>, const SlotMeta&, bool) { return Status::OK(); },
      &idle);
  ASSERT_TRUE(started.ok()) << started.ToString();
  idle->Halt();
  idle->Join();
  EXPECT_FALSE(ring->closed());
}

// Factories hand their object through an out-parameter; a null one is a caller's mistake that
// must come back as InvalidArgument naming the parameter, not a crash, and must create nothing
// (the consumer a processor would add is not added).
TEST(BatchProcessorTest, NullOutParameterIsInvalidArgument) {
  auto ring = test::MakeRing(test::SmallOptions(8));
  Status started = BatchProcessor::Start(
      *ring, "orphan",
      [](uint64_t, std::span<const std::byte>, const SlotMeta&, bool) { return Status::OK(); },
      nullptr);
  EXPECT_TRUE(started.IsInvalidArgument()) << started.ToString();
  EXPECT_NE(started.ToString().find("processor out-parameter is null"), std::string::npos)
      << started.ToString();
  EXPECT_TRUE(ring->Info().consumers.empty());
}

}  // namespace
}  // namespace ringdb
