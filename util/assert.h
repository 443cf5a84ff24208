// Assertions for programmer errors (a broken invariant, a misused API inside ringdb). Operating
// errors (bad input, I/O failures, corruption) are returned as Status, never asserted.
//
// RINGDB_ASSERT is always on: it guards invariants whose violation would corrupt data, and costs
// one predictable branch. RINGDB_DASSERT is for checks too costly for release builds.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace ringdb::internal {

[[noreturn]] inline void AssertFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "ringdb: assertion failed: %s at %s:%d\n", condition, file, line);
  std::abort();
}

}  // namespace ringdb::internal

#define RINGDB_ASSERT(condition)                                        \
  do {                                                                  \
    if (__builtin_expect(!(condition), 0)) {                            \
      ::ringdb::internal::AssertFailed(#condition, __FILE__, __LINE__); \
    }                                                                   \
  } while (0)

#ifdef NDEBUG
#define RINGDB_DASSERT(condition) \
  do {                            \
  } while (0 && (condition))
#else
#define RINGDB_DASSERT(condition) RINGDB_ASSERT(condition)
#endif
