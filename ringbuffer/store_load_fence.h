// StoreLoadFence: the full barrier between "I advanced a sequence" and "is anyone parked?".
//
// A waker stores its progress, then loads a parked-waiter counter; a waiter increments the counter,
// then re-reads the progress. Without a StoreLoad barrier on both sides each could miss the other
// (x86 lets a load pass an earlier store) and a parked thread would sleep forever. ThreadSanitizer
// does not model std::atomic_thread_fence (GCC warns with -Wtsan), so under TSan the barrier is a
// seq_cst read-modify-write on one shared atomic, which gives the same guarantee in a form TSan
// understands: RMWs on one location are totally ordered and each reads the previous one.
#pragma once

#include <atomic>

namespace ringdb::internal {

#if defined(__SANITIZE_THREAD__)
#define RINGDB_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RINGDB_TSAN_BUILD 1
#endif
#endif

inline void StoreLoadFence() noexcept {
#if defined(RINGDB_TSAN_BUILD)
  static std::atomic<uint32_t> tsan_fence{0};
  tsan_fence.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace ringdb::internal
