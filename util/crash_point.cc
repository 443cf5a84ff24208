#include "util/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
  const std::string_view name(spec, colon != nullptr ? static_cast<size_t>(colon - spec)
                                                     : std::strlen(spec));
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

}  // namespace

bool crash_point_armed = ArmFromEnvironment();

void CrashPointReached(const char* name) {
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
