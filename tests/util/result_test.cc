// Goal: Result<T> holds either a value or a failed Status, never an OK status without a value.
#include "ringdb/result.h"

#include <string>

#include <gtest/gtest.h>

namespace ringdb {
namespace {

TEST(ResultTest, HoldsAValue) {
  Result<std::string> result(std::string("value"));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(*result, "value");
  EXPECT_EQ(result->size(), 5u);
}

TEST(ResultTest, HoldsAFailure) {
  Result<int> result(Status::Busy("ring full"));
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsBusy());
}

TEST(ResultDeathTest, OkStatusWithoutValueAborts) {
  EXPECT_DEATH({ Result<int> result(Status::OK()); }, "OK status without a value");
}

TEST(ResultDeathTest, ValueOfAFailureAborts) {
  Result<int> result(Status::Corruption("bad"));
  EXPECT_DEATH({ (void)result.value(); }, "value\\(\\) on a failed Result");
}

}  // namespace
}  // namespace ringdb
