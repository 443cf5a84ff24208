// Helpers shared by the ring's tests.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ringdb/ring_buffer.h"

namespace ringdb::test {

inline std::unique_ptr<RingBuffer> MakeRing(const RingOptions& options) {
  std::unique_ptr<RingBuffer> ring;
  Status created = RingBuffer::Create(options, &ring);
  EXPECT_TRUE(created.ok()) << created.ToString();
  return ring;
}

inline RingOptions SmallOptions(uint64_t slot_count, ProducerType type = ProducerType::kSingle) {
  RingOptions options;
  options.slot_count = slot_count;
  options.chunk_count = 1;
  options.producer_type = type;
  return options;
}

inline void WriteU64(std::span<std::byte> slot, uint64_t value) {
  std::memcpy(slot.data(), &value, sizeof(value));
}
inline uint64_t ReadU64(std::span<const std::byte> slot) {
  uint64_t value = 0;
  std::memcpy(&value, slot.data(), sizeof(value));
  return value;
}

// Random tests print their seed and take it from RINGDB_TEST_SEED to replay a failure.
inline uint64_t TestSeed() {
  const char* text = std::getenv("RINGDB_TEST_SEED");
  const uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("RINGDB_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

// Stress duration: short by default (CI, 2 cores), longer with RINGDB_STRESS_SECONDS.
inline double StressSeconds(double default_seconds) {
  const char* text = std::getenv("RINGDB_STRESS_SECONDS");
  return text != nullptr ? std::strtod(text, nullptr) : default_seconds;
}

}  // namespace ringdb::test
