// Small pieces shared by ringdb's engine benchmarks: a fast key generator, latency samples,
// the JSON-lines report format, resident memory, and the counting allocator's counter.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ringdb::bench {

// Heap allocations made by the whole process since start (counted by the bench binary's
// replacement operator new).
uint64_t AllocationCount();

// Of those, the ones made on RocksDB's background threads (flushes, compactions) while
// CountBackgroundAllocations(true) was in force; off by default, since telling the threads apart
// costs a syscall per allocation.
uint64_t BackgroundAllocationCount();
void CountBackgroundAllocations(bool on);

// splitmix64: a fast, well-mixed generator for random keys.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // A random 16-byte key, written into *key without reallocating it.
  void Key(std::string* key) {
    static constexpr char kHex[] = "0123456789abcdef";
    key->resize(16);
    uint64_t bits = Next();
    for (char& c : *key) {
      c = kHex[bits & 15];
      bits >>= 4;
    }
  }

 private:
  uint64_t state_;
};

// Zipfian ranks in [0, n) with skew 0.99 (YCSB's constant), by the rejection-free method of
// Gray et al., "Quickly generating billion-record synthetic databases".
class Zipfian {
 public:
  explicit Zipfian(uint64_t n) : n_(n) {
    for (uint64_t i = 1; i <= n; ++i) {
      zeta_n_ += 1.0 / std::pow(static_cast<double>(i), kTheta);
    }
    const double zeta_2 = 1.0 + 1.0 / std::pow(2.0, kTheta);
    alpha_ = 1.0 / (1.0 - kTheta);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n), 1.0 - kTheta)) / (1.0 - zeta_2 / zeta_n_);
  }
  uint64_t Next(Random* random) const {
    const double u = static_cast<double>(random->Next() >> 11) / 9007199254740992.0;
    const double uz = u * zeta_n_;
    if (uz < 1.0) {
      return 0;
    }
    if (uz < 1.0 + std::pow(0.5, kTheta)) {
      return 1;
    }
    const auto rank =
        static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return std::min(rank, n_ - 1);
  }

 private:
  static constexpr double kTheta = 0.99;
  uint64_t n_;
  double zeta_n_ = 0;
  double alpha_ = 0;
  double eta_ = 0;
};

// Latency samples in nanoseconds, reserved up front so recording never allocates.
class Latencies {
 public:
  explicit Latencies(size_t capacity) { samples_.reserve(capacity); }
  void Add(std::chrono::nanoseconds latency) {
    if (samples_.size() < samples_.capacity()) {
      samples_.push_back(static_cast<uint64_t>(latency.count()));
    }
  }
  void Merge(const Latencies& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  }
  // The q-quantile in microseconds.
  double QuantileUs(double q) {
    if (samples_.empty()) {
      return 0;
    }
    const size_t index = std::min(samples_.size() - 1, static_cast<size_t>(q * samples_.size()));
    std::nth_element(samples_.begin(), samples_.begin() + static_cast<ptrdiff_t>(index),
                     samples_.end());
    return static_cast<double>(samples_[index]) / 1000.0;
  }
  size_t size() const { return samples_.size(); }

 private:
  std::vector<uint64_t> samples_;
};

// Resident memory of this process: current and peak (VmRSS, VmHWM), in MiB.
double ResidentMib(bool peak);
// Resets the peak so that ResidentMib(true) measures from now on.
void ResetPeakResident();

// One result line: the JSON-lines format of ring_bench, or a readable line.
struct Line {
  std::string bench;
  double value = 0;
  std::string unit;
  std::string baseline;  // Empty for value-only lines.
  double baseline_value = 0;
  std::string target;  // The line's target, for the readable output.
};
void Print(const Line& line, bool json);

}  // namespace ringdb::bench
