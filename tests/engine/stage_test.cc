// Goal: a Stage runs one pass at a time, a writer's hold never waits for a busy stage, and a
// pass's AssertHeld stops a program that runs stage-owned work outside a pass.
#include "engine/stage.h"

#include <gtest/gtest.h>

namespace ringdb {
namespace {

TEST(StageTest, PassesAdvanceNextAndAHoldFailsWhileAPassRuns) {
  Stage stage;
  EXPECT_EQ(stage.next(), 1u);
  bool held_inside = true;
  EXPECT_TRUE(stage.Run([&](uint64_t next) {
    stage.AssertHeld();
    Stage::Hold hold;
    held_inside = hold.TryHold(&stage);  // Same thread, stage busy: refused, never waits.
    return next + 3;
  }));
  EXPECT_FALSE(held_inside);
  EXPECT_EQ(stage.next(), 4u);

  Stage::Hold hold;
  ASSERT_TRUE(hold.TryHold(&stage));
  hold.Run([&](uint64_t next) {
    stage.AssertHeld();
    return next;  // Nothing found: next stays.
  });
  hold.Release();
  EXPECT_EQ(stage.next(), 4u);

  stage.Stop();
  EXPECT_FALSE(stage.Run([](uint64_t next) { return next + 1; }));
  EXPECT_FALSE(hold.TryHold(&stage));
  EXPECT_EQ(stage.next(), 4u);
}

TEST(StageDeathTest, AssertHeldOutsideAPassAborts) {
  Stage stage;
  EXPECT_DEATH(stage.AssertHeld(), "in_pass_");
}

}  // namespace
}  // namespace ringdb
