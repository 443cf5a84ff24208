// Goal: consumers in a graph see only what every consumer they run after has passed, tokens
// resolve only when every terminal consumer passed, and producers gate on the slowest terminal.
// Method: drive A -> B, and C after A and B, one step at a time on one thread.
#include <gtest/gtest.h>

#include "ring_test_util.h"

namespace ringdb {
namespace {

TEST(ConsumerGraphTest, DependentsSeeOnlyWhatTheirDependenciesPassed) {
  auto ring = test::MakeRing(test::SmallOptions(4, ProducerType::kMulti));
  Consumer* a = *ring->AddConsumer("a");
  Consumer* after_a[] = {a};
  Consumer* b = *ring->AddConsumer("b", after_a);
  Consumer* after_a_b[] = {a, b};
  Consumer* c = *ring->AddConsumer("c", after_a_b);

  Token first = ring->Claim(2)->Publish();
  Token second = ring->Claim(2)->Publish();
  EXPECT_EQ(a->Available(), 4u);
  EXPECT_EQ(b->Available(), 0u);
  EXPECT_EQ(c->Available(), 0u);
  EXPECT_TRUE(ring->TryClaim(1).status().IsBusy());  // Gated on c, the only terminal.

  a->Release(2);
  EXPECT_EQ(b->Available(), 2u);
  EXPECT_EQ(c->Available(), 0u);
  b->Release(2);
  EXPECT_EQ(c->Available(), 2u);
  EXPECT_FALSE(first.resolved());
  c->Release(2);
  EXPECT_TRUE(first.resolved());
  EXPECT_FALSE(second.resolved());
  EXPECT_TRUE(ring->TryClaim(2).ok());  // c freed two slots.

  a->Release(a->Available());
  b->Release(*b->WaitFor(3));
  EXPECT_EQ(*c->WaitFor(3), 6u);  // Includes the aborted batch 5..6.
  c->Release(6);
  EXPECT_TRUE(second.Wait().ok());

  RingInfo info = ring->Info();
  ASSERT_EQ(info.consumers.size(), 3u);
  EXPECT_FALSE(info.consumers[0].terminal);
  EXPECT_FALSE(info.consumers[1].terminal);
  EXPECT_TRUE(info.consumers[2].terminal);
}

TEST(ConsumerGraphTest, TokensWaitForEveryTerminalConsumer) {
  auto ring = test::MakeRing(test::SmallOptions(8));
  Consumer* journal = *ring->AddConsumer("journal");
  Consumer* after_journal[] = {journal};
  Consumer* applier = *ring->AddConsumer("applier", after_journal);
  Consumer* observer = *ring->AddConsumer("observer", after_journal);

  Token token = ring->Claim(1)->Publish();
  journal->Release(*journal->WaitFor(1));
  applier->Release(*applier->WaitFor(1));
  EXPECT_FALSE(token.resolved());  // The observer, also terminal, has not passed it.
  EXPECT_TRUE(token.WaitFor(std::chrono::milliseconds(1)).IsTimedOut());
  observer->Release(*observer->WaitFor(1));
  EXPECT_TRUE(token.Wait().ok());
}

TEST(ConsumerGraphTest, ApplierFailureReachesTheTokenAfterTheJournal) {
  auto ring = test::MakeRing(test::SmallOptions(8));
  Consumer* journal = *ring->AddConsumer("journal");
  Consumer* after_journal[] = {journal};
  Consumer* applier = *ring->AddConsumer("applier", after_journal);

  Token ok = ring->Claim(2)->Publish();
  Token conflict = ring->Claim(3)->Publish();
  journal->Release(*journal->WaitFor(1));
  const uint64_t available = *applier->WaitFor(1);
  ASSERT_EQ(available, 5u);
  applier->Fail(5, Status::Conflict("precondition failed"));
  applier->Release(available);
  EXPECT_TRUE(ok.Wait().ok());
  EXPECT_TRUE(conflict.Wait().IsConflict());
  EXPECT_EQ(conflict.status().message(), "precondition failed");
}

}  // namespace
}  // namespace ringdb
