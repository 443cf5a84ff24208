// Goal: the statistics histogram puts every value in a bucket whose range holds it, and its
// percentiles land within a bucket's width of the truth. Method: known distributions.
#include "engine/histogram.h"

#include <gtest/gtest.h>

namespace ringdb {
namespace {

TEST(HistogramTest, EveryValueFallsInsideItsBucket) {
  for (uint64_t value :
       {uint64_t{0}, uint64_t{1}, uint64_t{7}, uint64_t{8}, uint64_t{9}, uint64_t{100},
        uint64_t{1} << 20, (uint64_t{1} << 40) + 12345, UINT64_MAX}) {
    const size_t index = Histogram::BucketOf(value);
    ASSERT_LT(index, static_cast<size_t>(Histogram::kBucketCount));
    EXPECT_LE(Histogram::BucketLow(index), value) << value;
    if (index + 1 < static_cast<size_t>(Histogram::kBucketCount)) {
      EXPECT_GT(Histogram::BucketLow(index + 1), value) << value;
    }
  }
}

TEST(HistogramTest, SmallValuesAreExactAndPercentilesAreClose) {
  Histogram small;
  for (int i = 0; i < 100; ++i) {
    small.Record(1);
  }
  HistogramData data = small.Snapshot();
  EXPECT_EQ(data.count, 100u);
  EXPECT_EQ(data.p50, 1.0);
  EXPECT_EQ(data.min, 1u);
  EXPECT_EQ(data.max, 1u);

  Histogram uniform;
  for (uint64_t value = 1; value <= 10000; ++value) {
    uniform.Record(value);
  }
  data = uniform.Snapshot();
  EXPECT_NEAR(data.p50, 5000, 5000 * 0.13);
  EXPECT_NEAR(data.p99, 9900, 9900 * 0.13);
  EXPECT_EQ(data.max, 10000u);
  EXPECT_DOUBLE_EQ(data.mean(), 5000.5);
}

TEST(HistogramTest, EmptyHistogramReportsZeros) {
  Histogram empty;
  const HistogramData data = empty.Snapshot();
  EXPECT_EQ(data.count, 0u);
  EXPECT_EQ(data.min, 0u);
  EXPECT_EQ(data.p99, 0.0);
}

}  // namespace
}  // namespace ringdb
