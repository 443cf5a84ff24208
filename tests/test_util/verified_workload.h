// Self-verifying transactions for crash tests. Transaction `id` puts KeysOf(id) keys, each with a
// value derived from the id, guarded by ExpectAbsent on its first key; writer threads report each
// id through a pipe before submitting it and again once its token resolved OK. After a crash,
// Verify checks a reopened engine against those reports: every acknowledged transaction whole, no
// transaction partly present, no key the workload never submitted, in-flight ones whole or absent.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ringdb/ringdb.h"

namespace ringdb {

// One pipe message from a writer.
struct Report {
  uint64_t id;
  uint64_t acknowledged;  // 0: about to submit, 1: token resolved OK
};

inline int KeysOf(uint64_t id) { return 1 + static_cast<int>(id % 4); }
inline std::string KeyOf(uint64_t id, int index) {
  return "txn/" + std::to_string(id) + "/" + std::to_string(index);
}
inline std::string ValueOf(uint64_t id, int index) {
  return "value-" + std::to_string(id * 31 + static_cast<uint64_t>(index));
}

// Runs `thread_count` writers, writer t submitting ids first_id + t * 1000000 + i for i below
// transactions_per_thread, one at a time, and reporting each on `fd`. A failed pipe write ends
// the process (exit code 4): the parent is gone or the reports would be wrong.
inline void RunWriters(Engine* engine, uint64_t first_id, int fd, uint64_t thread_count,
                       uint64_t transactions_per_thread) {
  std::vector<std::thread> writers;
  for (uint64_t thread = 0; thread < thread_count; ++thread) {
    writers.emplace_back([=] {
      for (uint64_t i = 0; i < transactions_per_thread; ++i) {
        const uint64_t id = first_id + thread * 1000000 + i;
        WriteBatch batch;
        batch.ExpectAbsent(KeyOf(id, 0));
        for (int index = 0; index < KeysOf(id); ++index) {
          batch.Put(KeyOf(id, index), ValueOf(id, index));
        }
        Report report{id, 0};
        if (write(fd, &report, sizeof(report)) != sizeof(report)) {
          _exit(4);
        }
        if (engine->Write(batch).ok()) {
          report.acknowledged = 1;
          if (write(fd, &report, sizeof(report)) != sizeof(report)) {
            _exit(4);
          }
        }
      }
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
}

struct VerifyResult {
  uint64_t acknowledged = 0;  // acknowledged transactions found whole
  uint64_t in_flight_whole = 0;
  uint64_t in_flight_absent = 0;
  uint64_t violations = 0;
};

// Splits "txn/<id>/<index>"; false for any other key.
inline bool ParseKey(std::string_view key, uint64_t* id, int* index) {
  constexpr std::string_view kPrefix = "txn/";
  const size_t slash = key.rfind('/');
  if (!key.starts_with(kPrefix) || slash <= kPrefix.size() || slash + 1 == key.size()) {
    return false;
  }
  const std::string id_text(key.substr(kPrefix.size(), slash - kPrefix.size()));
  const std::string index_text(key.substr(slash + 1));
  if (id_text.find_first_not_of("0123456789") != std::string::npos ||
      index_text.find_first_not_of("0123456789") != std::string::npos || id_text.size() > 19 ||
      index_text.size() > 2) {
    return false;
  }
  *id = std::stoull(id_text);
  *index = std::stoi(index_text);
  return true;
}

// Checks every key of the engine against the reports; each violation is also a test failure.
inline VerifyResult Verify(Engine* engine, const std::set<uint64_t>& submitted,
                           const std::set<uint64_t>& acknowledged) {
  VerifyResult result;
  std::map<uint64_t, int> found;
  auto iterator = engine->NewIterator();
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    const std::string_view key = iterator->key();
    uint64_t id = 0;
    int index = 0;
    if (!ParseKey(key, &id, &index) || submitted.count(id) == 0) {
      ADD_FAILURE() << "key " << key << " was never submitted";
      ++result.violations;
      continue;
    }
    if (index >= KeysOf(id) || iterator->value() != ValueOf(id, index)) {
      ADD_FAILURE() << "wrong key or value: " << key;
      ++result.violations;
    }
    ++found[id];
  }
  for (const auto& [id, keys] : found) {
    if (keys != KeysOf(id)) {
      ADD_FAILURE() << "transaction " << id << " is partly present: " << keys << " keys";
      ++result.violations;
    }
  }
  for (const uint64_t id : submitted) {
    const bool present = found.count(id) != 0;
    if (acknowledged.count(id) != 0) {
      ++result.acknowledged;
      if (!present) {
        ADD_FAILURE() << "acknowledged transaction " << id << " is missing";
        ++result.violations;
      }
    } else {
      ++(present ? result.in_flight_whole : result.in_flight_absent);
    }
  }
  return result;
}

}  // namespace ringdb
