// Named crash points: places where the process kills itself on request, so that tests can crash
// ringdb at exactly the moments whose ordering its durability rests on, instead of hoping that a
// kill -9 from outside lands there.
//
// RINGDB_CRASH_POINT=<name>[:<n>] in the environment arms one point: its n-th hit in the process
// (default 1) writes one line naming the point to stderr and raises SIGKILL, so that no
// destructor, buffered write or atexit handler runs, as with kill -9 from outside. The variable is
// read once, while the program starts (static initialization), so a process that wants a point
// armed must be started with it (exec), not merely forked. Unset, a point costs one predictable
// branch on a bool (a relaxed atomic load: a plain load on x86 and ARM) that only a test's
// in-process action (below) ever changes; no getenv, no string comparison. A name that is not in
// the list below, or a bad <n>, stops the program at start with a message, rather than arming
// nothing and letting a test pass without ever crashing.
//
// The points, in the order a transaction meets them:
//   journal.before_sync               a group is written to its segment, before the fdatasync
//                                     (hit whether or not sync_mode syncs)
//   journal.after_sync                the group is synced, before the journal's durable sequence
//                                     advances and the applier may see it
//   journal.segment_before_dir_sync   a new segment file exists under its name (created, or a
//                                     pre-written file renamed), before the directory is synced
//                                     and before any record is written into it
//   apply.after_write                 the applier's RocksDB write (transactions and marker) is
//                                     done, before the committed sequence advances and tokens
//                                     resolve
//   checkpoint.before_retire          a checkpoint's RocksDB flush is done, before the journal
//                                     segments it covers are retired
//   recovery.replay                   Open has replayed one more transaction from the journal;
//                                     with :<n>, the crash comes after the n-th
//
// In-process, for tests: SetCrashPointActionForTest(name, n, action) runs action on the thread
// that makes the n-th hit of the point instead of killing the process, and that thread then goes
// on. A test that simulates the crash itself freezes its file layers in the action (every later
// write and sync fails, as if the process had died there), destroys the engine, and simulates the
// process crash on its file layers before reopening (tests/engine/compound_fault_test.cc).
//
// Thread-safety: points may be hit from any thread; the hit count is atomic, the test action's
// bookkeeping takes a mutex (only while an action is set).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

namespace ringdb::internal {

inline constexpr std::string_view kCrashPointNames[] = {
    "journal.before_sync", "journal.after_sync",       "journal.segment_before_dir_sync",
    "apply.after_write",   "checkpoint.before_retire", "recovery.replay",
};

constexpr bool IsCrashPointName(std::string_view name) {
  for (const std::string_view known : kCrashPointNames) {
    if (known == name) {
      return true;
    }
  }
  return false;
}

// True when RINGDB_CRASH_POINT armed a point at program start (written by static initialization),
// or while a test's action is set.
extern std::atomic<bool> crash_point_armed;

// Counts a hit of `name` when it is the armed point and kills the process at the armed hit, or
// runs the test's action at its hit.
void CrashPointReached(const char* name);

// Test-only. From now on, the hit-th hit (1 = the next one) of the point `name` runs `action` once,
// on the thread that hits it, instead of a SIGKILL; hits of other points do nothing. Replaces an
// action set before. Stops the program when RINGDB_CRASH_POINT armed a point (the two would
// disagree on what a hit does) or when name is not a point.
void SetCrashPointActionForTest(std::string_view name, uint64_t hit, std::function<void()> action);
// Test-only. Removes the action, run or not, and returns the hits of its point counted since it
// was set. Call it when no thread can hit a point any more (the engine is destroyed), so that it
// never returns while the action is still running.
uint64_t ClearCrashPointActionForTest();

}  // namespace ringdb::internal

// The name must be a string literal from kCrashPointNames, checked at compile time.
#define RINGDB_CRASH_POINT(name)                                                                \
  do {                                                                                          \
    static_assert(::ringdb::internal::IsCrashPointName(name),                                   \
                  "not a crash point name: add it to kCrashPointNames");                        \
    if (__builtin_expect(::ringdb::internal::crash_point_armed.load(std::memory_order_relaxed), \
                         0)) {                                                                  \
      ::ringdb::internal::CrashPointReached(name);                                              \
    }                                                                                           \
  } while (0)
