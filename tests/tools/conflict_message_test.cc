// Goal: a Conflict names the key whose precondition failed, printable (other bytes as \xNN) and
// bounded in length, as the command and a service's log show it. Method: transactions whose
// preconditions fail, through a real engine.
#include <string>

#include <gtest/gtest.h>

#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

class ConflictMessageTest : public EngineTest {
 protected:
  Status WriteExpectingPresent(const std::string& key) {
    WriteBatch batch;
    batch.ExpectPresent(key);
    batch.Put("other", "x");
    return engine_->Write(batch);
  }
};

TEST_F(ConflictMessageTest, NamesThePrintableKeyAndEscapesTheRest) {
  OpenEngine(SmallOptions());
  const Status status = WriteExpectingPresent(std::string("user/\x01\xff\\q", 9));
  ASSERT_TRUE(status.IsConflict()) << status.ToString();
  EXPECT_NE(status.ToString().find("key 'user/\\x01\\xff\\x5cq' expected present"),
            std::string::npos)
      << status.ToString();
}

TEST_F(ConflictMessageTest, ALongKeyIsCutAfter64Bytes) {
  OpenEngine(SmallOptions());
  const Status status = WriteExpectingPresent(std::string(64, 'k') + std::string(900, 'z'));
  ASSERT_TRUE(status.IsConflict()) << status.ToString();
  EXPECT_NE(status.ToString().find("key '" + std::string(64, 'k') + "...' (964 bytes)"),
            std::string::npos)
      << status.ToString();
  EXPECT_LT(status.ToString().size(), 200u) << status.ToString();
}

}  // namespace
}  // namespace ringdb
