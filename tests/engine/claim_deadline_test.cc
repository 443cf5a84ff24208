// Goal: a writer never waits without limit unless it asked to. On a ring full of the caller's own
// unpublished claims, a timed Claim and a timed Submit return TimedOut with nothing claimed or
// published, and the engine goes on as if they had not been tried. Method: a four-slot ring
// filled by two claims; every wait is bounded by the deadline under test, none by a sleep.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

using std::chrono::milliseconds;

// A ring of four 32-byte slots: two claims of two slots fill it.
Options TinyRingOptions() {
  Options options = SmallOptions();
  options.ring_slot_count = 4;
  options.ring_chunk_count = 1;
  options.transaction_bytes_max = 64;
  options.key_bytes_max = 16;
  options.value_bytes_max = 16;
  return options;
}

class ClaimDeadlineTest : public EngineTest {
 protected:
  void SetUp() override { OpenEngine(TinyRingOptions()); }

  static WriteBatch OnePut(std::string_view key) {
    WriteBatch batch;
    batch.Put(key, "v");
    return batch;
  }
};

TEST_F(ClaimDeadlineTest, TimedClaimAndSubmitOnAFullRingTimeOutAndLeaveItWorking) {
  Result<ClaimedTransaction> first = engine_->Claim(2, milliseconds(1000));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<ClaimedTransaction> second = engine_->Claim(2);
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  const Result<ClaimedTransaction> third = engine_->Claim(1, milliseconds(20));
  ASSERT_TRUE(third.status().IsTimedOut()) << third.status().ToString();
  EXPECT_NE(third.status().message().find("no room in the ring for 1 slot(s)"),
            std::string_view::npos)
      << third.status().ToString();
  const Status submitted = engine_->Submit(OnePut("lost"), milliseconds(20)).Wait();
  ASSERT_TRUE(submitted.IsTimedOut()) << submitted.ToString();
  EXPECT_EQ(engine_->Stats().transactions_submitted, 0u);

  ASSERT_TRUE(first->Put("a", "1").ok());
  const Token published = first->Publish();
  second->Abort();
  EXPECT_TRUE(published.Wait().ok());
  // Room comes back as the applier moves on; a generous deadline only bounds a broken engine.
  EXPECT_TRUE(engine_->Submit(OnePut("b"), milliseconds(10000)).Wait().ok());
  Result<ClaimedTransaction> again = engine_->Claim(2, milliseconds(10000));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(again->Put("c", "3").ok());
  EXPECT_TRUE(again->Publish().Wait().ok());

  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("b"), "v");
  EXPECT_EQ(Read("c"), "3");
  EXPECT_EQ(Read("lost"), "<absent>");
  EXPECT_EQ(engine_->Stats().transactions_submitted, 3u);
}

TEST_F(ClaimDeadlineTest, TimedCallsCheckLimitsAndClosureFirst) {
  EXPECT_TRUE(engine_->Claim(4, milliseconds(20)).status().IsInvalidArgument())
      << "4 slots exceed transaction_bytes_max = 64";
  EXPECT_TRUE(engine_->Submit(WriteBatch(), milliseconds(20)).Wait().IsInvalidArgument());
  ASSERT_TRUE(engine_->Close().ok());
  EXPECT_TRUE(engine_->Claim(1, milliseconds(20)).status().IsAborted());
  EXPECT_TRUE(engine_->Submit(OnePut("x"), milliseconds(20)).Wait().IsAborted());
}

}  // namespace
}  // namespace ringdb
