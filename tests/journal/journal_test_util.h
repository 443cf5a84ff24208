// Helpers shared by the journal tests: options sized for fast tests, payload builders, a seeded
// random source that prints its seed, and a temporary directory removed at the end.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "test_util/fault_injection_env.h"
#include "test_util/temp_dir.h"

namespace ringdb::journal::testing {

// A logger without sinks: the thousands of recoveries in these tests would flood the output.
// RINGDB_TEST_LOG=1 restores the default logger.
inline std::shared_ptr<spdlog::logger> QuietLogger() {
  if (std::getenv("RINGDB_TEST_LOG") != nullptr) {
    return nullptr;
  }
  static const auto logger = std::make_shared<spdlog::logger>("ringdb-test");
  return logger;
}

// Small segments so that tests roll, retire and scan many of them in milliseconds.
inline JournalOptions SmallOptions(Env* env) {
  JournalOptions options;
  options.segment_size_bytes_max = 16 << 10;
  options.group_bytes_max = 4 << 10;
  options.record_bytes_max = 1 << 10;
  options.prewritten_segments = 1;
  options.env = env;
  options.logger = QuietLogger();
  return options;
}

inline std::vector<std::byte> Payload(uint64_t sequence, size_t size) {
  std::vector<std::byte> bytes(size);
  for (size_t index = 0; index < size; ++index) {
    bytes[index] = static_cast<std::byte>((sequence * 131 + index * 7) & 0xff);
  }
  return bytes;
}

// Seeded from RINGDB_TEST_SEED when set, else from the clock; always printed so a failure can be
// replayed.
inline uint64_t TestSeed() {
  uint64_t seed = 0;
  if (const char* text = std::getenv("RINGDB_TEST_SEED")) {
    seed = std::strtoull(text, nullptr, 10);
  } else {
    seed = std::random_device{}();
  }
  std::printf("RINGDB_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

// Collects what Replay delivers.
struct Replayed {
  std::vector<uint64_t> sequences;
  std::vector<std::vector<std::byte>> payloads;
};

inline Status CollectAll(Journal* journal, uint64_t after, Replayed* out) {
  return journal->Replay(after, [out](const Record& record) {
    out->sequences.push_back(record.first_sequence);
    out->payloads.emplace_back(record.payload.begin(), record.payload.end());
    return Status::OK();
  });
}

// The shared temporary directory of ringdb's tests.
using ::ringdb::TempDir;

}  // namespace ringdb::journal::testing
