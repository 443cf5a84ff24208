// Goal: an Open where all is well writes nothing to the host's stderr, yet the info lines stay
// available. Method: the default logger's level; a user's logger at info level sees the open
// summary.
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "engine/log_capture.h"
#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

TEST(DefaultLoggerTest, DefaultLoggerLogsWarningsAndErrorsOnly) {
  EXPECT_EQ(DefaultLogger()->level(), spdlog::level::warn);
}

TEST(DefaultLoggerTest, AUsersLoggerStillGetsTheOpenSummary) {
  LogCapture capture(spdlog::level::info);
  Options options = SmallOptions();
  options.logger = capture.logger();
  TempDir dir;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
  EXPECT_EQ(capture.LinesWith("ringdb: opened " + dir.path()).size(), 1u);
  EXPECT_TRUE(engine->Close().ok());
}

}  // namespace
}  // namespace ringdb
