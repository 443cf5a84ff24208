// Goal: the failure table never reports success for a failed sequence, reports the first failure
// of a batch, and says Unknown once a failure's entry was reused. Method: drive the table directly
// with sequences that collide on one entry (slot_count 4).
#include "ringbuffer/failure_table.h"

#include <gtest/gtest.h>

namespace ringdb::internal {
namespace {

TEST(FailureTableTest, NothingRecordedMeansOk) {
  FailureTable table(4);
  for (uint64_t sequence = 1; sequence <= 16; ++sequence) {
    EXPECT_TRUE(table.Outcome(sequence).ok());
  }
}

TEST(FailureTableTest, FirstFailureWins) {
  FailureTable table(4);
  table.Record(6, Status::Conflict("first"));
  table.Record(6, Status::IOError("second"));
  EXPECT_TRUE(table.Outcome(6).IsConflict());
  EXPECT_EQ(table.Outcome(6).message(), "first");
  EXPECT_TRUE(table.Outcome(5).ok());
  EXPECT_TRUE(table.Outcome(7).ok());
  EXPECT_TRUE(table.Outcome(2).ok());   // Same entry, earlier, never failed, nothing overwritten.
  EXPECT_TRUE(table.Outcome(10).ok());  // Same entry, later, not failed.
}

TEST(FailureTableTest, OverwrittenFailureBecomesUnknownNeverOk) {
  FailureTable table(4);
  table.Record(2, Status::Conflict("two"));
  table.Record(10, Status::Conflict("ten"));  // Same entry (2 mod 4): 2's outcome is lost.
  EXPECT_TRUE(table.Outcome(2).IsUnknown()) << table.Outcome(2).ToString();
  EXPECT_TRUE(table.Outcome(6).ok());  // Between the lost failure and the held one: known OK.
  EXPECT_TRUE(table.Outcome(10).IsConflict());
  EXPECT_TRUE(table.Outcome(14).ok());
  table.Record(18, Status::Conflict("eighteen"));
  EXPECT_TRUE(table.Outcome(10).IsUnknown());
  EXPECT_TRUE(table.Outcome(6).IsUnknown());  // At or below the overwritten max: cannot tell.
  EXPECT_TRUE(table.Outcome(14).ok());
  EXPECT_TRUE(table.Outcome(18).IsConflict());
}

}  // namespace
}  // namespace ringdb::internal
