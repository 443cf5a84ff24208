// futex(2), the one blocking primitive under every ParkingLot.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "ringbuffer/parking_lot.h"
#include "util/assert.h"

namespace ringdb::internal {

void FutexWait(std::atomic<uint32_t>* word, uint32_t expected,
               std::chrono::nanoseconds timeout) noexcept {
  RINGDB_DASSERT(word != nullptr);
  timespec relative{};
  timespec* limit = nullptr;
  if (timeout.count() >= 0) {
    relative.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
    relative.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
    limit = &relative;
  }
  // The kernel reads the word itself; the atomic's object representation is the plain uint32_t.
  const long result = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE,
                              expected, limit, nullptr, 0);
  // EAGAIN: the word changed first; EINTR: a signal; ETIMEDOUT: the timeout. The caller re-checks
  // in each case. Any other error is a programmer error (a bad address or operation).
  RINGDB_ASSERT(result == 0 || errno == EAGAIN || errno == EINTR || errno == ETIMEDOUT);
}

void FutexWake(std::atomic<uint32_t>* word) noexcept {
  RINGDB_DASSERT(word != nullptr);
  const long result = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE,
                              INT_MAX, nullptr, nullptr, 0);
  RINGDB_ASSERT(result >= 0);
}

}  // namespace ringdb::internal
