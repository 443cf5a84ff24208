#include "util/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

namespace ringdb::internal {
namespace {

constexpr size_t kNameBytesMax = 64;

// The armed point, set by static initialization only.
struct ArmedPoint {
  char name[kNameBytesMax] = {};
  uint64_t hit = 0;  // 1-based: the hit that kills
};
ArmedPoint armed_point;

// Hits of the armed point so far, from any thread.
std::atomic<uint64_t> hit_count{0};

[[noreturn]] void Refuse(const char* spec, const char* why) {
  std::fprintf(stderr, "ringdb: RINGDB_CRASH_POINT=%s %s; points:", spec, why);
  for (const std::string_view known : kCrashPointNames) {
    std::fprintf(stderr, " %.*s", static_cast<int>(known.size()), known.data());
  }
  std::fprintf(stderr, "\n");
  std::abort();
}

// Parses <name>[:<n>]; a value that arms nothing stops the program rather than being ignored.
bool ArmFromEnvironment() {
  const char* spec = std::getenv("RINGDB_CRASH_POINT");
  if (spec == nullptr || *spec == '\0') {
    return false;
  }
  const char* colon = std::strchr(spec, ':');
  const std::string_view name(
      spec, colon != nullptr ? static_cast<size_t>(colon - spec) : std::strlen(spec));
  if (!IsCrashPointName(name)) {
    Refuse(spec, "names no crash point");
  }
  static_assert(sizeof(armed_point.name) > 32, "room for every point name");
  if (name.size() >= sizeof(armed_point.name)) {
    Refuse(spec, "has a name too long");
  }
  uint64_t hit = 1;
  if (colon != nullptr) {
    char* end = nullptr;
    hit = std::strtoull(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || hit == 0) {
      Refuse(spec, "has a hit count that is not a positive number");
    }
  }
  std::memcpy(armed_point.name, name.data(), name.size());
  armed_point.hit = hit;
  return true;
}

// A test's in-process action (SetCrashPointActionForTest).
struct TestAction {
  std::mutex mutex;
  std::string name;
  uint64_t hit = 0;   // 1-based: the hit that runs the action
  uint64_t hits = 0;  // of `name` since the action was set
  std::function<void()> action;
};

TestAction& test_action() {
  static TestAction* const action = new TestAction;  // Never destroyed: no exit-time ordering.
  return *action;
}

void RunTestAction(const char* name) {
  TestAction& test = test_action();
  std::function<void()> action;
  {
    std::lock_guard<std::mutex> lock(test.mutex);
    if (test.name != name || ++test.hits != test.hit) {
      return;
    }
    action = std::move(test.action);
    test.action = nullptr;
  }
  if (action) {
    action();  // Outside the lock: it may take the file layers' locks, and other points may hit.
  }
}

}  // namespace

std::atomic<bool> crash_point_armed{ArmFromEnvironment()};

void SetCrashPointActionForTest(std::string_view name, uint64_t hit, std::function<void()> action) {
  if (armed_point.hit != 0 || !IsCrashPointName(name) || hit == 0) {
    std::fprintf(stderr,
                 "ringdb: SetCrashPointActionForTest(%.*s, %llu): not a point, a zero hit, or "
                 "RINGDB_CRASH_POINT armed a point already\n",
                 static_cast<int>(name.size()), name.data(), static_cast<unsigned long long>(hit));
    std::abort();
  }
  TestAction& test = test_action();
  std::lock_guard<std::mutex> lock(test.mutex);
  test.name = std::string(name);
  test.hit = hit;
  test.hits = 0;
  test.action = std::move(action);
  crash_point_armed.store(true, std::memory_order_relaxed);
}

uint64_t ClearCrashPointActionForTest() {
  TestAction& test = test_action();
  std::lock_guard<std::mutex> lock(test.mutex);
  crash_point_armed.store(armed_point.hit != 0, std::memory_order_relaxed);
  const uint64_t hits = test.hits;
  test.name.clear();
  test.hit = 0;
  test.hits = 0;
  test.action = nullptr;
  return hits;
}

void CrashPointReached(const char* name) {
  if (armed_point.hit == 0) {
    RunTestAction(name);
    return;
  }
  if (std::strcmp(name, armed_point.name) != 0) {
    return;
  }
  const uint64_t hit = hit_count.fetch_add(1, std::memory_order_relaxed) + 1;
  if (hit != armed_point.hit) {
    return;
  }
  char line[128];
  const int length = std::snprintf(line, sizeof(line), "ringdb: crash point %s hit %llu: SIGKILL\n",
                                   name, static_cast<unsigned long long>(hit));
  // write(2), not stdio: nothing buffered may be lost or flushed twice.
  if (length > 0 && write(STDERR_FILENO, line, static_cast<size_t>(length)) < 0) {
    // Nothing to do: the kill below is what matters.
  }
  raise(SIGKILL);
  _exit(128 + SIGKILL);  // SIGKILL cannot be caught; this is never reached.
}

}  // namespace ringdb::internal
