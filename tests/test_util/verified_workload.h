// Self-verifying transactions for the crash tests (kill -9, power loss): every key, value and
// precondition of a transaction is a function of its id, so what survives a crash can be checked
// against what was submitted and acknowledged without remembering any value.
//
// An id is round * 10^8 + writer * 10^6 + index. Its transaction writes KeysOf(id) keys
// "txn/<id>/<n>" and one precondition, chosen by the index:
//   - plain (most): ExpectAbsent of its own first key, which always holds;
//   - doomed (index % 8 == 5): ExpectPresent of a key nothing writes, so it always conflicts;
//   - dependent (index % 8 == 3 or 6): ExpectPresent of the first key of the writer's previous
//     transaction, so it applies exactly when that one did (index 3 follows a plain one, index 6
//     a doomed one). A writer submits its transactions in index order, so ring order, journal
//     order and replay order agree on the outcome.
//
// Ledger keeps what the test knows; Verify checks an engine's whole visible state against it.
// RunWriters drives the workload in a child process and reports to the parent through a pipe.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ringdb/ringdb.h"

namespace ringdb::workload {

constexpr uint64_t kIdsPerWriter = 1000000;
constexpr uint64_t kIdsPerRound = 100000000;

inline uint64_t IdOf(uint64_t round, uint64_t writer, uint64_t index) {
  return (round + 1) * kIdsPerRound + writer * kIdsPerWriter + index;
}

enum class Kind : uint8_t { kPlain, kDoomed, kDependent };

inline Kind KindOf(uint64_t id) {
  const uint64_t index = id % kIdsPerWriter;
  if (index % 8 == 5) {
    return Kind::kDoomed;
  }
  if (index % 8 == 3 || index % 8 == 6) {
    return Kind::kDependent;
  }
  return Kind::kPlain;
}

// Whether the transaction applies when its writer's earlier ones were applied in order (a
// dependent one follows a plain or a doomed one, never another dependent one).
inline bool Applies(uint64_t id) {
  switch (KindOf(id)) {
    case Kind::kPlain:
      return true;
    case Kind::kDoomed:
      return false;
    case Kind::kDependent:
      return KindOf(id - 1) == Kind::kPlain;
  }
  return false;
}

// True when an outcome (applied: OK; otherwise Conflict) is the one Applies allows; a mismatch
// is also a test failure.
inline bool OutcomeFits(uint64_t id, bool applied) {
  if (applied == Applies(id)) {
    return true;
  }
  ADD_FAILURE() << "transaction " << id
                << (applied ? " was acknowledged but cannot apply"
                            : " conflicted but should apply");
  return false;
}

inline int KeysOf(uint64_t id) { return 1 + static_cast<int>(id % 4); }

inline std::string KeyOf(uint64_t id, int index) {
  return "txn/" + std::to_string(id) + "/" + std::to_string(index);
}

// 10 to about 420 bytes, so that a few thousand transactions fill a megabyte of journal.
inline std::string ValueOf(uint64_t id, int index) {
  const uint64_t salt = id * 31 + static_cast<uint64_t>(index);
  return "value-" + std::to_string(salt) + "-" +
         std::string(salt * 131 % 400, static_cast<char>('a' + salt % 26));
}

inline WriteBatch BatchOf(uint64_t id) {
  WriteBatch batch;
  switch (KindOf(id)) {
    case Kind::kPlain:
      batch.ExpectAbsent(KeyOf(id, 0));
      break;
    case Kind::kDoomed:
      batch.ExpectPresent("never/written");
      break;
    case Kind::kDependent:
      batch.ExpectPresent(KeyOf(id - 1, 0));
      break;
  }
  for (int index = 0; index < KeysOf(id); ++index) {
    batch.Put(KeyOf(id, index), ValueOf(id, index));
  }
  return batch;
}

// What the test knows. An id in `submitted` and in neither settled set is in flight: its outcome
// is unknown until a Verify after a crash finds it whole or absent, which settles it for good.
struct Ledger {
  std::set<uint64_t> submitted;
  std::set<uint64_t> present;  // Acknowledged OK, or found whole after a crash.
  std::set<uint64_t> absent;   // Failed its precondition, or found absent after a crash.
};

// A writer's message to the parent process: an id about to be submitted, then its outcome.
enum class Outcome : uint64_t { kSubmitting = 0, kOk = 1, kConflict = 2 };
struct Report {
  uint64_t id;
  Outcome outcome;
};

// Runs `writers` threads; writer w submits IdOf(round, w, i) for i below per_writer, one at a
// time, reporting each on `fd` before it is submitted and once it resolved OK or Conflict. A failed
// pipe write ends the process (exit code 4): the parent is gone or the reports would be wrong.
inline void RunWriters(Engine* engine, uint64_t round, int fd, uint64_t writers,
                       uint64_t per_writer) {
  std::vector<std::thread> threads;
  for (uint64_t writer = 0; writer < writers; ++writer) {
    threads.emplace_back([=] {
      for (uint64_t index = 0; index < per_writer; ++index) {
        Report report{IdOf(round, writer, index), Outcome::kSubmitting};
        if (write(fd, &report, sizeof(report)) != sizeof(report)) {
          _exit(4);
        }
        const Status status = engine->Write(BatchOf(report.id));
        if (status.ok() || status.IsConflict()) {
          report.outcome = status.ok() ? Outcome::kOk : Outcome::kConflict;
          if (write(fd, &report, sizeof(report)) != sizeof(report)) {
            _exit(4);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
}

// Adds a report to the ledger; true when it acknowledges a transaction (OK).
inline bool RecordReport(const Report& report, Ledger* ledger) {
  switch (report.outcome) {
    case Outcome::kSubmitting:
      ledger->submitted.insert(report.id);
      return false;
    case Outcome::kOk:
      ledger->present.insert(report.id);
      return true;
    case Outcome::kConflict:
      ledger->absent.insert(report.id);
      return false;
  }
  return false;
}

struct VerifyResult {
  uint64_t keys = 0;
  uint64_t present_verified = 0;
  uint64_t absent_verified = 0;
  uint64_t in_flight_whole = 0;
  uint64_t in_flight_absent = 0;
  uint64_t violations = 0;
};

// Parses "txn/<id>/<index>"; false for any other key.
inline bool ParseKey(std::string_view key, uint64_t* id, int* index) {
  if (!key.starts_with("txn/")) {
    return false;
  }
  const size_t slash = key.find('/', 4);
  if (slash == std::string_view::npos || slash == 4 || slash + 1 == key.size()) {
    return false;
  }
  uint64_t parsed_id = 0;
  for (const char c : key.substr(4, slash - 4)) {
    if (c < '0' || c > '9') {
      return false;
    }
    parsed_id = parsed_id * 10 + static_cast<uint64_t>(c - '0');
  }
  int parsed_index = 0;
  for (const char c : key.substr(slash + 1)) {
    if (c < '0' || c > '9') {
      return false;
    }
    parsed_index = parsed_index * 10 + (c - '0');
  }
  *id = parsed_id;
  *index = parsed_index;
  return true;
}

// Checks every key the engine holds: each belongs to a submitted transaction and holds its value;
// each transaction is whole or absent; what the ledger settled is as settled; a doomed one never
// applied; a dependent one is present only with the one it depends on. Then settles the in-flight
// ones as found.
inline VerifyResult Verify(Engine* engine, Ledger* ledger) {
  VerifyResult result;
  std::map<uint64_t, int> found;
  auto iterator = engine->NewIterator();
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    ++result.keys;
    uint64_t id = 0;
    int index = 0;
    const std::string_view key = iterator->key();
    if (!ParseKey(key, &id, &index) || ledger->submitted.count(id) == 0 || index >= KeysOf(id)) {
      ADD_FAILURE() << "key '" << key << "' was never published";
      ++result.violations;
      continue;
    }
    if (iterator->value() != ValueOf(id, index)) {
      ADD_FAILURE() << "wrong value under " << key;
      ++result.violations;
    }
    ++found[id];
  }
  for (const auto& [id, keys] : found) {
    if (keys != KeysOf(id)) {
      ADD_FAILURE() << "transaction " << id << " is partly present: " << keys << " of "
                    << KeysOf(id) << " keys";
      ++result.violations;
    }
    if (!Applies(id)) {
      ADD_FAILURE() << "transaction " << id << " is present but its precondition cannot hold";
      ++result.violations;
    } else if (KindOf(id) == Kind::kDependent && found.count(id - 1) == 0) {
      ADD_FAILURE() << "transaction " << id << " is present without " << id - 1
                    << ", which it depends on";
      ++result.violations;
    }
  }
  for (const uint64_t id : ledger->submitted) {
    const bool is_found = found.count(id) != 0;
    if (ledger->present.count(id) != 0) {
      ++result.present_verified;
      if (!is_found) {
        ADD_FAILURE() << "acknowledged transaction " << id << " is missing";
        ++result.violations;
      }
    } else if (ledger->absent.count(id) != 0) {
      ++result.absent_verified;
      if (is_found) {
        ADD_FAILURE() << "transaction " << id << " is present after it failed or was lost";
        ++result.violations;
      }
    } else if (is_found) {
      ++result.in_flight_whole;
      ledger->present.insert(id);
    } else {
      ++result.in_flight_absent;
      ledger->absent.insert(id);
    }
  }
  return result;
}

}  // namespace ringdb::workload
