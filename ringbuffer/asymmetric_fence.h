// AsymmetricFence: a StoreLoad barrier split so that the frequent side is free.
//
// Two places need "my store, then your load" ordering between a hot thread and a rare one:
//  * a publisher/releaser stores its sequence, then checks whether anyone is parked (every
//    publish and release), against a waiter that counts itself parked, then re-checks (rare);
//  * a single producer stores its claim, then checks the closing flag (every claim), against
//    Close, which sets the flag, then reads the claim (once).
// A symmetric seq_cst fence costs ~9 ns on this machine (measured: mfence, lock or and xchg
// alike), twice per claim-1 item. With membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) the rare side
// forces a full barrier on every running thread of the process (~1.3 µs, only when parking or
// closing) and the hot side needs only a compiler barrier: whichever side of that barrier the hot
// thread's store fell, either the rare thread sees the store or the hot thread's later load sees
// the rare thread's store. This is the kernel's documented use (and folly's
// asymmetricThreadFenceLight/Heavy). Where membarrier is unavailable (old kernel, seccomp) both
// sides fall back to StoreLoadFence(), as they do under ThreadSanitizer, which does not model it.
#pragma once

#include <atomic>

#include "ringbuffer/store_load_fence.h"

namespace ringdb::internal {

class AsymmetricFence {
 public:
  // With `use_membarrier`, registers the process for expedited membarrier once and falls back to
  // full fences when the kernel refuses; without it, both sides are full fences.
  explicit AsymmetricFence(bool use_membarrier = true);

  // The frequent side: a compiler barrier when asymmetric, else a full fence.
  void Light() const noexcept {
    if (asymmetric_) {
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      StoreLoadFence();
    }
  }
  // The rare side: a process-wide barrier when asymmetric, else a full fence.
  void Heavy() const noexcept;
  bool asymmetric() const noexcept { return asymmetric_; }

 private:
  bool asymmetric_;
};

}  // namespace ringdb::internal
