// Names a thread, so that top -H, gdb, /proc/<pid>/task/*/comm and a profiler show which of
// ringdb's threads is which ("ringdb:journal", "ringdb:apply", ...). The thread that starts one
// names it, so the name is in place by the time the start returns.
#pragma once

#include <pthread.h>

#include <thread>

namespace ringdb::internal {

// `name` must fit Linux's 15-character limit; a longer one is cut there rather than refused.
inline void NameThread(std::thread& thread, const char* name) noexcept {
#if defined(__linux__)
  char truncated[16] = {};
  for (int index = 0; index < 15 && name[index] != '\0'; ++index) {
    truncated[index] = name[index];
  }
  // Naming is a diagnostic aid: a failure changes nothing the thread does.
  (void)pthread_setname_np(thread.native_handle(), truncated);
#else
  (void)thread;
  (void)name;
#endif
}

}  // namespace ringdb::internal
