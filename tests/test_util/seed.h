// The seed of a random test: RINGDB_TEST_SEED when set (to replay a failure), otherwise fresh.
// Printed either way, so every failure can be replayed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace ringdb {

inline uint64_t TestSeed() {
  uint64_t seed = 0;
  if (const char* text = std::getenv("RINGDB_TEST_SEED"); text != nullptr && *text != '\0') {
    seed = std::strtoull(text, nullptr, 10);
  } else {
    seed = std::random_device()();
  }
  std::printf("seed: RINGDB_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace ringdb
