#include "ringbuffer/asymmetric_fence.h"

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "util/assert.h"

namespace ringdb::internal {
namespace {

#if defined(__linux__) && !defined(RINGDB_TSAN_BUILD)
long Membarrier(int command) { return syscall(__NR_membarrier, command, 0u, 0); }

// Registration is per process and idempotent; do it once.
bool RegisterOnce() {
  static const bool registered = [] {
    const long supported = Membarrier(MEMBARRIER_CMD_QUERY);
    if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
      return false;
    }
    return Membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
  }();
  return registered;
}
#else
bool RegisterOnce() { return false; }
#endif

}  // namespace

AsymmetricFence::AsymmetricFence(bool use_membarrier)
    : asymmetric_(use_membarrier && RegisterOnce()) {}

void AsymmetricFence::Heavy() const noexcept {
#if defined(__linux__) && !defined(RINGDB_TSAN_BUILD)
  if (asymmetric_) {
    // Cannot fail once registered; if it ever did, the guarantee would be gone, so stop.
    RINGDB_ASSERT(Membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0);
    return;
  }
#endif
  StoreLoadFence();
}

}  // namespace ringdb::internal
