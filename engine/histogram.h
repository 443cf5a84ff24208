// A fixed-size histogram for the engine's statistics: values go into buckets whose width grows
// by powers of two with 8 linear sub-buckets each (about 12 % relative error), so recording is a
// few instructions and never allocates. Record is called by one writer thread per histogram (the
// journaler or the applier); Snapshot may run on any thread at the same time and sees each
// counter atomically, though not all of them at one instant.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>

#include "ringdb/engine.h"  // HistogramData

namespace ringdb {

// Microseconds from start until now, the unit of the engine's latency histograms.
inline uint64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

class Histogram {
 public:
  static constexpr int kSubBuckets = 8;
  // Values below 8 have a bucket each; each power of two from 2^3 to 2^63 has kSubBuckets.
  static constexpr int kBucketCount = (64 - 2) * kSubBuckets;

  void Record(uint64_t value) {
    const size_t index = BucketOf(value);
    buckets_[index].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    uint64_t seen = max_.load(std::memory_order_relaxed);
    while (value > seen && !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
    seen = min_.load(std::memory_order_relaxed);
    while (value < seen && !min_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
  }

  HistogramData Snapshot() const {
    HistogramData data;
    data.count = count_.load(std::memory_order_relaxed);
    data.sum = sum_.load(std::memory_order_relaxed);
    data.max = max_.load(std::memory_order_relaxed);
    data.min = data.count == 0 ? 0 : min_.load(std::memory_order_relaxed);
    data.p50 = Percentile(0.50);
    data.p99 = Percentile(0.99);
    data.p999 = Percentile(0.999);
    return data;
  }

  // Bucket index: values below kSubBuckets map to themselves; above, the top bit picks the power
  // of two and the next three bits the sub-bucket.
  static size_t BucketOf(uint64_t value) {
    if (value < kSubBuckets) {
      return static_cast<size_t>(value);
    }
    const int top = 63 - std::countl_zero(value);
    const uint64_t sub = (value >> (top - 3)) & (kSubBuckets - 1);
    return static_cast<size_t>((top - 2) * kSubBuckets) + static_cast<size_t>(sub);
  }
  // The smallest value of a bucket.
  static uint64_t BucketLow(size_t index) {
    if (index < kSubBuckets) {
      return index;
    }
    const int top = static_cast<int>(index / kSubBuckets) + 2;
    const uint64_t sub = index % kSubBuckets;
    return (uint64_t{1} << top) | (sub << (top - 3));
  }

 private:
  double Percentile(double fraction) const {
    const uint64_t total = count_.load(std::memory_order_relaxed);
    if (total == 0) {
      return 0;
    }
    const auto rank = static_cast<uint64_t>(fraction * static_cast<double>(total));
    uint64_t seen = 0;
    for (size_t index = 0; index < buckets_.size(); ++index) {
      seen += buckets_[index].load(std::memory_order_relaxed);
      if (seen > rank) {
        const uint64_t low = BucketLow(index);
        if (index < kSubBuckets) {
          return static_cast<double>(low);  // Small values have a bucket each: exact.
        }
        const uint64_t high = index + 1 < buckets_.size() ? BucketLow(index + 1) : low;
        return (static_cast<double>(low) + static_cast<double>(high)) / 2.0;
      }
    }
    return static_cast<double>(max_.load(std::memory_order_relaxed));
  }

  std::array<std::atomic<uint64_t>, kBucketCount> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> min_{UINT64_MAX};
  std::atomic<uint64_t> max_{0};
};

}  // namespace ringdb
