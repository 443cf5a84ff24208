// Waiter: the loop every waiter of the ring runs (producers for room, consumers for data,
// token waiters for resolution), parameterised by RingOptions::wait_strategy.
//
// One loop with a switch rather than a class per strategy: the strategies differ only in what a
// waiter does after its spin budget, and a template loop keeps ready() inlined (a virtual call
// per spin would cost more than the spin). Every variant is bounded by the deadline and by
// ready(); only kBusySpin may burn a core, and it is opt-in.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "ringbuffer/parking_lot.h"
#include "ringdb/ring_options.h"

namespace ringdb::internal {

inline void CpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

struct Waiter {
  WaitStrategy kind = WaitStrategy::kSpinThenPark;
  uint32_t spin_count = 0;
  uint32_t yield_count = 0;  // kSpinThenPark: yields between spinning and parking.
  AsymmetricFence fence;

  // True when waiters may park, so wakers must fence and check the parked counters.
  bool parks() const noexcept {
    return kind == WaitStrategy::kSpinThenPark || kind == WaitStrategy::kBlocking;
  }

  // Waits until ready() or the deadline; returns whether ready() held. ready() must include every
  // reason to stop waiting (closed, interrupted), since only it ends a park early.
  template <typename Ready>
  bool Wait(ParkingLot& lot, Ready&& ready, Deadline deadline) const {
    return Wait(lot, ready, deadline, fence);
  }

  // As above, parking with `park_fence` (whose wakers must use its light side).
  template <typename Ready>
  bool Wait(ParkingLot& lot, Ready&& ready, Deadline deadline,
            const AsymmetricFence& park_fence) const {
    if (kind != WaitStrategy::kBlocking) {
      for (uint32_t spin = 0; spin < spin_count; ++spin) {
        if (ready()) {
          return true;
        }
        CpuRelax();
      }
    }
    switch (kind) {
      case WaitStrategy::kSpinThenPark:
        // Yields (none by default) before parking: a yield helps only when the thread it hands
        // the core to is the one being waited for; on a busy host it is a CPU-bound thread that
        // keeps the core for its time slice, while a futex wake-up gets the parked thread back.
        if (YieldFor(ready, yield_count, deadline)) {
          return true;
        }
        return lot.Park(ready, deadline, park_fence);
      case WaitStrategy::kBlocking:
        return lot.Park(ready, deadline, park_fence);
      case WaitStrategy::kBusySpin:
        return SpinUntil(ready, deadline);
      case WaitStrategy::kYielding:
        return YieldUntil(ready, deadline);
      case WaitStrategy::kSleeping:
        return SleepUntil(ready, deadline);
    }
    RINGDB_ASSERT(false && "unknown wait strategy");
    return false;
  }

 private:
  // Reading the clock costs ~20 ns; busy-spinning checks it once per 1024 spins.
  static constexpr uint32_t kSpinsPerClockRead = 1024;
  template <typename Ready>
  static bool YieldFor(Ready& ready, uint32_t yield_count, Deadline deadline) {
    for (uint32_t yield = 0; yield < yield_count; ++yield) {
      if (ready()) {
        return true;
      }
      if (deadline != kNoDeadline && std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      std::this_thread::yield();
    }
    return ready();
  }

  template <typename Ready>
  static bool SpinUntil(Ready& ready, Deadline deadline) {
    for (uint64_t spin = 1;; ++spin) {  // Bounded by the deadline or by ready().
      if (ready()) {
        return true;
      }
      if (spin % kSpinsPerClockRead == 0 && std::chrono::steady_clock::now() >= deadline) {
        return ready();
      }
      CpuRelax();
    }
  }

  template <typename Ready>
  static bool YieldUntil(Ready& ready, Deadline deadline) {
    for (;;) {  // Bounded by the deadline or by ready().
      if (ready()) {
        return true;
      }
      if (deadline != kNoDeadline && std::chrono::steady_clock::now() >= deadline) {
        return ready();
      }
      std::this_thread::yield();
    }
  }

  template <typename Ready>
  static bool SleepUntil(Ready& ready, Deadline deadline) {
    std::chrono::microseconds pause{1};
    constexpr std::chrono::microseconds kPauseMax{1000};
    for (;;) {  // Bounded by the deadline or by ready().
      if (ready()) {
        return true;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return ready();
      }
      std::this_thread::sleep_for(deadline == kNoDeadline
                                      ? pause
                                      : std::min<std::chrono::nanoseconds>(pause, deadline - now));
      pause = std::min(pause * 2, kPauseMax);
    }
  }
};

}  // namespace ringdb::internal
