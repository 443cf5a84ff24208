// Goal: Status is free on success, keeps its code and message on failure, and copies deeply.
#include "ringdb/status.h"

#include <gtest/gtest.h>

namespace ringdb {
namespace {

TEST(StatusTest, DefaultIsOkAndEmpty) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kOk);
  EXPECT_TRUE(status.message().empty());
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, EachFactoryKeepsItsCodeAndMessage) {
  struct Case {
    Status status;
    Status::Code code;
    const char* name;
  };
  const Case cases[] = {
      {Status::NotFound("k"), Status::Code::kNotFound, "NotFound"},
      {Status::InvalidArgument("k"), Status::Code::kInvalidArgument, "InvalidArgument"},
      {Status::Conflict("k"), Status::Code::kConflict, "Conflict"},
      {Status::Busy("k"), Status::Code::kBusy, "Busy"},
      {Status::TimedOut("k"), Status::Code::kTimedOut, "TimedOut"},
      {Status::Aborted("k"), Status::Code::kAborted, "Aborted"},
      {Status::IOError("k"), Status::Code::kIOError, "IOError"},
      {Status::Corruption("k"), Status::Code::kCorruption, "Corruption"},
      {Status::NotSupported("k"), Status::Code::kNotSupported, "NotSupported"},
      {Status::Unknown("k"), Status::Code::kUnknown, "Unknown"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "k");
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": k");
  }
  EXPECT_TRUE(cases[0].status.IsNotFound());
  EXPECT_TRUE(cases[2].status.IsConflict());
  EXPECT_TRUE(cases[7].status.IsCorruption());
}

TEST(StatusTest, CopyIsDeepAndMoveEmptiesTheSource) {
  Status original = Status::IOError("fdatasync failed on segment 3");
  Status copy = original;
  EXPECT_EQ(copy.ToString(), original.ToString());
  EXPECT_NE(copy.message().data(), original.message().data());
  Status moved = std::move(original);
  EXPECT_TRUE(moved.IsIOError());
  copy = Status::OK();
  EXPECT_TRUE(copy.ok());
}

TEST(StatusTest, FromCodeOkIgnoresTheMessage) {
  EXPECT_TRUE(Status::FromCode(Status::Code::kOk, "ignored").ok());
  EXPECT_TRUE(Status::FromCode(Status::Code::kBusy, "full").IsBusy());
}

}  // namespace
}  // namespace ringdb
