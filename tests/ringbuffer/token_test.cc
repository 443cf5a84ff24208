// Goal: a token's every state (empty, Failed, pending, resolved OK, failed by a consumer, failure
// recycled) reads correctly, and success is never reported for a failed batch, even after its
// slot was reused. Method: a 4-slot ring driven on one thread.
#include "ringdb/token.h"

#include <gtest/gtest.h>

#include "ring_test_util.h"

namespace ringdb {
namespace {

TEST(TokenTest, EmptyTokenIsInvalid) {
  Token token;
  EXPECT_EQ(token.sequence(), 0u);
  EXPECT_FALSE(token.resolved());
  EXPECT_TRUE(token.status().IsInvalidArgument());
  EXPECT_TRUE(token.Wait().IsInvalidArgument());
  EXPECT_TRUE(token.WaitFor(std::chrono::milliseconds(1)).IsInvalidArgument());
}

TEST(TokenTest, FailedTokenIsResolvedWithItsStatus) {
  Token token = Token::Failed(Status::IOError("disk"));
  Token copy = token;
  EXPECT_EQ(copy.sequence(), 0u);
  EXPECT_TRUE(copy.resolved());
  EXPECT_TRUE(copy.status().IsIOError());
  EXPECT_TRUE(copy.Wait().IsIOError());
  EXPECT_TRUE(copy.WaitUntil(std::chrono::steady_clock::now()).IsIOError());
}

class TokenRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ring_ = test::MakeRing(test::SmallOptions(4));
    reader_ = *ring_->AddConsumer("reader");
  }
  Token PublishOne() { return ring_->Claim(1)->Publish(); }
  void Consume(uint64_t failed_sequence = 0) {
    const uint64_t available = *reader_->WaitFor(reader_->sequence() + 1);
    if (failed_sequence != 0) {
      reader_->Fail(failed_sequence, Status::Conflict("failed " + std::to_string(failed_sequence)));
    }
    reader_->Release(available);
  }
  std::unique_ptr<RingBuffer> ring_;
  Consumer* reader_ = nullptr;
};

TEST_F(TokenRingTest, PendingTokenTimesOut) {
  Token token = PublishOne();
  EXPECT_TRUE(token.WaitFor(std::chrono::milliseconds(2)).IsTimedOut());
  EXPECT_TRUE(token.WaitUntil(std::chrono::steady_clock::now()).IsTimedOut());
  EXPECT_TRUE(token.status().IsBusy());
  Consume();
  EXPECT_TRUE(token.WaitFor(std::chrono::nanoseconds::max()).ok());  // No overflow: no deadline.
}

TEST_F(TokenRingTest, ConsumerFailureIsReportedAndFirstFailureWins) {
  Token token = PublishOne();
  const uint64_t available = *reader_->WaitFor(1);
  reader_->Fail(1, Status::Conflict("first"));
  reader_->Fail(1, Status::IOError("second"));
  reader_->Release(available);
  EXPECT_TRUE(token.Wait().IsConflict());
  EXPECT_EQ(token.status().message(), "first");
}

TEST_F(TokenRingTest, FailureOutcomeSurvivesSlotReuseUntilTheEntryIsReused) {
  Token failed = PublishOne();  // Sequence 1.
  Consume(1);
  std::vector<Token> later;
  for (int index = 0; index < 3; ++index) {  // Sequences 2..4 succeed.
    later.push_back(PublishOne());
    Consume();
  }
  Token reused_slot = PublishOne();  // Sequence 5 reuses slot 1 but succeeds.
  Consume();
  EXPECT_TRUE(failed.status().IsConflict());  // Still retained: nothing overwrote the entry.
  EXPECT_TRUE(reused_slot.status().ok());
  Token other = PublishOne();  // Sequence 6.
  Consume();
  EXPECT_TRUE(other.status().ok());
  for (int index = 0; index < 2; ++index) {  // Sequences 7, 8.
    PublishOne();
    Consume();
  }
  Token overwriter = PublishOne();  // Sequence 9 fails and takes entry 1 over from sequence 1.
  Consume(9);
  EXPECT_TRUE(overwriter.status().IsConflict());
  Status expired = failed.status();
  EXPECT_TRUE(expired.IsUnknown()) << expired.ToString();  // Never OK.
  EXPECT_NE(expired.message().find("no longer retained"), std::string_view::npos);
  // Sequence 5 shares the entry but lies above the lost failure (1): known to have succeeded.
  EXPECT_TRUE(reused_slot.status().ok());
}

}  // namespace
}  // namespace ringdb
