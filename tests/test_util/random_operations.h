// Random transactions for the determinism tests: 1 to 4 operations on keys "k0".."k<key_space-1>",
// mixing puts, deletes and every kind of precondition (so that many transactions conflict).
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "ringdb/write_batch.h"

namespace ringdb {

inline void AddRandomOperations(std::mt19937_64* random, uint64_t key_space, WriteBatch* batch) {
  const int operations = 1 + static_cast<int>((*random)() % 4);
  for (int op = 0; op < operations; ++op) {
    const std::string key = "k" + std::to_string((*random)() % key_space);
    switch ((*random)() % 6) {
      case 0:
        batch->Delete(key);
        break;
      case 1:
        batch->ExpectAbsent(key);
        break;
      case 2:
        batch->ExpectPresent(key);
        break;
      case 3:
        batch->ExpectEqual(key, "v" + std::to_string((*random)() % 4));
        break;
      default:
        batch->Put(key, "v" + std::to_string((*random)() % 4));
        break;
    }
  }
}

}  // namespace ringdb
